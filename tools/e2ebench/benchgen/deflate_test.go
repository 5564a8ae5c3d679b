package benchgen

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"
)

// TestClassInflates checks that the synthesised streams are valid deflate
// that inflates to the class bytes, and that classes deflate like real ones.
func TestClassInflates(t *testing.T) {
	v := newVocab("org/example/core/impl", 1)
	var m classMaker
	var raw, packed int
	r := newRand(7)
	for i := range 300 {
		size := classSize(r)
		if i == 0 {
			size = 200_000 // long enough for matches to be split and far
		}
		stream := m.class(v, uint64(i), size)
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
		if err != nil {
			t.Fatalf("class %d: %v", i, err)
		}
		if !bytes.Equal(got, m.d.raw) {
			t.Fatalf("class %d: inflates to other bytes", i)
		}
		raw += len(got)
		packed += len(stream)
	}
	ratio := float64(raw) / float64(packed)
	t.Logf("ratio %.2f over %d bytes", ratio, raw)
	if ratio < 2 || ratio > 3.2 {
		t.Errorf("classes deflate %.2f:1, want between 2:1 and 3:1", ratio)
	}
}

// TestDeflateMatches checks every match length and distances at the edges
// of their codes.
func TestDeflateMatches(t *testing.T) {
	var d deflater
	d.reset()
	seed := make([]byte, maxDistance+10)
	newBytes(3).Read(seed)
	d.literal(seed)
	for l := minMatch; l <= 600; l++ {
		for _, dist := range []int{1, 2, 3, 4, 5, 8, 9, 24, 25, 256, 257, 4096, 4097, 32767, maxDistance} {
			d.match(dist, l)
		}
	}
	stream := d.finish()
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, d.raw) {
		t.Fatal("inflates to other bytes")
	}
}

func BenchmarkClass(b *testing.B) {
	v := newVocab("org/example/core/impl", 1)
	var m classMaker
	var n int
	for i := 0; b.Loop(); i++ {
		s := m.class(v, uint64(i), 4000)
		n += len(s)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds()/1e6, "MBout/s")
}
