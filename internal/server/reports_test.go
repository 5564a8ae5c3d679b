package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

const installation = "0123456789abcdef0123456789abcdef"

func (f *fixture) installations(product string) []store.Report {
	f.t.Helper()
	rs, err := f.store.Installations(context.Background(), product)
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

// TestReport: a report is kept with the product, channel and account of
// the token that sent it, at the server's time; the newest report of an
// installation is its state.
func TestReport(t *testing.T) {
	f := newFixture(t)
	bob := f.login("bob", "wso2am-4.2.0", "security")
	status, b, resp := f.do("POST", "/v1/reports", bob, api.Report{Installation: installation, Level: 2000, Result: api.ReportUpdated})
	if status != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("report: %d %s", status, b)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	want := store.Report{Installation: installation, Product: "wso2am-4.2.0", Channel: "security", Username: "bob",
		Level: 2000, Result: store.ResultUpdated, Time: f.clock.Now()}
	if got := f.installations("wso2am-4.2.0"); len(got) != 1 || got[0] != want {
		t.Errorf("installations = %+v, want [%+v]", got, want)
	}

	// A second run of the same installation, later, with another account.
	f.clock.Add(time.Minute)
	alice := f.login("alice", "wso2am-4.2.0", "full")
	if status, b, _ := f.do("POST", "/v1/reports", alice, api.Report{Installation: installation, Level: 2000, Result: api.ReportCurrent}); status != 204 {
		t.Fatalf("second report: %d %s", status, b)
	}
	want = store.Report{Installation: installation, Product: "wso2am-4.2.0", Channel: "full", Username: "alice",
		Level: 2000, Result: store.ResultCurrent, Time: f.clock.Now()}
	if got := f.installations("wso2am-4.2.0"); len(got) != 1 || got[0] != want {
		t.Errorf("installations = %+v, want [%+v]", got, want)
	}
	hist, err := f.store.Reports(context.Background(), "wso2am-4.2.0", time.Time{})
	if err != nil || len(hist) != 2 || hist[0].Result != store.ResultUpdated || hist[1].Result != store.ResultCurrent {
		t.Errorf("history = %+v, %v", hist, err)
	}
	// The token's product, whatever the installation: carol's report is
	// of other-1.0.
	carol := f.login("carol", "other-1.0", "full")
	if status, b, _ := f.do("POST", "/v1/reports", carol, api.Report{Installation: installation, Result: api.ReportFailed}); status != 204 {
		t.Fatalf("carol's report: %d %s", status, b)
	}
	if got := f.installations("other-1.0"); len(got) != 1 || got[0].Username != "carol" || got[0].Result != store.ResultFailed {
		t.Errorf("installations of other-1.0 = %+v", got)
	}
	if got := f.installations("wso2am-4.2.0"); len(got) != 1 || got[0].Username != "alice" {
		t.Errorf("installations of wso2am-4.2.0 = %+v", got)
	}
}

// TestReportRefused: a bad body answers 400 saying what is wrong, a
// missing or bad token 401, and nothing is stored.
func TestReportRefused(t *testing.T) {
	f := newFixture(t)
	token := f.login("alice", "wso2am-4.2.0", "full")
	good := `{"installation":"` + installation + `","level":1000,"result":"updated"}`
	bad := []struct {
		body   string
		status int
		msg    string
	}{
		{``, 400, "the body is not a report"},
		{`not json`, 400, "the body is not a report"},
		{`null`, 400, "installation is missing"},
		{`{"installation":"` + installation + `","level":1000,"result":"updated","product":"other-1.0"}`, 400, `unknown field "product"`},
		{`{"installation":"` + installation + `","level":1000,"result":"updated","username":"bob"}`, 400, `unknown field "username"`},
		{good + ` {}`, 400, "more than one JSON value"},
		{`{"installation":"x","result":"updated"}`, 400, "characters long"},
		{`{"installation":"` + strings.ToUpper(installation) + `","result":"updated"}`, 400, "only a-z, 0-9 and -"},
		{`{"installation":"` + installation + `","level":-5,"result":"updated"}`, 400, "negative"},
		{`{"installation":"` + installation + `","result":"fine"}`, 400, `result "fine" is not known`},
		{`{"installation":"` + installation + `"}`, 400, "result is missing"},
		{`{"installation":"` + installation + `","pad":"` + strings.Repeat("x", maxReportBody) + `"}`, 413, "larger than 4096 bytes"},
	}
	for _, c := range bad {
		status, b, _ := f.do("POST", "/v1/reports", token, c.body)
		if status != c.status || !strings.Contains(errorOf(b), c.msg) {
			t.Errorf("POST %.60s: %d %s; want %d saying %q", c.body, status, b, c.status, c.msg)
		}
	}
	for _, tok := range []string{"", "not-a-token"} {
		status, b, resp := f.do("POST", "/v1/reports", tok, good)
		if status != 401 || !strings.Contains(errorOf(b), "log in again") || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("POST with token %q: %d %s", tok, status, b)
		}
	}
	f.clock.Add(time.Hour) // the token expires
	if status, b, _ := f.do("POST", "/v1/reports", token, good); status != 401 {
		t.Errorf("POST with an expired token: %d %s", status, b)
	}
	if got := f.installations("wso2am-4.2.0"); len(got) != 0 {
		t.Errorf("refused reports were stored: %+v", got)
	}
	if status, _, resp := f.do("GET", "/v1/reports", token, nil); status != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /v1/reports: %d, Allow %q", status, resp.Header.Get("Allow"))
	}
}

// TestReportLimits: past MaxInstallationReports an hour, an installation's
// reports answer 429 with Retry-After and are not stored, while other
// installations of the account go on; past MaxAccountReports the account's
// are refused whatever the installation; an hour later both are taken again.
func TestReportLimits(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxInstallationReports, o.MaxAccountReports = 3, 5 })
	bob := f.login("bob", "wso2am-4.2.0", "security")
	report := func(inst string) (int, http.Header) {
		t.Helper()
		inst = strings.Repeat(inst, 32)
		status, b, resp := f.do("POST", "/v1/reports", bob, api.Report{Installation: inst, Level: 1000, Result: api.ReportCurrent})
		if status == http.StatusTooManyRequests && !strings.Contains(string(b), "too many reports") {
			t.Errorf("429 says %s", b)
		}
		return status, resp.Header
	}
	history := func() int {
		t.Helper()
		rs, err := f.store.Reports(context.Background(), "wso2am-4.2.0", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	for i := range 3 {
		if status, _ := report("a"); status != http.StatusNoContent {
			t.Fatalf("report %d of installation a: %d", i+1, status)
		}
	}
	f.clock.Add(15 * time.Minute)
	status, h := report("a")
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "2700" {
		t.Errorf("4th report of a within the hour: %d, Retry-After %q; want 429, 2700", status, h.Get("Retry-After"))
	}
	if status, _ := report("b"); status != http.StatusNoContent {
		t.Errorf("installation b, while a is refused: %d", status)
	}
	if status, _ := report("c"); status != http.StatusNoContent {
		t.Errorf("installation c: %d", status)
	}
	if status, _ := report("d"); status != http.StatusTooManyRequests {
		t.Errorf("the account's 6th report within the hour: %d, want 429", status)
	}
	if n := history(); n != 5 {
		t.Errorf("history holds %d reports, want the 5 taken", n)
	}
	f.clock.Add(time.Hour)
	bob = f.login("bob", "wso2am-4.2.0", "security") // the token expired
	for _, inst := range []string{"a", "d"} {
		if status, _ := report(inst); status != http.StatusNoContent {
			t.Errorf("installation %s an hour later: %d", inst, status)
		}
	}
}
