package main

import (
	"errors"
	"fmt"
	"testing"

	"inplace/internal/api"
	"inplace/internal/hooks"
	"inplace/internal/updater"
)

// TestHealthErrorOutcome: a failed health check exits 1 whether the
// update was reverted or not, and tells the server "reverted" or
// "failed" accordingly; a pre-update failure is a plain failure.
func TestHealthErrorOutcome(t *testing.T) {
	hookErr := &hooks.Error{Hook: hooks.PostUpdate, Path: "updates/hooks/post-update", Code: 3, Status: "exit status 3"}
	tests := []struct {
		name   string
		err    error
		code   int
		result string
	}{
		{"reverted after the health check", &healthError{hook: hookErr, reverted: true, then: "reverted"}, exitError, api.ReportReverted},
		{"left in place", &healthError{hook: hookErr, then: "stays"}, exitError, api.ReportFailed},
		{"pre-update failed", fmt.Errorf("%w; nothing was changed", hookErr), exitError, api.ReportFailed},
		{"a plain --revert", updater.ErrReverted, exitReverted, api.ReportReverted},
	}
	for _, tc := range tests {
		if got := exitCode(tc.err); got != tc.code {
			t.Errorf("%s: exit code %d, want %d", tc.name, got, tc.code)
		}
		if got := result(nil, tc.err); got != tc.result {
			t.Errorf("%s: result %q, want %q", tc.name, got, tc.result)
		}
	}
	var he *hooks.Error
	if !errors.As(&healthError{hook: hookErr}, &he) || he.Code != 3 {
		t.Error("a healthError does not carry the hook's failure")
	}
}
