package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"inplace/internal/api"
	"inplace/internal/store"
)

// loginPair logs in and returns the whole answer or fails the test.
func (f *fixture) loginPair(user, product, channel string) api.TokenResponse {
	f.t.Helper()
	status, b, _ := f.do("POST", "/v1/token", "", api.TokenRequest{Username: user, Password: user + "-pw", Product: product, Channel: channel})
	if status != http.StatusOK {
		f.t.Fatalf("login %s %s %s: %d %s", user, product, channel, status, b)
	}
	var tr api.TokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		f.t.Fatal(err)
	}
	return tr
}

// refresh sends a refresh grant and returns the status, the answer and the
// error message.
func (f *fixture) refresh(token string) (int, api.TokenResponse, string) {
	f.t.Helper()
	status, b, resp := f.do("POST", "/v1/token", "", api.TokenRequest{RefreshToken: token})
	var tr api.TokenResponse
	if status == http.StatusOK {
		if err := json.Unmarshal(b, &tr); err != nil {
			f.t.Fatal(err)
		}
	} else if status == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
		f.t.Errorf("refresh answered 401 without WWW-Authenticate")
	}
	return status, tr, errorOf(b)
}

// TestRefresh: a refresh grant returns a new access token and a new
// refresh token bound to the login's product and channel; each refresh
// token works once.
func TestRefresh(t *testing.T) {
	f := newFixture(t)
	login := f.loginPair("alice", "wso2am-4.2.0", "security")
	if len(login.RefreshToken) != 43 || login.RefreshToken == login.Token ||
		!login.RefreshExpiresAt.Equal(f.clock.Now().Add(DefaultRefreshTTL)) {
		t.Fatalf("login answer %+v: want a refresh token valid for %v", login, DefaultRefreshTTL)
	}

	// The access token expires; the refresh token buys a new pair.
	f.clock.Add(time.Hour)
	if status, _ := updatesOf(t, f, login.Token, ""); status != 401 {
		t.Fatalf("expired access token: %d", status)
	}
	status, next, msg := f.refresh(login.RefreshToken)
	if status != 200 {
		t.Fatalf("refresh: %d %s", status, msg)
	}
	if next.Token == login.Token || next.RefreshToken == login.RefreshToken || next.RefreshToken == "" ||
		next.Username != "alice" || next.Product != "wso2am-4.2.0" || next.Channel != "security" ||
		!next.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) || !next.RefreshExpiresAt.Equal(f.clock.Now().Add(DefaultRefreshTTL)) {
		t.Fatalf("refresh answer %+v", next)
	}
	// Still the security channel of the login: update 2 only.
	if status, l := updatesOf(t, f, next.Token, ""); status != 200 || numbers(l) != "2" {
		t.Errorf("updates with the refreshed token: %d %s", status, numbers(l))
	}
	if strings.Contains(f.logs.String(), next.RefreshToken) || strings.Contains(f.logs.String(), login.RefreshToken) {
		t.Error("the log holds a refresh token")
	}

	// A refresh carries its token alone.
	status, b, _ := f.do("POST", "/v1/token", "", api.TokenRequest{RefreshToken: next.RefreshToken, Product: "other-1.0", Channel: "full"})
	if status != 400 || !strings.Contains(errorOf(b), "refresh_token alone") {
		t.Errorf("refresh naming a product: %d %s", status, b)
	}

	// Another login of alice is another family.
	other := f.loginPair("alice", "wso2am-4.2.0", "full")

	// The used refresh token again: refused, and every token of its login
	// (the pair it bought too) is revoked.
	status, _, msg = f.refresh(login.RefreshToken)
	if status != 401 || !strings.Contains(msg, "used already") || !strings.Contains(msg, "log in again with your password") {
		t.Fatalf("reused refresh token: %d %s", status, msg)
	}
	if status, _ := updatesOf(t, f, next.Token, ""); status != 401 {
		t.Errorf("the access token of a revoked login: %d, want 401", status)
	}
	if status, _, msg := f.refresh(next.RefreshToken); status != 401 || !strings.Contains(msg, "not valid") {
		t.Errorf("the refresh token of a revoked login: %d %s", status, msg)
	}
	if !strings.Contains(f.logs.String(), "a used refresh token was presented again") {
		t.Errorf("the reuse is not logged:\n%s", f.logs.String())
	}
	if status, _ := updatesOf(t, f, other.Token, ""); status != 200 {
		t.Errorf("another login's access token: %d, want 200", status)
	}
	if status, _, msg := f.refresh(other.RefreshToken); status != 200 {
		t.Errorf("another login's refresh token: %d %s", status, msg)
	}

	for _, tok := range []string{"not-a-token", login.Token} {
		if status, _, msg := f.refresh(tok); status != 401 || !strings.Contains(msg, "not valid") {
			t.Errorf("refresh with %q: %d %s", tok, status, msg)
		}
	}
}

// TestRefreshExpiry: an expired refresh token is refused, then deleted.
func TestRefreshExpiry(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.RefreshTTL = 2 * time.Hour })
	login := f.loginPair("bob", "wso2am-4.2.0", "security")
	f.clock.Add(2*time.Hour - time.Millisecond)
	status, next, msg := f.refresh(login.RefreshToken)
	if status != 200 || !next.RefreshExpiresAt.Equal(f.clock.Now().Add(2*time.Hour)) {
		t.Fatalf("refresh just before expiry: %d %s %+v", status, msg, next)
	}
	f.clock.Add(2 * time.Hour)
	status, _, msg = f.refresh(next.RefreshToken)
	if status != 401 || !strings.Contains(msg, "expired at") || !strings.Contains(msg, "log in again with your password") {
		t.Fatalf("expired refresh token: %d %s", status, msg)
	}
	// serve's scheduled work sweeps them (cmd/update-server TestMaintain).
	if _, err := f.store.DeleteExpiredTokens(context.Background(), f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{login.RefreshToken, next.RefreshToken} {
		if _, err := f.store.RefreshToken(context.Background(), TokenHash(tok)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired refresh token still stored: %v", err)
		}
	}
}

// TestConcurrentRefresh: two refreshes with one token: one wins, the other
// is taken for a stolen copy and revokes the login, the winner's tokens
// included.
func TestConcurrentRefresh(t *testing.T) {
	f := newFixture(t)
	login := f.loginPair("alice", "wso2am-4.2.0", "full")
	var wg sync.WaitGroup
	results := make([]struct {
		status int
		tr     api.TokenResponse
	}, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i].status, results[i].tr, _ = f.refresh(login.RefreshToken)
		}()
	}
	wg.Wait()
	won := 0
	for _, r := range results {
		switch r.status {
		case 200:
			won++
			if status, _ := updatesOf(t, f, r.tr.Token, ""); status != 401 {
				t.Errorf("the winner's access token after the reuse: %d, want 401", status)
			}
		case 401:
		default:
			t.Errorf("refresh: %d", r.status)
		}
	}
	if won != 1 {
		t.Errorf("%d refreshes won, want 1", won)
	}
}

// TestAddressRateLimit: failed logins from one address, whatever the
// usernames, block that address; other addresses are not affected.
func TestAddressRateLimit(t *testing.T) {
	bad := func(user string) api.TokenRequest {
		return api.TokenRequest{Username: user, Password: "nope", Product: "wso2am-4.2.0", Channel: "full"}
	}
	good := api.TokenRequest{Username: "bob", Password: "bob-pw", Product: "wso2am-4.2.0", Channel: "security"}

	t.Run("connection address", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.MaxAddressFailures = 3 })
		f.do("POST", "/v1/token", "", bad("alice"))
		f.loginPair("bob", "wso2am-4.2.0", "security") // a success does not clear the address
		f.do("POST", "/v1/token", "", bad("mallory"))
		// A refused refresh counts too.
		if status, _, _ := f.refresh("stolen?"); status != 401 {
			t.Fatalf("bogus refresh: %d", status)
		}
		// X-Forwarded-For is not trusted by default.
		status, b, resp := f.do("POST", "/v1/token", "", good, "X-Forwarded-For", "198.51.100.1")
		if status != 429 || resp.Header.Get("Retry-After") != "60" ||
			!strings.Contains(errorOf(b), "too many failed logins from your address 127.0.0.1; try again in 60 seconds") {
			t.Fatalf("after 3 failures from one address: %d %s (Retry-After %q)", status, b, resp.Header.Get("Retry-After"))
		}
		if status, _, _ := f.refresh("x"); status != 429 {
			t.Errorf("refresh from a blocked address: %d, want 429", status)
		}
		f.clock.Add(30 * time.Second)
		if _, _, resp := f.do("POST", "/v1/token", "", good); resp.Header.Get("Retry-After") != "30" {
			t.Errorf("Retry-After halfway through the window = %q, want 30", resp.Header.Get("Retry-After"))
		}
		f.clock.Add(30 * time.Second)
		f.loginPair("bob", "wso2am-4.2.0", "security")
	})

	t.Run("trusted proxy header", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.MaxAddressFailures = 2; o.TrustProxyHeader = true })
		for _, user := range []string{"alice", "carol"} {
			f.do("POST", "/v1/token", "", bad(user), "X-Forwarded-For", "203.0.113.9, 198.51.100.1")
		}
		status, b, _ := f.do("POST", "/v1/token", "", good, "X-Forwarded-For", "198.51.100.1")
		if status != 429 || !strings.Contains(errorOf(b), "198.51.100.1") {
			t.Fatalf("blocked proxied address: %d %s", status, b)
		}
		if status, b, _ := f.do("POST", "/v1/token", "", good, "X-Forwarded-For", "198.51.100.1, 198.51.100.2"); status != 200 {
			t.Errorf("another proxied address: %d %s", status, b)
		}
	})

	t.Run("per user and per address", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.MaxLoginFailures = 2; o.MaxAddressFailures = 4 })
		f.do("POST", "/v1/token", "", bad("alice"))
		f.do("POST", "/v1/token", "", bad("alice"))
		status, b, _ := f.do("POST", "/v1/token", "", api.TokenRequest{Username: "alice", Password: "alice-pw", Product: "wso2am-4.2.0", Channel: "full"})
		if status != 429 || !strings.Contains(errorOf(b), "for user alice") {
			t.Fatalf("user limit first: %d %s", status, b)
		}
		f.do("POST", "/v1/token", "", bad("carol"))
		f.do("POST", "/v1/token", "", bad("mallory"))
		status, b, _ = f.do("POST", "/v1/token", "", good)
		if status != 429 || !strings.Contains(errorOf(b), "from your address") {
			t.Fatalf("then the address limit: %d %s", status, b)
		}
	})
}

func TestClientAddr(t *testing.T) {
	for _, tc := range []struct {
		remote, xff string
		trust       bool
		addr, key   string
	}{
		{"192.0.2.1:5555", "", false, "192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:5555", "198.51.100.1", false, "192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:5555", "198.51.100.7, 198.51.100.1", true, "198.51.100.1", "198.51.100.1"},
		{"192.0.2.1:5555", "garbage", true, "192.0.2.1", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:5555", "", false, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.1]:5555", "", false, "192.0.2.1", "192.0.2.1"},
		{"[fe80::1%eth0]:5555", "", false, "fe80::1", "fe80::/64"},
	} {
		s := &Server{trustProxy: tc.trust}
		r := httptest.NewRequest("POST", "/v1/token", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		addr := s.clientAddr(r)
		if addr != tc.addr || addrKey(addr) != tc.key {
			t.Errorf("%s (X-Forwarded-For %q, trusted %v): address %s, key %s; want %s, %s",
				tc.remote, tc.xff, tc.trust, addr, addrKey(addr), tc.addr, tc.key)
		}
	}
}

// auditLog returns the audit log as "action ok username product detail
// bytes" lines, after the admin events of the fixture.
func auditLog(t *testing.T, f *fixture, filter store.AuditFilter) []string {
	t.Helper()
	events, err := f.store.Audit(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range events {
		if e.Address != "127.0.0.1" || !e.Time.Equal(f.clock.Now()) {
			t.Errorf("event %+v: want address 127.0.0.1 and the time of the request", e)
		}
		lines = append(lines, fmt.Sprintf("%s %v %s %s %s %d", e.Action, e.OK, e.Username, e.Product, e.Detail, e.Bytes))
	}
	return lines
}

// TestAudit: logins, refreshes and downloads are recorded, never a
// password or a token; a failure to record does not stop serving.
func TestAudit(t *testing.T) {
	f := newFixture(t)
	f.do("POST", "/v1/token", "", api.TokenRequest{Username: "alice", Password: "wrong-pw", Product: "wso2am-4.2.0", Channel: "full"})
	f.do("POST", "/v1/token", "", api.TokenRequest{Username: "carol", Password: "carol-pw", Product: "wso2am-4.2.0", Channel: "full"})
	bob := f.loginPair("bob", "wso2am-4.2.0", "security")
	_, bob, _ = f.refresh(bob.RefreshToken)
	f.refresh("bogus")

	base, full := sum("base a"), sum("full only")
	if status, _, _ := f.do("GET", "/v1/blobs/"+base, bob.Token, nil); status != 200 {
		t.Fatalf("blob: %d", status)
	}
	if status, _, _ := f.do("GET", "/v1/blobs/"+base, bob.Token, nil, "Range", "bytes=2-"); status != 206 {
		t.Fatalf("blob range: %d", status)
	}
	f.do("HEAD", "/v1/blobs/"+base, bob.Token, nil)                               // no content sent: not recorded
	f.do("GET", "/v1/blobs/"+base, bob.Token, nil, "If-None-Match", `"`+base+`"`) // 304: not recorded
	f.do("GET", "/v1/blobs/"+full, bob.Token, nil)                                // not bob's: a refused download

	got := auditLog(t, f, store.AuditFilter{})
	want := []string{
		"login false alice wso2am-4.2.0 invalid username or password 0",
		"login false carol wso2am-4.2.0 user carol has no subscription for product wso2am-4.2.0 0",
		"login true bob wso2am-4.2.0 channel security 0",
		"refresh true bob wso2am-4.2.0 channel security 0",
		"refresh false   unknown refresh token 0",
		"download true bob wso2am-4.2.0 " + base + " 6",
		"download true bob wso2am-4.2.0 " + base + " 4",
		"download false bob wso2am-4.2.0 " + full + ": not visible to the token's product and channel 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := auditLog(t, f, store.AuditFilter{Username: "bob", Action: store.AuditRefresh}); len(got) != 1 {
		t.Errorf("bob's refreshes: %q", got)
	}
	for _, line := range got {
		for _, secret := range []string{"wrong-pw", "carol-pw", "bob-pw", bob.Token, bob.RefreshToken} {
			if strings.Contains(line, secret) {
				t.Errorf("the audit log holds a secret: %s", line)
			}
		}
	}

	// What the client chose is kept up to a bound, as valid UTF-8.
	long := strings.Repeat("é", 300)
	f.do("POST", "/v1/token", "", api.TokenRequest{Username: long, Password: "x", Product: "p", Channel: "full"})
	events, err := f.store.Audit(context.Background(), store.AuditFilter{Action: store.AuditLogin})
	if err != nil {
		t.Fatal(err)
	}
	if u := events[len(events)-1].Username; len(u) != 256 || !strings.HasPrefix(long, u) || !utf8.ValidString(u) {
		t.Errorf("a 600-byte username is recorded as %d bytes: %q", len(u), u)
	}

	// The audit log cannot be written: serving goes on, with a warning.
	db, err := sql.Open("sqlite", f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DROP TABLE audit"); err != nil {
		t.Fatal(err)
	}
	alice := f.loginPair("alice", "wso2am-4.2.0", "full")
	if status, _, _ := f.do("GET", "/v1/blobs/"+full, alice.Token, nil); status != 200 {
		t.Errorf("download without an audit log: %d", status)
	}
	if n := strings.Count(f.logs.String(), "cannot record an event in the audit log"); n != 2 {
		t.Errorf("%d warnings about the audit log, want 2:\n%s", n, f.logs.String())
	}
}
