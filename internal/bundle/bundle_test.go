package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

var (
	content  = []byte("the new lib/a.jar, as the update brings it")
	manifest = Manifest{Product: "acme-1.0", Channel: "full", From: 0, To: 2000,
		Updates: []Level{{1, 1000}, {2, 2000}}, Created: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Tool: "1.2.0"}
)

// good writes a bundle with one of each kind of entry.
func good(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Metadata("2.root.json", []byte(`{"root":2}`)))
	must(w.Metadata("timestamp.json", []byte(`{"timestamp":1}`)))
	must(w.Metadata("timestamp.json", []byte(`{"timestamp":"again"}`))) // a second read is not added again
	must(w.Target("acme-1.0/base.json", []byte(`{"product":"acme-1.0"}`)))
	must(w.Target("acme-1.0/full/1000.json", []byte(`{"timestamp":1000}`)))
	must(w.Blob(sum(content), func(out io.Writer) error { _, err := out.Write(content); return err }))
	must(w.Close(manifest))
	return buf.Bytes()
}

func open(t *testing.T, b []byte) (*Bundle, error) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "b.bundle")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	bd, err := Open(name)
	if err == nil {
		t.Cleanup(func() { bd.Close() })
	}
	return bd, err
}

// TestRoundTrip: what the writer adds, the reader gives back, and
// content only when it matches the hash and size asked for.
func TestRoundTrip(t *testing.T) {
	b, err := open(t, good(t))
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Product != "acme-1.0" || b.Manifest.To != 2000 || len(b.Manifest.Updates) != 2 || b.Manifest.Format != Format {
		t.Errorf("manifest %+v", b.Manifest)
	}
	ctx := context.Background()
	if got, err := b.DownloadFile("bundle:///metadata/timestamp.json", 100, 0); err != nil || string(got) != `{"timestamp":1}` {
		t.Errorf("timestamp.json = %s, %v", got, err)
	}
	var notFound *metadata.ErrDownloadHTTP
	if _, err := b.DownloadFile("bundle:///metadata/3.root.json", 100, 0); !errors.As(err, &notFound) || notFound.StatusCode != 404 {
		t.Errorf("a root the bundle lacks: %v, want a 404 (the end of the root chain)", err)
	}
	var tooLong *metadata.ErrDownloadLengthMismatch
	if _, err := b.DownloadFile("bundle:///metadata/2.root.json", 5, 0); !errors.As(err, &tooLong) {
		t.Errorf("metadata longer than allowed: %v", err)
	}
	if got, err := b.Target(ctx, "acme-1.0/full/1000.json", 100); err != nil || string(got) != `{"timestamp":1000}` {
		t.Errorf("target = %s, %v", got, err)
	}
	if _, err := b.Target(ctx, "acme-1.0/full/2000.json", 100); err == nil || !strings.Contains(err.Error(), "--from") {
		t.Errorf("a target the bundle lacks: %v", err)
	}
	var out bytes.Buffer
	if err := b.Blob(ctx, sum(content), int64(len(content)), &out, nil); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Errorf("blob = %q, %v", out.Bytes(), err)
	}
	if err := b.Blob(ctx, sum(content), int64(len(content))-1, io.Discard, nil); err == nil {
		t.Error("a blob of another size than signed was accepted")
	}
	name := filepath.Join(t.TempDir(), "staged")
	if err := b.FetchPacked(ctx, sum(content), int64(len(content)), name, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(name); !bytes.Equal(got, content) {
		t.Errorf("fetched %q", got)
	}
	if err := b.FetchPacked(ctx, sum(content), 3, name, nil, nil); err == nil {
		t.Error("FetchPacked of a wrong size was accepted")
	} else if _, serr := os.Stat(name); serr == nil {
		t.Error("FetchPacked left a file that failed its check")
	}
}

// zipOf writes a zip of the entries, in order.
func zipOf(t testing.TB, entries ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e[1])
	}
	zw.Close()
	return buf.Bytes()
}

const okManifest = `{"format":1,"product":"acme-1.0","channel":"full","from":0,"to":1000,"updates":[{"number":1,"timestamp":1000}],"created":"2026-11-27T08:00:00Z","tool":"1.0.0"}`

// TestBad: a file that is not a bundle as this package writes them is
// refused, saying what is wrong.
func TestBad(t *testing.T) {
	m := func(s string) [2]string { return [2]string{ManifestName, s} }
	for _, tc := range []struct {
		name string
		zip  []byte
		want string
	}{
		{"not a zip", []byte("PK\x03\x04 and then nothing"), "not a valid zip"},
		{"empty file", nil, "not a valid zip"},
		{"no manifest", zipOf(t, [2]string{"blobs/" + sum(content), string(content)}), "no " + ManifestName},
		{"two manifests", zipOf(t, m(okManifest), m(okManifest)), "two " + ManifestName},
		{"unknown entry", zipOf(t, m(okManifest), [2]string{"../../etc/passwd", "x"}), `unexpected entry "../../etc/passwd"`},
		{"absolute target", zipOf(t, m(okManifest), [2]string{"targets//etc/passwd", "x"}), "unexpected entry"},
		{"target outside the kinds", zipOf(t, m(okManifest), [2]string{"targets/acme-1.0/../x.json", "x"}), "unexpected entry"},
		{"bad blob name", zipOf(t, m(okManifest), [2]string{"blobs/ABC", "x"}), "unexpected entry"},
		{"duplicate", zipOf(t, m(okManifest), [2]string{"metadata/timestamp.json", "1"}, [2]string{"metadata/timestamp.json", "2"}), "twice"},
		{"manifest not JSON", zipOf(t, m("{")), ManifestName},
		{"unknown field", zipOf(t, m(strings.Replace(okManifest, `"tool"`, `"run":"rm -rf /","tool"`, 1))), "unknown field"},
		{"two documents", zipOf(t, m(okManifest+okManifest)), "data after"},
		{"newer format", zipOf(t, m(strings.Replace(okManifest, `"format":1`, `"format":2`, 1))), "format 2"},
		{"bad product", zipOf(t, m(strings.Replace(okManifest, `"acme-1.0"`, `"../acme"`, 1))), "bad product"},
		{"bad channel", zipOf(t, m(strings.Replace(okManifest, `"full"`, `"beta"`, 1))), "bad channel"},
		{"backwards", zipOf(t, m(strings.Replace(okManifest, `"from":0`, `"from":5000`, 1))), "a newer level"},
		{"update outside", zipOf(t, m(strings.Replace(okManifest, `"timestamp":1000}`, `"timestamp":3000}`, 1))), "outside"},
		{"no time", zipOf(t, m(strings.Replace(okManifest, `"created":"2026-11-27T08:00:00Z",`, ``, 1))), "no creation time"},
	} {
		_, err := open(t, tc.zip)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "not a valid bundle") {
			t.Errorf("%s: err = %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := open(t, zipOf(t, m(okManifest))); err != nil {
		t.Errorf("a bundle with a manifest alone (its checks come later): %v", err)
	}
}

// TestWriterRefuses: the writer never writes what the reader would refuse.
func TestWriterRefuses(t *testing.T) {
	w := NewWriter(io.Discard)
	if err := w.Metadata("../root.json", nil); err == nil {
		t.Error("bad metadata name accepted")
	}
	if err := w.Target("/etc/passwd", nil); err == nil {
		t.Error("bad target accepted")
	}
	if err := w.Blob("nothex", nil); err == nil {
		t.Error("bad blob name accepted")
	}
	bad := manifest
	bad.To = 500
	if err := w.Close(bad); err == nil {
		t.Error("a manifest whose levels go backwards was written")
	}
}

// FuzzRead: whatever the bytes, reading a bundle returns a bundle or an
// error, never panics, and a bundle it returns has a manifest that holds.
func FuzzRead(f *testing.F) {
	f.Add(good(f))
	f.Add(zipOf(f, [2]string{ManifestName, okManifest}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if err := b.Manifest.check(); err != nil {
			t.Fatalf("read returned a bundle whose manifest fails its check: %v", err)
		}
		for name := range b.metadata {
			b.DownloadFile("x/"+name, 1<<20, 0)
		}
		for p := range b.targets {
			b.Target(context.Background(), p, 1<<20)
		}
		for sha := range b.blobs {
			b.Blob(context.Background(), sha, 1<<20, io.Discard, nil)
		}
	})
}
