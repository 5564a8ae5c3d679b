package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"inplace/internal/api"
)

// TestReport: a report is one POST of the report alone, with the token; a
// refusal is an error naming the product; a server that does not answer
// costs ReportTimeout at most, and is not asked again.
func TestReport(t *testing.T) {
	var calls atomic.Int32
	var got api.Report
	var auth, ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		auth, ctype = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/reports" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var err error
		if got, err = api.ParseReport(b); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"`+err.Error()+`"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	c.Token = "tok"
	r := api.Report{Installation: "0123456789abcdef", Level: 7, Result: api.ReportCurrent}
	if err := c.Report(context.Background(), "p-1", r); err != nil || got != r || auth != "Bearer tok" || ctype != "application/json" {
		t.Errorf("Report: %v; server got %+v with %q, %q", err, got, auth, ctype)
	}
	calls.Store(0)
	err := c.Report(context.Background(), "p-1", api.Report{Installation: "short", Result: api.ReportCurrent})
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(err.Error(), "report the state of p-1") ||
		!strings.Contains(err.Error(), "characters long") || calls.Load() != 1 {
		t.Errorf("refused report: %v after %d call(s)", err, calls.Load())
	}

	// A server that never answers.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	c, _ = New(slow.URL)
	calls.Store(0)
	start := time.Now()
	err = c.Report(context.Background(), "p-1", r)
	if d := time.Since(start); err == nil || d > ReportTimeout+2*time.Second || calls.Load() != 1 {
		t.Errorf("silent server: %v after %v and %d call(s)", err, d, calls.Load())
	}

	// The body is the report and nothing else.
	b, _ := json.Marshal(r)
	if string(b) != `{"installation":"0123456789abcdef","level":7,"result":"current"}` {
		t.Errorf("body %s", b)
	}
}
