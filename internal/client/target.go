package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTP is the client's HTTP client (proxy, TLS, timeouts), for fetching
// the public signed metadata: it adds no credentials.
func (c *Client) HTTP() *http.Client { return c.http }

// MetadataURL is where the server serves its signed metadata.
func (c *Client) MetadataURL() string { return c.base.String() + "/v1/metadata/" }

// Target downloads the content of the signed target at path (at most
// length bytes: a longer answer is refused). The caller verifies it
// against the signed hash.
func (c *Client) Target(ctx context.Context, path string, length int64) ([]byte, error) {
	var esc []string
	for _, part := range strings.Split(path, "/") {
		esc = append(esc, url.PathEscape(part))
	}
	p := "/v1/targets/" + strings.Join(esc, "/")
	for attempt := 0; ; attempt++ {
		b, err := c.targetOnce(ctx, p, length)
		if err == nil || !retryable(err) || ctx.Err() != nil || attempt == len(retryDelays) {
			return b, err
		}
		select {
		case <-time.After(retryDelays[attempt]):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *Client) targetOnce(ctx context.Context, p string, length int64) ([]byte, error) {
	req, err := c.request(ctx, http.MethodGet, p, nil, true)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, length+1))
	if err != nil {
		return nil, c.netError(err)
	}
	if int64(len(b)) > length {
		return nil, fmt.Errorf("%s: the server sent more than the %d bytes signed for it: it was tampered with, or this is an endless-data attack; nothing was changed", p, length)
	}
	return b, nil
}
