package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"inplace/internal/store"
)

// metricValue returns the value of the sample of the exposition text that
// starts with prefix (a name and its labels), or "" when there is none.
func metricValue(text, prefix string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, prefix+" "); ok {
			return v
		}
	}
	return ""
}

// TestMetrics: requests are counted by route (the API's pattern, never the
// path with its hashes), logins by result, refusals by reason; the body
// bytes sent add up.
func TestMetrics(t *testing.T) {
	f := newFixture(t)
	alice := f.login("alice", "wso2am-4.2.0", "full")
	f.do("POST", "/v1/token", "", map[string]string{"username": "alice", "password": "wrong", "product": "wso2am-4.2.0", "channel": "full"})
	for range 3 {
		if status, _, _ := f.do("GET", "/v1/blobs/"+sum("base a"), alice, nil); status != 200 {
			t.Fatalf("download: %d", status)
		}
	}
	f.do("GET", "/v1/blobs/"+sum("other bytes"), alice, nil) // another product's: 404
	f.do("GET", "/v1/blobs/"+sum("base a"), "", nil)         // no token: 401

	status, b, resp := f.do("GET", "/metrics", "", nil)
	if status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", status, resp.Header.Get("Content-Type"))
	}
	text := string(b)
	for prefix, want := range map[string]string{
		`inplace_http_requests_total{code="200",method="GET",route="GET /v1/blobs/{sha256}"}`: "3",
		`inplace_http_requests_total{code="404",method="GET",route="GET /v1/blobs/{sha256}"}`: "1",
		`inplace_http_requests_total{code="401",method="GET",route="GET /v1/blobs/{sha256}"}`: "1",
		`inplace_http_requests_total{code="200",method="POST",route="POST /v1/token"}`:        "1",
		`inplace_http_request_duration_seconds_count{route="GET /v1/blobs/{sha256}"}`:         "5",
		`inplace_logins_total{kind="password",result="ok"}`:                                   "1",
		`inplace_logins_total{kind="password",result="refused"}`:                              "1",
		`inplace_http_failures_total{reason="unauthorized"}`:                                  "2",
		`inplace_http_failures_total{reason="not_found"}`:                                     "1",
	} {
		if got := metricValue(text, prefix); got != want {
			t.Errorf("%s = %q; want %q", prefix, got, want)
		}
	}
	if strings.Contains(text, sum("base a")) {
		t.Error("a blob hash appears in the metrics: labels must be routes, not paths")
	}
	if metricValue(text, "go_goroutines") == "" || metricValue(text, "process_resident_memory_bytes") == "" {
		t.Error("the Go and process collectors are missing")
	}
}

// TestReadyAndDrain: /readyz answers 200 while both stores answer, 503 when
// the metadata store is gone, and 503 once Drain is called, while the API
// still serves; /healthz stays 200.
func TestReadyAndDrain(t *testing.T) {
	f := newFixture(t)
	if status, b, _ := f.do("GET", "/readyz", "", nil); status != 200 || string(b) != "ready\n" {
		t.Fatalf("/readyz = %d %q; want 200 ready", status, b)
	}
	alice := f.login("alice", "wso2am-4.2.0", "full")
	f.server.Drain()
	if status, b, _ := f.do("GET", "/readyz", "", nil); status != http.StatusServiceUnavailable || !strings.Contains(string(b), "shutting down") {
		t.Errorf("/readyz after Drain = %d %q; want 503 shutting down", status, b)
	}
	if status, _, _ := f.do("GET", "/v1/blobs/"+sum("base a"), alice, nil); status != 200 {
		t.Errorf("a download after Drain = %d; want 200: draining still serves", status)
	}
	if status, _, _ := f.do("GET", "/healthz", "", nil); status != 200 {
		t.Errorf("/healthz after Drain = %d; want 200", status)
	}

	g := newFixture(t)
	g.store.Close()
	if status, b, _ := g.do("GET", "/readyz", "", nil); status != http.StatusServiceUnavailable || !strings.Contains(string(b), "metadata store") {
		t.Errorf("/readyz with the database closed = %d %q; want 503 naming the metadata store", status, b)
	}
}

// TestMetadataCache: timestamp.json and the absence of a metadata file
// are answered from memory for MetadataTTL, and say so to shared caches;
// after it, a change made in the store (by a publish elsewhere) shows.
// With no TTL every answer is fresh and nothing may be kept.
func TestMetadataCache(t *testing.T) {
	ctx := context.Background()
	put := func(f *fixture, files map[string]string) {
		t.Helper()
		prev, err := f.store.Metadata(ctx, store.TimestampFile)
		if errors.Is(err, store.ErrNotFound) {
			prev = nil
		} else if err != nil {
			t.Fatal(err)
		}
		m := map[string][]byte{}
		for k, v := range files {
			m[k] = []byte(v)
		}
		if err := f.store.PutMetadata(ctx, prev, m); err != nil {
			t.Fatal(err)
		}
	}
	check := func(f *fixture, name string, wantStatus int, wantBody, wantCache string) {
		t.Helper()
		status, b, resp := f.do("GET", "/v1/metadata/"+name, "", nil)
		if status != wantStatus || (wantStatus == 200 && string(b) != wantBody) || resp.Header.Get("Cache-Control") != wantCache {
			t.Errorf("GET %s = %d %q, Cache-Control %q; want %d %q, %q", name, status, b, resp.Header.Get("Cache-Control"), wantStatus, wantBody, wantCache)
		}
	}

	f := newFixture(t, func(o *Options) { o.MetadataTTL = 2 * time.Second })
	put(f, map[string]string{"timestamp.json": "ts-1", "71.root.json": "root-71"})
	check(f, "timestamp.json", 200, "ts-1", "public, max-age=2")
	check(f, "72.root.json", 404, "", "public, max-age=2")
	check(f, "71.root.json", 200, "root-71", "public, max-age=31536000, immutable")
	put(f, map[string]string{"timestamp.json": "ts-2", "72.root.json": "root-72"})
	check(f, "timestamp.json", 200, "ts-1", "public, max-age=2")
	check(f, "72.root.json", 404, "", "public, max-age=2")
	f.clock.Add(2 * time.Second)
	check(f, "timestamp.json", 200, "ts-2", "public, max-age=2")
	check(f, "72.root.json", 200, "root-72", "public, max-age=31536000, immutable")

	g := newFixture(t)
	put(g, map[string]string{"timestamp.json": "ts-1"})
	check(g, "timestamp.json", 200, "ts-1", "no-store")
	check(g, "72.root.json", 404, "", "no-store")
	put(g, map[string]string{"timestamp.json": "ts-2", "72.root.json": "root-72"})
	check(g, "timestamp.json", 200, "ts-2", "no-store")
	check(g, "72.root.json", 200, "root-72", "public, max-age=31536000, immutable")
}
