package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"inplace/internal/fsx"
	"inplace/internal/server"
)

type serveOptions struct {
	Addr     string
	AddrFile string
	TokenTTL time.Duration
	TLSCert  string
	TLSKey   string
	DB       string
	Blobs    string
}

// shutdownTimeout bounds how long serve waits for requests in flight after
// SIGINT or SIGTERM.
const shutdownTimeout = 30 * time.Second

func newServeCommand(g *globalOptions) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the /v1 API to the update tool",
		Long: `Serve the /v1 HTTP API from the data folder until SIGINT or SIGTERM, then
finish the requests in flight and exit 0.

--addr-file writes the address actually listened on (host:port) to a file
once the server accepts connections, which lets scripts use --addr :0.
One log line per request goes to stderr; tokens and passwords are never
logged.`,
		Example: `  update-server serve --data /srv/updates --addr :8080
  update-server serve --addr 127.0.0.1:0 --addr-file /tmp/update-server.addr
  update-server serve --addr :8443 --tls-cert cert.pem --tls-key key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", ":8080", "the `address` to listen on (host:port)")
	f.StringVar(&opts.AddrFile, "addr-file", "", "write the address listened on to this `file`")
	f.DurationVar(&opts.TokenTTL, "token-ttl", server.DefaultTokenTTL, "how long a login token stays valid")
	f.StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with this certificate `file` (PEM)")
	f.StringVar(&opts.TLSKey, "tls-key", "", "the private key `file` (PEM) of --tls-cert")
	f.StringVar(&opts.DB, "db", "", "metadata database `URL` (not supported yet: the SQLite database of the data folder is used)")
	f.StringVar(&opts.Blobs, "blobs", "", "blob store `URL` (not supported yet: the blob folder of the data folder is used)")
	return cmd
}

func runServe(ctx context.Context, g *globalOptions, opts serveOptions, args []string) error {
	if opts.DB != "" {
		return fmt.Errorf("--db %s: not supported yet; leave it out to use the SQLite database in the data folder", opts.DB)
	}
	if opts.Blobs != "" {
		return fmt.Errorf("--blobs %s: not supported yet; leave it out to use the blob folder in the data folder", opts.Blobs)
	}
	if (opts.TLSCert == "") != (opts.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if opts.TokenTTL <= 0 {
		return fmt.Errorf("--token-ttl %v: must be positive", opts.TokenTTL)
	}
	var tlsConfig *tls.Config
	if opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
		if err != nil {
			return fmt.Errorf("load --tls-cert and --tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	d, err := openData(ctx, g.Data)
	if err != nil {
		return err
	}
	defer d.Close()

	logger := slog.New(slog.NewTextHandler(g.stderr, nil))
	h, err := server.New(server.Options{Store: d.store, Blobs: d.blobs, TokenTTL: opts.TokenTTL, Logger: logger})
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
	fmt.Fprintf(g.stderr, "update-server: serving %s on %s://%s\n", g.Data, scheme, addr)

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
	fmt.Fprintf(g.stderr, "update-server: shutting down\n")
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
