// Package benchgen generates the product that `make bench` updates, and
// measures three baselines on it.
//
// Product writes the first release of a product shaped like a Java
// middleware distribution (WSO2 API Manager is the model): start scripts in
// bin/, configuration in repository/conf/ (XML, TOML, properties, YAML),
// about 1,500 OSGi bundles and libraries in repository/components/plugins/
// and lib/, web applications in repository/deployment/server/webapps/
// (wars, with jars stored under WEB-INF/lib, and exploded folders of
// scripts, pages and images), configuration templates, database scripts,
// licences. By default 20,000 files and 1 GiB, nine tenths of it in jars:
// many of 10 to 500 KB, some of 1 to 5 MB, a few of 10 to 30 MB.
//
// The jars are real zip archives. Their class entries are made up of a
// constant pool's names and runs of bytes that do not repeat, and are
// deflated about 2.8:1; the deflate streams are written from the tokens
// that make the class (see deflater) rather than searched for, which makes
// generating fast, and coded with Huffman codes made for each entry, so
// that another compressor gains about as little on them as on real jars.
//
// Release writes the second release: the first with an update applied, as
// vendors release them. Most of the bytes are jars rebuilt with a few
// entries changed and every other entry byte for byte the same, some under
// a new version (a removal and an addition); the rest are configuration
// files with a few lines edited, other texts and images, a few files added
// and removed.
//
// Everything is a pure function of Options: the same seed gives the same
// bytes (for a given Go toolchain: some texts inside archives are deflated
// by compress/flate). Generation reads nothing but what it wrote; in
// particular it never reads ../shared, whose files are not ours to ship.
//
// The baselines are what the update tool is measured against, each on its
// own copy of the first release (CopyTree): Floor, the least any durable
// update does; Git, a fetch and merge of the vendor's branch; Pack, the
// whole new distribution unpacked and mirrored over the installation with
// rsync. Each returns only the duration of the update itself, and writes
// out what earlier steps left unwritten before starting its clock. The
// baselines run on Linux (they need syncfs); git, unzip and rsync are
// looked for when needed.
//
// This package is for the benchmark only: nothing shipped imports it.
package benchgen
