// Package cluster runs update-server as a service at scale runs it, on one
// machine: several serve replicas sharing one PostgreSQL database and one
// S3-compatible store, behind nginx. make loadtest measures it, and the
// replica tests kill one of its replicas under load.
//
// It starts real processes (the update-server binary it is given, and
// nginx) and never fakes one. It does not start PostgreSQL or the S3 server:
// it is given their URLs (see internal/testenv).
package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"inplace/tools/loadtest/nginx"
)

// Options say what to run.
type Options struct {
	Server    string   // the update-server binary
	Dir       string   // a work folder: the keys (the data folder), logs, nginx's files
	DB, Blobs string   // the URLs of the shared database and blob store
	Replicas  int      // how many serve processes; 0 means 2
	Serve     []string // more flags for serve, such as --log-level warn
	Env       []string // more environment variables for serve, such as GOMAXPROCS=1
	// StaticRoot, when set, is also served by the same nginx on
	// Cluster.StaticURL, as plain files: the ceiling the replicas are
	// compared with.
	StaticRoot string
}

// Cluster is a running set of replicas behind nginx.
type Cluster struct {
	URL       string // http://host:port of nginx in front of the replicas
	CachedURL string // the same with nginx keeping what the replicas let shared caches keep
	StaticURL string // http://host:port of nginx's static files, when Options.StaticRoot is set
	Data      string // the data folder: keys and root.json
	Replicas  []*Replica

	o     Options
	nginx *nginx.Nginx
}

// Replica is one serve process.
type Replica struct {
	URL  string // http://127.0.0.1:port
	Log  string // the file of its stderr
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start initializes the shared stores (update-server init), starts the
// replicas, waits until each answers /readyz, and starts nginx in front of
// them. Stop ends it all; on an error Start stops what it started.
func Start(ctx context.Context, o Options) (c *Cluster, err error) {
	if o.Replicas == 0 {
		o.Replicas = 2
	}
	c = &Cluster{Data: filepath.Join(o.Dir, "keys"), o: o}
	defer func() {
		if err != nil {
			c.Stop()
			c = nil
		}
	}()
	if _, err := c.Admin(ctx, "", "init"); err != nil {
		return nil, err
	}
	var upstreams []string
	for i := range o.Replicas {
		r, err := c.startReplica(ctx, i)
		if err != nil {
			return nil, err
		}
		c.Replicas = append(c.Replicas, r)
		upstreams = append(upstreams, strings.TrimPrefix(r.URL, "http://"))
	}
	cfg := nginx.Config{Dir: filepath.Join(o.Dir, "nginx"), Upstreams: upstreams, StaticRoot: o.StaticRoot}
	if cfg.Listen, err = freeAddr(); err != nil {
		return nil, err
	}
	if cfg.CachedListen, err = freeAddr(); err != nil {
		return nil, err
	}
	if o.StaticRoot != "" {
		if cfg.StaticListen, err = freeAddr(); err != nil {
			return nil, err
		}
		c.StaticURL = "http://" + cfg.StaticListen
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	if c.nginx, err = nginx.Start(ctx, cfg); err != nil {
		return nil, err
	}
	c.URL, c.CachedURL = "http://"+cfg.Listen, "http://"+cfg.CachedListen
	return c, nil
}

// Admin runs an admin command of update-server (such as "product add")
// on the cluster's stores, with stdin, and returns what it printed.
func (c *Cluster) Admin(ctx context.Context, stdin string, args ...string) (string, error) {
	args = append(args, "--data", c.Data, "--db", c.o.DB, "--blobs", c.o.Blobs)
	cmd := exec.CommandContext(ctx, c.o.Server, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("update-server %s: %v\n%s", args[0], err, stderr.String())
	}
	return stdout.String(), nil
}

func (c *Cluster) startReplica(ctx context.Context, i int) (*Replica, error) {
	addrFile := filepath.Join(c.o.Dir, fmt.Sprintf("replica-%d.addr", i))
	r := &Replica{Log: filepath.Join(c.o.Dir, fmt.Sprintf("replica-%d.log", i)), done: make(chan struct{})}
	log, err := os.Create(r.Log)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--data", c.Data, "--db", c.o.DB, "--blobs", c.o.Blobs,
		"--addr", "127.0.0.1:0", "--addr-file", addrFile, "--trust-proxy-header"}, c.o.Serve...)
	r.cmd = exec.Command(c.o.Server, args...)
	r.cmd.Stdout, r.cmd.Stderr = log, log
	r.cmd.Env = append(os.Environ(), c.o.Env...)
	r.cmd.SysProcAttr = sysProcAttr()
	if err := r.cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	go func() {
		r.err = r.cmd.Wait()
		log.Close()
		close(r.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			r.URL = "http://" + string(b)
			if ready(ctx, r.URL) {
				return r, nil
			}
		}
		select {
		case <-r.done:
			b, _ := os.ReadFile(r.Log)
			return nil, fmt.Errorf("replica %d exited at start: %v\n%s", i, r.err, b)
		case <-ctx.Done():
			r.Kill()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.Kill()
			b, _ := os.ReadFile(r.Log)
			return nil, fmt.Errorf("replica %d not ready after 30s:\n%s", i, b)
		}
	}
}

// ready reports whether the server at url answers /readyz with 200.
func ready(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Kill kills the replica at once (SIGKILL), as a crash or a lost machine
// would, and waits for it to be gone.
func (r *Replica) Kill() error {
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-r.done
	return nil
}

// Stop shuts the replicas down as an operator would (SIGTERM: they finish
// the requests in flight) and stops nginx.
func (c *Cluster) Stop() {
	if c.nginx != nil {
		c.nginx.Stop()
	}
	for _, r := range c.Replicas {
		terminate(r.cmd.Process)
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			r.Kill()
		}
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ProxyErrors returns nginx's error log: among others, a line for each
// request it could not pass to a replica, or that a replica cut short.
func (c *Cluster) ProxyErrors() string {
	if c.nginx == nil {
		return ""
	}
	return c.nginx.ErrorLog()
}
