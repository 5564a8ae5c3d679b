package nginx

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/nginx.conf from Render")

// needNginx returns the nginx binary, or skips the test if there is none;
// in CI, where scripts/test-deps.sh installs it, it fails instead.
func needNginx(t *testing.T) {
	t.Helper()
	if _, err := Find(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start starts nginx with cfg and stops it at the end of the test.
func start(t *testing.T, cfg Config) *Nginx {
	t.Helper()
	n, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

func TestRenderGolden(t *testing.T) {
	defer func(f func() int) { geteuid = f }(geteuid)
	geteuid = func() int { return 0 }
	got, err := Config{
		Dir:          "/prefix",
		Listen:       "127.0.0.1:8080",
		Upstreams:    []string{"127.0.0.1:9001", "127.0.0.1:9002"},
		StaticRoot:   "/srv/static",
		StaticListen: "127.0.0.1:8081",
	}.Render()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "nginx.conf")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Render differs from %s (go test -update rewrites it):\n%s", golden, got)
	}

	geteuid = func() int { return 1000 }
	got, err = Config{Dir: "/prefix", StaticRoot: "/srv", StaticListen: "127.0.0.1:1", WorkerProcesses: 3}.Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"user root", "upstream", "proxy_pass"} {
		if strings.Contains(got, s) {
			t.Errorf("the configuration of a static server run by a user holds %q:\n%s", s, got)
		}
	}
	if !strings.Contains(got, "worker_processes 3;") {
		t.Errorf("WorkerProcesses 3 is not in the configuration:\n%s", got)
	}
}

func TestRenderRejects(t *testing.T) {
	ups := []string{"127.0.0.1:1"}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Listen: "127.0.0.1:1", Upstreams: ups}, "Dir is empty"},
		{Config{Dir: "/d"}, "nothing to serve"},
		{Config{Dir: "/d", Upstreams: ups}, "Upstreams without Config.Listen"},
		{Config{Dir: "/d", Listen: "127.0.0.1:1"}, "Listen without Config.Upstreams"},
		{Config{Dir: "/d", StaticRoot: "/s"}, "StaticRoot without Config.StaticListen"},
		{Config{Dir: "/d", StaticListen: "127.0.0.1:1"}, "StaticListen without Config.StaticRoot"},
		{Config{Dir: `/d"; evil`, Listen: "127.0.0.1:1", Upstreams: ups}, "cannot hold"},
	} {
		if _, err := tc.cfg.Render(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Render(%+v) = %v, want an error saying %q", tc.cfg, err, tc.want)
		}
	}
}

func TestStatic(t *testing.T) {
	needNginx(t)
	root := t.TempDir()
	blob := make([]byte, 300<<10)
	rand.Read(blob)
	files := map[string][]byte{
		"products/p/blob.bin":  blob,
		"products/p/meta.json": []byte(`{"version":"1.0.0"}`),
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	start(t, Config{Dir: t.TempDir(), StaticRoot: root, StaticListen: addr, WorkerProcesses: 1})

	for name, wantType := range map[string]string{
		"products/p/blob.bin":  "application/octet-stream",
		"products/p/meta.json": "application/json",
	} {
		resp, err := http.Get("http://" + addr + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, files[name]) {
			t.Errorf("GET /%s: status %d, %d bytes; want 200 and the %d bytes of the file", name, resp.StatusCode, len(got), len(files[name]))
		}
		if ct := resp.Header.Get("Content-Type"); ct != wantType {
			t.Errorf("GET /%s: Content-Type %q, want %q", name, ct, wantType)
		}
	}
	resp, err := http.Get("http://" + addr + "/products/p/missing.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET of a missing file: status %d, want 404", resp.StatusCode)
	}
}

// upstream is a test replica that answers with its name and counts the
// requests it got.
type upstream struct {
	srv  *httptest.Server
	hits atomic.Int64
}

// addr returns the host:port of u.
func (u *upstream) addr() string { return strings.TrimPrefix(u.srv.URL, "http://") }

// newUpstream starts a replica named name. It answers 503 to requests
// for /fail, and for everything else 200 with its name and the Host and
// X-Forwarded-For it got.
func newUpstream(t *testing.T, name string) *upstream {
	t.Helper()
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/fail" {
			http.Error(w, name+" failed", http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case "/public":
			w.Header().Set("Cache-Control", "public, max-age=60")
		case "/private":
			w.Header().Set("Cache-Control", "private, max-age=60")
		}
		fmt.Fprintf(w, "%s %s %s", name, r.Host, r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// get GETs url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestProxyBalancesAndFailsOver(t *testing.T) {
	needNginx(t)
	a, b := newUpstream(t, "a"), newUpstream(t, "b")
	addr := freeAddr(t)
	start(t, Config{Dir: t.TempDir(), Listen: addr, Upstreams: []string{a.addr(), b.addr()}, WorkerProcesses: 1})

	for i := range 10 {
		code, body := get(t, "http://"+addr+"/x")
		// nginx's $host is the Host header without its port.
		if code != http.StatusOK || !strings.HasSuffix(body, " 127.0.0.1 127.0.0.1") {
			t.Fatalf("GET %d: %d %q; want 200, Host and X-Forwarded-For 127.0.0.1", i, code, body)
		}
	}
	if a.hits.Load() == 0 || b.hits.Load() == 0 {
		t.Errorf("requests per replica: a %d, b %d; want both used", a.hits.Load(), b.hits.Load())
	}

	a.srv.Close()
	for i := range 10 {
		if code, body := get(t, "http://"+addr+"/x"); code != http.StatusOK || !strings.HasPrefix(body, "b ") {
			t.Fatalf("GET %d with replica a down: %d %q; want 200 from b", i, code, body)
		}
	}
}

// TestCachedProxy: the cached proxy keeps what the upstream marks public,
// never what it marks private; the plain proxy keeps nothing.
func TestCachedProxy(t *testing.T) {
	needNginx(t)
	a := newUpstream(t, "a")
	plain, cached := freeAddr(t), freeAddr(t)
	start(t, Config{Dir: t.TempDir(), Listen: plain, CachedListen: cached, Upstreams: []string{a.addr()}, WorkerProcesses: 1})
	for _, tt := range []struct {
		addr, path string
		want       int64
	}{
		{cached, "/public", 1},
		{cached, "/private", 5},
		{plain, "/public", 5},
	} {
		a.hits.Store(0)
		for range 5 {
			if code, _ := get(t, "http://"+tt.addr+tt.path); code != http.StatusOK {
				t.Fatalf("GET %s: %d", tt.path, code)
			}
		}
		if got := a.hits.Load(); got != tt.want {
			t.Errorf("5 GETs of %s through %s reached the upstream %d times; want %d", tt.path, tt.addr, got, tt.want)
		}
	}
}

func TestProxyRetriesOnlyIdempotentRequests(t *testing.T) {
	needNginx(t)
	a, b := newUpstream(t, "a"), newUpstream(t, "b")
	addr := freeAddr(t)
	start(t, Config{Dir: t.TempDir(), Listen: addr, Upstreams: []string{a.addr(), b.addr()}, WorkerProcesses: 1})

	// A POST answered 503 is passed back, not sent to the other replica.
	resp, err := http.Post("http://"+addr+"/fail", "text/plain", strings.NewReader("publish"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := a.hits.Load() + b.hits.Load(); resp.StatusCode != http.StatusServiceUnavailable || got != 1 {
		t.Errorf("POST /fail: status %d, seen by %d replicas; want 503 from one", resp.StatusCode, got)
	}
	// The replica that failed is now left out for 2 seconds; wait, so
	// that the GET has both to try.
	time.Sleep(2100 * time.Millisecond)
	a.hits.Store(0)
	b.hits.Store(0)
	if code, _ := get(t, "http://"+addr+"/fail"); code != http.StatusServiceUnavailable || a.hits.Load() != 1 || b.hits.Load() != 1 {
		t.Errorf("GET /fail: status %d, a saw %d, b %d; want 503 after trying each replica once", code, a.hits.Load(), b.hits.Load())
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	needNginx(t)
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	u := newUpstream(t, "a")
	n := start(t, Config{Dir: t.TempDir(), Listen: freeAddr(t), Upstreams: []string{u.addr()}, WorkerProcesses: 2})
	if got := group(t, n.PID()); len(got) != 3 {
		t.Fatalf("processes in nginx's group: %v; want the master and 2 workers", got)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := group(t, n.PID()); len(got) != 0 {
		t.Errorf("processes left after Stop: %v", got)
	}
	if err := n.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

func TestStopKillsWhatDoesNotQuit(t *testing.T) {
	needNginx(t)
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if testing.Short() {
		t.Skip("waits 5 seconds")
	}
	// A request that never ends keeps a worker from quitting gracefully.
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	addr := freeAddr(t)
	n := start(t, Config{Dir: t.TempDir(), Listen: addr, Upstreams: []string{strings.TrimPrefix(srv.URL, "http://")}, WorkerProcesses: 1})
	go func() {
		if resp, err := http.Get("http://" + addr + "/hang"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	began := time.Now()
	if err := n.Stop(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Stop = %v, want an error saying nginx was killed", err)
	}
	if took := time.Since(began); took < stopTimeout || took > stopTimeout+3*time.Second {
		t.Errorf("Stop took %v, want a little over %v", took, stopTimeout)
	}
	if got := group(t, n.PID()); len(got) != 0 {
		t.Errorf("processes left after Stop: %v", got)
	}
}

func TestStartReportsBadConfiguration(t *testing.T) {
	needNginx(t)
	_, err := Start(t.Context(), Config{Dir: t.TempDir(), Listen: freeAddr(t), Upstreams: []string{"127.0.0.1:notaport"}})
	if err == nil || !strings.Contains(err.Error(), "nginx -t") || !strings.Contains(err.Error(), "invalid port") {
		t.Errorf("Start = %v, want nginx -t's complaint about the port", err)
	}
}

func TestStartReportsPortInUse(t *testing.T) {
	needNginx(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err = Start(ctx, Config{Dir: t.TempDir(), StaticRoot: root, StaticListen: l.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "exited at start") || !strings.Contains(err.Error(), "in use") {
		t.Errorf("Start on a port in use = %v, want an error quoting nginx's log", err)
	}
}

// group returns the ids of the live processes in process group pgid
// (zombies left to reap do not count).
func group(t *testing.T, pgid int) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestDiesWithParent starts nginx in a child process of the test (the
// test binary run again, see helperStart), kills that child with
// SIGKILL and checks that nginx goes with it.
func TestDiesWithParent(t *testing.T) {
	needNginx(t)
	if runtime.GOOS != "linux" {
		t.Skip("Pdeathsig is Linux only")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStart$")
	cmd.Env = append(os.Environ(), "NGINX_HELPER_DIR="+t.TempDir(), "NGINX_HELPER_ADDR="+freeAddr(t))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, convErr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || convErr != nil {
		cmd.Process.Kill()
		t.Fatalf("the helper did not report nginx's pid: %q, %v", line, err)
	}
	if len(group(t, pid)) == 0 {
		t.Fatal("nginx is not running under the helper")
	}
	cmd.Process.Kill()
	for deadline := time.Now().Add(5 * time.Second); len(group(t, pid)) > 0; {
		if time.Now().After(deadline) {
			syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatalf("nginx still runs 5s after its parent was killed: %v", group(t, pid))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHelperStart is TestDiesWithParent's child: it starts nginx, prints
// its pid and waits to be killed. It does nothing in a normal run.
func TestHelperStart(t *testing.T) {
	dir := os.Getenv("NGINX_HELPER_DIR")
	if dir == "" {
		t.Skip("run by TestDiesWithParent")
	}
	n, err := Start(context.Background(), Config{Dir: dir, StaticRoot: dir, StaticListen: os.Getenv("NGINX_HELPER_ADDR")})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(n.PID())
	time.Sleep(time.Minute)
	n.Stop()
}
