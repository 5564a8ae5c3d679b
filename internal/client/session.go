package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"inplace/internal/api"
)

// Refresh exchanges a refresh token for a new access token and a new
// refresh token, bound to the product and channel of the login; the refresh
// token given is used up. Unlike other requests it is sent once: a second
// copy of a refresh the server did receive would be taken for a stolen
// token and end the login.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*api.TokenResponse, error) {
	req, err := c.request(ctx, http.MethodPost, "/v1/token", api.TokenRequest{RefreshToken: refreshToken}, false)
	if err != nil {
		return nil, err
	}
	// Without an Idempotency-Key the transport sends it again only when
	// the server cannot have received it.
	req.Header.Del("Idempotency-Key")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp)
	}
	var tr api.TokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadata)).Decode(&tr); err != nil {
		return nil, fmt.Errorf("update server at %s sent a bad answer to /v1/token: %v", c.base.Host, err)
	}
	return &tr, nil
}

// token returns the access token to send.
func (c *Client) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Token
}

// renew returns the token to send again a request the server refused with
// token sent: the current one when another request renewed it meanwhile,
// otherwise a new one from Renew. A failed renewal is remembered, so that
// a refresh token is never sent twice.
func (c *Client) renew(ctx context.Context, sent string) (string, error) {
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	if cur := c.token(); cur != sent {
		return cur, nil
	}
	if c.renewErr != nil {
		return "", c.renewErr
	}
	token, err := c.Renew(ctx)
	if err != nil {
		c.renewErr = err
		return "", err
	}
	c.mu.Lock()
	c.Token = token
	c.mu.Unlock()
	return token, nil
}

// refusal reports whether err is the server's final no, as opposed to a
// failure that may pass (the network, a 5xx, a rate limit).
func refusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status < 500 && e.Status != http.StatusTooManyRequests
}

// renewError carries a failed renewal that is not the server's refusal,
// such as a network error, out of the transport.
type renewError struct{ err error }

func (e *renewError) Error() string { return e.err.Error() }
func (e *renewError) Unwrap() error { return e.err }

// renewing is the client's transport: a request whose bearer token the
// server refuses (401) is sent once more with a renewed token
// (Client.Renew). When the renewal is refused too, the first refusal is
// the answer.
type renewing struct {
	c    *Client
	next http.RoundTripper
}

func (t *renewing) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || t.c.Renew == nil {
		return resp, err
	}
	sent, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || sent == "" || (req.Body != nil && req.GetBody == nil) {
		return resp, nil
	}
	token, err := t.c.renew(req.Context(), sent)
	if refusal(err) {
		return resp, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil {
		return nil, &renewError{err}
	}
	again := req.Clone(req.Context())
	if req.Body != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	again.Header.Set("Authorization", "Bearer "+token)
	return t.next.RoundTrip(again)
}
