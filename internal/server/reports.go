package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

// maxReportBody bounds the body of POST /v1/reports.
const maxReportBody = 4 << 10

// handleReport serves POST /v1/reports: an installation tells its level
// and the result of a run (api.Report). The product, channel and account
// are the token's, never the client's word; the report is kept as the
// installation's current state and in its history. It answers 204, or
// 429 past Options.MaxInstallationReports or MaxAccountReports an hour.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReportBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the report is larger than %d bytes", maxReportBody))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read the report: "+err.Error())
		return
	}
	rep, err := api.ParseReport(b)
	if err != nil {
		writeError(w, http.StatusBadRequest, "report refused: "+err.Error())
		return
	}
	t := tokenFrom(r.Context())
	now := s.now()
	if wait := s.installationReports.Take(t.Username+"\x00"+rep.Installation, now); wait > 0 {
		tooManyReports(w, wait, "installation "+rep.Installation)
		return
	}
	if wait := s.accountReports.Take(t.Username, now); wait > 0 {
		tooManyReports(w, wait, "account "+t.Username)
		return
	}
	err = s.store.AddReport(r.Context(), store.Report{
		Installation: rep.Installation,
		Product:      t.Product,
		Channel:      t.Channel,
		Username:     t.Username,
		Level:        rep.Level,
		Result:       rep.Result,
		Time:         now.UTC(),
	})
	if errors.Is(err, store.ErrNotFound) {
		// The token's product was removed since the login.
		writeError(w, http.StatusNotFound, fmt.Sprintf("product %s is not known to this server", t.Product))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// tooManyReports answers 429: the tool drops the report, and the next
// run after the wait reports again.
func tooManyReports(w http.ResponseWriter, wait time.Duration, from string) {
	secs := int(wait.Seconds() + 0.999)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	writeError(w, http.StatusTooManyRequests,
		fmt.Sprintf("too many reports from %s this hour; the next is taken in %d seconds", from, secs))
}
