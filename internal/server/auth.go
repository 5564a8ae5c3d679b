package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/store"
)

// dummyHash is compared against when the user does not exist, so that an
// unknown user costs as much time as a wrong password (cost 10, the
// default).
const dummyHash = "$2a$10$9sH1i2/3gXq9k/e0i63DQ.vmulivyBCpOA1.fxDRRhvinEjbQi1XK"

// TokenHash returns what the store keeps of a token: its hex SHA-256.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newToken returns 32 random bytes, base64url-encoded.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// handleToken serves POST /v1/token: a login with username and password,
// or a refresh with a refresh token (see api.TokenRequest). Failed logins
// count against the username and the client's address, refused refreshes
// against the address; each limit answers 429 once reached.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	addr := s.clientAddr(r)
	if wait := s.addrLimiter.Blocked(addrKey(addr), now); wait > 0 {
		tooManyFailures(w, wait, "from your address "+addr)
		return
	}
	req, status, err := parseTokenRequest(w, r)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	if req.RefreshToken != "" {
		s.refresh(w, r, req.RefreshToken, addr, now)
		return
	}
	s.login(w, r, req, addr, now)
}

// tooManyFailures answers 429: wait, then try again.
func tooManyFailures(w http.ResponseWriter, wait time.Duration, from string) {
	secs := int(wait.Seconds() + 0.999)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	writeError(w, http.StatusTooManyRequests,
		fmt.Sprintf("too many failed logins %s; try again in %d seconds, with the right password", from, secs))
}

// login checks a username and password, then the product, subscription
// and channel, in that order, and issues a new family of tokens.
func (s *Server) login(w http.ResponseWriter, r *http.Request, req api.TokenRequest, addr string, now time.Time) {
	ctx := r.Context()
	refuse := func(status int, msg string) {
		s.Audit(r, store.AuditEvent{Action: store.AuditLogin, Username: req.Username, Product: req.Product, Detail: msg})
		writeError(w, status, msg)
	}
	if wait := s.limiter.Blocked(req.Username, now); wait > 0 {
		tooManyFailures(w, wait, "for user "+req.Username)
		return
	}
	user, err := s.store.User(ctx, req.Username)
	hash := user.PasswordHash
	if errors.Is(err, store.ErrNotFound) {
		hash = dummyHash
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password)) != nil || hash == dummyHash {
		s.limiter.Fail(req.Username, now)
		s.addrLimiter.Fail(addrKey(addr), now)
		refuse(http.StatusUnauthorized, "invalid username or password")
		return
	}
	s.limiter.Reset(req.Username)

	if _, err := s.store.Product(ctx, req.Product); errors.Is(err, store.ErrNotFound) {
		refuse(http.StatusNotFound, fmt.Sprintf("product %s is not known to this server", req.Product))
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	if status, msg := entitlement(user, req.Product, req.Channel); status != 0 {
		refuse(status, msg)
		return
	}
	family, err := newToken()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	resp, err := s.issue(ctx, user.Username, req.Product, req.Channel, family, "", now)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.Audit(r, store.AuditEvent{Action: store.AuditLogin, OK: true, Username: user.Username, Product: req.Product,
		Detail: "channel " + req.Channel})
	writeJSON(w, http.StatusOK, resp)
}

// entitlement checks that user may receive product on channel. It returns
// the status and message of a refusal, or 0.
func entitlement(user store.User, product, channel string) (int, string) {
	var sub *store.Subscription
	for i := range user.Subscriptions {
		if user.Subscriptions[i].Product == product {
			sub = &user.Subscriptions[i]
		}
	}
	if sub == nil {
		return http.StatusForbidden, fmt.Sprintf("user %s has no subscription for product %s", user.Username, product)
	}
	if !api.ValidChannel(channel) {
		return http.StatusBadRequest, fmt.Sprintf("channel %q is not known: use %s or %s", channel, api.ChannelFull, api.ChannelSecurity)
	}
	if channel == api.ChannelFull && sub.Channel != api.ChannelFull {
		return http.StatusForbidden, fmt.Sprintf("user %s is subscribed to the security channel; full updates are not available", user.Username)
	}
	return 0, ""
}

// refresh exchanges a refresh token for new tokens of the same login. A
// refresh token works once: one presented again after it was used is
// taken for a stolen copy, and every token of its login is revoked.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request, token, addr string, now time.Time) {
	ctx := r.Context()
	hash := TokenHash(token)
	old, err := s.store.RefreshToken(ctx, hash)
	refuse := func(status int, msg, detail string) {
		s.addrLimiter.Fail(addrKey(addr), now)
		s.Audit(r, store.AuditEvent{Action: store.AuditRefresh, Username: old.Username, Product: old.Product, Detail: detail})
		if status == http.StatusUnauthorized {
			unauthorized(w, msg)
		} else {
			writeError(w, status, msg)
		}
	}
	notValid := func() {
		refuse(http.StatusUnauthorized, "the refresh token is not valid; log in again with your password", "unknown refresh token")
	}
	reused := func() {
		detail := "refresh token used again: "
		// Revoke even when the client hangs up.
		if n, err := s.store.RevokeTokenFamily(context.WithoutCancel(ctx), old.Family); err != nil {
			s.log.Error("cannot revoke the tokens of a login whose refresh token was used again",
				"username", old.Username, "address", addr, "err", err)
			detail += "revoking the tokens of the login failed"
		} else {
			s.log.Warn("a used refresh token was presented again: every token of its login is revoked",
				"username", old.Username, "address", addr, "revoked", n)
			detail += fmt.Sprintf("%d tokens of the login revoked", n)
		}
		refuse(http.StatusUnauthorized, "this refresh token was used already, so a copy of it may be in other hands: "+
			"every session of this login is revoked; log in again with your password", detail)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		notValid()
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	case !old.Used.IsZero():
		reused()
		return
	case !now.Before(old.Expires):
		refuse(http.StatusUnauthorized, fmt.Sprintf("the refresh token expired at %s; log in again with your password",
			old.Expires.Format(time.RFC3339)), "refresh token expired")
		return
	}
	// The subscription may have changed since the login.
	user, err := s.store.User(ctx, old.Username)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if status, msg := entitlement(user, old.Product, old.Channel); status != 0 {
		refuse(status, msg, msg)
		return
	}
	resp, err := s.issue(ctx, old.Username, old.Product, old.Channel, old.Family, hash, now)
	switch {
	case errors.Is(err, store.ErrUsed): // a concurrent refresh with the same token won
		reused()
		return
	case errors.Is(err, store.ErrNotFound): // revoked meanwhile
		notValid()
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	s.Audit(r, store.AuditEvent{Action: store.AuditRefresh, OK: true, Username: old.Username, Product: old.Product,
		Detail: "channel " + old.Channel})
	writeJSON(w, http.StatusOK, resp)
}

// issue stores a new access token and a new refresh token of family, for
// username, product and channel, and returns them. With prev, the hash of
// the refresh token they replace, prev is used up in the same transaction
// (store.RotateRefreshToken and its errors).
func (s *Server) issue(ctx context.Context, username, product, channel, family, prev string, now time.Time) (api.TokenResponse, error) {
	access, err := newToken()
	if err != nil {
		return api.TokenResponse{}, err
	}
	refresh, err := newToken()
	if err != nil {
		return api.TokenResponse{}, err
	}
	at := store.Token{Hash: TokenHash(access), Username: username, Product: product, Channel: channel,
		Family: family, Created: now.UTC(), Expires: now.Add(s.tokenTTL).UTC()}
	rt := store.RefreshToken{Hash: TokenHash(refresh), Username: username, Product: product, Channel: channel,
		Family: family, Created: now.UTC(), Expires: now.Add(s.refreshTTL).UTC()}
	if prev != "" {
		err = s.store.RotateRefreshToken(ctx, prev, now.UTC(), rt, at)
	} else if err = s.store.AddToken(ctx, at); err == nil {
		err = s.store.AddRefreshToken(ctx, rt)
	}
	if err != nil {
		return api.TokenResponse{}, err
	}
	return api.TokenResponse{
		Token:            access,
		ExpiresAt:        at.Expires.Truncate(time.Millisecond),
		Username:         username,
		Product:          product,
		Channel:          channel,
		RefreshToken:     refresh,
		RefreshExpiresAt: rt.Expires.Truncate(time.Millisecond),
	}, nil
}

type tokenKey struct{}

// tokenFrom returns the token of an authenticated request.
func tokenFrom(ctx context.Context) store.Token {
	t, _ := ctx.Value(tokenKey{}).(store.Token)
	return t
}

// auth lets a request through only with a valid, unexpired bearer token.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Authorization")
		h := r.Header.Get("Authorization")
		scheme, token, _ := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			unauthorized(w, "this request needs a token (Authorization: Bearer …); log in again")
			return
		}
		t, err := s.store.Token(r.Context(), TokenHash(token))
		if errors.Is(err, store.ErrNotFound) {
			unauthorized(w, "the token is not valid; log in again")
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if !s.now().Before(t.Expires) {
			unauthorized(w, fmt.Sprintf("the token expired at %s; log in again", t.Expires.Format(time.RFC3339)))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, t)))
	}
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="inplace"`)
	writeError(w, http.StatusUnauthorized, msg)
}
