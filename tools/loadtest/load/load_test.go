package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// body is what the test servers answer with.
var body = strings.Repeat("0123456789", 100)

func bodySHA256() string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// server starts a test server that answers every request with body,
// after the delay given in the query (?sleep=20ms), and counts requests
// and new connections.
func server(t *testing.T) (url string, requests, conns *atomic.Int64) {
	t.Helper()
	requests, conns = new(atomic.Int64), new(atomic.Int64)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			time.Sleep(d)
		}
		io.WriteString(w, body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, requests, conns
}

func TestRunCountsOpsBytesAndReusesConnections(t *testing.T) {
	url, requests, conns := server(t)
	r := Run(t.Context(), Scenario{
		Name:     "get",
		Clients:  4,
		Duration: 300 * time.Millisecond,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			_, err := GetOK(ctx, c, url, nil, http.StatusOK, bodySHA256())
			return err
		},
	})
	if r.Name != "get" || r.Clients != 4 {
		t.Errorf("Name, Clients = %q, %d; want get, 4", r.Name, r.Clients)
	}
	if r.Ops == 0 || r.Errors != 0 {
		t.Fatalf("Ops = %d, Errors = %d (%q); want some ops and no errors", r.Ops, r.Errors, r.FirstErrors)
	}
	if got := requests.Load(); got != r.Ops {
		t.Errorf("the server saw %d requests, the result counts %d ops", got, r.Ops)
	}
	if want := r.Ops * int64(len(body)); r.Bytes != want {
		t.Errorf("Bytes = %d, want %d", r.Bytes, want)
	}
	if r.Elapsed < 300*time.Millisecond || r.Elapsed > 5*time.Second {
		t.Errorf("Elapsed = %v, want 300ms or a little more", r.Elapsed)
	}
	if want := float64(r.Ops) / r.Elapsed.Seconds(); r.Throughput != want {
		t.Errorf("Throughput = %v, want %v", r.Throughput, want)
	}
	if !(0 < r.P50 && r.P50 <= r.P90 && r.P90 <= r.P99 && r.P99 <= r.Max) {
		t.Errorf("percentiles out of order: P50 %v, P90 %v, P99 %v, Max %v", r.P50, r.P90, r.P99, r.Max)
	}
	// Each client reads every body to the end, so it keeps reusing one
	// connection.
	if got := conns.Load(); got > 2*4 {
		t.Errorf("%d connections opened for 4 clients: bodies not drained?", got)
	}
}

func TestRunCountsErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()
	r := Run(t.Context(), Scenario{
		Clients:  3,
		Duration: 300 * time.Millisecond,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			_, err := GetOK(ctx, c, srv.URL+"/x", nil, http.StatusOK, "")
			return err
		},
	})
	total := n.Load()
	if total < 10 {
		t.Fatalf("only %d requests in 300ms", total)
	}
	if r.Ops+r.Errors != total || r.Errors != total/10 {
		t.Errorf("Ops = %d, Errors = %d; the server answered %d requests, %d of them with an error", r.Ops, r.Errors, total, total/10)
	}
	want := fmt.Sprintf(`GET %s/x: status 500, want 200: "boom"`, srv.URL)
	if len(r.FirstErrors) != 1 || r.FirstErrors[0] != want {
		t.Errorf("FirstErrors = %q, want [%q]", r.FirstErrors, want)
	}
}

func TestRunKeepsFiveDistinctErrors(t *testing.T) {
	r := Run(t.Context(), Scenario{
		Clients:  2,
		Duration: 100 * time.Millisecond,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			time.Sleep(time.Millisecond)
			return fmt.Errorf("failure %d", i%7)
		},
	})
	if r.Ops != 0 || r.Errors == 0 {
		t.Errorf("Ops = %d, Errors = %d; want only errors", r.Ops, r.Errors)
	}
	want := []string{"failure 0", "failure 1", "failure 2", "failure 3", "failure 4"}
	if fmt.Sprint(r.FirstErrors) != fmt.Sprint(want) {
		t.Errorf("FirstErrors = %q, want %q", r.FirstErrors, want)
	}
	if r.P50 != 0 || r.Max != 0 || r.Throughput != 0 {
		t.Errorf("P50 %v, Max %v, Throughput %v; want 0 without a successful operation", r.P50, r.Max, r.Throughput)
	}
}

func TestRunPercentiles(t *testing.T) {
	url, _, _ := server(t)
	// Two operations in five sleep 20ms on the server, the others not
	// at all: the median is fast, the 90th percentile slow.
	r := Run(t.Context(), Scenario{
		Clients:  4,
		Duration: 500 * time.Millisecond,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			u := url
			if i%5 < 2 {
				u += "?sleep=20ms"
			}
			_, err := GetOK(ctx, c, u, nil, http.StatusOK, "")
			return err
		},
	})
	if r.Errors != 0 || r.Ops < 20 {
		t.Fatalf("Ops = %d, Errors = %d (%q)", r.Ops, r.Errors, r.FirstErrors)
	}
	if r.P50 >= 15*time.Millisecond {
		t.Errorf("P50 = %v, want well under 20ms", r.P50)
	}
	if r.P90 < 20*time.Millisecond || r.P99 < 20*time.Millisecond || r.Max < 20*time.Millisecond {
		t.Errorf("P90 %v, P99 %v, Max %v; want all at least 20ms", r.P90, r.P99, r.Max)
	}
}

func TestRunExcludesWarmup(t *testing.T) {
	url, _, _ := server(t)
	const warmup = 200 * time.Millisecond
	warm := time.Now().Add(warmup) // no later than Run's own end of the warmup
	r := Run(t.Context(), Scenario{
		Clients:  2,
		Warmup:   warmup,
		Duration: 200 * time.Millisecond,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			if time.Now().Before(warm) {
				// Slow, failing and reading a body: none of it may show.
				GetOK(ctx, c, url+"?sleep=60ms", nil, http.StatusOK, "")
				return errors.New("warmup")
			}
			return nil
		},
	})
	if r.Ops == 0 || r.Errors != 0 || r.Bytes != 0 {
		t.Errorf("Ops = %d, Errors = %d (%q), Bytes = %d; want ops and no errors or bytes from the warmup", r.Ops, r.Errors, r.FirstErrors, r.Bytes)
	}
	if r.Max >= 60*time.Millisecond {
		t.Errorf("Max = %v: a warmup operation was timed", r.Max)
	}
	if r.Elapsed < 200*time.Millisecond || r.Elapsed > 2*time.Second {
		t.Errorf("Elapsed = %v, want the 200ms after the warmup", r.Elapsed)
	}
}

func TestRunCountsBytesHoweverTheyAreRead(t *testing.T) {
	url, _, _ := server(t)
	r := Run(t.Context(), Scenario{
		Clients:  2,
		Duration: 200 * time.Millisecond,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			resp, err := c.Get(url)
			if err != nil {
				return err
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			return err
		},
	})
	if r.Ops == 0 || r.Errors != 0 {
		t.Fatalf("Ops = %d, Errors = %d (%q)", r.Ops, r.Errors, r.FirstErrors)
	}
	if want := r.Ops * int64(len(body)); r.Bytes != want {
		t.Errorf("Bytes = %d, want %d", r.Bytes, want)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	url, _, _ := server(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	began := time.Now()
	r := Run(ctx, Scenario{
		Clients:  3,
		Duration: time.Minute,
		Step: func(ctx context.Context, c *http.Client, client, i int) error {
			_, err := GetOK(ctx, c, url+"?sleep=50ms", nil, http.StatusOK, "")
			return err
		},
	})
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Run took %v after a cancel at 300ms", took)
	}
	if r.Ops == 0 || r.Errors != 0 {
		t.Errorf("Ops = %d, Errors = %d (%q); want ops, and the requests cut short not counted as errors", r.Ops, r.Errors, r.FirstErrors)
	}
	if r.Elapsed < 300*time.Millisecond || r.Elapsed > 5*time.Second {
		t.Errorf("Elapsed = %v, want about 300ms", r.Elapsed)
	}
}

func TestGetOK(t *testing.T) {
	url, _, _ := server(t)
	c := newClient(new(atomic.Int64))
	ctx := t.Context()

	n, err := GetOK(ctx, c, url, http.Header{"X-Test": {"1"}}, http.StatusOK, bodySHA256())
	if err != nil || n != int64(len(body)) {
		t.Errorf("GetOK = %d, %v; want %d, nil", n, err, len(body))
	}
	n, err = GetOK(ctx, c, url, nil, http.StatusOK, strings.Repeat("0", 64))
	if err == nil || !strings.Contains(err.Error(), "body of 1000 bytes has SHA-256 "+bodySHA256()) || n != int64(len(body)) {
		t.Errorf("GetOK with a wrong hash = %d, %v", n, err)
	}
	_, err = GetOK(ctx, c, url, nil, http.StatusNotModified, "")
	if want := fmt.Sprintf(`GET %s: status 200, want 304: "%s"…`, url, body[:bodyQuote]); err == nil || err.Error() != want {
		t.Errorf("GetOK with a wrong status: %v\nwant %s", err, want)
	}
	_, err = GetOK(ctx, c, "http://127.0.0.1:1/", nil, http.StatusOK, "")
	if err == nil {
		t.Error("GetOK to a closed port succeeded")
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		values []time.Duration
		p      int
		want   time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 100, 7 * time.Millisecond},
		{ms(1, 2), 50, 1 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 90, 4 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
	} {
		if got := percentile(tc.values, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %d) = %v, want %v", tc.values, tc.p, got, tc.want)
		}
	}
}
