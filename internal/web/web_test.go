package web

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"inplace/internal/store"
)

// wantIn fails unless body holds every one of want.
func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	failed := false
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
			failed = true
		}
	}
	if failed {
		t.Logf("%s:\n%s", what, body)
	}
}

// wantNotIn fails if body holds any of unwanted.
func wantNotIn(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s holds %q", what, w)
		}
	}
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
}

func TestLoggedOutGoesToLogin(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	for path, want := range map[string]string{
		"/":                                      "/login",
		"/products/wso2am-4.2.0?channel=full":    "/login?next=%2Fproducts%2Fwso2am-4.2.0%3Fchannel%3Dfull",
		"/products/wso2am-4.2.0/updates/1":       "/login?next=%2Fproducts%2Fwso2am-4.2.0%2Fupdates%2F1",
		"/search?q=x":                            "/login?next=%2Fsearch%3Fq%3Dx",
		"/admin/products/wso2am-4.2.0":           "/login?next=%2Fadmin%2Fproducts%2Fwso2am-4.2.0",
		"/products/no-such-product-1/updates/99": "/login?next=%2Fproducts%2Fno-such-product-1%2Fupdates%2F99",
	} {
		resp, _ := b.get(path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	resp, body := b.get("/login?next=%2Fsearch%3Fq%3Dx")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", resp.StatusCode)
	}
	wantIn(t, "login page", body, `<html lang="en">`, `<meta name="viewport"`, `<a class="skip" href="#main">`,
		`<label for="username">`, `<label for="password">`, `name="next" value="/search?q=x"`, `autocomplete="current-password"`)
	wantNotIn(t, "login page", body, "Log out")
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	b := f.browser()

	t.Run("wrong password", func(t *testing.T) {
		resp, body := b.post("/login", url.Values{"username": {"alice"}, "password": {"nope"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		wantIn(t, "refused login", body, "Wrong username or password", `value="alice"`, `role="alert"`,
			`aria-describedby="login-error"`)
		if b.cookie() != "" {
			t.Error("a refused login set a session cookie")
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		resp, body := b.post("/login", url.Values{"username": {"mallory"}, "password": {"x"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		wantIn(t, "refused login", body, "Wrong username or password", `value="mallory"`)
	})
	t.Run("dummy hash is no password", func(t *testing.T) {
		// Whatever the dummy hash hides, it opens no account.
		resp, _ := b.post("/login", url.Values{"username": {"nobody"}, "password": {""}})
		if resp.StatusCode == http.StatusSeeOther {
			t.Error("logged in without a password")
		}
	})
	t.Run("empty form", func(t *testing.T) {
		resp, body := b.post("/login", url.Values{})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
		wantIn(t, "empty login", body, "Enter your username and your password")
	})
	t.Run("ok", func(t *testing.T) {
		resp, _ := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("status %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == CookieName {
				ck = c
			}
		}
		if ck == nil {
			t.Fatal("no session cookie")
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over HTTP", ck)
		}
		if len(ck.Value) != 43 || ck.MaxAge != int(DefaultSessionTTL.Seconds()) {
			t.Errorf("cookie value %q (want 43 base64url characters), max age %d", ck.Value, ck.MaxAge)
		}
		sess, err := f.store.Session(context.Background(), sessionHash(ck.Value))
		if err != nil {
			t.Fatalf("the store has no session for the cookie: %v", err)
		}
		if sess.Username != "alice" || !sess.Expires.Equal(start.Add(DefaultSessionTTL)) {
			t.Errorf("session %+v", sess)
		}
		if _, err := f.store.Session(context.Background(), ck.Value); !errors.Is(err, store.ErrNotFound) {
			t.Error("the store keeps the cookie in clear")
		}
		resp, body := b.get("/")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / after login: %d", resp.StatusCode)
		}
		wantIn(t, "home", body, `<strong id="username-shown">alice</strong>`, `<a href="/products/wso2am-4.2.0">wso2am-4.2.0</a>`)
		wantNotIn(t, "home", body, "other-1.0", "(admin)")

		// The login form of a logged-in user sends them on.
		resp, _ = b.get("/login?next=/search")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/search" {
			t.Errorf("GET /login logged in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("a new login replaces the session", func(t *testing.T) {
		old := b.cookie()
		resp, _ := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if b.cookie() == old {
			t.Error("the session cookie did not change")
		}
		if _, err := f.store.Session(context.Background(), sessionHash(old)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the previous session is still stored (%v)", err)
		}
	})
	wantNotIn(t, "logs", f.logs.String(), "alice-pw", b.cookie())
}

func TestSecureCookie(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Secure = true; o.SessionTTL = time.Hour })
	resp, _ := f.browser().post("/login", url.Values{"username": {"bob"}, "password": {"bob-pw"}})
	for _, c := range resp.Cookies() {
		if c.Name == CookieName && (!c.Secure || c.MaxAge != 3600) {
			t.Errorf("cookie %+v: want Secure, an hour", c)
		}
	}
}

func TestSessionExpires(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SessionTTL = time.Hour })
	b := f.login("alice")
	f.clock.Add(59 * time.Minute)
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	f.clock.Add(time.Minute)
	resp, _ := b.get("/products/wso2am-4.2.0")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Errorf("after expiry: %d to %q, want the login form", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginLimited(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	bad := url.Values{"username": {"alice"}, "password": {"wrong"}}
	for i := range maxLoginFailures {
		if resp, _ := b.post("/login", bad); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, body := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Errorf("after %d failures: status %d, Retry-After %q; want 429, 60", maxLoginFailures,
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	wantIn(t, "limited login", body, "Too many failed logins for this username. Wait 60 seconds", `value="alice"`)

	// Other usernames are not held back.
	if resp, _ := f.browser().post("/login", url.Values{"username": {"bob"}, "password": {"bob-pw"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("bob: status %d, want 303", resp.StatusCode)
	}
	f.clock.Add(loginWindow)
	if resp, _ := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: status %d, want 303", resp.StatusCode)
	}
}

func TestLoginNext(t *testing.T) {
	f := newFixture(t)
	for next, want := range map[string]string{
		"/products/wso2am-4.2.0/updates/2": "/products/wso2am-4.2.0/updates/2",
		"/search?q=SEC-7":                  "/search?q=SEC-7",
		"":                                 "/",
		"//evil.example":                   "/",
		"//evil.example/path":              "/",
		"/\\evil.example":                  "/",
		"/\t/evil.example":                 "/",
		"/\n/evil.example":                 "/",
		"https://evil.example/":            "/",
		"javascript:alert(1)":              "/",
		"evil.example":                     "/",
		"/login":                           "/",
		"/logout":                          "/",
		"/%2F%2Fevil.example":              "/%2F%2Fevil.example", // a path on this site
	} {
		resp, _ := f.browser().post("/login", url.Values{"username": {"carol"}, "password": {"carol-pw"}, "next": {next}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("next %q: %d to %q, want 303 to %q", next, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	// The form carries next only when it is safe.
	_, body := f.browser().get("/login?next=%2F%2Fevil.example")
	wantIn(t, "login form", body, `name="next" value="/"`)
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	b := f.login("alice")
	cookie := b.cookie()
	resp, _ := b.post("/logout", url.Values{"csrf": {b.csrf()}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if b.cookie() != "" {
		t.Error("the cookie was not cleared")
	}
	if _, err := f.store.Session(context.Background(), sessionHash(cookie)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session is still stored (%v)", err)
	}
	// The old cookie, replayed, opens nothing.
	replay := f.browser()
	u, _ := url.Parse(f.srv.URL)
	replay.client.Jar.SetCookies(u, []*http.Cookie{{Name: CookieName, Value: cookie}})
	if resp, _ := replay.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with the old cookie: %d, want 303 to the login form", resp.StatusCode)
	}
	// Logging out without a session leads to the login form.
	if resp, _ := f.browser().post("/logout", url.Values{}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("logout logged out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	b := f.login("alice")
	other := f.login("bob")
	for name, form := range map[string]url.Values{
		"no token":                nil,
		"empty token":             {"csrf": {""}},
		"wrong token":             {"csrf": {strings.Repeat("0", 64)}},
		"another session's token": {"csrf": {other.csrf()}},
		"the session hash":        {"csrf": {sessionHash(b.cookie())}},
	} {
		resp, body := b.post("/logout", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
		wantIn(t, name, body, "This form was not sent from a page of your current login")
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Errorf("refused logouts ended the session: %d", resp.StatusCode)
	}
	// A form another site makes the browser send is refused outright,
	// the login form's included.
	resp, body := f.browser().post("/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}},
		"Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login: status %d, want 403", resp.StatusCode)
	}
	wantIn(t, "cross-site login", body, "sent from another site")
	resp, _ = b.post("/logout", url.Values{"csrf": {b.csrf()}}, "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin logout: status %d, want 403", resp.StatusCode)
	}
}

func TestOversizedForm(t *testing.T) {
	f := newFixture(t)
	big := url.Values{"username": {"alice"}, "password": {strings.Repeat("x", maxFormBody)}}
	resp, body := f.browser().post("/login", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /login of %d bytes: status %d, want 413", len(big.Encode()), resp.StatusCode)
	}
	wantIn(t, "413 page", body, "at most 64 KiB")

	// Without a Content-Length, the limit still holds.
	b := f.login("alice")
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/logout",
		struct{ *strings.Reader }{strings.NewReader("csrf=" + b.csrf() + "&pad=" + strings.Repeat("y", maxFormBody))})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = -1
	if resp, _ := b.do(req); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked POST /logout: status %d, want 413", resp.StatusCode)
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Errorf("the refused logout ended the session: %d", resp.StatusCode)
	}
	// Just under the limit is read.
	ok := url.Values{"username": {"alice"}, "password": {"alice-pw"}, "pad": {strings.Repeat("z", maxFormBody-100)}}
	if resp, _ := f.browser().post("/login", ok); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /login of %d bytes: status %d, want 303", len(ok.Encode()), resp.StatusCode)
	}
}

func TestHomeAdmin(t *testing.T) {
	f := newFixture(t)
	_, body := f.login("root").get("/")
	wantIn(t, "admin home", body, "(admin)", `href="/products/wso2am-4.2.0"`, `href="/products/other-1.0"`,
		`href="/admin/products/wso2am-4.2.0"`, "3 updates; newest level: 2024-04-20 16:45:00 UTC")
	_, body = f.login("bob").get("/")
	wantIn(t, "bob's home", body, "Your subscription receives security updates only")
}

// rows returns the text of the rows of the table with this id, tags
// removed.
func rows(body, id string) []string {
	i := strings.Index(body, `<table id="`+id+`"`)
	if i < 0 {
		return nil
	}
	table := body[i:]
	table = table[:strings.Index(table, "</table>")]
	tbody := table[strings.Index(table, "<tbody>"):]
	var out []string
	tag := regexp.MustCompile(`<[^>]*>`)
	for _, tr := range strings.Split(tbody, "<tr")[1:] {
		out = append(out, html.UnescapeString(strings.Join(strings.Fields(tag.ReplaceAllString("<tr"+tr, " ")), " ")))
	}
	return out
}

func TestProductPage(t *testing.T) {
	f := newFixture(t)
	alice := f.login("alice")
	_, body := alice.get("/products/wso2am-4.2.0")
	got := rows(body, "updates")
	want := []string{
		"Update 3 2024-04-20 16:45:00 UTC No Faster start-up <script>alert(1)</script> APIM-202",
		"Update 2 2024-04-10 09:30:00 UTC Security Escape the user name on the login page SEC-7",
		"Update 1 2024-04-01 10:00:00 UTC No Fixes the login page redirect APIM-101",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantIn(t, "product page", body, `<a href="/products/wso2am-4.2.0/updates/3">Update 3</a>`,
		"&lt;script&gt;", `aria-current="page">All updates`, `href="/products/wso2am-4.2.0?channel=security"`, "<caption>3 updates of wso2am-4.2.0")
	wantNotIn(t, "product page", body, "<script>", "Installations of this product")

	_, body = alice.get("/products/wso2am-4.2.0?channel=security")
	if got := rows(body, "updates"); len(got) != 1 || !strings.HasPrefix(got[0], "Update 2 ") {
		t.Errorf("security channel: %q", got)
	}
	wantIn(t, "security channel", body, `aria-current="page">Security updates only`)

	_, body = f.login("bob").get("/products/wso2am-4.2.0")
	if got := rows(body, "updates"); len(got) != 1 || !strings.HasPrefix(got[0], "Update 2 ") {
		t.Errorf("bob's timeline: %q", got)
	}
	wantIn(t, "bob's product page", body, "Your subscription receives security updates only")
	wantNotIn(t, "bob's product page", body, "channel=full", "APIM-")

	_, body = f.login("root").get("/products/wso2am-4.2.0")
	wantIn(t, "admin's product page", body, `href="/admin/products/wso2am-4.2.0"`)

	resp, body := alice.get("/products/wso2am-4.2.0?channel=nightly")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("channel=nightly: %d, want 400", resp.StatusCode)
	}
	wantIn(t, "bad channel", body, "The channel must be full or security")
}

func TestUpdatePage(t *testing.T) {
	f := newFixture(t)
	alice := f.login("alice")
	resp, body := alice.get("/products/wso2am-4.2.0/updates/1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantIn(t, "update 1", body,
		"<h1>wso2am-4.2.0 update 1</h1>",
		`<dd id="level">2024-04-01 10:00:00 UTC`,
		`<dd id="security">No</dd>`,
		"Fixes the login page redirect\n\nThe login page lost the query string after a failed login.",
		"<pre id=\"instructions\">Restart the server after updating:\n  ./bin/run.sh restart\n</pre>",
		`<th scope="row" class="nowrap">APIM-101</th><td>Login redirect loses the query string</td>`,
		`<code>lib/full.jar</code></th><td class="nowrap">2.9 KiB (3000 bytes)</td>`,
		`<code>a.txt</code></th><td class="nowrap">4 bytes</td>`,
		`<a href="/products/wso2am-4.2.0">wso2am-4.2.0</a>`)

	_, body = alice.get("/products/wso2am-4.2.0/updates/2")
	wantIn(t, "update 2", body, `<span class="badge">Security update</span>`, `<code>conf/x.toml</code></th><td class="nowrap">removed</td>`,
		"Cross-site scripting in the login page")
	wantNotIn(t, "update 2", body, `id="instructions"`)

	_, body = alice.get("/products/wso2am-4.2.0/updates/3")
	wantIn(t, "update 3", body, "Faster start-up &lt;script&gt;alert(1)&lt;/script&gt;")
	wantNotIn(t, "update 3", body, "<script>")
}

func TestSearch(t *testing.T) {
	f := newFixture(t)
	alice := f.login("alice")
	hits := regexp.MustCompile(`<h3><a href="([^"]+)">`)
	search := func(b *browser, q string) []string {
		t.Helper()
		resp, body := b.get("/search?" + url.Values{"q": {q}}.Encode())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("search %q: %d", q, resp.StatusCode)
		}
		var out []string
		for _, m := range hits.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, tt := range []struct{ q, want string }{
		{"query STRING", "/products/wso2am-4.2.0/updates/1"},         // description and a bug summary, any case
		{"run.sh restart", "/products/wso2am-4.2.0/updates/1"},       // instructions
		{"cross-site scripting", "/products/wso2am-4.2.0/updates/2"}, // bug summary
		{"sec-7", "/products/wso2am-4.2.0/updates/2"},                // bug id, any case
		{"APIM-1", ""}, // a bug id matches whole only
		{"full.jar", "/products/wso2am-4.2.0/updates/1"},                                    // file path
		{"conf/x.toml", "/products/wso2am-4.2.0/updates/2"},                                 // a removed file
		{"login page", "/products/wso2am-4.2.0/updates/2 /products/wso2am-4.2.0/updates/1"}, // newest first
		{"OTH-9", ""}, // another customer's product
		{"<script>", "/products/wso2am-4.2.0/updates/3"},
		{"nothing like this", ""},
	} {
		if got := strings.Join(search(alice, tt.q), " "); got != tt.want {
			t.Errorf("search %q: %q, want %q", tt.q, got, tt.want)
		}
	}
	_, body := alice.get("/search?q=sec-7")
	wantIn(t, "results", body, "1 update matches “sec-7”", "fixes bug SEC-7", `value="sec-7"`, `<label for="q">`)
	_, body = alice.get("/search?q=full.jar")
	wantIn(t, "results", body, "file lib/full.jar")
	_, body = alice.get("/search?q=nothing+like+this")
	wantIn(t, "no results", body, "0 updates match", "No update you receive matches")
	_, body = alice.get("/search")
	wantIn(t, "empty search", body, `<form class="inline" method="get" action="/search" role="search">`)
	wantNotIn(t, "empty search", body, "results-heading")
	_, body = alice.get("/search?q=%3Cscript%3E")
	wantNotIn(t, "search for <script>", body, "<script>")
	if resp, _ := alice.get("/search?q=" + strings.Repeat("a", maxQuery+1)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("overlong search: %d, want 400", resp.StatusCode)
	}
}

func TestAdminPage(t *testing.T) {
	f := newFixture(t)
	root := f.login("root")
	resp, body := root.get("/admin/products/wso2am-4.2.0")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := []string{
		"inst-a alice full update 3 (2024-04-20 16:45:00 UTC) updated 2024-04-29 09:00:00 UTC",
		"inst-b bob security update 2 (2024-04-10 09:30:00 UTC) updated 2024-04-28 09:00:00 UTC",
		"inst-c alice full update 1 (2024-04-01 10:00:00 UTC) conflicts 2024-04-27 09:00:00 UTC",
	}
	if got := rows(body, "installations"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("installations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	want = []string{
		"update 3 (2024-04-20 16:45:00 UTC) 1 33%",
		"update 2 (2024-04-10 09:30:00 UTC) 1 33%",
		"update 1 (2024-04-01 10:00:00 UTC) 1 33%",
	}
	if got := rows(body, "levels"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("levels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantIn(t, "admin page", body,
		`<svg class="chart" id="levels-chart" viewBox="0 0 640 260" role="img" aria-labelledby="chart-title chart-desc"`,
		`<title id="chart-title">Installations on each level, by day</title>`,
		"one per day from 2024-04-24 to 2024-05-01 (UTC)",
		`<label for="missing">`)
	chart := rows(body, "chart-data")
	if len(chart) != 8 || chart[0] != "2024-04-24 0 0 0 1 1" || chart[4] != "2024-04-28 0 1 2 0 3" || chart[7] != "2024-05-01 1 1 1 0 3" {
		t.Errorf("chart data:\n%s", strings.Join(chart, "\n"))
	}

	for _, tt := range []struct {
		missing string
		want    []string
		msg     string
	}{
		{"2", []string{"inst-c alice full update 1 (2024-04-01 10:00:00 UTC) 2024-04-27 09:00:00 UTC"}, "1 installation below the level of update 2"},
		{"3", []string{"inst-c alice full update 1 (2024-04-01 10:00:00 UTC) 2024-04-27 09:00:00 UTC"}, "installations on the security channel are left out"},
		{"1", nil, "Every installation that receives update 1 is at its level or newer"},
		{"99", nil, "wso2am-4.2.0 has no update 99."},
		{"abc", nil, "Enter the number of an update"},
		{"0", nil, "Enter the number of an update"},
	} {
		_, body := root.get("/admin/products/wso2am-4.2.0?missing=" + tt.missing)
		if got := rows(body, "missing-installations"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("missing=%s: %q, want %q", tt.missing, got, tt.want)
		}
		wantIn(t, "missing="+tt.missing, body, tt.msg)
	}

	_, body = root.get("/admin/products/other-1.0")
	wantIn(t, "admin page without reports", body, "No installation of this product has reported yet")
	wantNotIn(t, "admin page without reports", body, "<svg class=\"chart\"")
}

func TestStaticAndHeaders(t *testing.T) {
	f := newFixture(t)
	resp, body := f.browser().get("/static/catalog.css")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("catalog.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantIn(t, "catalog.css", body, ":focus-visible", ".table-wrap { overflow-x: auto;")
	resp, _ = f.login("alice").get("/")
	for h, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	resp, body = f.login("alice").get("/no/such/page")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
	wantIn(t, "404 page", body, "Page not found", `<a href="/">Go to your products</a>`)
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b?c=d#e": "/a/b?c=d#e",
		"/":          "/",
		"/é":         "/é",
		"//x":        "/",
		"/\\x":       "/",
		"/a\\b":      "/",
		"/a b":       "/",
		"/a\x7fb":    "/",
		"http:/x":    "/",
		"/login?x":   "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLevelsOverTime(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2024, 1, d, h, 0, 0, 0, time.UTC) }
	reports := []store.Report{
		{Installation: "a", Level: 0, Time: day(1, 10)},
		{Installation: "b", Level: 0, Time: day(1, 11)},
		{Installation: "a", Level: 5, Time: day(1, 23)},
		{Installation: "b", Level: 7, Time: day(3, 0)},
	}
	ls := levelsOverTime(reports, day(4, 12), 30)
	if len(ls.Days) != 4 || !ls.Days[0].Equal(day(1, 0)) {
		t.Fatalf("days %v", ls.Days)
	}
	want := []map[int64]int{{0: 1, 5: 1}, {0: 1, 5: 1}, {5: 1, 7: 1}, {5: 1, 7: 1}}
	for i := range want {
		if len(ls.Counts[i]) != len(want[i]) {
			t.Errorf("day %d: %v, want %v", i, ls.Counts[i], want[i])
		}
		for k, v := range want[i] {
			if ls.Counts[i][k] != v {
				t.Errorf("day %d: %v, want %v", i, ls.Counts[i], want[i])
			}
		}
	}
	if len(ls.Levels) != 3 {
		t.Errorf("levels %v", ls.Levels)
	}
	// The window keeps the state reported before it.
	ls = levelsOverTime(reports, day(20, 0), 2)
	if len(ls.Days) != 2 || ls.Counts[0][5] != 1 || ls.Counts[0][7] != 1 {
		t.Errorf("window: %v %v", ls.Days, ls.Counts)
	}
	if ls := levelsOverTime(nil, day(1, 0), 30); len(ls.Days) != 0 || buildChart(ls, nil) != nil {
		t.Error("a chart without reports")
	}
}

func TestChartGroupsOlderLevels(t *testing.T) {
	var reports []store.Report
	for i := range 12 {
		reports = append(reports, store.Report{Installation: string(rune('a' + i)), Level: int64(i + 1),
			Time: time.Date(2024, 1, 1, i, 0, 0, 0, time.UTC)})
	}
	ch := buildChart(levelsOverTime(reports, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), 30), levelNamer{})
	if len(ch.Legend) != maxSeries || ch.Legend[maxSeries-1].Label != "older levels" {
		t.Fatalf("legend %+v", ch.Legend)
	}
	last := ch.Table.Rows[len(ch.Table.Rows)-1]
	if last.Total != 12 || last.Counts[maxSeries-1] != 12-(maxSeries-1) {
		t.Errorf("last day %+v", last)
	}
	seen := map[string]bool{}
	for _, l := range ch.Legend {
		if seen[l.Fill] {
			t.Errorf("colour %s used twice", l.Fill)
		}
		seen[l.Fill] = true
	}
}
