// Package client talks to update-server's /v1 API: it logs in and renews
// its access token with a refresh token, lists updates, asks for pristine
// entries, fetches tool releases and downloads blobs, verifying each blob's
// hash and length before handing it over. It honours http_proxy,
// https_proxy and no_proxy (with user:password@). It verifies the server's
// certificate (the system's roots, plus a private authority when given),
// refuses plain HTTP beyond this machine unless allowed, never reads more
// than an answer may hold, and cuts exchanges that stall or trickle. It
// never writes to a PRODUCT_HOME.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"inplace/internal/api"
)

// ErrUnauthorized is returned when the server refuses the token: the caller
// logs in again.
var ErrUnauthorized = errors.New("the update server refused the session")

// Error is an answer of the server other than success.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("update server: %s (HTTP %d)", e.Message, e.Status)
}

// Client is a connection to one update server.
type Client struct {
	base *url.URL
	http *http.Client

	// Token is the access token sent with every request but the login.
	// Set it before the first request; afterwards only Renew changes it.
	Token string

	// Renew, when set, is called when the server refuses Token (401): it
	// returns a new access token, typically from Refresh, and the refused
	// request is sent once more with it. Calls are one at a time, a token
	// refused by several requests at once is renewed once, and after
	// Renew fails it is not called again.
	Renew func(ctx context.Context) (string, error)

	mu       sync.Mutex // guards Token once requests run
	renewMu  sync.Mutex // one renewal at a time; guards renewErr
	renewErr error

	// StallTimeout cuts an exchange that brings no answer, or less than
	// 1 KiB a second of it, for this long (StallError); 0 means
	// DefaultStallTimeout. Set it before the first request.
	StallTimeout time.Duration

	caFile string // Options.CAFile, for advice when verification fails
}

// New returns a client for the server at rawURL with the default Options:
// https, or plain http to this machine only.
func New(rawURL string) (*Client, error) { return NewWith(rawURL, Options{}) }

// NewWith returns a client for the server at rawURL: https, verifying the
// server's certificate against the system's roots and o.CAFile's; plain
// http only to this machine unless o.AllowHTTP. Refusals come before any
// connection.
func NewWith(rawURL string, o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bad server address %q: want https://host[:port] (or http://localhost:port)", rawURL)
	}
	if err := checkScheme(u, o.AllowHTTP); err != nil {
		return nil, err
	}
	tlsConfig, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	tr.ResponseHeaderTimeout = 60 * time.Second
	tr.TLSClientConfig = tlsConfig
	c := &Client{base: u, caFile: o.CAFile}
	c.http = &http.Client{Transport: &renewing{c: c, next: &guard{c: c, next: tr}}, CheckRedirect: c.checkRedirect}
	return c, nil
}

// maxRedirects bounds the redirects followed for one request.
const maxRedirects = 5

// checkRedirect follows a redirect, such as the server's to its blob store,
// without the token: the token is for the server alone, and the redirect's
// URL carries its own authorization.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if req.URL.Scheme != c.base.Scheme || req.URL.Host != c.base.Host {
		req.Header.Del("Authorization")
	}
	return nil
}

// URL is the server's address.
func (c *Client) URL() string { return c.base.String() }

// Login exchanges credentials for a token bound to a product and channel.
func (c *Client) Login(ctx context.Context, req api.TokenRequest) (*api.TokenResponse, error) {
	var resp api.TokenResponse
	if err := c.do(ctx, http.MethodPost, "/v1/token", req, &resp, false); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Updates lists the updates of the token's channel after level `after` up
// to `upto` (0: no cap).
func (c *Client) Updates(ctx context.Context, product string, after, upto int64) ([]api.Update, error) {
	q := url.Values{}
	q.Set("after", strconv.FormatInt(after, 10))
	if upto > 0 {
		q.Set("upto", strconv.FormatInt(upto, 10))
	}
	var resp api.UpdateList
	p := "/v1/products/" + url.PathEscape(product) + "/updates?" + q.Encode()
	if err := c.do(ctx, http.MethodGet, p, nil, &resp, true); err != nil {
		return nil, err
	}
	return resp.Updates, nil
}

// Pristine returns the vendor's entries of paths after the base
// distribution and the applied updates (nil: absent).
func (c *Client) Pristine(ctx context.Context, product string, applied []int, paths []string) (map[string]*api.Entry, error) {
	out := make(map[string]*api.Entry, len(paths))
	for len(paths) > 0 {
		n := min(len(paths), api.MaxPaths)
		var resp api.PristineResponse
		req := api.PristineRequest{Applied: applied, Paths: paths[:n]}
		if err := c.do(ctx, http.MethodPost, "/v1/products/"+url.PathEscape(product)+"/pristine", req, &resp, true); err != nil {
			return nil, err
		}
		for _, p := range paths[:n] {
			e, ok := resp.Entries[p]
			if !ok {
				return nil, fmt.Errorf("update server: no answer for %s", p)
			}
			out[p] = e
		}
		paths = paths[n:]
	}
	return out, nil
}

// LatestTool returns the newest tool release for an OS and architecture, or
// nil when there is none.
func (c *Client) LatestTool(ctx context.Context, goos, goarch string) (*api.ToolRelease, error) {
	var resp api.ToolRelease
	q := url.Values{"os": {goos}, "arch": {goarch}}
	err := c.do(ctx, http.MethodGet, "/v1/tools/latest?"+q.Encode(), nil, &resp, true)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &resp, nil
}

// Blob writes the blob named by sha256 to w, checking its length and hash.
// progress, when not nil, is told of each chunk received.
func (c *Client) Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error {
	req, err := c.request(ctx, http.MethodGet, "/v1/blobs/"+url.PathEscape(sha), nil, true)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.netError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.statusError(resp)
	}
	h := sha256.New()
	n, err := copyExactly(io.MultiWriter(w, h, progressWriter(progress)), resp, size)
	if err != nil {
		return fmt.Errorf("download %s: %w", short(sha), err)
	}
	if n != size {
		return fmt.Errorf("download %s: got %d bytes, want %d", short(sha), n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fmt.Errorf("download %s: the content does not match its hash (got %s)", short(sha), short(got))
	}
	return nil
}

// Bytes downloads a blob into memory.
func (c *Client) Bytes(ctx context.Context, e *api.Entry) ([]byte, error) {
	var b bytes.Buffer
	if err := c.Blob(ctx, e.SHA256, e.Size, &b, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type progressWriter func(int)

func (p progressWriter) Write(b []byte) (int, error) {
	if p != nil {
		p(len(b))
	}
	return len(b), nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func (c *Client) request(ctx context.Context, method, p string, body any, auth bool) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+p, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		// Our POSTs can be repeated safely; saying so lets the transport
		// resend one on a pooled connection a proxy closed meanwhile.
		req.Header.Set("Idempotency-Key", newKey())
	}
	req.Header.Set("Accept", "application/json")
	if auth {
		if token := c.token(); token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
	}
	return req, nil
}

// retryDelays are the pauses before each new try of a metadata request
// that failed on the network.
var retryDelays = []time.Duration{200 * time.Millisecond, time.Second}

func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// maxMetadata bounds a metadata answer, so a hostile server cannot fill
// memory (a variable, so that tests can lower it).
var maxMetadata int64 = 256 << 20

func (c *Client) do(ctx context.Context, method, p string, body, out any, auth bool) error {
	var resp *http.Response
	for attempt := 0; ; attempt++ {
		req, err := c.request(ctx, method, p, body, auth)
		if err != nil {
			return err
		}
		resp, err = c.http.Do(req)
		if err == nil {
			break
		}
		if err := c.netError(err); ctx.Err() != nil || attempt == len(retryDelays) || !retryable(err) {
			return err
		}
		select {
		case <-time.After(retryDelays[attempt]):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.statusError(resp)
	}
	what := strings.SplitN(p, "?", 2)[0]
	if resp.ContentLength > maxMetadata {
		return fmt.Errorf("update server at %s announced %d bytes in answer to %s, more than the %d an answer may hold: refusing it (a broken server or proxy, or an attack)",
			c.base.Host, resp.ContentLength, what, maxMetadata)
	}
	lr := &io.LimitedReader{R: resp.Body, N: maxMetadata + 1}
	if err := json.NewDecoder(lr).Decode(out); err != nil {
		switch {
		case lr.N <= 0:
			return fmt.Errorf("update server at %s sent more than %d bytes in answer to %s: refusing it (a broken server or proxy, or an attack)", c.base.Host, maxMetadata, what)
		case isStall(err):
			return c.netError(err)
		}
		return fmt.Errorf("update server at %s sent a bad answer to %s: %v", c.base.Host, what, err)
	}
	return nil
}

func (c *Client) statusError(resp *http.Response) error {
	var e api.Error
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fromServer := json.Unmarshal(b, &e) == nil && e.Error != ""
	if !fromServer {
		e.Error = strings.TrimSpace(string(b))
		if e.Error == "" || len(e.Error) > 200 {
			e.Error = http.StatusText(resp.StatusCode)
		}
	}
	// Some proxies (tinyproxy among them) answer a bad login with 401
	// rather than 407; the update server always answers in JSON.
	proxy, _ := http.ProxyFromEnvironment(resp.Request)
	if resp.StatusCode == http.StatusProxyAuthRequired ||
		(proxy != nil && !fromServer && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden)) {
		return &Error{Status: resp.StatusCode, Message: fmt.Sprintf("the proxy %s refused the request (%s): check user:password in http_proxy/https_proxy", proxy.Redacted(), e.Error)}
	}
	err := &Error{Status: resp.StatusCode, Message: e.Error}
	if resp.StatusCode == http.StatusUnauthorized {
		return errors.Join(ErrUnauthorized, err)
	}
	return err
}

func (c *Client) netError(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var re *renewError
	if errors.As(err, &re) {
		return re.err
	}
	if e := c.certError(err); e != nil {
		return e
	}
	var stalled *StallError
	if errors.As(err, &stalled) {
		return &netErr{stalled}
	}
	msg := err.Error()
	if strings.Contains(msg, "Proxy Authentication Required") {
		return fmt.Errorf("the proxy refused its credentials: check user:password in http_proxy/https_proxy (%v)", err)
	}
	return &netErr{fmt.Errorf("cannot reach the update server at %s: %v (is it running, and is the address or proxy right?)", c.base.Host, unwrapURL(err))}
}

// netErr is a failure to talk to the server at all.
type netErr struct{ err error }

func (e *netErr) Error() string { return e.err.Error() }
func (e *netErr) Unwrap() error { return e.err }

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
