package publish

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dustin/go-humanize"

	"inplace/internal/api"
)

// maxLinkTarget bounds the target of a symbolic link read from a zip.
const maxLinkTarget = 4096

// Bounds of a zip file, checked on what its central directory declares
// before anything is read or stored: a distribution or update beyond them
// is a mistake or an attack (a zip bomb). Variables so that tests can lower
// them.
var (
	maxZipEntries         = 1 << 20  // files, links and folders
	maxZipEntrySize int64 = 16 << 30 // uncompressed bytes of one entry
	maxZipTotal     int64 = 64 << 30 // uncompressed bytes of all entries
)

// A node is one file or symbolic link of a tree being read (folders are not
// nodes: they exist only as parents of their content).
type node struct {
	path   string // cleaned, slash-separated, relative to the root
	kind   string // api.KindFile or api.KindSymlink
	mode   uint32 // 0644 or 0755 for files
	target string // for symlinks, as written
	open   func() (io.ReadCloser, error)
}

// A tree is the nodes read from a folder or a zip, in path order.
type tree struct {
	nodes  []node
	closer io.Closer // the zip file, or nil
}

func (t *tree) Close() error {
	if t.closer != nil {
		return t.closer.Close()
	}
	return nil
}

// readTree reads the folder or the zip file at name. A zip whose entries all
// sit under one top-level folder has that folder stripped.
func readTree(name string) (*tree, error) {
	fi, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist", name)
	}
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		nodes, err := readFolder(name)
		if err != nil {
			return nil, err
		}
		return &tree{nodes: nodes}, nil
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is neither a folder nor a zip file", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	nodes, err := readZip(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &tree{nodes: nodes, closer: f}, nil
}

// readFolder reads every file and symbolic link under root, without following
// links.
func readFolder(root string) ([]node, error) {
	var nodes []node
	err := filepath.WalkDir(root, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if file == root {
			return nil
		}
		rel, err := filepath.Rel(root, file)
		if err != nil {
			return err
		}
		p, err := api.CleanPath(filepath.ToSlash(rel))
		if err != nil {
			return fmt.Errorf("%w: rename it", err)
		}
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case t.IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			nodes = append(nodes, node{path: p, kind: api.KindFile, mode: fileMode(fi.Mode()),
				open: func() (io.ReadCloser, error) { return os.Open(file) }})
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(file)
			if err != nil {
				return err
			}
			nodes = append(nodes, node{path: p, kind: api.KindSymlink, target: filepath.ToSlash(target)})
		default:
			return fmt.Errorf("%s: not a regular file, folder or symbolic link (%v)", p, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", root, err)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].path < nodes[j].path })
	return nodes, checkNodes(nodes)
}

// readZip reads every file and symbolic link of a zip archive. A symbolic
// link is an entry whose mode (in the external attributes) says so; its
// content is the target.
func readZip(r io.ReaderAt, size int64) ([]node, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("corrupt or not a zip file: %w", err)
	}
	if err := checkZipSizes(zr.File); err != nil {
		return nil, err
	}
	type zipNode struct {
		node
		dir bool
	}
	var all []zipNode
	for _, f := range zr.File {
		p, err := api.CleanPath(f.Name)
		if err != nil {
			return nil, fmt.Errorf("zip entry: %w: rename it in the archive", err)
		}
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			all = append(all, zipNode{node: node{path: p}, dir: true})
		case mode.IsRegular():
			all = append(all, zipNode{node: node{path: p, kind: api.KindFile, mode: fileMode(mode), open: openZipEntry(f, p)}})
		case mode&fs.ModeSymlink != 0:
			target, err := readLinkTarget(f)
			if err != nil {
				return nil, fmt.Errorf("zip entry %s: %w", p, err)
			}
			all = append(all, zipNode{node: node{path: p, kind: api.KindSymlink, target: target}})
		default:
			return nil, fmt.Errorf("zip entry %s: not a regular file, folder or symbolic link (%v)", p, mode.Type())
		}
	}

	// Strip a single top-level folder wrapping everything.
	top := ""
	for i, n := range all {
		first, rest, _ := strings.Cut(n.path, "/")
		if rest == "" && !n.dir || i > 0 && first != top {
			top = ""
			break
		}
		top = first
	}
	var nodes []node
	for _, n := range all {
		if top != "" {
			n.path = strings.TrimPrefix(strings.TrimPrefix(n.path, top), "/")
		}
		if n.dir {
			continue
		}
		nodes = append(nodes, n.node)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].path < nodes[j].path })
	return nodes, checkNodes(nodes)
}

// checkZipSizes refuses a zip with more entries, or larger ones, than
// maxZipEntries, maxZipEntrySize and maxZipTotal allow, by what its central
// directory declares.
func checkZipSizes(files []*zip.File) error {
	if len(files) > maxZipEntries {
		return fmt.Errorf("the zip holds %d entries, more than the %d a distribution or update may hold: check that it is the right file", len(files), maxZipEntries)
	}
	var total uint64
	for _, f := range files {
		if f.UncompressedSize64 > uint64(maxZipEntrySize) {
			return fmt.Errorf("zip entry %q declares %d bytes, more than the %s one file may hold: check the archive (a zip bomb?)",
				f.Name, f.UncompressedSize64, humanize.IBytes(uint64(maxZipEntrySize)))
		}
		total += f.UncompressedSize64
		if total > uint64(maxZipTotal) {
			return fmt.Errorf("the zip's entries declare more than %s in all, the most a distribution or update may hold: check the archive (a zip bomb?)",
				humanize.IBytes(uint64(maxZipTotal)))
		}
	}
	return nil
}

// openZipEntry opens a zip file entry for reading. archive/zip refuses
// content longer than the entry declares (zip.ErrFormat) and a wrong
// checksum; this says so in words.
func openZipEntry(f *zip.File, p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("zip entry %s: %w", p, err)
		}
		return &zipEntryReader{ReadCloser: rc, path: p, declared: f.UncompressedSize64}, nil
	}
}

type zipEntryReader struct {
	io.ReadCloser
	path     string
	declared uint64
}

func (r *zipEntryReader) Read(b []byte) (int, error) {
	n, err := r.ReadCloser.Read(b)
	switch {
	case errors.Is(err, zip.ErrFormat):
		err = fmt.Errorf("zip entry %s expands beyond the %d bytes its header declares: the archive is damaged or made to mislead; make it again", r.path, r.declared)
	case errors.Is(err, zip.ErrChecksum):
		err = fmt.Errorf("zip entry %s: %w: the archive is damaged; make it again", r.path, err)
	}
	return n, err
}

func readLinkTarget(f *zip.File) (string, error) {
	if f.UncompressedSize64 > maxLinkTarget {
		return "", fmt.Errorf("symbolic link target longer than %d bytes", maxLinkTarget)
	}
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxLinkTarget {
		return "", fmt.Errorf("symbolic link target longer than %d bytes", maxLinkTarget)
	}
	return string(b), nil
}

// fileMode maps permission bits to what a distribution records: 0755 when
// any execute bit is set, else 0644.
func fileMode(m fs.FileMode) uint32 {
	if m.Perm()&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// checkNodes refuses duplicate paths, paths that differ only by case, a
// path that is both a file (or link) and a folder, and symbolic links that
// are absolute or leave the root.
func checkNodes(nodes []node) error {
	seen := make(map[string]bool, len(nodes))
	paths := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if seen[n.path] {
			return fmt.Errorf("%s appears twice", n.path)
		}
		seen[n.path] = true
		paths = append(paths, n.path)
		if n.kind == api.KindSymlink {
			if err := api.CheckLinkTarget(n.path, n.target); err != nil {
				return err
			}
		}
	}
	if pairs := api.CaseCollisions(paths); len(pairs) > 0 {
		return fmt.Errorf("%s and %s differ only by case: on Windows and macOS they are the same file; rename or remove one", pairs[0][0], pairs[0][1])
	}
	return checkFolders(seen)
}

// checkCaseChanges refuses changes that touch a path (or a folder) that
// differs only by case from another path of the level or of the changes:
// on Windows and macOS the update would overwrite or remove the other
// one. Pairs the level held already, untouched, are left alone.
func checkCaseChanges(level map[string]api.Entry, changes []api.Change) error {
	paths := make([]string, 0, len(level)+len(changes))
	for p := range level {
		paths = append(paths, p)
	}
	touched := make(map[string]bool, len(changes))
	for _, c := range changes {
		paths = append(paths, c.Path)
		for p := c.Path; p != "."; p = path.Dir(p) {
			touched[p] = true
		}
	}
	for _, pair := range api.CaseCollisions(paths) {
		a, b := pair[0], pair[1]
		switch {
		case touched[a] && touched[b]:
			return fmt.Errorf("the update touches both %s and %s, which differ only by case: on Windows and macOS they are the same file; "+
				"to rename by case, remove the old name in one update and add the new one in a later update", a, b)
		case touched[a] || touched[b]:
			if touched[a] {
				a, b = b, a
			}
			return fmt.Errorf("%s differs only by case from %s at the newest level: on Windows and macOS they are the same file; "+
				"use the same spelling, or remove %s in an earlier update", b, a, a)
		}
	}
	return nil
}

// checkFolders refuses a set of paths in which one path is a parent folder of
// another.
func checkFolders(paths map[string]bool) error {
	for p := range paths {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if paths[dir] {
				return fmt.Errorf("%s is a file or symbolic link but also the folder of %s", dir, p)
			}
		}
	}
	return nil
}

// hashNode returns the entry of n, reading a file to hash it.
func hashNode(n node) (api.Entry, error) {
	if n.kind == api.KindSymlink {
		return api.Entry{Path: n.path, Kind: api.KindSymlink, Target: n.target}, nil
	}
	rc, err := n.open()
	if err != nil {
		return api.Entry{}, fmt.Errorf("read %s: %w", n.path, err)
	}
	defer rc.Close()
	h := sha256.New()
	size, err := io.Copy(h, rc)
	if err != nil {
		return api.Entry{}, fmt.Errorf("read %s: %w", n.path, err)
	}
	return api.Entry{Path: n.path, Kind: api.KindFile, Mode: n.mode,
		SHA256: hex.EncodeToString(h.Sum(nil)), Size: size}, nil
}

// readSmallFile reads a node's content, refusing more than max bytes.
func readSmallFile(n node, max int64) ([]byte, error) {
	if n.kind != api.KindFile {
		return nil, fmt.Errorf("%s must be a regular file", n.path)
	}
	rc, err := n.open()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", n.path, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(rc, max+1)); err != nil {
		return nil, fmt.Errorf("read %s: %w", n.path, err)
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", n.path, max)
	}
	return buf.Bytes(), nil
}

// errEmpty is wrapped by errors for inputs that hold nothing to publish.
var errEmpty = errors.New("nothing to publish")
