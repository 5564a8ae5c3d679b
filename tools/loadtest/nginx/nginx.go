// Package nginx runs a real nginx (Debian's nginx package) as a child
// process for the load test: as the reverse proxy in front of the
// update-server replicas, and as the static file server that the
// replicas' figures are compared with.
//
// Everything nginx writes (its configuration, pid file, error log, lock
// file and temporary files) goes to a folder of the caller's; it never
// uses the system's /etc/nginx, /var/log/nginx or /var/lib/nginx, never
// daemonizes, and dies with its parent.
package nginx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"
)

// Config says what nginx serves.
type Config struct {
	// Dir is nginx's prefix folder, which holds everything it writes;
	// it must exist. A t.TempDir() or os.MkdirTemp folder does.
	Dir string
	// Listen is the address of the reverse proxy ("127.0.0.1:8080"),
	// which passes every request to Upstreams.
	Listen string
	// Upstreams are the addresses (host:port) of the update-server
	// replicas. Empty means no reverse proxy; Listen must then be empty
	// too.
	Upstreams []string
	// CachedListen, when set, is a second reverse proxy to Upstreams
	// that keeps what the replicas allow shared caches to keep
	// (Cache-Control: public, max-age): a CDN in front of the service.
	CachedListen string
	// StaticRoot is a folder served as it is, on StaticListen, under the
	// same URL paths (StaticRoot/a/b.json is /a/b.json). Empty means no
	// static server; StaticListen must then be empty too.
	StaticRoot   string
	StaticListen string
	// WorkerProcesses is nginx's worker_processes; 0 means "auto", one
	// per CPU.
	WorkerProcesses int
}

// Render returns the nginx.conf for c; Start writes it to c.Dir.
//
// Access logs are off: like for like, the replicas run with
// --log-level warn, which logs no request either. Errors go to
// Dir/error.log.
//
// When the process runs as root, the configuration says `user root;`:
// nginx's workers otherwise switch to nobody, who cannot read the
// caller's private temporary folders (os.MkdirTemp makes them 0700) and
// would answer 403, or fail to write proxy temporary files. Running the
// workers as the caller is the simpler choice than making folders
// world-readable: the runner serves only loopback, for the length of a
// load test.
//
// The reverse proxy retries a request on the other replica (at most 2
// tries) when connecting fails, the replica times out, or it answers 502
// or 503: nginx's default, kept here, replays only idempotent requests
// (GET, HEAD, ...) once they were sent, so a POST that reached a replica
// that then failed is never sent twice; a POST that could not be sent at
// all still moves on. A replica that fails once is left out for 2
// seconds.
func (c Config) Render() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return "", err
	}
	root := c.StaticRoot
	if root != "" {
		if root, err = filepath.Abs(root); err != nil {
			return "", err
		}
	}
	workers := "auto"
	if c.WorkerProcesses > 0 {
		workers = strconv.Itoa(c.WorkerProcesses)
	}
	var b strings.Builder
	err = confTemplate.Execute(&b, map[string]any{
		"Dir":          dir,
		"Root":         geteuid() == 0,
		"Workers":      workers,
		"Listen":       c.Listen,
		"Upstreams":    c.Upstreams,
		"StaticRoot":   root,
		"StaticListen": c.StaticListen,
		"CachedListen": c.CachedListen,
	})
	return b.String(), err
}

// check reports what is missing or contradictory in c.
func (c Config) check() error {
	switch {
	case c.Dir == "":
		return errors.New("nginx: Config.Dir is empty")
	case c.CachedListen != "" && len(c.Upstreams) == 0:
		return errors.New("nginx: Config.CachedListen without Config.Upstreams")
	case len(c.Upstreams) > 0 && c.Listen == "":
		return errors.New("nginx: Config.Upstreams without Config.Listen")
	case len(c.Upstreams) == 0 && c.Listen != "":
		return errors.New("nginx: Config.Listen without Config.Upstreams")
	case c.StaticRoot != "" && c.StaticListen == "":
		return errors.New("nginx: Config.StaticRoot without Config.StaticListen")
	case c.StaticRoot == "" && c.StaticListen != "":
		return errors.New("nginx: Config.StaticListen without Config.StaticRoot")
	case c.Listen == "" && c.StaticListen == "":
		return errors.New("nginx: nothing to serve: set Listen and Upstreams, or StaticListen and StaticRoot")
	}
	for _, s := range []string{c.Dir, c.StaticRoot} {
		if strings.ContainsAny(s, "\"\\\n$;{}") {
			return fmt.Errorf("nginx: %q: a folder name nginx's configuration cannot hold as it is", s)
		}
	}
	return nil
}

// proxyTemplate passes requests to the replicas.
const proxyTemplate = `{{define "proxy"}}
        # The replicas set their own limit on what is published.
        client_max_body_size 0;

        location / {
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header Host $host;
            proxy_buffering on;
            # Without non_idempotent: a POST sent to a replica is never
            # sent again to the other.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 1s;
        }
{{- end}}`

// confTemplate is nginx.conf. Paths are quoted; check rejects those that
// would need escaping.
var confTemplate = template.Must(template.Must(template.New("nginx.conf").Parse(proxyTemplate)).Parse(`# Written by inplace/tools/loadtest/nginx; see Config.Render.
{{if .Root}}user root;
{{end -}}
worker_processes {{.Workers}};
pid "{{.Dir}}/nginx.pid";
lock_file "{{.Dir}}/nginx.lock";
error_log "{{.Dir}}/error.log" warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    # Clients keep their connections for the whole run, as the update
    # tool keeps its own for a whole update (the default closes one
    # after 1000 requests).
    keepalive_requests 1000000;
    client_body_temp_path "{{.Dir}}/client_body_temp";
    proxy_temp_path "{{.Dir}}/proxy_temp";
    fastcgi_temp_path "{{.Dir}}/fastcgi_temp";
    uwsgi_temp_path "{{.Dir}}/uwsgi_temp";
    scgi_temp_path "{{.Dir}}/scgi_temp";
{{- if .Upstreams}}

    upstream replicas {
{{- range .Upstreams}}
        server {{.}} max_fails=1 fail_timeout=2s;
{{- end}}
        keepalive 64;
        keepalive_requests 1000000;
    }

    server {
        listen {{.Listen}};
{{- template "proxy"}}
    }
{{- if .CachedListen}}

    proxy_cache_path "{{.Dir}}/cache" keys_zone=replicas:10m max_size=256m;
    server {
        listen {{.CachedListen}};
        # Keeps only what the replicas mark public (metadata, for as long
        # as they say); private answers (blobs, tokens) pass through.
        proxy_cache replicas;
        proxy_cache_key $request_uri;
        proxy_cache_lock on;
        proxy_cache_use_stale updating;
{{- template "proxy"}}
    }
{{- end}}
{{- end}}
{{- if .StaticRoot}}

    server {
        listen {{.StaticListen}};
        root "{{.StaticRoot}}";
        sendfile on;
        tcp_nopush on;
        open_file_cache max=10000 inactive=60s;
        # No MIME table: everything is a blob but JSON.
        types {}
        default_type application/octet-stream;

        location ~ \.json$ {
            default_type application/json;
        }
    }
{{- end}}
}
`))

// geteuid is os.Geteuid; the golden-file test sets it so that its output
// does not depend on who runs it.
var geteuid = os.Geteuid

// Find returns the path of the nginx binary: /usr/sbin/nginx, where
// Debian puts it, or nginx on PATH.
func Find() (string, error) {
	const debian = "/usr/sbin/nginx"
	if _, err := os.Stat(debian); err == nil {
		return debian, nil
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	return "", errors.New("nginx: not found: install nginx (Debian package nginx): scripts/test-deps.sh does it")
}

// Nginx is a running nginx master process and its workers.
type Nginx struct {
	cfg    Config
	cmd    *exec.Cmd
	done   chan struct{} // closed when the master has exited
	errLog string
}

// startTimeout is how long Start waits for nginx to accept connections.
const startTimeout = 10 * time.Second

// stopTimeout is how long Stop waits for a graceful shutdown.
const stopTimeout = 5 * time.Second

// Start writes cfg.Dir/nginx.conf, checks it with nginx -t, starts nginx
// in the foreground and returns once every address it listens on accepts
// connections (at most 10 seconds). ctx bounds only the start: nginx
// runs until Stop, or until this process dies. Call Stop when done.
func Start(ctx context.Context, cfg Config) (*Nginx, error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	conf, err := cfg.Render()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("nginx: %w", err)
	}
	// -e sets the error log used before the configuration is read, which
	// otherwise is a system path.
	args := []string{"-p", dir + "/", "-c", confPath}
	if out, err := exec.CommandContext(ctx, bin, append(args, "-e", "stderr", "-t")...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nginx: the configuration %s does not pass nginx -t: %v\n%s", confPath, err, bytes.TrimSpace(out))
	}

	n := &Nginx{cfg: cfg, done: make(chan struct{}), errLog: filepath.Join(dir, "error.log")}
	n.cmd = exec.Command(bin, append(args, "-e", n.errLog, "-g", "daemon off;")...)
	n.cmd.Dir = dir
	n.cmd.SysProcAttr = sysProcAttr()
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("nginx: %w", err)
	}
	go func() {
		n.cmd.Wait()
		close(n.done)
	}()
	if err := n.waitReady(ctx, filepath.Join(dir, "nginx.pid")); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

// waitReady waits until nginx has written its pid file (which it does
// only after it has bound every listening socket, so a port taken by
// another program fails here rather than passing the connection test)
// and its addresses accept connections.
func (n *Nginx) waitReady(ctx context.Context, pidFile string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	wantPID := strconv.Itoa(n.cmd.Process.Pid)
	for {
		pid, _ := os.ReadFile(pidFile)
		if strings.TrimSpace(string(pid)) == wantPID && n.accepting() {
			return nil
		}
		select {
		case <-n.done:
			return fmt.Errorf("nginx: exited at start (%v):\n%s", n.cmd.ProcessState, n.ErrorLog())
		case <-ctx.Done():
			return fmt.Errorf("nginx: not accepting connections on %s after %v: %w\n%s", n.addrs(), startTimeout, context.Cause(ctx), n.ErrorLog())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// accepting reports whether every address of n accepts a connection.
func (n *Nginx) accepting() bool {
	for _, a := range n.addrs() {
		c, err := net.DialTimeout("tcp", a, time.Second)
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

// addrs returns the addresses n listens on.
func (n *Nginx) addrs() []string {
	var a []string
	for _, s := range []string{n.cfg.Listen, n.cfg.CachedListen, n.cfg.StaticListen} {
		if s != "" {
			a = append(a, s)
		}
	}
	return a
}

// PID returns the process id of the nginx master.
func (n *Nginx) PID() int { return n.cmd.Process.Pid }

// ErrorLog returns the content of nginx's error log, for a failure
// message.
func (n *Nginx) ErrorLog() string {
	b, err := os.ReadFile(n.errLog)
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

// Stop shuts nginx down gracefully (SIGQUIT: the workers finish the
// requests they serve) and waits for it, at most 5 seconds; then it kills
// the master and its workers. It returns an error only if nginx had to be
// killed. Calling it again does nothing.
func (n *Nginx) Stop() error {
	select {
	case <-n.done:
		return nil
	default:
	}
	n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.done:
		return nil
	case <-time.After(stopTimeout):
	}
	killGroup(n.cmd.Process)
	<-n.done
	return fmt.Errorf("nginx: did not stop within %v of SIGQUIT; killed", stopTimeout)
}
