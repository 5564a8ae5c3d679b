package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"inplace/tools/e2ebench/benchgen"
)

const (
	productName = "bench"
	productKey  = "bench-1.0"
	username    = "bench"
	password    = "bench-password-1"
)

// bench is one product and its update, published and measured.
type bench struct {
	dir, bin  string
	runs      int
	opts      benchgen.Options
	baselines bool // measure git and the full pack too
	toolOnly  bool // only the tool: the larger product's no-op check and memory

	server      *exec.Cmd
	proxy       *countingProxy
	home        string
	publishTime time.Duration // update publish, preparing the downloads included
	publishOut  string
}

// run measures everything for one product.
func (b *bench) run() (*result, error) {
	res := &result{opts: b.opts, runs: b.runs}
	r1, r2 := filepath.Join(b.dir, "release-1"), filepath.Join(b.dir, "release-2")
	logf("generating %d files, about %d MiB, in %s", b.opts.Files, b.opts.Bytes>>20, b.dir)
	var err error
	if res.stats, err = benchgen.Product(r1, b.opts); err != nil {
		return nil, err
	}
	if res.change, err = benchgen.Release(r1, r2, b.opts); err != nil {
		return nil, err
	}
	if err := b.startServer(r1, r2); err != nil {
		return nil, err
	}
	res.publishTime, res.publishOut = b.publishTime, b.publishOut
	defer b.stop()
	if err := b.install(r1); err != nil {
		return nil, err
	}

	// The first update after publishing, reported on its own: any packed
	// form publishing did not prepare is computed now.
	logf("first update")
	cold, err := b.tool(exitOK, false)
	if err != nil {
		return nil, err
	}
	res.coldUpdate = cold.wall
	if res.backupBytes, err = treeBytes(filepath.Join(b.home, "updates", "backup")); err != nil {
		return nil, err
	}
	if _, err := b.tool(exitReverted, false, "--revert"); err != nil {
		return nil, err
	}
	for i := range b.runs {
		logf("run %d of %d: dry run, update, no-op check, revert", i+1, b.runs)
		if !b.toolOnly {
			dry, err := b.tool(exitOK, false, "--dry-run")
			if err != nil {
				return nil, err
			}
			res.dryRun = append(res.dryRun, dry)
		}
		b.proxy.reset()
		up, err := b.tool(exitOK, true)
		if err != nil {
			return nil, err
		}
		res.update = append(res.update, up)
		res.wire = append(res.wire, b.proxy.total())
		res.payload = b.proxy.payloads()
		b.proxy.reset()
		noop, err := b.tool(exitOK, false)
		if err != nil {
			return nil, err
		}
		res.noop = append(res.noop, noop)
		res.noopRequests, res.noopBytes = b.proxy.requests(), b.proxy.total()
		rv, err := b.tool(exitReverted, false, "--revert")
		if err != nil {
			return nil, err
		}
		res.revert = append(res.revert, rv)
	}
	// --status walks and hashes the whole product: its time and memory
	// grow with the product, not the change.
	for i := range min(b.runs, 3) {
		logf("--status, run %d of %d", i+1, min(b.runs, 3))
		st, err := b.tool(exitOK, false, "--status")
		if err != nil {
			return nil, err
		}
		res.status = append(res.status, st)
	}
	if b.toolOnly {
		return res, nil
	}
	if err := b.measureBundle(res); err != nil {
		return nil, err
	}
	if res.files, err = compareFiles(r1, r2, res.change, res.payload); err != nil {
		return nil, err
	}
	return res, b.measureBaselines(res, r1, r2)
}

// measureBundle exports an offline bundle for the installation's level
// and updates it from the bundle (the server is still up, but the tool
// does not ask it), then reverts: the bundle's size against the update's
// new content and the bytes an online update sends, its update against
// the online one.
func (b *bench) measureBundle(res *result) error {
	file := filepath.Join(b.dir, "bench.bundle")
	for i := range b.runs {
		logf("offline bundle, run %d of %d: export, update from it, revert", i+1, b.runs)
		if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		exp, err := b.tool(exitOK, false, "--export-bundle", file)
		if err != nil {
			return err
		}
		res.bundleExport = append(res.bundleExport, exp.wall)
		fi, err := os.Stat(file)
		if err != nil {
			return err
		}
		res.bundleBytes = fi.Size()
		up, err := b.tool(exitOK, true, "--bundle", file)
		if err != nil {
			return err
		}
		res.bundleUpdate = append(res.bundleUpdate, up)
		if _, err := b.tool(exitReverted, false, "--revert"); err != nil {
			return err
		}
	}
	return nil
}

// measureBaselines times the floor, git and the full pack on fresh copies
// of release 1.
func (b *bench) measureBaselines(res *result, r1, r2 string) error {
	inst := filepath.Join(b.dir, "baseline-install")
	fresh := func() error {
		if err := os.RemoveAll(inst); err != nil {
			return err
		}
		return benchgen.CopyTree(r1, inst)
	}
	for i := range b.runs {
		logf("floor, run %d of %d", i+1, b.runs)
		if err := fresh(); err != nil {
			return err
		}
		d, err := benchgen.Floor(inst, r2, res.change)
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		res.floor = append(res.floor, d)
	}
	if !b.baselines {
		return os.RemoveAll(inst)
	}
	logf("git: setting up the vendor and installation repositories")
	g, err := benchgen.NewGit(filepath.Join(b.dir, "git"), r1, r2)
	if err != nil {
		return fmt.Errorf("git: %w", err)
	}
	for i := range b.runs {
		logf("git, run %d of %d", i+1, b.runs)
		d, err := g.Run()
		if err != nil {
			return fmt.Errorf("git: %w", err)
		}
		res.git = append(res.git, d)
		if err := g.Reset(); err != nil {
			return fmt.Errorf("git: %w", err)
		}
	}
	if err := os.RemoveAll(filepath.Join(b.dir, "git")); err != nil {
		return err
	}
	logf("full pack: zipping release 2")
	p, err := benchgen.NewPack(filepath.Join(b.dir, "pack"), r2)
	if err != nil {
		return fmt.Errorf("full pack: %w", err)
	}
	for i := range b.runs {
		logf("full pack, run %d of %d", i+1, b.runs)
		if err := fresh(); err != nil {
			return err
		}
		d, err := p.Run(inst)
		if err != nil {
			return fmt.Errorf("full pack: %w", err)
		}
		res.pack = append(res.pack, d)
	}
	return os.RemoveAll(inst)
}

// admin runs an update-server command on the bench's data folder and
// returns what it printed.
func (b *bench) admin(stdin string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(b.bin, "update-server"), append(args, "--data", b.data())...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("update-server %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (b *bench) data() string { return filepath.Join(b.dir, "data") }

// startServer publishes release 1 as the base and release 2 as an update,
// and serves them on loopback behind a proxy that counts the bytes sent.
func (b *bench) startServer(r1, r2 string) error {
	logf("publishing release 1 and the update to release 2")
	steps := [][]string{
		{"init"},
		{"product", "add", "--name", productName, "--version", "1.0", r1},
		{"update", "publish", "--product", productKey, "--distribution", r2},
	}
	for _, s := range steps {
		start := time.Now()
		out, err := b.admin("", s...)
		if err != nil {
			return err
		}
		if s[0] == "update" {
			b.publishTime = time.Since(start)
			b.publishOut = strings.TrimSpace(out)
		}
	}
	if _, err := b.admin(password+"\n", "user", "add", "--username", username, "--password-stdin", "--product", productKey, "--channel", "full"); err != nil {
		return err
	}
	addrFile := filepath.Join(b.dir, "server.addr")
	logFile, err := os.Create(filepath.Join(b.dir, "server.log"))
	if err != nil {
		return err
	}
	b.server = exec.Command(filepath.Join(b.bin, "update-server"), "serve", "--data", b.data(), "--addr", "127.0.0.1:0", "--addr-file", addrFile)
	b.server.Stdout, b.server.Stderr = logFile, logFile
	if err := b.server.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		addr, err := os.ReadFile(addrFile)
		if err == nil && len(addr) > 0 {
			target, _ := url.Parse("http://" + strings.TrimSpace(string(addr)))
			b.proxy, err = startProxy(target)
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("the update server did not start; see " + logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *bench) stop() {
	if b.proxy != nil {
		b.proxy.srv.Close()
	}
	if b.server != nil && b.server.Process != nil {
		b.server.Process.Signal(os.Interrupt)
		b.server.Wait()
	}
}

// install makes PRODUCT_HOME: a copy of release 1 with the product's name
// and the server's root of trust, as the vendor ships it.
func (b *bench) install(r1 string) error {
	b.home = filepath.Join(b.dir, "home")
	if err := benchgen.CopyTree(r1, b.home); err != nil {
		return err
	}
	root, err := os.ReadFile(filepath.Join(b.data(), "root.json"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(b.home, "updates"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.home, "updates", "root.json"), root, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.home, "updates", "product.txt"), []byte(productKey+"\n"), 0o644)
}

// timeCommand is GNU time (Debian's package time).
const timeCommand = "/usr/bin/time"

// Exit codes of the tool.
const (
	exitOK       = 0
	exitReverted = 4
)

// toolRun is one run of the tool.
type toolRun struct {
	wall   time.Duration
	rss    int64 // peak resident memory, bytes
	phases map[string]float64
}

// tool runs the update tool on the home and checks its exit code. The
// file system is synced first (untimed), as before every baseline.
func (b *bench) tool(want int, phases bool, args ...string) (toolRun, error) {
	if err := benchgen.SyncFS(b.home); err != nil {
		return toolRun{}, err
	}
	args = append([]string{"--home", b.home, "--server", b.proxy.url, "--non-interactive", "--channel", "full", "--json"}, args...)
	// The peak memory comes from GNU time, which forks the tool from its
	// own small process: the rusage of a child this (large) process starts
	// itself counts this process's memory, which the child shared until it
	// ran the tool.
	rssFile := filepath.Join(b.dir, "tool.rss")
	cmd := exec.Command(timeCommand, append([]string{"-o", rssFile, "-f", "%M", filepath.Join(b.bin, "update")}, args...)...)
	cmd.Env = append(os.Environ(), "UPDATE_USERNAME="+username, "UPDATE_PASSWORD="+password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	r := toolRun{wall: time.Since(start)}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return r, err
	}
	if code != want {
		return r, fmt.Errorf("update %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, stderr.String())
	}
	kib, err := os.ReadFile(rssFile)
	if err != nil {
		return r, err
	}
	// The last line: GNU time writes "Command exited with non-zero
	// status N" before it.
	lines := strings.Fields(strings.TrimSpace(string(kib)))
	if len(lines) == 0 {
		return r, fmt.Errorf("GNU time wrote nothing to %s", rssFile)
	}
	if _, err := fmt.Sscan(lines[len(lines)-1], &r.rss); err != nil {
		return r, fmt.Errorf("GNU time's %s: %q: %v", rssFile, kib, err)
	}
	r.rss *= 1024
	if phases {
		var rep struct {
			Phases []struct {
				Name    string  `json:"name"`
				Seconds float64 `json:"seconds"`
			} `json:"phases"`
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			return r, fmt.Errorf("update: reading its JSON report: %v", err)
		}
		r.phases = make(map[string]float64)
		for _, p := range rep.Phases {
			r.phases[p.Name] = p.Seconds
		}
	}
	return r, nil
}

// treeBytes is the size of the regular files under dir.
func treeBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// countingProxy forwards to the update server and counts the bytes of
// every answer, by path: what crossed the network, measured outside the
// tool.
type countingProxy struct {
	srv *http.Server
	url string

	mu     sync.Mutex
	bytes  map[string]int64
	header map[string]http.Header
	count  []string // the requests, in order
}

func startProxy(target *url.URL) (*countingProxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &countingProxy{url: "http://" + l.Addr().String()}
	p.reset()
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		path := resp.Request.URL.Path
		p.mu.Lock()
		p.header[path] = resp.Header.Clone()
		p.count = append(p.count, fmt.Sprintf("%s %s: %d", resp.Request.Method, path, resp.StatusCode))
		p.mu.Unlock()
		resp.Body = &countingBody{ReadCloser: resp.Body, add: func(n int) {
			p.mu.Lock()
			p.bytes[path] += int64(n)
			p.mu.Unlock()
		}}
		return nil
	}
	p.srv = &http.Server{Handler: rp}
	go p.srv.Serve(l)
	return p, nil
}

func (p *countingProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes, p.header, p.count = make(map[string]int64), make(map[string]http.Header), nil
}

// requests lists the requests since the last reset.
func (p *countingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.count)
}

func (p *countingProxy) total() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, b := range p.bytes {
		n += b
	}
	return n
}

// payload is what the server sent for one blob.
type payload struct {
	bytes    int64
	encoding string
}

// payloads returns the packed downloads by blob hash.
func (p *countingProxy) payloads() map[string]payload {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]payload)
	for path, n := range p.bytes {
		rest, ok := strings.CutPrefix(path, "/v1/blobs/")
		sha, ok2 := strings.CutSuffix(rest, "/packed")
		if ok && ok2 {
			out[sha] = payload{bytes: n, encoding: p.header[path].Get("X-Inplace-Encoding")}
		}
	}
	return out
}

type countingBody struct {
	io.ReadCloser
	add func(int)
}

func (c *countingBody) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.add(n)
	return n, err
}
