package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"inplace/internal/client"
)

// TestReportNeverFailsTheRun: a server that refuses the report, or never
// answers it, changes neither the run's exit code nor what it prints, and
// holds the run up for client.ReportTimeout at most; the report is tried
// once.
func TestReportNeverFailsTheRun(t *testing.T) {
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	up, err := url.Parse(srv.url)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(up)
	var mode atomic.Value
	var reports atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/reports" {
			pass.ServeHTTP(w, r)
			return
		}
		reports.Add(1)
		io.Copy(io.Discard, r.Body)
		switch mode.Load() {
		case "refuse":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":"the database is down"}`)
		case "hang":
			<-r.Context().Done()
		}
	}))
	defer front.Close()

	run := func(m string) time.Duration {
		t.Helper()
		mode.Store(m)
		reports.Store(0)
		h := srv.installHome(t, l.Base)
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), "--non-interactive", "-c", "full")
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+front.URL, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err != nil || !strings.Contains(string(out), "updated acme-gateway-4.2.0 to level 1700000200000") {
			t.Fatalf("%s: %v\n%s", m, err, out)
		}
		if strings.Contains(string(out), "report") || strings.Contains(string(out), "database is down") {
			t.Errorf("%s: the run spoke of its report:\n%s", m, out)
		}
		if n := reports.Load(); n != 1 {
			t.Errorf("%s: %d report(s) sent, want 1", m, n)
		}
		return took
	}
	quick := run("refuse")
	slow := run("hang")
	if slow-quick > client.ReportTimeout+3*time.Second {
		t.Errorf("a report that got no answer held the run up %v (a refused one took %v); want at most %v more",
			slow, quick, client.ReportTimeout)
	}
}
