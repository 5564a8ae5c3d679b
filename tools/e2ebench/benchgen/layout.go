package benchgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"sort"
	"strings"
)

// A fileSpec is one file of the product to write: its kind follows from
// its name's extension.
type fileSpec struct {
	path string // relative, slash-separated
	size int64  // about how many bytes it holds
	seed uint64
}

// A sizeProfile is how big files of one extension are: a log-normal
// distribution around median bytes.
type sizeProfile struct {
	median, sigma float64
}

var sizeProfiles = map[string]sizeProfile{
	".js": {5000, 1.4}, ".css": {3000, 1.0}, ".html": {3000, 0.8}, ".jsp": {6000, 0.8},
	".json": {2500, 1.1}, ".svg": {2000, 1.0}, ".png": {3000, 1.3}, ".gif": {800, 0.8},
	".woff2": {30000, 0.5}, ".xml": {4000, 1.0}, ".properties": {1500, 1.0}, ".toml": {3000, 0.8},
	".yaml": {2000, 0.9}, ".j2": {5000, 1.0}, ".sql": {25000, 0.8}, ".txt": {6000, 1.0},
	".md": {3000, 0.8}, ".sh": {6000, 0.7}, ".bat": {5000, 0.7}, ".inf": {400, 0.5},
	".jks": {40000, 0.5}, ".vm": {3000, 0.8}, ".java": {5000, 0.8}, ".gz": {20000, 0.8},
	".xsd": {6000, 0.8}, ".hbs": {2000, 0.8},
}

func sampleSize(r *rand.Rand, name string) float64 {
	p, ok := sizeProfiles[path.Ext(name)]
	if !ok {
		p = sizeProfile{2000, 1.0}
	}
	return min(max(p.median*math.Exp(p.sigma*r.NormFloat64()), 64), 4<<20)
}

// Shares of the product: archives hold most bytes; of the other files,
// the exploded web applications are the most.
const (
	jarShare      = 0.075 // of the files
	archiveBytes  = 0.88  // of the bytes: jars and wars
	largeJarShare = 0.007 // of the jars: 10 to 30 MB
)

// skeleton is the files every product has, at fixed places.
var skeleton = []string{
	"LICENSE.txt", "README.txt", "release-notes.html",
	"bin/api-manager.sh", "bin/api-manager.bat", "bin/wso2server.sh", "bin/wso2server.bat",
	"bin/ciphertool.sh", "bin/ciphertool.bat", "bin/profileSetup.sh", "bin/profileSetup.bat",
	"bin/forgetme/forgetme.sh", "bin/forgetme/forgetme.bat", "bin/version.txt",
	"repository/conf/deployment.toml", "repository/conf/carbon.xml", "repository/conf/log4j2.properties",
	"repository/conf/registry.xml", "repository/conf/user-mgt.xml", "repository/conf/api-manager.xml",
	"repository/conf/axis2/axis2.xml", "repository/conf/axis2/axis2_client.xml",
	"repository/conf/identity/identity.xml", "repository/conf/datasources/master-datasources.xml",
	"repository/conf/security/Owasp.CsrfGuard.Carbon.properties", "repository/conf/tomcat/catalina-server.xml",
	"repository/conf/jndi.properties", "repository/conf/carbon.properties", "repository/conf/synapse.properties",
	"repository/conf/passthru-http.properties", "repository/conf/metrics.xml",
	"repository/resources/security/wso2carbon.jks", "repository/resources/security/client-truststore.jks",
	"dbscripts/mysql.sql", "dbscripts/postgresql.sql", "dbscripts/h2.sql",
}

// minFiles is the fewest files a product may have: the skeleton and a few
// of each kind.
const minFiles = 100

// A namer hands out paths that are not taken yet, ignoring case: a product
// ships to Windows and macOS, where KeyStore.xml and Keystore.xml are one
// file (update-server refuses such a pair).
type namer struct {
	taken map[string]bool // lower-cased paths
}

// take returns the first name gen makes that is free, after a few tries
// a numbered one.
func (n *namer) take(gen func() string) string {
	for i := 0; ; i++ {
		p := gen()
		if i > 8 {
			ext := path.Ext(p)
			if strings.HasSuffix(p, ".xml.j2") {
				ext = ".xml.j2"
			}
			p = strings.TrimSuffix(p, ext) + fmt.Sprint(i) + ext
		}
		if !n.taken[strings.ToLower(p)] {
			n.taken[strings.ToLower(p)] = true
			return p
		}
	}
}

// pick returns one of choices, each as likely as its weight.
func pick(r *rand.Rand, choices []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.IntN(total)
	for i, w := range weights {
		if x < w {
			return choices[i]
		}
		x -= w
	}
	return choices[len(choices)-1]
}

// A group is a part of the product: its share of the files that are not
// archives, its folders and how its files are named.
type group struct {
	share float64
	dirs  func(r *rand.Rand) string // a folder for the group's files
	file  func(r *rand.Rand) string // a file name in it
	ndirs func(files int) int
}

func version(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d", 1+r.IntN(9), r.IntN(30), r.IntN(200))
}

var webapps = []string{"publisher", "devportal", "admin", "authenticationendpoint", "accountrecoveryendpoint", "oauth2", "api#am#admin", "api#identity#consent-mgt#v1.0"}

var groups = []group{
	{ // the exploded web applications' pages, scripts and images
		share: 0.55,
		dirs: func(r *rand.Rand) string {
			app := "repository/deployment/server/webapps/" + webapps[r.IntN(len(webapps))]
			switch r.IntN(6) {
			case 0:
				return app + "/site/public/images/" + word(r)
			case 1:
				return app + "/site/public/locales"
			case 2:
				return app + "/site/public/dist/" + word(r)
			case 3:
				return app + "/libs/" + word(r) + "_" + version(r) + "/" + word(r)
			case 4:
				return app + "/WEB-INF/" + word(r)
			}
			return app + "/site/public/pages/" + word(r) + "/" + word(r)
		},
		file: func(r *rand.Rand) string {
			ext := pick(r, []string{".js", ".json", ".png", ".svg", ".css", ".html", ".jsp", ".gif", ".woff2", ".xml", ".properties"},
				[]int{30, 12, 15, 12, 8, 4, 6, 5, 3, 2, 3})
			if ext == ".js" && r.IntN(2) == 0 {
				return fmt.Sprintf("%s.%08x.bundle.js", lowerCamel(r, 1), r.Uint32())
			}
			return lowerCamel(r, 1+r.IntN(2)) + ext
		},
		ndirs: func(n int) int { return n/40 + 1 },
	},
	{ // OSGi features
		share: 0.10,
		dirs: func(r *rand.Rand) string {
			return "repository/components/features/org.wso2.carbon." + word(r) + "." + word(r) + ".feature_" + version(r)
		},
		file: func(r *rand.Rand) string {
			return pick(r, []string{"feature.xml", "feature.properties", "p2.inf", "runtimes/" + word(r) + ".xml", "conf_templates/" + word(r) + ".j2"}, []int{3, 3, 2, 1, 1})
		},
		ndirs: func(n int) int { return n/4 + 1 },
	},
	{ // resources: API templates, mediation policies, key stores
		share: 0.08,
		dirs: func(r *rand.Rand) string {
			return "repository/resources/" + pick(r, []string{"api_templates", "extensions", "customsequences/in", "customsequences/out", "customsequences/fault", "operation_policies", "rxts", "email", "conf/templates/repository/conf/" + word(r), "security/" + word(r)}, []int{2, 2, 1, 1, 1, 3, 1, 1, 4, 1})
		},
		file: func(r *rand.Rand) string {
			return lowerCamel(r, 1+r.IntN(2)) + pick(r, []string{".xml", ".json", ".yaml", ".vm", ".j2", ".txt", ".properties", ".html", ".jks"}, []int{30, 20, 10, 10, 10, 5, 5, 5, 1})
		},
		ndirs: func(n int) int { return n/30 + 1 },
	},
	{ // the gateway's Synapse configuration
		share: 0.06,
		dirs: func(r *rand.Rand) string {
			return "repository/deployment/server/synapse-configs/default/" + pick(r, []string{"api", "sequences", "endpoints", "proxy-services", "local-entries", "inbound-endpoints", "templates"}, []int{4, 3, 2, 1, 1, 1, 1})
		},
		file:  func(r *rand.Rand) string { return camel(r, 1+r.IntN(3)) + ".xml" },
		ndirs: func(n int) int { return 7 },
	},
	{ // more configuration
		share: 0.04,
		dirs: func(r *rand.Rand) string {
			return "repository/conf/" + pick(r, []string{"", "axis2", "identity", "security", "tomcat", "datasources", "multitenancy", "data-bridge", "etc", "identity/" + word(r)}, []int{4, 2, 3, 2, 1, 1, 1, 1, 1, 2})
		},
		file: func(r *rand.Rand) string {
			return lowerCamel(r, 1+r.IntN(2)) + pick(r, []string{".xml", ".properties", ".yaml", ".toml", ".json", ".xsd"}, []int{10, 5, 2, 1, 1, 1})
		},
		ndirs: func(n int) int { return 12 },
	},
	{ // configuration templates
		share: 0.03,
		dirs: func(r *rand.Rand) string {
			return "repository/resources/conf/templates/repository/conf/" + pick(r, []string{"axis2", "identity", "tomcat", "security", "advanced", word(r)}, []int{2, 2, 1, 1, 1, 2})
		},
		file:  func(r *rand.Rand) string { return lowerCamel(r, 1+r.IntN(2)) + ".xml.j2" },
		ndirs: func(n int) int { return n/20 + 1 },
	},
	{ // licences and documents
		share: 0.04,
		dirs: func(r *rand.Rand) string {
			return pick(r, []string{"licenses", "docs", "docs/" + word(r)}, []int{5, 1, 2})
		},
		file: func(r *rand.Rand) string {
			return word(r) + "-" + word(r) + pick(r, []string{".txt", ".md", ".html"}, []int{6, 2, 1})
		},
		ndirs: func(n int) int { return n/50 + 2 },
	},
	{ // database scripts
		share: 0.02,
		dirs: func(r *rand.Rand) string {
			return "dbscripts/" + pick(r, []string{"apimgt", "identity", "consent", "metrics", "mb-store", "migration/" + version(r)}, []int{2, 2, 1, 1, 1, 3})
		},
		file: func(r *rand.Rand) string {
			return pick(r, []string{"mysql", "mysql_cluster", "postgresql", "oracle", "oracle_rac", "mssql", "db2", "h2"}, []int{1, 1, 1, 1, 1, 1, 1, 1}) + ".sql"
		},
		ndirs: func(n int) int { return n/6 + 1 },
	},
	{ // the provisioning platform's metadata
		share: 0.04,
		dirs: func(r *rand.Rand) string {
			return "repository/components/p2/org.eclipse.equinox.p2." + pick(r, []string{"engine", "core", "director", "repository"}, []int{3, 1, 1, 1}) + "/" + word(r)
		},
		file: func(r *rand.Rand) string {
			return lowerCamel(r, 1) + pick(r, []string{".xml", ".properties", ".gz"}, []int{3, 3, 2})
		},
		ndirs: func(n int) int { return n/25 + 1 },
	},
	{ // samples
		share: 0.04,
		dirs: func(r *rand.Rand) string {
			return "samples/" + word(r) + "/" + pick(r, []string{"src/main/java/org/acme/" + word(r), "resources", "bin", ""}, []int{3, 2, 1, 1})
		},
		file: func(r *rand.Rand) string {
			return lowerCamel(r, 1+r.IntN(2)) + pick(r, []string{".java", ".xml", ".sh", ".json", ".yaml", ".md"}, []int{4, 3, 1, 2, 1, 1})
		},
		ndirs: func(n int) int { return n/15 + 1 },
	},
}

// plan lays the product out: the paths and sizes of its files.
func plan(o Options) []fileSpec {
	r := newRand(hashSeed(o.Seed, "layout"))
	names := &namer{taken: make(map[string]bool)}
	var files []fileSpec
	add := func(p string, size float64) {
		files = append(files, fileSpec{path: p, size: int64(size), seed: hashSeed(o.Seed, "file", p)})
	}
	for _, p := range skeleton {
		names.taken[strings.ToLower(p)] = true
		add(p, sampleSize(r, p))
	}
	wars := min(max(o.Files/3000+1, 1), len(webapps))
	jars := max(int(float64(o.Files)*jarShare), 4)
	others := o.Files - len(skeleton) - wars - jars

	// The other files, group by group, in folders made up front so that
	// folders hold tens of files as in a real product.
	left := others
	for i, g := range groups {
		n := int(float64(others) * g.share)
		if i == len(groups)-1 {
			n = left
		}
		left -= n
		dirs := make([]string, max(g.ndirs(n), 1))
		for j := range dirs {
			dirs[j] = g.dirs(r)
		}
		for range n {
			p := names.take(func() string { return path.Join(dirs[r.IntN(len(dirs))], g.file(r)) })
			add(p, sampleSize(r, p))
		}
	}
	// Their sizes scaled so that, with the skeleton, they hold their share.
	var sum float64
	for _, f := range files {
		sum += float64(f.size)
	}
	scale := float64(o.Bytes) * (1 - archiveBytes) / sum
	for i := range files {
		files[i].size = max(int64(float64(files[i].size)*scale), 16)
	}

	// Archives: wars of a few MB, and jars: many small, some of a few MB,
	// a few large.
	budget := float64(o.Bytes) * archiveBytes
	var archives []fileSpec
	for i := range wars {
		// 2 to 12 MB in a product of 1 GiB.
		size := float64(o.Bytes) * logUniform(r, 0.002, 0.012)
		archives = append(archives, fileSpec{path: "repository/deployment/server/webapps/" + webapps[i] + ".war", size: int64(size)})
	}
	const (
		smallMean  = (500e3 - 10e3) / 3.912 // log-uniform 10 KB to 500 KB
		mediumMean = (5e6 - 1e6) / 1.609    // 1 to 5 MB
		largeMean  = (30e6 - 10e6) / 1.0986 // 10 to 30 MB
	)
	large := min(int(math.Round(float64(jars)*largeJarShare)), int(budget*0.3/largeMean))
	rest := budget*0.95 - float64(large)*largeMean
	medium := int(min(max((rest-float64(jars-large)*smallMean)/(mediumMean-smallMean), 0), float64(jars-large)))
	kinds := make([]int, jars) // 0 small, 1 medium, 2 large
	for i := range large {
		kinds[i] = 2
	}
	for i := large; i < large+medium; i++ {
		kinds[i] = 1
	}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	for i, k := range kinds {
		size := logUniform(r, 10e3, 500e3)
		switch k {
		case 1:
			size = logUniform(r, 1e6, 5e6)
		case 2:
			size = logUniform(r, 10e6, 30e6)
		}
		archives = append(archives, fileSpec{path: names.take(func() string { return jarPath(r, i, jars) }), size: int64(size)})
	}
	sum = 0
	for _, a := range archives {
		sum += float64(a.size)
	}
	scale = budget / sum
	for i := range archives {
		archives[i].size = max(int64(float64(archives[i].size)*scale), 4096)
		archives[i].seed = hashSeed(o.Seed, "file", archives[i].path)
	}
	files = append(files, archives...)
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files
}

// jarPath names the i-th of n jars: most are OSGi bundles among the
// plugins, the others libraries in lib/ and beside the plugins.
func jarPath(r *rand.Rand, i, n int) string {
	switch {
	case i == 0:
		return "bin/org.wso2.carbon.bootstrap-" + version(r) + ".jar"
	case i == 1:
		return "bin/tomcat-juli-9.0." + fmt.Sprint(r.IntN(90)) + ".jar"
	case i < n*8/100:
		return "lib/" + word(r) + "-" + word(r) + "-" + version(r) + ".jar"
	case i < n*12/100:
		return "repository/components/lib/" + word(r) + "-" + word(r) + "-" + version(r) + ".jar"
	case i < n*14/100:
		return "repository/components/dropins/org.wso2.carbon." + word(r) + "." + word(r) + "_" + version(r) + ".jar"
	case i < n*70/100:
		return "repository/components/plugins/org.wso2.carbon." + word(r) + "." + word(r) + "." + word(r) + "_" + version(r) + ".jar"
	}
	return "repository/components/plugins/" + pick(r, []string{"org.apache.", "io.netty.", "com.fasterxml.jackson.", "org.eclipse.", "io.swagger.", "com.google."}, []int{4, 2, 2, 2, 1, 1}) +
		word(r) + "." + word(r) + "_" + version(r) + ".wso2v" + fmt.Sprint(1+r.IntN(3)) + ".jar"
}

// splitJarName splits a jar's file name into its bundle or artifact name
// and its version: "commons-io-2.11.0.jar" is "commons-io" and "2.11.0",
// "org.wso2.carbon.core_4.9.26.jar" is "org.wso2.carbon.core" and "4.9.26".
func splitJarName(base string) (name, version string) {
	base = strings.TrimSuffix(base, path.Ext(base))
	if i := versionAt(base); i > 0 {
		return base[:i], base[i+1:]
	}
	return base, ""
}

// versionAt returns the index of the separator before the version in a
// jar's name without its extension, or -1.
func versionAt(base string) int {
	for i := 0; i+1 < len(base); i++ {
		if (base[i] == '-' || base[i] == '_') && base[i+1] >= '0' && base[i+1] <= '9' {
			return i
		}
	}
	return -1
}

// bumpVersion returns the next version: its last number plus one.
func bumpVersion(v string) string {
	i, j := lastRun(v, func(c rune) bool { return c >= '0' && c <= '9' })
	if i < 0 {
		return v + ".1"
	}
	n := 0
	fmt.Sscan(v[i:j], &n)
	return v[:i] + fmt.Sprint(n+1) + v[j:]
}
