package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthorization asks every page as every account: alice (wso2am, full
// channel), bob (wso2am, security channel), carol (other, full channel),
// root (an admin) and nobody (logged out). What a user may not see answers
// 404, exactly like what does not exist.
func TestAuthorization(t *testing.T) {
	f := newFixture(t)
	users := []string{"alice", "bob", "carol", "root"}
	browsers := map[string]*browser{"": f.browser()}
	for _, u := range users {
		browsers[u] = f.login(u)
	}
	const (
		ok  = http.StatusOK
		nf  = http.StatusNotFound
		bad = http.StatusBadRequest
	)
	type want struct{ alice, bob, carol, root int }
	all := func(s int) want { return want{s, s, s, s} }
	for _, tt := range []struct {
		path string
		want want
	}{
		{"/", all(ok)},
		{"/search", all(ok)},
		{"/search?q=login", all(ok)},

		{"/products/wso2am-4.2.0", want{ok, ok, nf, ok}},
		{"/products/wso2am-4.2.0?channel=full", want{ok, nf, nf, ok}},
		{"/products/wso2am-4.2.0?channel=security", want{ok, ok, nf, ok}},
		{"/products/wso2am-4.2.0?channel=nightly", want{bad, bad, nf, bad}},
		{"/products/other-1.0", want{nf, nf, ok, ok}},
		{"/products/other-1.0?channel=security", want{nf, nf, ok, ok}},
		{"/products/no-such-1.0", all(nf)},
		{"/products/wso2am", all(nf)},

		{"/products/wso2am-4.2.0/updates/1", want{ok, nf, nf, ok}}, // full only
		{"/products/wso2am-4.2.0/updates/2", want{ok, ok, nf, ok}}, // security
		{"/products/wso2am-4.2.0/updates/3", want{ok, nf, nf, ok}}, // full only
		{"/products/wso2am-4.2.0/updates/4", all(nf)},
		{"/products/wso2am-4.2.0/updates/0", all(nf)},
		{"/products/wso2am-4.2.0/updates/-1", all(nf)},
		{"/products/wso2am-4.2.0/updates/two", all(nf)},
		{"/products/wso2am-4.2.0/updates/99999999999999999999", all(nf)},
		{"/products/other-1.0/updates/1", want{nf, nf, ok, ok}},
		{"/products/no-such-1.0/updates/1", all(nf)},

		{"/admin/products/wso2am-4.2.0", want{nf, nf, nf, ok}},
		{"/admin/products/wso2am-4.2.0?missing=2", want{nf, nf, nf, ok}},
		{"/admin/products/other-1.0", want{nf, nf, nf, ok}},
		{"/admin/products/no-such-1.0", all(nf)},
		{"/admin", all(nf)},
		{"/admin/products", all(nf)},
	} {
		for _, u := range users {
			status := map[string]int{"alice": tt.want.alice, "bob": tt.want.bob, "carol": tt.want.carol, "root": tt.want.root}[u]
			resp, body := browsers[u].get(tt.path)
			if resp.StatusCode != status {
				t.Errorf("%s GET %s: %d, want %d", u, tt.path, resp.StatusCode, status)
			}
			if status == nf && !strings.Contains(body, "There is no such page, or your account may not see it.") {
				t.Errorf("%s GET %s: not the 404 page:\n%s", u, tt.path, body)
			}
		}
		if strings.HasPrefix(tt.path, "/admin/products/") || strings.HasPrefix(tt.path, "/products/") || tt.path == "/" ||
			strings.HasPrefix(tt.path, "/search") {
			resp, _ := browsers[""].get(tt.path)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("logged out GET %s: %d to %q, want 303 to the login form", tt.path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
}

// TestNotFoundRevealsNothing compares, byte for byte, the answer for what
// exists but may not be seen with the answer for what does not exist.
func TestNotFoundRevealsNothing(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ user, hidden, missing string }{
		{"alice", "/products/other-1.0", "/products/no-such-1.0"},
		{"alice", "/products/other-1.0/updates/1", "/products/no-such-1.0/updates/1"},
		{"bob", "/products/wso2am-4.2.0/updates/1", "/products/wso2am-4.2.0/updates/99"},
		{"bob", "/products/wso2am-4.2.0?channel=full", "/products/no-such-1.0?channel=full"},
		{"carol", "/admin/products/other-1.0", "/admin/products/no-such-1.0"},
		{"alice", "/admin/products/wso2am-4.2.0", "/admin/products/no-such-1.0"},
	} {
		b := f.login(tt.user)
		r1, hidden := b.get(tt.hidden)
		r2, missing := b.get(tt.missing)
		if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound || hidden != missing {
			t.Errorf("%s: %s (%d) and %s (%d) differ", tt.user, tt.hidden, r1.StatusCode, tt.missing, r2.StatusCode)
		}
	}
}

// TestSearchSeesOnlyWhatTheUserMay checks that search finds nothing
// outside the user's products and channel.
func TestSearchSeesOnlyWhatTheUserMay(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		user, q string
		hits    []string
	}{
		{"alice", "OTH-9", nil},
		{"alice", "special.txt", nil},
		{"alice", "Other product", nil},
		{"carol", "OTH-9", []string{"/products/other-1.0/updates/1"}},
		{"carol", "SEC-7", nil},
		{"carol", "login", nil},
		{"bob", "APIM-101", nil},
		{"bob", "full.jar", nil},
		{"bob", "start-up", nil},
		{"bob", "SEC-7", []string{"/products/wso2am-4.2.0/updates/2"}},
		{"bob", "login", []string{"/products/wso2am-4.2.0/updates/2"}},
		{"root", "OTH-9", []string{"/products/other-1.0/updates/1"}},
		{"root", "APIM-101", []string{"/products/wso2am-4.2.0/updates/1"}},
		{"root", "t", []string{ // every update
			"/products/other-1.0/updates/1", "/products/wso2am-4.2.0/updates/3",
			"/products/wso2am-4.2.0/updates/2", "/products/wso2am-4.2.0/updates/1"}},
	} {
		_, body := f.login(tt.user).get("/search?" + url.Values{"q": {tt.q}}.Encode())
		var got []string
		for _, part := range strings.Split(body, `<h3><a href="`)[1:] {
			got = append(got, part[:strings.Index(part, `"`)])
		}
		if strings.Join(got, " ") != strings.Join(tt.hits, " ") {
			t.Errorf("%s searching %q: %q, want %q", tt.user, tt.q, got, tt.hits)
		}
		if len(tt.hits) == 0 && strings.Contains(body, "other-1.0") && tt.user != "carol" && tt.user != "root" {
			t.Errorf("%s searching %q: the page names other-1.0", tt.user, tt.q)
		}
	}
}
