package server

import (
	"net/http"
	"strings"
	"testing"
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
