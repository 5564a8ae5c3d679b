package client

import (
	"context"
	"net/http"

	"inplace/internal/api"
)

// Hotfixes lists the hotfixes of the token's product published for the
// token's account (GET /v1/hotfixes). The answer is unsigned: it only
// tells which signed hotfix targets the account may read.
func (c *Client) Hotfixes(ctx context.Context) ([]api.HotfixSummary, error) {
	var resp api.HotfixList
	if err := c.do(ctx, http.MethodGet, "/v1/hotfixes", nil, &resp, true); err != nil {
		return nil, err
	}
	return resp.Hotfixes, nil
}
