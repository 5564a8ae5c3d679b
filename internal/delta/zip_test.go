package delta

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTransformRoundTrip(t *testing.T) {
	old, new := jarPair(t, 1, 300, 3)
	for name, b := range map[string][]byte{"old": old, "new": new} {
		tb, ok := zipTransform(b)
		if !ok {
			t.Fatalf("%s: transform refused a zip made by archive/zip", name)
		}
		if bytes.Equal(tb, b) {
			t.Fatalf("%s: transform changed nothing", name)
		}
		if !zipInverse(tb) {
			t.Fatalf("%s: inverse refused the transformed zip", name)
		}
		if !bytes.Equal(tb, b) {
			t.Fatalf("%s: inverse(transform(x)) differs from x", name)
		}
	}
}

// TestTransformAlignsDirectories checks the point of the transform: the
// central directory entries of unchanged files become equal in old and new.
func TestTransformAlignsDirectories(t *testing.T) {
	old, new := jarPair(t, 2, 300, 2)
	plain := countSharedEntries(t, old, new)
	to, _ := zipTransform(old)
	tn, _ := zipTransform(new)
	aligned := countSharedEntries(t, to, tn)
	t.Logf("identical directory entries: %d plain, %d transformed", plain, aligned)
	if aligned < 280 || aligned <= plain {
		t.Fatalf("transform aligned %d directory entries (plain %d), want most of 300", aligned, plain)
	}
}

// countSharedEntries counts central directory entries of b that also occur,
// byte for byte, in a's central directory.
func countSharedEntries(t *testing.T, a, b []byte) int {
	t.Helper()
	set := map[string]bool{}
	for _, e := range cdEntries(t, a) {
		set[string(e)] = true
	}
	n := 0
	for _, e := range cdEntries(t, b) {
		if set[string(e)] {
			n++
		}
	}
	return n
}

// cdEntries splits a zip's central directory into its entries.
func cdEntries(t *testing.T, b []byte) [][]byte {
	t.Helper()
	fields, ok := offsetFields(b)
	if !ok {
		t.Fatal("not a zip offsetFields accepts")
	}
	var es [][]byte
	for i, f := range fields {
		start := f - cdOffsetPos
		end := len(b)
		if i+1 < len(fields) {
			end = fields[i+1] - cdOffsetPos
		}
		es = append(es, b[start:end])
	}
	return es
}

func TestTransformRefuses(t *testing.T) {
	jar := makeJar(t, []entry{{"a.class", []byte("hello")}, {"b.class", []byte("world")}})
	eocd, ok := findEOCD(jar)
	if !ok {
		t.Fatal("no end record in a zip made by archive/zip")
	}
	patch := func(at int, v uint32, width int) []byte {
		b := slices.Clone(jar)
		if width == 2 {
			binary.LittleEndian.PutUint16(b[at:], uint16(v))
		} else {
			binary.LittleEndian.PutUint32(b[at:], v)
		}
		return b
	}
	cases := map[string][]byte{
		"empty":           nil,
		"text":            []byte("not a zip at all, just some text that is long enough to search"),
		"truncated":       jar[:len(jar)-1],
		"cut in the dir":  jar[:eocd-5],
		"empty zip":       makeJar(t, nil),
		"count too high":  patch(eocd+10, 3, 2),
		"count differs":   patch(eocd+8, 1, 2),
		"zip64 count":     patch(eocd+10, 0xffff, 2),
		"zip64 offset":    patch(eocd+16, 0xffffffff, 4),
		"dir offset off":  patch(eocd+16, binary.LittleEndian.Uint32(jar[eocd+16:])+1, 4),
		"second disk":     patch(eocd+4, 1, 2),
		"comment too big": patch(eocd+20, 1, 2),
		"trailing bytes":  append(slices.Clone(jar), 0),
	}
	for name, b := range cases {
		if _, ok := zipTransform(b); ok {
			t.Errorf("%s: transform accepted it", name)
		}
		if zipInverse(slices.Clone(b)) {
			t.Errorf("%s: inverse accepted it", name)
		}
	}
}

// TestTransformComment checks that an archive comment, even one holding an
// end-record signature, does not stop the transform.
func TestTransformComment(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("a.class")
	io.WriteString(w, "class a")
	zw.SetComment("PK\x05\x06 looks like an end record")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	tb, ok := zipTransform(b)
	if !ok {
		t.Fatal("transform refused a zip with a comment")
	}
	if !zipInverse(tb) || !bytes.Equal(tb, b) {
		t.Fatal("inverse did not restore the zip with a comment")
	}
}

// FuzzTransform checks that the inverse undoes the transform for every input
// it accepts, and that acceptance never depends on the offset fields.
func FuzzTransform(f *testing.F) {
	// Small seeds keep the fuzzer fast.
	rng := rand.New(rand.NewPCG(3, 3))
	es := make([]entry, 6)
	for i := range es {
		es[i] = entry{name: fmt.Sprintf("C%d.class", i), data: classLike(rng, 20+rng.IntN(100))}
	}
	f.Add(makeJar(f, es))
	f.Add(makeJar(f, nextRelease(rng, es, 30)))
	f.Add(makeJar(f, []entry{{"a", nil}}))
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, ok := offsetFields(b)
		tb, tok := zipTransform(b)
		if tok != ok {
			t.Fatal("transform and offsetFields disagree")
		}
		if !ok {
			if zipInverse(slices.Clone(b)) {
				t.Fatal("inverse accepts what the transform refuses")
			}
			return
		}
		if len(tb) != len(b) {
			t.Fatalf("transform changed the length from %d to %d", len(b), len(tb))
		}
		if in := slices.Clone(b); !zipTransformInPlace(in) || !bytes.Equal(in, tb) {
			t.Fatal("the transform in place differs from the copying one")
		}
		tfields, ok := offsetFields(tb)
		if !ok || !slices.Equal(fields, tfields) {
			t.Fatal("transformed bytes parse differently")
		}
		if !zipInverse(tb) || !bytes.Equal(tb, b) {
			t.Fatal("inverse(transform(x)) != x")
		}
		for _, f := range fields {
			binary.LittleEndian.PutUint32(tb[f:], 0xffffffff)
		}
		if ffields, ok := offsetFields(tb); !ok || !slices.Equal(fields, ffields) {
			t.Fatal("overwriting the offset fields changed the parse")
		}
	})
}
