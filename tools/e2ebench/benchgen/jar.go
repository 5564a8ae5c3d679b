package benchgen

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"path"
	"strings"
	"time"
	"unicode"
)

// The modification times of archive entries written for the first and the
// second release. An entry the second release keeps keeps its time too.
var (
	release1Time = time.Date(2023, time.May, 2, 9, 30, 0, 0, time.UTC)
	release2Time = time.Date(2023, time.August, 21, 14, 5, 0, 0, time.UTC)
)

// A jarSpec describes a jar to generate.
type jarSpec struct {
	name    string // bundle or artifact name: "org.wso2.carbon.apimgt.impl", "commons-io"
	version string // "9.28.116"
	size    int64  // about how many bytes the jar holds
	seed    uint64
}

// pkg is the Java package of the jar's classes.
func (s jarSpec) pkg() string { return javaPackage(s.name) }

// javaPackage makes a package path of a bundle or artifact name:
// "org.wso2.carbon.apimgt.impl" is "org/wso2/carbon/apimgt/impl", and
// "commons-io" is "org/commons/io".
func javaPackage(name string) string {
	if strings.Contains(name, ".") {
		return strings.ReplaceAll(strings.ReplaceAll(name, "-", ""), ".", "/")
	}
	return "org/" + strings.ReplaceAll(name, "-", "/")
}

// An archiveWriter adds entries to a zip archive and keeps an estimate of
// its size, to stop adding classes when the archive is large enough.
type archiveWriter struct {
	zw      *zip.Writer
	classes classMaker
	dirs    map[string]bool
	bytes   int64 // about how many bytes the archive holds so far
	entries int
	time    time.Time
}

func newArchiveWriter(w io.Writer, t time.Time) *archiveWriter {
	return &archiveWriter{zw: zip.NewWriter(w), dirs: make(map[string]bool), time: t}
}

// overhead is about what an entry costs beside its data: its local and
// central headers with the name twice and a time stamp field twice.
func overhead(name string) int64 { return 30 + 46 + 2*9 + 2*int64(len(name)) }

// dir adds the directory entries of name's parents that are not there yet,
// as jar tools write them.
func (a *archiveWriter) dir(name string) error {
	d := path.Dir(name)
	if d == "." || a.dirs[d] {
		return nil
	}
	if err := a.dir(d); err != nil {
		return err
	}
	a.dirs[d] = true
	a.bytes += overhead(d + "/")
	a.entries++
	_, err := a.zw.CreateHeader(&zip.FileHeader{Name: d + "/", Method: zip.Store, Modified: a.time})
	return err
}

// text adds a deflated entry (compress/flate: manifests and other small
// texts).
func (a *archiveWriter) text(name string, data []byte) error {
	if err := a.dir(name); err != nil {
		return err
	}
	w, err := a.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: a.time})
	if err != nil {
		return err
	}
	a.bytes += overhead(name) + int64(len(data))/3
	a.entries++
	_, err = w.Write(data)
	return err
}

// raw adds an entry whose data is already deflated (method Deflate) or is
// stored as is (method Store).
func (a *archiveWriter) raw(name string, method uint16, data []byte, crc uint32, size int) error {
	if err := a.dir(name); err != nil {
		return err
	}
	// CreateRaw, unlike CreateHeader, takes the MS-DOS time as given.
	date, clock := msDosTime(a.time)
	w, err := a.zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: method, Modified: a.time, ModifiedDate: date, ModifiedTime: clock,
		CRC32: crc, CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(size),
	})
	if err != nil {
		return err
	}
	a.bytes += overhead(name) + int64(len(data))
	a.entries++
	_, err = w.Write(data)
	return err
}

// msDosTime returns t as the date and time fields of a zip header.
func msDosTime(t time.Time) (date, clock uint16) {
	date = uint16(t.Year()-1980)<<9 | uint16(t.Month())<<5 | uint16(t.Day())
	clock = uint16(t.Hour())<<11 | uint16(t.Minute())<<5 | uint16(t.Second()/2)
	return date, clock
}

// class adds a class file made from seed.
func (a *archiveWriter) class(name string, v *vocab, seed uint64, size int) error {
	stream := a.classes.class(v, seed, size)
	raw := a.classes.d.raw
	return a.raw(name, zip.Deflate, stream, crc32.ChecksumIEEE(raw), len(raw))
}

// stored adds data without compression: a jar inside a war.
func (a *archiveWriter) stored(name string, data []byte) error {
	return a.raw(name, zip.Store, data, crc32.ChecksumIEEE(data), len(data))
}

func (a *archiveWriter) close() error { return a.zw.Close() }

// manifest returns META-INF/MANIFEST.MF of a bundle, with the CRLF line
// ends that jar tools write.
func manifest(name, version string, r *rand.Rand) []byte {
	pkg := strings.ReplaceAll(javaPackage(name), "/", ".")
	lines := []string{
		"Manifest-Version: 1.0",
		"Bnd-LastModified: " + fmt.Sprint(1680000000000+r.Int64N(1e10)),
		"Build-Jdk-Spec: 11",
		"Bundle-ManifestVersion: 2",
		"Bundle-Name: " + camel(r, 3),
		"Bundle-SymbolicName: " + name,
		"Bundle-Version: " + version,
		"Created-By: Apache Maven Bundle Plugin 5.1.8",
		"Export-Package: " + pkg + ";version=\"" + version + "\"",
	}
	imports := make([]string, 0, 16)
	for range 4 + r.IntN(12) {
		imports = append(imports, "org."+word(r)+"."+word(r)+";version=\"[1.0,2)\"")
	}
	lines = append(lines, "Import-Package: "+strings.Join(imports, ","), "", "")
	// Manifest lines are at most 72 bytes: longer ones go on in lines
	// starting with a space.
	var b bytes.Buffer
	for _, l := range lines {
		for len(l) > 72 {
			b.WriteString(l[:72] + "\r\n")
			l = " " + l[72:]
		}
		b.WriteString(l + "\r\n")
	}
	return b.Bytes()[:b.Len()-2]
}

// pomProperties returns META-INF/maven/.../pom.properties.
func pomProperties(name, version string) []byte {
	return []byte("#Created by Apache Maven 3.8.6\nversion=" + version + "\ngroupId=" + groupID(name) + "\nartifactId=" + name + "\n")
}

func groupID(name string) string {
	if i := strings.LastIndex(name, "."); i > 0 {
		return name[:i]
	}
	return "org." + strings.ReplaceAll(name, "-", ".")
}

// writeJar writes the jar s describes to w and returns its number of
// entries: a manifest, packages of classes, and the Maven descriptors, as a
// bundle built by Maven holds them.
func writeJar(w io.Writer, s jarSpec, seed int64) (int, error) {
	a := newArchiveWriter(w, release1Time)
	r := newRand(s.seed)
	v := newVocab(s.pkg(), hashSeed(seed, "vocab", s.name))
	if err := a.text("META-INF/MANIFEST.MF", manifest(s.name, s.version, r)); err != nil {
		return 0, err
	}
	if err := writeClasses(a, s.pkg(), s.size-2048, r, v); err != nil {
		return 0, err
	}
	pom := "META-INF/maven/" + groupID(s.name) + "/" + s.name + "/pom.properties"
	if err := a.text(pom, pomProperties(s.name, s.version)); err != nil {
		return 0, err
	}
	return a.entries, a.close()
}

// writeClasses adds classes to a until it holds about size bytes, package
// after package: the package pkg and sub-packages, one per 150 KB or so.
func writeClasses(a *archiveWriter, pkg string, size int64, r *rand.Rand, v *vocab) error {
	packages := 1 + int(min(size/150_000, 60))
	start := a.bytes
	names := make(map[string]bool)
	for i := range packages {
		p := pkg
		if i > 0 {
			p += "/" + word(r)
			if r.IntN(3) == 0 {
				p += "/" + word(r)
			}
		}
		until := start + size*int64(i+1)/int64(packages)
		for a.bytes < until || len(names) == 0 {
			name := p + "/" + camel(r, 1+r.IntN(2)) + classSuffixes[r.IntN(len(classSuffixes))] + ".class"
			if names[name] {
				continue
			}
			names[name] = true
			if err := a.class(name, v, r.Uint64(), classSize(r)); err != nil {
				return err
			}
		}
	}
	return nil
}

// A warSpec describes a web application archive to generate.
type warSpec struct {
	name string // "publisher"
	size int64
	seed uint64
}

// writeWar writes a web application: its descriptor and pages, its
// classes under WEB-INF/classes and the jars it needs, stored under
// WEB-INF/lib.
func writeWar(w io.Writer, s warSpec, seed int64) (int, error) {
	a := newArchiveWriter(w, release1Time)
	r := newRand(s.seed)
	pkg := "org/wso2/carbon/" + strings.Map(func(c rune) rune {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return unicode.ToLower(c)
		}
		return -1
	}, s.name) + "/webapp"
	v := newVocab(pkg, hashSeed(seed, "vocab", pkg))
	if err := a.text("META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\nCreated-By: Apache Maven 3.8.6\r\nBuild-Jdk-Spec: 11\r\n\r\n")); err != nil {
		return 0, err
	}
	if err := a.text("WEB-INF/web.xml", makeText(".xml", 6000, r)); err != nil {
		return 0, err
	}
	// Pages, scripts and styles: a tenth of the war.
	for i := 0; a.bytes < s.size/10; i++ {
		ext := []string{".html", ".js", ".css", ".jsp"}[i%4]
		name := fmt.Sprintf("%s/%s%s", []string{"static", "js", "css", "pages"}[i%4], lowerCamel(r, 2), ext)
		if err := a.text(name, makeText(ext, int(logUniform(r, 2000, 60000)), r)); err != nil {
			return 0, err
		}
	}
	// Classes: a quarter; jars: the rest.
	if err := writeClasses(a, "WEB-INF/classes/"+pkg, s.size/4, r, v); err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	libs := make(map[string]bool)
	for a.bytes < s.size-10_000 {
		js := jarSpec{name: word(r) + "-" + word(r), version: version(r)}
		if libs[js.name] {
			continue
		}
		libs[js.name] = true
		js.size = min(int64(logUniform(r, 20_000, 1_000_000)), s.size-a.bytes)
		js.seed = hashSeed(seed, s.name, js.name)
		buf.Reset()
		if _, err := writeJar(&buf, js, seed); err != nil {
			return 0, err
		}
		if err := a.stored("WEB-INF/lib/"+js.name+"-"+js.version+".jar", buf.Bytes()); err != nil {
			return 0, err
		}
	}
	return a.entries, a.close()
}
