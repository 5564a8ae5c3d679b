package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/blob/dir"
	"inplace/internal/publish"
	"inplace/internal/store"
	"inplace/internal/store/sqlite"
)

// clock is a settable time source, safe for the server's goroutines.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// The fixture's products, levels and accounts.
const (
	wso2am = "wso2am-4.2.0"
	other  = "other-1.0"
)

var (
	start = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	// Levels of wso2am's updates 1 (full), 2 (security), 3 (full) and of
	// other's update 1.
	level1      = time.Date(2024, 4, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	level2      = time.Date(2024, 4, 10, 9, 30, 0, 0, time.UTC).UnixMilli()
	level3      = time.Date(2024, 4, 20, 16, 45, 0, 0, time.UTC).UnixMilli()
	otherLevel1 = time.Date(2024, 4, 5, 8, 0, 0, 0, time.UTC).UnixMilli()

	passwords = map[string]string{"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "root": "root-pw"}
)

// longPath is a file of update 3 long enough to overflow a phone's width.
const longPath = "repository/components/plugins/org.wso2.carbon.identity.application.authentication.framework_5.25.0.jar"

type fixture struct {
	t       *testing.T
	srv     *httptest.Server
	clock   *clock
	store   store.Store
	catalog *Catalog
	logs    *strings.Builder
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		file := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// newFixture fills a SQLite store through package publish with two
// products, their updates, four accounts (alice: wso2am, full channel;
// bob: wso2am, security channel; carol: other, full channel; root: an
// admin) and the reports of three installations of wso2am, and serves the
// catalog over it.
func newFixture(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(root, "inplace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bs, err := dir.New(filepath.Join(root, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: start}
	pub := &publish.Publisher{Store: st, Blobs: bs, Now: clk.Now, PasswordCost: bcrypt.MinCost}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = pub.AddProduct(ctx, "wso2am", "4.2.0", writeFiles(t, map[string]string{
		"a.txt": "base a", "conf/x.toml": "x = 1", "bin/run.sh": "run",
	}))
	must(err)
	_, err = pub.AddProduct(ctx, "other", "1.0", writeFiles(t, map[string]string{"other.txt": "other bytes"}))
	must(err)
	for _, u := range []struct {
		product string
		ts      int64
		files   map[string]string
	}{
		{wso2am, level1, map[string]string{
			"update.yaml": `description: |
  Fixes the login page redirect

  The login page lost the query string after a failed login.
instructions: |
  Restart the server after updating:
    ./bin/run.sh restart
bug_fixes:
  APIM-101: "Login redirect loses the query string"
`,
			"files/a.txt": "a v1", "files/lib/full.jar": strings.Repeat("full only ", 300)}},
		{wso2am, level2, map[string]string{
			"update.yaml": `description: "Escape the user name on the login page"
security: true
bug_fixes:
  SEC-7: "Cross-site scripting in the login page"
removed_files: [conf/x.toml]
`,
			"files/lib/sec.jar": "sec"}},
		{wso2am, level3, map[string]string{
			"update.yaml": `description: "Faster start-up <script>alert(1)</script>"
bug_fixes:
  APIM-202: "Start-up scans every jar twice"
`,
			"files/a.txt": "a v3", "files/" + longPath: "plugin"}},
		{other, otherLevel1, map[string]string{
			"update.yaml": `description: "Other product fix"
bug_fixes:
  OTH-9: "Other bug in the exporter"
`,
			"files/other/special.txt": "special"}},
	} {
		_, err := pub.PublishUpdate(ctx, publish.UpdateOptions{Product: u.product, Source: writeFiles(t, u.files), Timestamp: u.ts})
		must(err)
	}
	must(pub.AddUser(ctx, "alice", passwords["alice"], wso2am, api.ChannelFull))
	must(pub.AddUser(ctx, "bob", passwords["bob"], wso2am, api.ChannelSecurity))
	must(pub.AddUser(ctx, "carol", passwords["carol"], other, api.ChannelFull))
	hash, err := bcrypt.GenerateFromPassword([]byte(passwords["root"]), bcrypt.MinCost)
	must(err)
	must(st.AddUser(ctx, store.User{Username: "root", PasswordHash: string(hash), Created: start, Admin: true}))

	day := func(d int, hour int) time.Time { return time.Date(2024, 4, 24+d, hour, 0, 0, 0, time.UTC) }
	for _, r := range []store.Report{
		{Installation: "inst-a", Username: "alice", Channel: api.ChannelFull, Level: 0, Result: store.ResultCurrent, Time: day(0, 9)},
		{Installation: "inst-b", Username: "bob", Channel: api.ChannelSecurity, Level: 0, Result: store.ResultCurrent, Time: day(1, 9)},
		{Installation: "inst-a", Username: "alice", Channel: api.ChannelFull, Level: level1, Result: store.ResultUpdated, Time: day(2, 9)},
		{Installation: "inst-c", Username: "alice", Channel: api.ChannelFull, Level: level1, Result: store.ResultConflicts, Time: day(3, 9)},
		{Installation: "inst-b", Username: "bob", Channel: api.ChannelSecurity, Level: level2, Result: store.ResultUpdated, Time: day(4, 9)},
		{Installation: "inst-a", Username: "alice", Channel: api.ChannelFull, Level: level3, Result: store.ResultUpdated, Time: day(5, 9)},
	} {
		r.Product = wso2am
		must(st.AddReport(ctx, r))
	}

	logs := &strings.Builder{}
	o := Options{Store: st, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil))}
	for _, f := range opts {
		f(&o)
	}
	c, err := New(o)
	must(err)
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &fixture{t: t, srv: srv, clock: clk, store: st, catalog: c, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see them.
type browser struct {
	f      *fixture
	client *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login returns a browser logged in as user.
func (f *fixture) login(user string) *browser {
	f.t.Helper()
	b := f.browser()
	resp, body := b.post("/login", url.Values{"username": {user}, "password": {passwords[user]}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		f.t.Fatalf("log in as %s: %d %s %s", user, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return b
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.f.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.f.t.Fatal(err)
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	if err != nil {
		b.f.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, header ...string) (*http.Response, string) {
	b.f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf returns the CSRF token of the browser's session, read from a page.
func (b *browser) csrf() string {
	b.f.t.Helper()
	_, body := b.get("/")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.f.t.Fatalf("no CSRF token on the home page:\n%s", body)
	}
	return m[1]
}

// cookie returns the session cookie the browser holds, or "".
func (b *browser) cookie() string {
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == CookieName {
			return c.Value
		}
	}
	return ""
}
