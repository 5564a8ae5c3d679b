package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"inplace/internal/api"
	"inplace/internal/blob"
	"inplace/internal/limit"
	"inplace/internal/store"
)

// Defaults of Options.
const (
	DefaultTokenTTL           = 15 * time.Minute
	DefaultRefreshTTL         = 30 * 24 * time.Hour
	DefaultMaxLoginFailures   = 10
	DefaultMaxAddressFailures = 50
	DefaultLoginWindow        = time.Minute

	// An installation reports once a run; a runaway script or a forged
	// stream of installation ids is cut off at these, per hour.
	DefaultMaxInstallationReports = 60
	DefaultMaxAccountReports      = 10000
	reportWindow                  = time.Hour
)

// Limits on request bodies.
const (
	maxTokenBody    = 64 << 10
	maxPristineBody = 32 << 20
)

// Options configure a Server. Store and Blobs are required.
type Options struct {
	Store store.Store
	Blobs blob.Store

	// TokenTTL is how long an issued access token stays valid; 0 means
	// DefaultTokenTTL.
	TokenTTL time.Duration

	// RefreshTTL is how long an issued refresh token stays valid; each
	// refresh issues a new one. 0 means DefaultRefreshTTL.
	RefreshTTL time.Duration

	// MaxLoginFailures failed logins of one username within LoginWindow
	// make further attempts for that username answer 429 until the window
	// passes; MaxAddressFailures failed logins or refreshes from one client
	// address (an IPv6 address counts by its /64) do the same for that
	// address. 0 means the defaults.
	MaxLoginFailures   int
	MaxAddressFailures int
	LoginWindow        time.Duration

	// MaxInstallationReports reports of one installation, and
	// MaxAccountReports of one account, within an hour make further reports
	// answer 429 until the hour passes: reports keep a history, which must
	// not grow without bound. 0 means the defaults.
	MaxInstallationReports int
	MaxAccountReports      int

	// TrustProxyHeader takes the client address from the last entry of
	// X-Forwarded-For, as a reverse proxy in front of the server sets it,
	// rather than from the connection. Set it only when clients can reach
	// the server through that proxy alone: otherwise they choose their
	// own address.
	TrustProxyHeader bool

	// Logger receives one line per request; nil means slog.Default().
	Logger *slog.Logger

	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// RedirectBlobs, when positive, answers a download of a whole blob
	// with a redirect to a URL of the blob store that is valid this long,
	// so that the store (or a CDN in front of it) carries the bytes. The
	// blob store must be a blob.Presigner. Packed forms and ranges of
	// them are still served by the server.
	RedirectBlobs time.Duration

	// Web, when set, serves every path outside the API: the web catalog
	// (package web).
	Web http.Handler

	// MetadataTTL is how long timestamp.json, and the absence of a
	// metadata file, may be answered from memory: a publish or a
	// re-signing done elsewhere (by an admin command, by another replica)
	// reaches clients within this time. Versioned metadata files never
	// change and are always kept in memory. 0 reads timestamp.json from
	// the store for every request.
	MetadataTTL time.Duration
}

// Server is the HTTP API. Create it with New; it is safe for concurrent use.
type Server struct {
	store    store.Store
	blobs    blob.Store
	tokenTTL time.Duration
	log      *slog.Logger
	now      func() time.Time
	limiter  *limit.Limiter
	handler  http.Handler
	targets  targetCache
	packer   *packer

	refreshTTL  time.Duration
	addrLimiter *limit.Limiter

	// installationReports and accountReports count reports per
	// installation (with its account) and per account.
	installationReports *limit.Limiter
	accountReports      *limit.Limiter
	trustProxy          bool

	metrics  *metrics
	meta     metaCache
	draining atomic.Bool
	redirect time.Duration
}

// New returns the API handler.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Blobs == nil {
		return nil, errors.New("server: a store and a blob store are required")
	}
	s := &Server{
		store:    o.Store,
		blobs:    o.Blobs,
		tokenTTL: o.TokenTTL,
		log:      o.Logger,
		now:      o.Now,
		packer:   newPacker(o.Store, o.Blobs),
		metrics:  newMetrics(),
		redirect: o.RedirectBlobs,
	}
	if _, ok := o.Blobs.(blob.Presigner); s.redirect > 0 && !ok {
		return nil, errors.New("server: the blob store cannot presign URLs, so blobs cannot be served by redirect")
	}
	if s.tokenTTL == 0 {
		s.tokenTTL = DefaultTokenTTL
	}
	if s.tokenTTL < 0 {
		return nil, fmt.Errorf("server: token lifetime %v must be positive", s.tokenTTL)
	}
	s.refreshTTL, s.trustProxy = o.RefreshTTL, o.TrustProxyHeader
	if s.refreshTTL == 0 {
		s.refreshTTL = DefaultRefreshTTL
	}
	if s.refreshTTL < 0 {
		return nil, fmt.Errorf("server: refresh token lifetime %v must be positive", s.refreshTTL)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.MetadataTTL < 0 {
		return nil, fmt.Errorf("server: metadata cache time %v must not be negative", o.MetadataTTL)
	}
	s.meta = metaCache{ttl: o.MetadataTTL, now: s.now}
	maxFailures, window := o.MaxLoginFailures, o.LoginWindow
	if maxFailures == 0 {
		maxFailures = DefaultMaxLoginFailures
	}
	if window == 0 {
		window = DefaultLoginWindow
	}
	s.limiter = limit.New(maxFailures, window)
	maxAddrFailures := o.MaxAddressFailures
	if maxAddrFailures == 0 {
		maxAddrFailures = DefaultMaxAddressFailures
	}
	s.addrLimiter = limit.New(maxAddrFailures, window)
	s.installationReports = limit.New(cmp.Or(o.MaxInstallationReports, DefaultMaxInstallationReports), reportWindow)
	s.accountReports = limit.New(cmp.Or(o.MaxAccountReports, DefaultMaxAccountReports), reportWindow)

	mux := http.NewServeMux()
	route := func(method, pattern string, h http.HandlerFunc) {
		mux.HandleFunc(method+" "+pattern, h)
		// Any other method on a known path: 405 with a JSON body.
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			allow := method
			if method == http.MethodGet {
				allow += ", " + http.MethodHead
			}
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed here; use %s", r.Method, allow))
		})
	}
	route(http.MethodGet, "/healthz", s.handleHealth)
	route(http.MethodGet, "/readyz", s.handleReady)
	mux.Handle("GET /metrics", s.metrics.handler())
	route(http.MethodPost, "/v1/token", s.handleToken)
	route(http.MethodGet, "/v1/products/{product}/updates", s.auth(s.handleUpdates))
	route(http.MethodPost, "/v1/products/{product}/pristine", s.auth(s.handlePristine))
	route(http.MethodGet, "/v1/blobs/{sha256}", s.auth(s.handleBlob))
	route(http.MethodGet, "/v1/blobs/{sha256}/packed", s.auth(s.handlePacked))
	route(http.MethodGet, "/v1/tools/latest", s.auth(s.handleToolLatest))
	route(http.MethodGet, "/v1/hotfixes", s.auth(s.handleHotfixes))
	route(http.MethodPost, "/v1/reports", s.auth(s.handleReport))
	route(http.MethodGet, "/v1/metadata/{name}", s.handleMetadata)
	route(http.MethodGet, "/v1/targets/{path...}", s.auth(s.handleTarget))
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path))
	})
	if o.Web != nil {
		mux.Handle("/", o.Web) // the web catalog: pages for people
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path))
		})
	}
	s.handler = s.logRequests(mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// handleHealth serves /healthz: the process is alive and serving HTTP.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok")
}

// readyTimeout bounds the checks of /readyz.
const readyTimeout = 2 * time.Second

// handleReady serves /readyz: the server takes new requests, and its
// metadata store and blob store answer. It answers 503 once Drain was
// called, so that a load balancer sends new requests elsewhere while the
// ones in flight finish.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready: the metadata store does not answer", "err", err)
		writeError(w, http.StatusServiceUnavailable, "the metadata store does not answer")
		return
	}
	if err := s.blobs.Ping(ctx); err != nil {
		s.log.Warn("not ready: the blob store does not answer", "err", err)
		writeError(w, http.StatusServiceUnavailable, "the blob store does not answer")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ready\n")
}

// Drain makes /readyz answer 503 from now on; requests are still served.
// Call it before shutting the HTTP server down.
func (s *Server) Drain() { s.draining.Store(true) }

// writeJSON writes v as the JSON body of a response with the given status.
// Metadata is private to the token and never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(api.Error{Error: "internal error: cannot encode the answer"})
	}
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError writes an api.Error.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, api.Error{Error: msg})
}

// internalError logs err and answers 500 without details.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal server error; the operator will find the cause in the server log")
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests counts every request in the metrics and logs its method,
// path, status and duration (at level Info). It never logs headers or
// bodies: they hold tokens and passwords.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		s.metrics.inFlight.Inc()
		next.ServeHTTP(rec, r)
		s.metrics.inFlight.Dec()
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		// The mux set r.Pattern to the route it chose.
		s.metrics.observe(r.Pattern, r.Method, rec.status, rec.bytes, time.Since(start))
		if !s.log.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		s.log.Info("request",
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"bytes", rec.bytes,
			"duration", time.Since(start),
			"remote", r.RemoteAddr)
	})
}

// zeroTime is the modification time given to http.ServeContent: blobs have
// none that matters (the ETag is their hash), so no Last-Modified is sent.
var zeroTime time.Time
