package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Results of a run of the tool, as an installation reports them. The store
// keeps the same words (store.Result…).
const (
	ReportUpdated   = "updated"   // updates applied (an update, or a --continue that finished one)
	ReportCurrent   = "current"   // nothing to do: the product was at the newest level already
	ReportConflicts = "conflicts" // the run stopped on conflicts to resolve
	ReportReverted  = "reverted"  // a --revert, or an update reverted because its post-update hook failed
	ReportFailed    = "failed"    // the run failed (a failed post-update hook that left the update in place too)
)

// Bounds of an installation id.
const (
	MinInstallation = 16
	MaxInstallation = 64
)

// Report is the body of POST /v1/reports: what an installation says of
// itself after a run of the tool. The product, channel and account are
// those of the token that sends it; nothing else is sent.
type Report struct {
	Installation string `json:"installation"` // random id the tool keeps in PRODUCT_HOME
	Level        int64  `json:"level"`        // the installation's level after the run; 0: the base distribution
	Result       string `json:"result"`       // one of the Report… constants
}

// ValidResult reports whether r is one of the Report… constants.
func ValidResult(r string) bool {
	switch r {
	case ReportUpdated, ReportCurrent, ReportConflicts, ReportReverted, ReportFailed:
		return true
	}
	return false
}

// ValidInstallation reports why id is not an installation id: 16 to 64
// characters of a-z, 0-9 and '-'. It returns nil for a good one.
func ValidInstallation(id string) error {
	if id == "" {
		return errors.New("installation is missing")
	}
	if len(id) < MinInstallation || len(id) > MaxInstallation {
		return fmt.Errorf("installation is %d characters long: it must have %d to %d", len(id), MinInstallation, MaxInstallation)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Errorf("installation holds %q: only a-z, 0-9 and - are allowed", c)
		}
	}
	return nil
}

// Validate reports what is wrong with a report, or nil.
func (r Report) Validate() error {
	if err := ValidInstallation(r.Installation); err != nil {
		return err
	}
	if r.Level < 0 {
		return fmt.Errorf("level %d is negative", r.Level)
	}
	if r.Result == "" {
		return errors.New("result is missing")
	}
	if !ValidResult(r.Result) {
		return fmt.Errorf("result %q is not known: use %s, %s, %s, %s or %s", clipped(r.Result),
			ReportUpdated, ReportCurrent, ReportConflicts, ReportReverted, ReportFailed)
	}
	return nil
}

// ParseReport decodes and validates the body of POST /v1/reports: exactly
// one JSON object with no fields but a Report's.
func ParseReport(b []byte) (Report, error) {
	var r Report
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Report{}, fmt.Errorf("the body is not a report: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Report{}, errors.New("the body is not a report: more than one JSON value")
	}
	if err := r.Validate(); err != nil {
		return Report{}, err
	}
	return r, nil
}

// clipped shortens a value sent by a client for an error message.
func clipped(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
