package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"inplace/internal/fsx"
	"inplace/internal/repo"
	"inplace/internal/server"
	"inplace/internal/store"
	"inplace/internal/web"
)

type serveOptions struct {
	Addr     string
	AddrFile string
	TokenTTL time.Duration
	TLSCert  string
	TLSKey   string

	RedirectBlobs   time.Duration
	LogFormat       string
	LogLevel        string
	DrainDelay      time.Duration
	MetadataTTL     time.Duration
	ReportRetention time.Duration

	TimestampExpiry time.Duration
	SnapshotExpiry  time.Duration

	RefreshTTL       time.Duration
	TrustProxyHeader bool
}

// defaultReportRetention keeps 400 days of installations' reports: a year
// and a month, enough to compare a level with the one a year earlier.
const defaultReportRetention = 400 * 24 * time.Hour

// shutdownTimeout bounds how long serve waits for requests in flight after
// SIGINT or SIGTERM.
const shutdownTimeout = 30 * time.Second

func newServeCommand(g *globalOptions) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the /v1 API to the update tool",
		Long: `Serve the /v1 HTTP API from the data folder until SIGINT or SIGTERM, then
finish the requests in flight and exit 0 (--drain-delay first answers
/readyz with 503 for a while, so that load balancers move away).

Besides the API: /healthz (the process serves), /readyz (the metadata and
blob stores answer; 503 while shutting down) and /metrics (Prometheus:
requests, latency, bytes, logins and failures by reason). Several replicas
can serve one PostgreSQL database and one S3 store (--db, --blobs); the
scheduled work (re-signing the timestamp, deleting expired tokens) is done by
one of them at a time.

--addr-file writes the address actually listened on (host:port) to a file
once the server accepts connections, which lets scripts use --addr :0.
One log line per request goes to stderr (--log-level info; warn keeps
only problems; --log-format json for log collectors); tokens and passwords
are never logged.

A login gets an access token (--token-ttl, default 15m) and a refresh token
(--refresh-ttl, default 30 days) that the tool exchanges, once, for new ones.
Failed logins are limited per username (10 a minute) and per client address
(50 a minute, an IPv6 address by its /64); behind a reverse proxy, give
--trust-proxy-header so that the address comes from X-Forwarded-For. Logins,
refreshes and downloads go to the audit log ("update-server audit list").`,
		Example: `  update-server serve --data /srv/updates --addr :8080
  update-server serve --addr 127.0.0.1:0 --addr-file /tmp/update-server.addr
  update-server serve --addr :8443 --tls-cert cert.pem --tls-key key.pem
  update-server serve --data /srv/keys --db postgres://inplace@db/inplace --blobs s3://KEY:SECRET@s3/updates --drain-delay 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", ":8080", "the `address` to listen on (host:port)")
	f.StringVar(&opts.AddrFile, "addr-file", "", "write the address listened on to this `file`")
	f.DurationVar(&opts.TokenTTL, "token-ttl", server.DefaultTokenTTL, "how long an access token stays valid (the tool renews it with its refresh token)")
	f.DurationVar(&opts.RefreshTTL, "refresh-ttl", server.DefaultRefreshTTL, "how long a refresh token stays valid: a session unused this long needs the password again")
	f.BoolVar(&opts.TrustProxyHeader, "trust-proxy-header", false, "take the client address (rate limits, audit log) from X-Forwarded-For; only behind a reverse proxy that sets it")
	f.StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with this certificate `file` (PEM)")
	f.StringVar(&opts.TLSKey, "tls-key", "", "the private key `file` (PEM) of --tls-cert")
	f.DurationVar(&opts.TimestampExpiry, "timestamp-expiry", repo.DefaultExpiry.Timestamp,
		"how long a signed timestamp stays valid; serve re-signs it when half is left, so a client never waits on metadata older than this")
	f.DurationVar(&opts.SnapshotExpiry, "snapshot-expiry", repo.DefaultExpiry.Snapshot, "how long a signed snapshot stays valid; re-signed when half is left")
	f.DurationVar(&opts.RedirectBlobs, "redirect-blobs", 0, "answer downloads of whole blobs with a redirect to a pre-signed URL of the S3 store, valid this `long` (0: the server sends the bytes)")
	f.DurationVar(&opts.MetadataTTL, "metadata-ttl", 0, "answer update checks from memory, and let caches in front keep them, for this `long` (e.g. 1s at scale): a publish then reaches clients within it (0: read the database for every check)")
	f.StringVar(&opts.LogFormat, "log-format", "text", "log lines as text or json")
	f.StringVar(&opts.LogLevel, "log-level", "info", "log level: debug, info (a line per request), warn or error")
	f.DurationVar(&opts.ReportRetention, "report-retention", defaultReportRetention, "keep the history of installations' reports (the catalog's chart of levels over time) this `long`; each installation's last report is kept however old (0: keep everything)")
	f.DurationVar(&opts.DrainDelay, "drain-delay", 0, "on SIGTERM, answer /readyz with 503 this `long` before closing the listener, so that load balancers stop sending requests")
	return cmd
}

func runServe(ctx context.Context, g *globalOptions, opts serveOptions, args []string) error {
	logger, err := newLogger(g.stderr, opts.LogFormat, opts.LogLevel)
	if err != nil {
		return err
	}
	if (opts.TLSCert == "") != (opts.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if opts.TokenTTL <= 0 {
		return fmt.Errorf("--token-ttl %v: must be positive", opts.TokenTTL)
	}
	if opts.RefreshTTL <= 0 {
		return fmt.Errorf("--refresh-ttl %v: must be positive", opts.RefreshTTL)
	}
	var tlsConfig *tls.Config
	if opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
		if err != nil {
			return fmt.Errorf("load --tls-cert and --tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if opts.RedirectBlobs < 0 || opts.DrainDelay < 0 || opts.MetadataTTL < 0 || opts.ReportRetention < 0 {
		return errors.New("--redirect-blobs, --drain-delay, --metadata-ttl and --report-retention must not be negative")
	}
	d, err := openData(ctx, g)
	if err != nil {
		return err
	}
	defer d.Close()

	if opts.TimestampExpiry < 2*time.Second || opts.SnapshotExpiry < opts.TimestampExpiry {
		return fmt.Errorf("--timestamp-expiry %v, --snapshot-expiry %v: the timestamp needs at least 2s, the snapshot at least as long", opts.TimestampExpiry, opts.SnapshotExpiry)
	}
	snapshot, timestamp, err := onlineKeys(g.Data)
	if err != nil {
		return err
	}
	r := &repo.Repo{Store: d.store, Expiry: repo.Expiry{Timestamp: opts.TimestampExpiry, Snapshot: opts.SnapshotExpiry}}
	if _, err := r.Refresh(ctx, snapshot, timestamp); err != nil {
		return fmt.Errorf("re-sign the metadata: %w", err)
	}
	rctx, stopRefresh := context.WithCancel(ctx)
	defer stopRefresh()
	go maintain(rctx, d.store, r, g.Data, min(opts.TimestampExpiry/4, time.Minute), opts.ReportRetention, logger)

	// The catalog records its logins through the server's audit log,
	// and the server serves the catalog: h is set before any request.
	var h *server.Server
	catalog, err := web.New(web.Options{Store: d.store, Logger: logger, Secure: tlsConfig != nil,
		Audit: func(r *http.Request, e store.AuditEvent) { h.Audit(r, e) }})
	if err != nil {
		return err
	}
	h, err = server.New(server.Options{Web: catalog, Store: d.store, Blobs: d.blobs, TokenTTL: opts.TokenTTL, Logger: logger,
		RefreshTTL: opts.RefreshTTL, TrustProxyHeader: opts.TrustProxyHeader, RedirectBlobs: opts.RedirectBlobs, MetadataTTL: opts.MetadataTTL})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if opts.AddrFile != "" {
		if err := fsx.WriteFile(opts.AddrFile, []byte(addr), 0o644); err != nil {
			ln.Close()
			return fmt.Errorf("write --addr-file: %w", err)
		}
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	fmt.Fprintf(g.stderr, "update-server: serving %s on %s://%s\n", describeData(g), scheme, addr)

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(g.stderr, "update-server: shutting down: finishing the requests in flight\n")
	h.Drain()
	if opts.DrainDelay > 0 {
		select {
		case <-time.After(opts.DrainDelay):
		case err := <-errc:
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newLogger returns the server's logger, writing to w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	o := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// describeData says where the served data is, without passwords.
func describeData(g *globalOptions) string {
	if g.DB == "" && g.Blobs == "" {
		return g.Data
	}
	db, blobs := g.DB, g.Blobs
	if db == "" {
		db = filepath.Join(g.Data, dbFileName)
	}
	if blobs == "" {
		blobs = filepath.Join(g.Data, blobsFolder)
	}
	return fmt.Sprintf("%s and %s", redactURL(db), redactURL(blobs))
}
