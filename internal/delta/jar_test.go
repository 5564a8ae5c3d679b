package delta

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// entry is one file in a test jar.
type entry struct {
	name string
	data []byte
}

// classWords are the kind of strings a class file's constant pool repeats.
var classWords = []string{
	"java/lang/Object", "java/lang/String", "java/util/List", "java/util/Map",
	"<init>", "()V", "(Ljava/lang/String;)V", "Code", "LineNumberTable",
	"LocalVariableTable", "StackMapTable", "SourceFile", "this", "toString",
	"com/google/javascript/jscomp/", "Node", "Compiler", "visit", "getParent",
}

// classLike returns size bytes that look like a class file: a header, runs of
// constant-pool strings and runs of random bytecode.
func classLike(rng *rand.Rand, size int) []byte {
	b := []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 55}
	for len(b) < size {
		if rng.IntN(3) == 0 {
			for range 8 + rng.IntN(40) {
				b = append(b, byte(rng.Uint32()))
			}
			continue
		}
		w := classWords[rng.IntN(len(classWords))]
		b = append(b, 1, 0, byte(len(w)))
		b = append(b, w...)
		b = fmt.Appendf(b, "$%d", rng.IntN(50))
	}
	return b[:size]
}

// jarEntries returns n class-like entries with sizes from 200 bytes to 12 KB.
func jarEntries(rng *rand.Rand, n int) []entry {
	es := make([]entry, n)
	for i := range es {
		es[i] = entry{
			name: fmt.Sprintf("com/example/pkg%d/Class%d.class", i%17, i),
			data: classLike(rng, 200+rng.IntN(12<<10)),
		}
	}
	return es
}

// nextRelease returns a copy of es in which about pct percent of entries
// change (growing or shrinking, so later offsets move), one entry is removed
// and one is added.
func nextRelease(rng *rand.Rand, es []entry, pct int) []entry {
	out := slices.Clone(es)
	changes := max(1, len(es)*pct/100)
	for range changes {
		i := rng.IntN(len(out))
		d := slices.Clone(out[i].data)
		at := rng.IntN(len(d))
		if rng.IntN(2) == 0 {
			d = slices.Insert(d, at, classLike(rng, 10+rng.IntN(300))...)
		} else {
			d = slices.Delete(d, at, min(len(d), at+10+rng.IntN(300)))
		}
		out[i].data = d
	}
	out = slices.Delete(out, len(out)/3, len(out)/3+1)
	added := entry{name: "com/example/New.class", data: classLike(rng, 3000)}
	return slices.Insert(out, len(out)/2, added)
}

// makeJar writes es as a deflated zip archive with fixed timestamps, so equal
// entries give equal bytes.
func makeJar(t testing.TB, es []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		h := &zip.FileHeader{
			Name:     e.name,
			Method:   zip.Deflate,
			Modified: time.Date(2026, 10, 7, 12, 0, 0, 0, time.UTC),
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jarPair returns an old and a new jar of n entries, pct percent changed.
func jarPair(t testing.TB, seed uint64, n, pct int) (old, new []byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	es := jarEntries(rng, n)
	return makeJar(t, es), makeJar(t, nextRelease(rng, es, pct))
}
