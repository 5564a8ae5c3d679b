package sample

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"time"
)

// zipTime is the modification time of every archive entry, so that an
// archive has the same bytes on every run.
var zipTime = time.Date(2024, time.March, 4, 10, 30, 0, 0, time.UTC)

// An archive describes one generated jar or war. Its entry names depend only
// on its path; the bytes of its classes depend on the path and the build, so
// that two builds of one archive differ as a patched jar differs from the
// jar it replaces.
type archive struct {
	path    string // relative to PRODUCT_HOME, slash-separated
	title   string // Bundle-Name
	bundle  string // Bundle-SymbolicName, also the Java package of its classes
	version string // Bundle-Version
	classes int    // number of class entries
	size    int    // mean size of a class entry in bytes, before compression
}

// Builds of the vendor's archives and of the customer's patched jar.
const (
	buildGA       = "ga"
	buildUpdate1  = "update-1"
	buildUpdate2  = "update-2"
	buildCustomer = "customer-patch"
)

// seed returns a seed for math/rand/v2's PCG from some strings. PCG is a
// specified algorithm, so its output does not change between Go releases.
func seed(parts ...string) (uint64, uint64) {
	h := fnv.New128a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])
}

func newRand(parts ...string) *rand.Rand {
	return rand.New(rand.NewPCG(seed(parts...)))
}

// build returns the bytes of the archive as built by build.
func (a archive) build(build string) ([]byte, error) {
	names := newRand(a.path, "names")
	content := newRand(a.path, "content", build)
	pkg := strings.ReplaceAll(a.bundle, ".", "/")
	war := strings.HasSuffix(a.path, ".war")
	prefix := ""
	if war {
		prefix = "WEB-INF/classes/"
	}
	classDir := prefix + pkg

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	dir := func(name string) error {
		_, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: zipTime})
		return err
	}
	file := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}

	if err := dir("META-INF/"); err != nil {
		return nil, err
	}
	if err := file("META-INF/MANIFEST.MF", a.manifest(build)); err != nil {
		return nil, err
	}
	if war {
		if err := a.webFiles(dir, file, content); err != nil {
			return nil, err
		}
	}
	// Directory entries for the package and its parents, as jar tools
	// write them.
	parts := strings.Split(pkg, "/")
	for i := range parts {
		if err := dir(prefix + strings.Join(parts[:i+1], "/") + "/"); err != nil {
			return nil, err
		}
	}
	// Classes go into the package and a few sub-packages.
	subs := []string{"", "", "", "internal/", "util/", "handlers/"}
	made := map[string]bool{}
	seen := map[string]bool{}
	for i := 0; i < a.classes; i++ {
		sub := subs[names.IntN(len(subs))]
		if sub != "" && !made[sub] {
			made[sub] = true
			if err := dir(classDir + "/" + sub); err != nil {
				return nil, err
			}
		}
		class := className(names)
		for seen[sub+class] {
			class = className(names)
		}
		seen[sub+class] = true
		// Sizes vary from 0.25 to 1.75 times the mean, as real classes do.
		size := a.size/4 + names.IntN(a.size*3/2+1)
		data := classFile(content, pkg+"/"+strings.TrimSuffix(sub, "/"), class, size)
		if err := file(classDir+"/"+sub+class+".class", data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("sample: building %s: %w", a.path, err)
	}
	return buf.Bytes(), nil
}

// buildAll builds archives concurrently, each as built by build, and
// returns their bytes in order.
func buildAll(build string, archives ...archive) ([][]byte, error) {
	out := make([][]byte, len(archives))
	errs := make([]error, len(archives))
	var wg sync.WaitGroup
	for i, a := range archives {
		wg.Go(func() { out[i], errs[i] = a.build(build) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// manifest returns META-INF/MANIFEST.MF, with the CRLF line ends that jar
// tools write.
func (a archive) manifest(build string) []byte {
	lines := []string{
		"Manifest-Version: 1.0",
		"Created-By: inplace sample generator",
		"Build-Jdk-Spec: 11",
		"Bundle-ManifestVersion: 2",
		"Bundle-Name: " + a.title,
		"Bundle-SymbolicName: " + a.bundle,
		"Bundle-Version: " + a.version,
		"Bundle-Vendor: Acme Corporation",
		"Implementation-Build: " + build,
		"Export-Package: " + a.bundle + ";version=\"" + a.version + "\"",
		"",
		"",
	}
	return []byte(strings.Join(lines, "\r\n"))
}

// webFiles writes the deployment descriptor and static files of a war.
func (a archive) webFiles(dir func(string) error, file func(string, []byte) error, r *rand.Rand) error {
	webXML := `<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="5.0">
    <display-name>` + a.title + `</display-name>
    <servlet>
        <servlet-name>portal</servlet-name>
        <servlet-class>` + a.bundle + `.PortalServlet</servlet-class>
        <load-on-startup>1</load-on-startup>
    </servlet>
    <servlet-mapping>
        <servlet-name>portal</servlet-name>
        <url-pattern>/api/*</url-pattern>
    </servlet-mapping>
    <welcome-file-list>
        <welcome-file>index.html</welcome-file>
    </welcome-file-list>
</web-app>
`
	index := `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>` + a.title + `</title>
<link rel="stylesheet" href="static/portal.css"></head>
<body><div id="root"></div><script src="static/portal.js"></script></body>
</html>
`
	for _, d := range []string{"WEB-INF/", "WEB-INF/classes/", "static/"} {
		if err := dir(d); err != nil {
			return err
		}
	}
	if err := file("WEB-INF/web.xml", []byte(webXML)); err != nil {
		return err
	}
	if err := file("index.html", []byte(index)); err != nil {
		return err
	}
	if err := file("static/portal.css", script(r, 6000, "css")); err != nil {
		return err
	}
	return file("static/portal.js", script(r, 60000, "js"))
}

// script returns minified-looking text of about n bytes.
func script(r *rand.Rand, n int, kind string) []byte {
	var b strings.Builder
	for b.Len() < n {
		w := words[r.IntN(len(words))]
		v := words[r.IntN(len(words))]
		if kind == "css" {
			fmt.Fprintf(&b, ".%s-%s{margin:%dpx;color:#%06x}", strings.ToLower(w), strings.ToLower(v), r.IntN(32), r.IntN(1<<24))
		} else {
			fmt.Fprintf(&b, "function %s%s(e,t){return e.%s(t,%d)}", strings.ToLower(w), v, strings.ToLower(v), r.IntN(1000))
		}
	}
	return []byte(b.String())
}

// words make up class, method and field names.
var words = []string{
	"Token", "Validator", "Handler", "Manager", "Cache", "Config", "Util",
	"Factory", "Provider", "Service", "Listener", "Context", "Resolver",
	"Filter", "Request", "Response", "Policy", "Throttle", "Key", "Scope",
	"Client", "Session", "Store", "Event", "Publisher", "Subscriber", "Route",
	"Endpoint", "Gateway", "Claim", "Signature", "Registry", "Mediator",
}

func className(r *rand.Rand) string {
	name := words[r.IntN(len(words))] + words[r.IntN(len(words))]
	switch r.IntN(8) {
	case 0:
		name += "Impl"
	case 1:
		name += "$Builder"
	}
	return name
}

// javaConstants are strings found in the constant pool of most classes.
var javaConstants = []string{
	"java/lang/Object", "java/lang/String", "java/util/Map", "java/util/List",
	"java/util/concurrent/ConcurrentHashMap", "org/apache/commons/logging/Log",
	"<init>", "()V", "(Ljava/lang/String;)V", "(Ljava/util/Map;)Z",
	"Code", "LineNumberTable", "LocalVariableTable", "StackMapTable",
	"SourceFile", "Exceptions", "InnerClasses", "this", "log",
}

// classFile returns size bytes shaped like a Java 11 class file: the magic
// number and version, a constant pool of names (which compresses like a real
// one) and pseudo-random code (which does not compress).
func classFile(r *rand.Rand, pkg, class string, size int) []byte {
	b := make([]byte, 0, size+8)
	b = append(b, 0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x00, 0x00, 0x37)
	b = binary.BigEndian.AppendUint16(b, uint16(size/24))
	utf8 := func(s string) {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	utf8(path.Join(pkg, class))
	for len(b) < size/2 {
		switch r.IntN(3) {
		case 0:
			utf8(javaConstants[r.IntN(len(javaConstants))])
		case 1:
			utf8(path.Join(pkg, words[r.IntN(len(words))]+words[r.IntN(len(words))]))
		default:
			utf8("get" + words[r.IntN(len(words))])
		}
	}
	for len(b) < size {
		b = binary.LittleEndian.AppendUint64(b, r.Uint64())
	}
	return b[:size]
}

// keystore returns size bytes shaped like a Java key store: its magic number
// and version, then pseudo-random bytes.
func keystore(name string, size int) []byte {
	r := newRand(name, "keystore")
	b := make([]byte, 0, size+8)
	b = append(b, 0xFE, 0xED, 0xFE, 0xED, 0x00, 0x00, 0x00, 0x02)
	for len(b) < size {
		b = binary.LittleEndian.AppendUint64(b, r.Uint64())
	}
	return b[:size]
}
