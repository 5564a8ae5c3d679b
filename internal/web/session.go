package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/store"
)

// CookieName is the name of the session cookie.
const CookieName = "inplace_session"

// dummyHash is compared against when the user does not exist, so that an
// unknown user costs as much time as a wrong password (cost 10, as the
// accounts update-server creates).
const dummyHash = "$2a$10$21LAsGR/dXX2HYWOTlbiiuptYLrgLc6f8Ro9N61d48M3RY6lE2wkq"

// Limits of failed logins per username.
const (
	maxLoginFailures = 10
	loginWindow      = time.Minute
)

// maxUsername bounds the username a login form may carry.
const maxUsername = 256

// session is the login behind a request.
type session struct {
	user store.User
	hash string // what the store keeps: hex SHA-256 of the cookie
	csrf string // the token POST forms must carry
}

// sessionHash returns what the store keeps of a session cookie.
func sessionHash(cookie string) string {
	h := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(h[:])
}

// csrfToken returns the CSRF token of the session whose cookie has this
// value (see the package documentation): a hash of the cookie distinct
// from the one the store keeps.
func csrfToken(cookie string) string {
	h := sha256.Sum256([]byte("inplace-web-csrf\x00" + cookie))
	return hex.EncodeToString(h[:])
}

// newSessionCookie returns 32 random bytes, base64url-encoded.
func newSessionCookie() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// current returns the valid session of the request, or nil.
func (c *Catalog) current(r *http.Request) (*session, error) {
	ck, err := r.Cookie(CookieName)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, nil
	}
	hash := sessionHash(ck.Value)
	sess, err := c.store.Session(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !c.now().Before(sess.Expires) {
		return nil, nil
	}
	user, err := c.store.User(r.Context(), sess.Username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &session{user: user, hash: hash, csrf: csrfToken(ck.Value)}, nil
}

// authed lets a request through with a valid session only; any other is
// sent to the login form, which brings it back here afterwards.
func (c *Catalog) authed(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.current(r)
		if err != nil {
			c.internalError(w, r, nil, err)
			return
		}
		if s == nil {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			target := "/login"
			if next := r.URL.RequestURI(); next != "/" {
				target += "?" + url.Values{"next": {next}}.Encode()
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next(w, r, s)
	}
}

// parseForm reads a POST form of at most maxFormBody bytes. It answers
// 413 or 400 itself and returns false when the form cannot be read.
func (c *Catalog) parseForm(w http.ResponseWriter, r *http.Request, s *session) bool {
	if r.ContentLength > maxFormBody {
		c.tooLarge(w, r, s)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			c.tooLarge(w, r, s)
			return false
		}
		c.fail(w, r, s, http.StatusBadRequest, "The form could not be read",
			"The browser sent a form this page does not understand.", "Go back, reload the page and send the form again.")
		return false
	}
	return true
}

func (c *Catalog) tooLarge(w http.ResponseWriter, r *http.Request, s *session) {
	c.fail(w, r, s, http.StatusRequestEntityTooLarge, "The form is too large",
		fmt.Sprintf("A form sent to the catalog may hold at most %d KiB.", maxFormBody>>10),
		"Go back and send the form again with shorter values.")
}

// checkCSRF reports whether the parsed POST form carries the session's
// CSRF token, and answers 403 when it does not.
func (c *Catalog) checkCSRF(w http.ResponseWriter, r *http.Request, s *session) bool {
	got := r.PostFormValue("csrf")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1 {
		return true
	}
	c.fail(w, r, s, http.StatusForbidden, "The form has expired",
		"This form was not sent from a page of your current login, so it was refused.",
		"Go back, reload the page and try again.")
	return false
}

// loginPage is the Data of the login form.
type loginPage struct {
	Username string
	Next     string
	Error    string
}

// handleLoginForm serves GET /login.
func (c *Catalog) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if s, err := c.current(r); err == nil && s != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "login", page{Title: "Log in", Data: loginPage{Next: next}})
}

// handleLogin serves POST /login: it checks the password like the API,
// creates a session and sends the browser on to next.
func (c *Catalog) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !c.parseForm(w, r, nil) {
		return
	}
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	form := loginPage{Username: username, Next: next}
	refuse := func(status int, msg string) {
		form.Error = msg
		c.render(w, r, status, "login", page{Title: "Log in", Data: form})
	}
	// Refused logins go to the audit log, as the API's do, except those
	// the limiter refuses (429), which would let one client fill it.
	refuseAudited := func(status int, msg, why string) {
		c.audit(r, store.AuditEvent{Action: store.AuditWebLogin, Username: username, Detail: why})
		refuse(status, msg)
	}
	if username == "" || password == "" {
		refuse(http.StatusBadRequest, "Enter your username and your password.")
		return
	}
	if len(username) > maxUsername {
		username = username[:maxUsername]
	}
	now := c.now()
	if wait := c.limiter.Blocked(username, now); wait > 0 {
		secs := int(wait.Seconds() + 0.999)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		refuse(http.StatusTooManyRequests, fmt.Sprintf(
			"Too many failed logins for this username. Wait %d seconds, then try again with the right password.", secs))
		return
	}
	user, err := c.store.User(r.Context(), username)
	hash := user.PasswordHash
	if errors.Is(err, store.ErrNotFound) {
		hash = dummyHash
	} else if err != nil {
		c.internalError(w, r, nil, err)
		return
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || hash == dummyHash {
		c.limiter.Fail(username, now)
		refuseAudited(http.StatusUnauthorized, "Wrong username or password. Check both and try again.", "invalid username or password")
		return
	}
	c.limiter.Reset(username)

	// A new session on every login, and the old one ended: a cookie set
	// before the login (by someone else) gains nothing.
	if ck, err := r.Cookie(CookieName); err == nil && ck.Value != "" {
		if err := c.store.DeleteSession(r.Context(), sessionHash(ck.Value)); err != nil {
			c.log.Warn("web: cannot delete the previous session", "err", err)
		}
	}
	value, err := newSessionCookie()
	if err != nil {
		c.internalError(w, r, nil, err)
		return
	}
	expires := now.Add(c.sessionTTL)
	err = c.store.AddSession(r.Context(), store.Session{Hash: sessionHash(value), Username: user.Username,
		Created: now.UTC(), Expires: expires.UTC()})
	if err != nil {
		c.internalError(w, r, nil, err)
		return
	}
	detail := "customer"
	if user.Admin {
		detail = "admin"
	}
	c.audit(r, store.AuditEvent{Action: store.AuditWebLogin, OK: true, Username: user.Username, Detail: detail})
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: value, Path: "/", Expires: expires,
		MaxAge: int(c.sessionTTL.Seconds()), HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleLogout serves POST /logout.
func (c *Catalog) handleLogout(w http.ResponseWriter, r *http.Request, s *session) {
	if !c.parseForm(w, r, s) || !c.checkCSRF(w, r, s) {
		return
	}
	if err := c.store.DeleteSession(r.Context(), s.hash); err != nil {
		c.internalError(w, r, s, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, and "/"
// otherwise: it must start with one "/" (not "//", which a browser takes
// for another host, nor "/\", which some take for "//"), and hold no
// backslash, space or control character (browsers drop tabs and newlines
// from URLs, so "/\t/evil" would become "//evil").
func safeNext(next string) string {
	if len(next) == 0 || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for _, r := range next {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	if strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/logout") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
