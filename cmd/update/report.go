package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"inplace/internal/api"
	"inplace/internal/client"
	"inplace/internal/home"
	"inplace/internal/updater"
)

// reportEnv turns the report off when false (UPDATE_REPORT=0).
const reportEnv = "UPDATE_REPORT"

// reporter tells the update server, after an update, a --continue or a
// --revert, the installation's id, its level after the run and the run's
// result (api.Report); the server adds the product, channel and account
// of the session's token. Nothing else is sent. A report never changes
// the run's outcome: it is sent once, within client.ReportTimeout, and its
// failure is not told.
type reporter struct {
	h       *home.Home
	product string
	o       *options
	stderr  io.Writer
}

// wanted reports whether the customer lets the tool report: not with
// --no-report, nor with UPDATE_REPORT false, nor with report = false in
// updates/config. A setting that cannot be read counts as a no, and says
// so on stderr.
func (r *reporter) wanted() bool {
	if r.o.noReport {
		return false
	}
	if v := os.Getenv(reportEnv); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fmt.Fprintf(r.stderr, "update: %s=%q is neither true nor false: not reporting this run to the update server\n", reportEnv, v)
			return false
		}
		if !b {
			return false
		}
	}
	c, err := r.h.Config()
	if err != nil {
		fmt.Fprintf(r.stderr, "update: %v: not reporting this run to the update server\n", err)
		return false
	}
	return c.Report
}

// send reports result after a run. c is the run's logged-in client; nil
// (--continue, --revert, which need no server) uses the saved session,
// renewing it if need be but never asking for a password: without a
// usable session nothing is sent.
func (r *reporter) send(ctx context.Context, c *client.Client, result string) {
	if result == "" || !r.wanted() {
		return
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return // interrupted: the person wants the prompt back
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The run ran out of time (--timeout): it still reports, in time
		// of its own.
		ctx = context.WithoutCancel(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, client.ReportTimeout)
	defer cancel()
	st, err := r.h.LoadState()
	if err != nil {
		return
	}
	if c == nil {
		if c = r.savedClient(ctx); c == nil {
			return
		}
	}
	id, err := r.h.Installation()
	if err != nil {
		return
	}
	_ = c.Report(ctx, r.product, api.Report{Installation: id, Level: st.Level, Result: result})
}

// savedClient returns a client holding the saved session's token, when
// the session is for this product and server, or nil.
func (r *reporter) savedClient(ctx context.Context) *client.Client {
	saved := r.h.LoadSession()
	if saved == nil || saved.Product != r.product {
		return nil
	}
	c, err := client.NewWith(firstOf(r.o.server, os.Getenv("UPDATE_SERVER"), saved.Server), r.o.clientOptions())
	if err != nil || c.URL() != saved.Server {
		return nil
	}
	sess, _, err := resume(ctx, r.h, c, *saved)
	if err != nil || sess == nil {
		return nil
	}
	return sess.client
}

// result is what a run with this report and error tells the server: ""
// for a run that says nothing of the product (the tool updated itself).
// A run whose post-update hook failed reports "reverted" when the update
// was reverted after it (the level sent is the one before the update),
// otherwise "failed" (with the new level, which stayed).
func result(rep *updater.Report, err error) string {
	switch {
	case revertedForHealth(err):
		return api.ReportReverted
	case errors.Is(err, updater.ErrReverted):
		return api.ReportReverted
	case errors.Is(err, updater.ErrConflicts):
		return api.ReportConflicts
	case errors.Is(err, updater.ErrToolUpdated):
		return ""
	case err != nil:
		return api.ReportFailed
	case rep == nil:
		return ""
	case rep.Action == "update" && len(rep.Updates) == 0:
		return api.ReportCurrent
	}
	return api.ReportUpdated
}
