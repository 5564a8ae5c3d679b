package client

import (
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
)

// hostileBlobServer serves GET /v1/blobs/... with handle, counting the
// requests and recording their Range headers.
type hostileBlobServer struct {
	*httptest.Server
	mu     sync.Mutex
	ranges []string
}

func newHostileBlobServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *hostileBlobServer {
	s := &hostileBlobServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *hostileBlobServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// trickle sends the headers, then one byte every 100ms until the client
// goes away.
func trickle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100000")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := w.Write([]byte("x")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

// stalledClient is a client of srv that calls a connection stalled after
// 300ms, retrying downloads twice and metadata twice, without pauses.
func stalledClient(t *testing.T, url string) *Client {
	t.Helper()
	fetchDelays = []time.Duration{time.Millisecond, time.Millisecond}
	retryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	c, err := New(url)
	if err != nil {
		t.Fatal(err)
	}
	c.StallTimeout = 300 * time.Millisecond
	return c
}

// bounded is a context that ends a test which would otherwise hang: it is
// a bound, not a measure.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestFetchCutsATrickle: a server that sends a byte every 100ms is cut
// like a silent one, each try resumes where the last stopped, and the
// download gives up after the bounded retries with a message that says so.
func TestFetchCutsATrickle(t *testing.T) {
	srv := newHostileBlobServer(t, trickle)
	c := stalledClient(t, srv.URL)
	name := filepath.Join(t.TempDir(), "blob")
	err := c.Fetch(bounded(t), sum("never"), 100000, name, nil)
	var stalled *StallError
	if !errors.As(err, &stalled) || !strings.Contains(err.Error(), "stalled") || !strings.Contains(err.Error(), "run again") {
		t.Fatalf("Fetch = %v; want a stall", err)
	}
	reqs := srv.requests()
	if len(reqs) != len(fetchDelays)+1 {
		t.Errorf("%d requests (%q); want %d: one and a retry for each delay", len(reqs), reqs, len(fetchDelays)+1)
	}
	if len(reqs) > 1 && !strings.HasPrefix(reqs[len(reqs)-1], "bytes=") {
		t.Errorf("the last try asked for %q; want a resume", reqs[len(reqs)-1])
	}
}

// TestFetchCutsASilentServer: a server that answers the headers and then
// nothing, and one that does not answer at all, are cut.
func TestFetchCutsASilentServer(t *testing.T) {
	for name, handle := range map[string]func(http.ResponseWriter, *http.Request){
		"after the headers": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		},
		"before the headers": func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
	} {
		t.Run(name, func(t *testing.T) {
			srv := newHostileBlobServer(t, handle)
			c := stalledClient(t, srv.URL)
			err := c.Fetch(bounded(t), sum("0123456789"), 10, filepath.Join(t.TempDir(), "blob"), nil)
			if !isStall(err) {
				t.Fatalf("Fetch = %v; want a stall", err)
			}
			if n := len(srv.requests()); n != len(fetchDelays)+1 {
				t.Errorf("%d requests; want %d", n, len(fetchDelays)+1)
			}
		})
	}
}

// TestSlowButSteadyIsNotAStall: a server that pauses less than the stall
// timeout between bursts is served to the end.
func TestSlowButSteadyIsNotAStall(t *testing.T) {
	body := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	srv := newHostileBlobServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		for i := 0; i < len(body); i += 16384 {
			w.Write([]byte(body[i : i+16384]))
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	})
	c := stalledClient(t, srv.URL)
	c.StallTimeout = time.Second // ten times the pauses: a loaded machine does not fail the test
	name := filepath.Join(t.TempDir(), "blob")
	if err := c.Fetch(bounded(t), sum(body), int64(len(body)), name, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}

// TestFetchRefusesEndlessData: a body that does not end where the blob
// does is refused at its first extra byte, without a retry, and the file
// is removed; never more than the blob's size is written.
func TestFetchRefusesEndlessData(t *testing.T) {
	chunk := []byte(strings.Repeat("endless ", 1024))
	srv := newHostileBlobServer(t, func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c := stalledClient(t, srv.URL)
	name := filepath.Join(t.TempDir(), "blob")
	written := 0
	err := c.Fetch(bounded(t), sum("a thousand bytes"), 1000, name, func(n int) { written += n })
	if err == nil || !errors.Is(err, errTooLong) || !strings.Contains(err.Error(), "more than 1000 bytes") {
		t.Fatalf("Fetch = %v; want a refusal of the extra bytes", err)
	}
	if written > 1000 {
		t.Errorf("%d bytes written; want at most the blob's 1000", written)
	}
	if _, err := os.Stat(name); err == nil {
		t.Error("the file of a refused download was kept")
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests; want 1: an over-long body does not pass by trying again", n)
	}
	// The same through Blob, into memory.
	var got strings.Builder
	if err := c.Blob(bounded(t), sum("x"), 1000, &got, nil); !errors.Is(err, errTooLong) || got.Len() > 1000 {
		t.Errorf("Blob = %v with %d bytes written; want a refusal after at most 1000", err, got.Len())
	}
}

// TestFetchRestartsOnAWrongRange: a server that resumes from another
// offset than asked makes the download start again, not splice.
func TestFetchRestartsOnAWrongRange(t *testing.T) {
	body := strings.Repeat("0123456789", 1000)
	try := 0
	srv := newHostileBlobServer(t, func(w http.ResponseWriter, r *http.Request) {
		try++
		switch {
		case try == 1:
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write([]byte(body[:5000]))
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case r.Header.Get("Range") != "":
			w.Header().Set("Content-Range", "bytes 0-9999/10000") // not where it was asked
			w.WriteHeader(http.StatusPartialContent)
			w.Write([]byte(body))
		default:
			w.Write([]byte(body))
		}
	})
	c := stalledClient(t, srv.URL)
	name := filepath.Join(t.TempDir(), "blob")
	if err := c.Fetch(bounded(t), sum(body), int64(len(body)), name, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != body {
		t.Error("the file does not hold the blob")
	}
	if reqs := srv.requests(); len(reqs) != 3 || reqs[1] != "bytes=5000-" || reqs[2] != "" {
		t.Errorf("requests' ranges = %q; want a start, a resume from 5000 answered wrongly, a fresh start", reqs)
	}
}

// TestMetadataIsBounded: a metadata answer longer than maxMetadata is
// refused, announced or not, and a stalled one is cut.
func TestMetadataIsBounded(t *testing.T) {
	defer func(n int64) { maxMetadata = n }(maxMetadata)
	maxMetadata = 64 << 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("after") {
		case "1": // endless, no length
			w.Write([]byte(`{"updates":[`))
			for r.Context().Err() == nil {
				if _, err := w.Write([]byte(strings.Repeat(" ", 4096))); err != nil {
					return
				}
			}
		case "2": // announced too long
			w.Header().Set("Content-Length", strconv.Itoa(1<<20))
			w.Write([]byte(`{"updates":[]}`))
		case "3": // headers, then silence
			w.Write([]byte(`{"updates":[`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default: // no answer at all
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	c := stalledClient(t, srv.URL)
	for after, want := range map[int64]string{
		1: "sent more than 65536 bytes in answer to /v1/products/p-1/updates",
		2: "announced 1048576 bytes in answer to /v1/products/p-1/updates, more than the 65536",
		3: "stalled",
		4: "stalled",
	} {
		_, err := c.Updates(bounded(t), "p-1", after, 0)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("after=%d: %v; want an error saying %q", after, err, want)
		}
	}
}
