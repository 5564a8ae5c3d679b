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

// handleToken serves POST /v1/token. The checks run in a fixed order:
// request, credentials, product, subscription, channel.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	req, status, err := parseTokenRequest(w, r)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	ctx := r.Context()
	now := s.now()

	if wait := s.limiter.blocked(req.Username, now); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests,
			fmt.Sprintf("too many failed logins for user %s; try again in %d seconds", req.Username, int(wait.Seconds()+0.999)))
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
		s.limiter.fail(req.Username, now)
		writeError(w, http.StatusUnauthorized, "invalid username or password")
		return
	}
	s.limiter.reset(req.Username)

	if _, err := s.store.Product(ctx, req.Product); errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("product %s is not known to this server", req.Product))
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	var sub *store.Subscription
	for i := range user.Subscriptions {
		if user.Subscriptions[i].Product == req.Product {
			sub = &user.Subscriptions[i]
		}
	}
	if sub == nil {
		writeError(w, http.StatusForbidden, fmt.Sprintf("user %s has no subscription for product %s", req.Username, req.Product))
		return
	}
	if !api.ValidChannel(req.Channel) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("channel %q is not known: use %s or %s", req.Channel, api.ChannelFull, api.ChannelSecurity))
		return
	}
	if req.Channel == api.ChannelFull && sub.Channel != api.ChannelFull {
		writeError(w, http.StatusForbidden, fmt.Sprintf("user %s is subscribed to the security channel; full updates are not available", req.Username))
		return
	}

	token, err := newToken()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	t := store.Token{
		Hash:     TokenHash(token),
		Username: req.Username,
		Product:  req.Product,
		Channel:  req.Channel,
		Created:  now.UTC(),
		Expires:  now.Add(s.tokenTTL).UTC(),
	}
	if err := s.store.AddToken(ctx, t); err != nil {
		s.internalError(w, r, err)
		return
	}
	if _, err := s.store.DeleteExpiredTokens(ctx, now); err != nil {
		s.log.Warn("delete expired tokens", "err", err)
	}
	writeJSON(w, http.StatusOK, api.TokenResponse{
		Token:     token,
		ExpiresAt: t.Expires.Truncate(time.Millisecond),
		Username:  t.Username,
		Product:   t.Product,
		Channel:   t.Channel,
	})
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
