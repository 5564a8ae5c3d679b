package delta

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestCompressRoundTrip(t *testing.T) {
	jar, _ := jarPair(t, 20, 100, 0)
	for name, data := range map[string][]byte{
		"empty": nil,
		"text":  bytes.Repeat([]byte("hello, world\n"), 10000),
		"jar":   jar,
	} {
		t.Run(name, func(t *testing.T) {
			var streamed bytes.Buffer
			if err := CompressTo(&streamed, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			for how, z := range map[string][]byte{"Compress": Compress(data), "CompressTo": streamed.Bytes()} {
				var out bytes.Buffer
				if err := Decompress(&out, bytes.NewReader(z), int64(len(data))); err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				if !bytes.Equal(out.Bytes(), data) {
					t.Fatalf("%s: Decompress did not return the input", how)
				}
			}
		})
	}
}

func TestDecompressRefuses(t *testing.T) {
	data := bytes.Repeat([]byte("hello, world\n"), 10000)
	z := Compress(data)
	size := int64(len(data))
	for _, tc := range []struct {
		name string
		z    []byte
		size int64
		want string
	}{
		{"longer than size", z, size - 1, "longer than"},
		{"shorter than size", z, size + 1, "ends after"},
		{"truncated", z[:len(z)-8], size, ""},
		{"not zstd", []byte("plain text, not a frame"), size, ""},
		{"trailing garbage", append(append([]byte(nil), z...), "junk"...), size, ""},
		{"negative size", z, -1, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Decompress(&out, bytes.NewReader(tc.z), tc.size)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			if int64(out.Len()) > max(tc.size, 0) {
				t.Fatalf("wrote %d bytes, more than the %d allowed", out.Len(), tc.size)
			}
		})
	}
}

// TestCompressRealJar compares Compress with zstd -3, when a jar and its
// zstd -3 output are given in INPLACE_JAR_NEW and INPLACE_JAR_NEW_ZST3.
func TestCompressRealJar(t *testing.T) {
	path, zst3 := os.Getenv("INPLACE_JAR_NEW"), os.Getenv("INPLACE_JAR_NEW_ZST3")
	if path == "" || zst3 == "" {
		t.Skip("set INPLACE_JAR_NEW to a jar and INPLACE_JAR_NEW_ZST3 to its zstd -3 output")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := os.Stat(zst3)
	if err != nil {
		t.Fatal(err)
	}
	var streamed bytes.Buffer
	if err := CompressTo(&streamed, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for how, z := range map[string][]byte{"Compress": Compress(data), "CompressTo": streamed.Bytes()} {
		t.Logf("%d bytes: %s %d, zstd -3 %d", len(data), how, len(z), ref.Size())
		if int64(len(z)) > ref.Size() {
			t.Errorf("%s gave %d bytes, more than zstd -3's %d", how, len(z), ref.Size())
		}
		var out bytes.Buffer
		if err := Decompress(&out, bytes.NewReader(z), int64(len(data))); err != nil || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("%s: real jar does not round-trip: %v", how, err)
		}
	}
}

// failingReader returns some bytes, then an error.
type failingReader struct{ left int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.left)
	clear(p[:n])
	r.left -= n
	return n, nil
}

// TestCompressToReadError checks that a read error reaches the caller and
// leaves the pooled encoder fit for the next stream.
func TestCompressToReadError(t *testing.T) {
	var out bytes.Buffer
	err := CompressTo(&out, &failingReader{left: 300 << 10})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v, want the read error", err)
	}
	data := bytes.Repeat([]byte("after the error\n"), 1000)
	for range 3 {
		out.Reset()
		if err := CompressTo(&out, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		var back bytes.Buffer
		if err := Decompress(&back, &out, int64(len(data))); err != nil || !bytes.Equal(back.Bytes(), data) {
			t.Fatalf("stream after a failed one does not round-trip: %v", err)
		}
	}
}
