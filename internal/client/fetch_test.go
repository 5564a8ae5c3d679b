package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFetchResumesAndRetries: the server fails a few ways before it
// serves; the download resumes with Range where each try stopped and the
// file verifies at the end.
func TestFetchResumesAndRetries(t *testing.T) {
	fetchDelays = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}
	body := strings.Repeat("0123456789", 10000)
	var mu sync.Mutex
	var ranges []string
	try := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		try++
		n := try
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		switch n {
		case 1: // a body cut after 30,000 bytes
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write([]byte(body[:30000]))
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		case 2:
			http.Error(w, `{"error":"overloaded"}`, http.StatusServiceUnavailable)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(body))
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	name := filepath.Join(t.TempDir(), "blob")
	var got int
	if err := c.Fetch(context.Background(), sum(body), int64(len(body)), name, func(n int) { got += n }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != body {
		t.Fatal("the file does not hold the blob")
	}
	if len(ranges) != 3 || ranges[0] != "" || ranges[2] != "bytes=30000-" {
		t.Errorf("requests' ranges = %q; want a fresh start, then resumes from 30000", ranges)
	}
	if got != len(body) {
		t.Errorf("progress saw %d bytes, want %d", got, len(body))
	}
}

func TestFetchRefusesWrongContentAndGivesUp(t *testing.T) {
	fetchDelays = []time.Duration{time.Millisecond}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if strings.HasSuffix(r.URL.Path, sum("gone")) {
			http.Error(w, `{"error":"blob not found"}`, http.StatusNotFound)
			return
		}
		if strings.HasSuffix(r.URL.Path, sum("down")) {
			http.Error(w, `{"error":"down"}`, http.StatusBadGateway)
			return
		}
		w.Write([]byte("other"))
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	dir := t.TempDir()
	name := filepath.Join(dir, "blob")
	if err := c.Fetch(context.Background(), sum("right"), 5, name, nil); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("wrong content: %v", err)
	}
	if _, err := os.Stat(name); err == nil {
		t.Error("a file that does not verify was kept")
	}
	calls = 0
	if err := c.Fetch(context.Background(), sum("gone"), 4, name, nil); err == nil || calls != 1 {
		t.Errorf("404: %v after %d calls; want one call", err, calls)
	}
	calls = 0
	if err := c.Fetch(context.Background(), sum("down"), 4, name, nil); err == nil || calls != 2 {
		t.Errorf("502: %v after %d calls; want a retry", err, calls)
	}
}
