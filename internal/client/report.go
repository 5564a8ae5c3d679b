package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"inplace/internal/api"
)

// ReportTimeout bounds the whole of Report: a run is never held up longer
// than this for its report.
const ReportTimeout = 5 * time.Second

// Report tells the server an installation's level and the result of a run
// (POST /v1/reports); the server takes the product, channel and account
// from the token. product, the token's, names it in errors. It tries once,
// within ReportTimeout, and never again: a report is worth less than the
// time of the person waiting, and the caller ignores its error but for a
// message.
func (c *Client) Report(ctx context.Context, product string, r api.Report) error {
	ctx, cancel := context.WithTimeout(ctx, ReportTimeout)
	defer cancel()
	req, err := c.request(ctx, http.MethodPost, "/v1/reports", r, true)
	if err != nil {
		return err
	}
	// Without an Idempotency-Key the transport sends it again only when
	// the server cannot have received it: one report, one entry.
	req.Header.Del("Idempotency-Key")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("report the state of %s: %w", product, c.netError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("report the state of %s: %w", product, c.statusError(resp))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return nil
}
