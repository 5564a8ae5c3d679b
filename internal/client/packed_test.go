package client

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/delta"
	"inplace/internal/fsx"
)

// packedServer serves one blob's packed forms as update-server does:
// a delta when asked from old, else zstd. cut, when set, ends the n-th
// answer's body after that many bytes.
type packedServer struct {
	old, cur []byte
	mu       sync.Mutex
	requests []string // path?query Range
	cut      map[int]int
	noPacked bool // answer 404 on the packed endpoint, like an older server
	from     string
}

func (p *packedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, r.URL.RequestURI()+" "+r.Header.Get("Range"))
	n := len(p.requests)
	cut, ok := p.cut[n]
	p.mu.Unlock()
	if !strings.HasSuffix(r.URL.Path, "/packed") {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.cur))
		return
	}
	if p.noPacked {
		http.Error(w, `{"error":"no such endpoint"}`, http.StatusNotFound)
		return
	}
	body, enc := delta.Compress(p.cur), api.EncodingZstd
	if from := r.URL.Query().Get("from"); from != "" && from == fsx.HashBytes(p.old) {
		d, err := delta.Encode(p.old, p.cur)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		body, enc = d, api.EncodingDelta
		w.Header().Set(api.FromHeader, from)
	}
	if p.from != "" {
		w.Header().Set(api.FromHeader, p.from)
		enc = api.EncodingDelta
	}
	w.Header().Set(api.EncodingHeader, enc)
	w.Header().Set("ETag", `"`+fsx.HashBytes(body)+`"`)
	if ok {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:cut])
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func versions() (old, cur []byte) {
	var a, b strings.Builder
	for i := range 20000 {
		line := "setting." + strconv.Itoa(i) + " = value " + strconv.Itoa(i*7919%10007) + "\n"
		a.WriteString(line)
		if i%5000 == 0 {
			line = "setting." + strconv.Itoa(i) + " = changed\n"
		}
		b.WriteString(line)
	}
	return []byte(a.String()), []byte(b.String())
}

// fetchPacked runs FetchPacked against p with the old version on disk.
func fetchPacked(t *testing.T, p *packedServer) (name string, got int, err error) {
	t.Helper()
	fetchDelays = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	c, _ := New(srv.URL)
	dir := t.TempDir()
	oldPath := filepath.Join(dir, "old")
	if err := os.WriteFile(oldPath, p.old, 0o644); err != nil {
		t.Fatal(err)
	}
	name = filepath.Join(dir, "new")
	have := &api.Have{SHA256: fsx.HashBytes(p.old), Path: oldPath}
	err = c.FetchPacked(context.Background(), fsx.HashBytes(p.cur), int64(len(p.cur)), name, have, func(n int) { got += n })
	return name, got, err
}

func TestFetchPackedDeltaResumes(t *testing.T) {
	old, cur := versions()
	p := &packedServer{old: old, cur: cur, cut: map[int]int{1: 40}}
	name, got, err := fetchPacked(t, p)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); !bytes.Equal(b, cur) {
		t.Fatal("the file is not the new version")
	}
	from := "from=" + fsx.HashBytes(old)
	if len(p.requests) != 2 || !strings.Contains(p.requests[0], from) || !strings.HasSuffix(p.requests[1], " bytes=40-") {
		t.Errorf("requests = %q; want a delta from the old version, then a resume from byte 40", p.requests)
	}
	if got != len(cur) {
		t.Errorf("progress saw %d bytes, want the file's %d", got, len(cur))
	}
	if fsx.Exists(partName(name)) || fsx.Exists(infoName(name)) {
		t.Error("the packed download is left beside the file")
	}
}

// TestFetchPackedOldChanged: the file to start from changed after the run
// looked at it; the whole file is fetched instead.
func TestFetchPackedOldChanged(t *testing.T) {
	old, cur := versions()
	p := &packedServer{old: old, cur: cur}
	srv := httptest.NewServer(p)
	defer srv.Close()
	c, _ := New(srv.URL)
	dir := t.TempDir()
	oldPath := filepath.Join(dir, "old")
	os.WriteFile(oldPath, append(bytes.Clone(old), "changed meanwhile\n"...), 0o644)
	name := filepath.Join(dir, "new")
	have := &api.Have{SHA256: fsx.HashBytes(old), Path: oldPath}
	if err := c.FetchPacked(context.Background(), fsx.HashBytes(cur), int64(len(cur)), name, have, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); !bytes.Equal(b, cur) {
		t.Fatal("the file is not the new version")
	}
	if len(p.requests) != 2 || strings.Contains(p.requests[1], "from=") {
		t.Errorf("requests = %q; want a delta, then the plain form", p.requests)
	}
}

// TestFetchPackedOlderServer: a server without packed forms gets a plain
// download.
func TestFetchPackedOlderServer(t *testing.T) {
	old, cur := versions()
	p := &packedServer{old: old, cur: cur, noPacked: true}
	name, _, err := fetchPacked(t, p)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); !bytes.Equal(b, cur) {
		t.Fatal("the file is not the new version")
	}
}

// TestFetchPackedRefusesUnaskedDelta: a delta from content the client does
// not have is refused before it is read, and nothing is left.
func TestFetchPackedRefusesUnaskedDelta(t *testing.T) {
	old, cur := versions()
	p := &packedServer{old: old, cur: cur, from: strings.Repeat("ab", 32)}
	name, _, err := fetchPacked(t, p)
	if !errors.Is(err, errBadPacked) || !strings.Contains(err.Error(), "content this run does not have") {
		t.Fatalf("err = %v, want a refused delta", err)
	}
	for _, f := range []string{name, partName(name), infoName(name)} {
		if fsx.Exists(f) {
			t.Errorf("%s is left", filepath.Base(f))
		}
	}
}
