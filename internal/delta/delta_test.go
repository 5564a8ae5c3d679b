package delta

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// roundTrip encodes new against old, decodes it back and fails unless it
// gets new. It returns the delta.
func roundTrip(t *testing.T, old, new []byte) []byte {
	t.Helper()
	d, err := Encode(old, new)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := Decode(old, d, int64(len(new)))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !bytes.Equal(got, new) {
		t.Fatalf("Decode returned %d bytes that differ from the %d-byte new file", len(got), len(new))
	}
	return d
}

func TestJarDelta(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seed    uint64
		entries int
		pct     int
	}{
		{"1pct", 10, 400, 1},
		{"3pct", 11, 300, 3},
		{"5pct", 12, 200, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, new := jarPair(t, tc.seed, tc.entries, tc.pct)
			d := roundTrip(t, old, new)
			if d[len(magic)]&flagZip == 0 {
				t.Fatal("zip transform not applied to two zips made by archive/zip")
			}
			plain, err := encode(old, new, false)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("new %d bytes: delta %d bytes with zip transform, %d without", len(new), len(d), len(plain))
			if len(d) >= len(plain) {
				t.Fatalf("zip-aware delta is %d bytes, not smaller than %d without the transform", len(d), len(plain))
			}
		})
	}
}

func TestOtherDeltas(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	random := make([]byte, 3<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog\n"), 5000)
	edited := slices.Concat(text[:1000], []byte("an edit"), text[2000:])
	jar, jar2 := jarPair(t, 6, 50, 10)
	for _, tc := range []struct {
		name     string
		old, new []byte
		zip      bool
	}{
		{"text", text, edited, false},
		{"random", random[:1<<20], random[1<<19:], false},
		{"big random", random[:2<<20], random[1<<20:], false},
		{"empty old", nil, text, false},
		{"empty new", text, nil, false},
		{"both empty", nil, nil, false},
		{"same", text, text, false},
		{"1 byte", nil, text[:1], false},
		{"1 KiB", nil, text[:1024], false},
		{"2 KiB from 2 KiB", text[:2048], text[1:2049], false},
		{"1 KiB from 1 byte", text[:1], text[:1024], false},
		{"truncated zip old", jar[:len(jar)-10], jar2, false},
		{"truncated zip new", jar, jar2[:len(jar2)-10], false},
		{"zip to text", jar, text, false},
		{"zip", jar, jar2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := roundTrip(t, tc.old, tc.new)
			if got := d[len(magic)]&flagZip != 0; got != tc.zip {
				t.Fatalf("zip flag %v, want %v", got, tc.zip)
			}
			t.Logf("%d -> %d bytes: delta %d bytes", len(tc.old), len(tc.new), len(d))
		})
	}
}

// TestRealJars measures a real jar pair. Fetch one with
// npm pack google-closure-compiler-java@20261007.0.0 google-closure-compiler-java@20261011.0.0
// and point INPLACE_JAR_OLD and INPLACE_JAR_NEW at the compiler.jar inside each.
func TestRealJars(t *testing.T) {
	oldPath, newPath := os.Getenv("INPLACE_JAR_OLD"), os.Getenv("INPLACE_JAR_NEW")
	if oldPath == "" || newPath == "" {
		t.Skip("set INPLACE_JAR_OLD and INPLACE_JAR_NEW to two jars " +
			"(npm pack google-closure-compiler-java@20261007.0.0 google-closure-compiler-java@20261011.0.0)")
	}
	old, err := os.ReadFile(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	new, err := os.ReadFile(newPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d, err := Encode(old, new)
	if err != nil {
		t.Fatal(err)
	}
	encTime := time.Since(start)
	start = time.Now()
	got, err := Decode(old, d, int64(len(new)))
	if err != nil {
		t.Fatal(err)
	}
	decTime := time.Since(start)
	if !bytes.Equal(got, new) {
		t.Fatal("real jar delta does not round-trip")
	}
	start = time.Now()
	plain, err := encode(old, new, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d -> %d bytes: delta %d bytes (zip flag %v; encode %v, decode %v); without transform %d bytes (encode %v)",
		len(old), len(new), len(d), d[len(magic)]&flagZip != 0, encTime, decTime, len(plain), time.Since(start))
	if len(d) >= len(plain) {
		t.Errorf("zip-aware delta is %d bytes, not smaller than %d without the transform", len(d), len(plain))
	}
}

func TestDecodeRejects(t *testing.T) {
	old, new := jarPair(t, 7, 60, 5)
	d, err := Encode(old, new)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(new))
	otherOld, _ := jarPair(t, 8, 60, 5)
	text := bytes.Repeat([]byte("some text that is not a zip\n"), 100)
	textNew := append(slices.Clone(text), "more"...)
	textDelta, err := Encode(text, textNew)
	if err != nil {
		t.Fatal(err)
	}
	otherText := bytes.Repeat([]byte("other text, of the same size\n"), 100)[:len(text)]

	withByte := func(b []byte, i int, v byte) []byte {
		b = slices.Clone(b)
		b[i] = v
		return b
	}
	for _, tc := range []struct {
		name  string
		old   []byte
		delta []byte
		size  int64
	}{
		{"empty delta", old, nil, size},
		{"header only", old, d[:headerLen], size},
		{"wrong magic", old, withByte(d, 0, 'X'), size},
		{"unknown flag", old, withByte(d, len(magic), 0x02), size},
		{"truncated frame", old, d[:len(d)-10], size},
		{"truncated checksum", old, d[:len(d)-1], size},
		{"frame cut in half", old, d[:len(d)/2], size},
		{"size too small", old, d, size - 1},
		{"size too big", old, d, size + 1},
		{"size zero", old, d, 0},
		{"negative size", old, d, -1},
		{"size over MaxSize", old, d, MaxSize + 1},
		{"zip delta on text old", text, d, size},
		{"zip delta on other jar", otherOld, d, size},
		{"text delta on other text", otherText, textDelta, int64(len(textNew))},
		{"text delta on empty old", nil, textDelta, int64(len(textNew))},
		{"unflagged delta of a jar", old, slices.Concat([]byte(magic), []byte{0}, d[headerLen:]), size},
		{"old over MaxSize", make([]byte, MaxSize+1), d, size},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.old, tc.delta, tc.size)
			if err == nil {
				t.Fatalf("Decode returned %d bytes and no error", len(got))
			}
			t.Log(err)
		})
	}
}

// TestDecodeLength checks frames that hold no content size and decode to
// more or fewer bytes than the caller expects.
func TestDecodeLength(t *testing.T) {
	old := bytes.Repeat([]byte("old file\n"), 1000)
	new := bytes.Repeat([]byte("new file\n"), 1000)
	d := streamDelta(t, old, new)
	if got, err := Decode(old, d, int64(len(new))); err != nil || !bytes.Equal(got, new) {
		t.Fatalf("a frame without content size did not round-trip: %v", err)
	}
	for _, size := range []int64{int64(len(new)) - 1, int64(len(new)) + 1} {
		if _, err := Decode(old, d, size); err == nil {
			t.Errorf("size %d for a %d-byte frame: no error", size, len(new))
		}
	}
}

// streamDelta makes a delta with zstd's streaming encoder, whose frame does
// not state its content size.
func streamDelta(t testing.TB, old, new []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(0)
	enc, err := zstd.NewWriter(&buf, zstd.WithEncoderDictRaw(0, old), zstd.WithWindowSize(window(len(old), len(new))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Write(new); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeMemory checks that a small delta for a huge output, with a
// window small enough to pass the window check, costs memory near the
// promised size, not near the output.
func TestDecodeMemory(t *testing.T) {
	// With a 900 KiB old file and 1000 bytes promised, Decode accepts
	// windows up to 1 MiB.
	old := bytes.Repeat([]byte("old"), 300<<10)
	for name, contentSize := range map[string]bool{"content size": true, "no content size": false} {
		t.Run(name, func(t *testing.T) {
			d := zerosDelta(t, old, 60<<20, 1<<20, contentSize)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Decode(old, d, 1000)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("60 MiB of output decoded into 1000 bytes")
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte delta: %v; allocated %d bytes", len(d), err, alloc)
			if alloc > 512<<10 {
				t.Fatalf("allocated %d bytes to refuse it", alloc)
			}
		})
	}
}

// zerosDelta returns a delta that decodes to n zero bytes, using a window of
// win bytes, with or without the content size in the frame header.
func zerosDelta(t testing.TB, old []byte, n, win int, contentSize bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(magic + "\x00")
	enc, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(win), zstd.WithSingleSegment(false), zstd.WithEncoderDictRaw(0, old))
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, n)
	if contentSize {
		buf.Write(enc.EncodeAll(zeros, nil))
		return buf.Bytes()
	}
	if _, err := enc.Write(zeros); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTooLarge(t *testing.T) {
	big := make([]byte, MaxSize+1)
	for name, pair := range map[string][2][]byte{"old": {big, nil}, "new": {nil, big}} {
		if _, err := Encode(pair[0], pair[1]); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s over MaxSize: got %v, want ErrTooLarge", name, err)
		}
	}
	if _, err := Decode(big, []byte(magic+"\x00"), 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Decode with old over MaxSize: got %v, want ErrTooLarge", err)
	}
}

// FuzzDecode feeds Decode hostile deltas against a few old files. It must
// return an error or exactly size bytes, and never panic.
func FuzzDecode(f *testing.F) {
	jar, jar2 := jarPair(f, 9, 20, 10)
	text := bytes.Repeat([]byte("a line of text\n"), 200)
	olds := [][]byte{jar, text, nil}
	for i, pair := range [][2][]byte{{jar, jar2}, {text, text[100:]}, {nil, text}, {jar, text}} {
		d, err := Encode(pair[0], pair[1])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d, byte(i%len(olds)), uint32(len(pair[1])))
	}
	f.Add(streamDelta(f, text, jar), byte(1), uint32(len(jar)))
	f.Fuzz(func(t *testing.T, delta []byte, which byte, size uint32) {
		old := olds[int(which)%len(olds)]
		n := int64(size % (256 << 10))
		got, err := Decode(old, delta, n)
		if err == nil && int64(len(got)) != n {
			t.Fatalf("Decode returned %d bytes and no error, want %d", len(got), n)
		}
	})
}

// TestDecodeOwned: handing old over gives the same file, and old is the
// caller's to lose.
func TestDecodeOwned(t *testing.T) {
	old, cur := jarPair(t, 11, 300, 3)
	d, err := Encode(old, cur)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeOwned(bytes.Clone(old), d, int64(len(cur)))
	if err != nil || !bytes.Equal(got, cur) {
		t.Fatalf("DecodeOwned: %v", err)
	}
	if _, err := DecodeOwned([]byte("not a zip"), d, int64(len(cur))); err == nil {
		t.Error("DecodeOwned of a zip delta from a non-zip: no error")
	}
}
