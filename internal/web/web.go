package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"inplace/internal/limit"
	"inplace/internal/store"
)

// DefaultSessionTTL is how long a login to the catalog lasts when
// Options.SessionTTL is 0.
const DefaultSessionTTL = 12 * time.Hour

// maxFormBody bounds the body of every POST; a larger one answers 413.
const maxFormBody = 64 << 10

// Options configure a Catalog. Store is required.
type Options struct {
	Store store.Store

	// Logger receives the errors the pages cannot show; nil means
	// slog.Default().
	Logger *slog.Logger

	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// SessionTTL is how long a login lasts; 0 means DefaultSessionTTL.
	SessionTTL time.Duration

	// Secure marks the session cookie Secure: set it when the catalog is
	// served over HTTPS, as it should be.
	Secure bool

	// Audit, when set, records each login and refused login
	// (store.AuditWebLogin) in the audit log, with the request's address:
	// the update server passes its (*server.Server).Audit.
	Audit func(*http.Request, store.AuditEvent)
}

// Catalog is the web catalog, an http.Handler. Create it with New; it is
// safe for concurrent use.
type Catalog struct {
	store      store.Store
	log        *slog.Logger
	now        func() time.Time
	sessionTTL time.Duration
	secure     bool
	audit      func(*http.Request, store.AuditEvent)
	limiter    *limit.Limiter
	pages      map[string]*template.Template
	handler    http.Handler
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/catalog.css
var staticFS embed.FS

// New returns the catalog.
func New(o Options) (*Catalog, error) {
	if o.Store == nil {
		return nil, errors.New("web: a store is required")
	}
	if o.SessionTTL < 0 {
		return nil, fmt.Errorf("web: session lifetime %v must be positive", o.SessionTTL)
	}
	c := &Catalog{
		store:      o.Store,
		log:        o.Logger,
		now:        o.Now,
		sessionTTL: o.SessionTTL,
		secure:     o.Secure,
		audit:      o.Audit,
		limiter:    limit.New(maxLoginFailures, loginWindow),
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.audit == nil {
		c.audit = func(*http.Request, store.AuditEvent) {}
	}
	if c.sessionTTL == 0 {
		c.sessionTTL = DefaultSessionTTL
	}
	var err error
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.authed(c.handleHome))
	mux.HandleFunc("GET /login", c.handleLoginForm)
	mux.HandleFunc("POST /login", c.handleLogin)
	mux.HandleFunc("POST /logout", c.authed(c.handleLogout))
	mux.HandleFunc("GET /products/{product}", c.authed(c.handleProduct))
	mux.HandleFunc("GET /products/{product}/updates/{number}", c.authed(c.handleUpdate))
	mux.HandleFunc("GET /search", c.authed(c.handleSearch))
	mux.HandleFunc("GET /admin/products/{product}", c.authed(c.handleAdminProduct))
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s, _ := c.current(r) // only to show who is logged in
		c.notFound(w, r, s)
	})
	// A second layer under the CSRF tokens: a POST the browser says comes
	// from another site is refused, the login form's included.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, nil, http.StatusForbidden, "Request refused",
			"This form was sent from another site, so it was refused.",
			"Open the catalog yourself and send the form from its own page.")
	}))
	c.handler = cop.Handler(mux)
	return c, nil
}

// ServeHTTP implements http.Handler.
func (c *Catalog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy",
		"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.handler.ServeHTTP(w, r)
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// page is what every template receives.
type page struct {
	Title string
	User  *store.User // nil when logged out
	CSRF  string      // the token for the logout form
	Query string      // the search box's value
	Data  any
}

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := n[len("templates/"):]
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		pages[base[:len(base)-len(".html")]] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	"level": formatLevel,
	"time":  formatTime,
	"size":  formatSize,
	// plural: {{plural 2 "update" "updates"}} is "2 updates".
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	},
}

// render writes page name with status. The page is rendered to a buffer
// first, so that a template error becomes a 500 rather than half a page.
func (c *Catalog) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		c.log.Error("web: render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "The page could not be shown: an error on the server. Try again later.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Cookie")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the Data of an error page: what happened and what to do.
type errorPage struct {
	Status  int
	Heading string
	Message string
	Advice  string
}

// fail renders an error page.
func (c *Catalog) fail(w http.ResponseWriter, r *http.Request, s *session, status int, heading, message, advice string) {
	p := page{Title: heading, Data: errorPage{Status: status, Heading: heading, Message: message, Advice: advice}}
	if s != nil {
		p.User, p.CSRF = &s.user, s.csrf
	}
	c.render(w, r, status, "error", p)
}

// notFound answers 404 for whatever the user may not see or that does not
// exist: the two look the same.
func (c *Catalog) notFound(w http.ResponseWriter, r *http.Request, s *session) {
	c.fail(w, r, s, http.StatusNotFound, "Page not found",
		"There is no such page, or your account may not see it.",
		"Check the address, or go back to your products and follow the links from there.")
}

// internalError logs err and answers 500.
func (c *Catalog) internalError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	c.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	c.fail(w, r, s, http.StatusInternalServerError, "Something went wrong",
		"The server could not answer this request.",
		"Try again in a moment. If it keeps happening, tell your administrator the time it happened: "+
			c.now().UTC().Format(timeLayout)+".")
}

const timeLayout = "2006-01-02 15:04:05 UTC"

// formatLevel shows an update level (ms since the epoch) as a UTC date
// and time; 0 is the base distribution.
func formatLevel(level int64) string {
	if level == 0 {
		return "base distribution"
	}
	return time.UnixMilli(level).UTC().Format(timeLayout)
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// formatSize shows a file size in bytes, with a rounded binary unit past
// 1 KiB.
func formatSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	u := -1
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	return fmt.Sprintf("%.1f %s (%d bytes)", f, units[u], n)
}
