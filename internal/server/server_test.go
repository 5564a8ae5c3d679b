package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/blob"
	"inplace/internal/blob/dir"
	"inplace/internal/publish"
	"inplace/internal/store"
	"inplace/internal/store/sqlite"
	"inplace/internal/testenv"
)

// clock is a settable time source.
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

// fixture is a server on a real SQLite store and blob folder, holding:
//
//	wso2am-4.2.0: base a.txt, conf/x.toml, bin/run.sh, lib/l -> ../a.txt;
//	  update 1 @1000 (full): a.txt "a v1", lib/full.jar
//	  update 2 @2000 (security): lib/sec.jar, removes conf/x.toml
//	  update 3 @3000 (full): a.txt "a v3"
//	other-1.0: base other.txt
//	users alice (full, wso2am), bob (security, wso2am), carol (full, other-1.0)
//	tool releases v1.2.0, v1.10.0-rc.1, v1.10.0 for linux/amd64
type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	clock  *clock
	logs   *syncBuffer
	store  store.Store
	blobs  blob.Store
	db     string // the database file; "" when the store is not SQLite
	server *Server
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		file := filepath.Join(root, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(file), 0o755)
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, file); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func newFixture(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	root := t.TempDir()
	db := filepath.Join(root, "inplace.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bs, err := dir.New(filepath.Join(root, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, st, bs, opts...)
	f.db = db
	return f
}

// newFixtureOn fills the stores st and bs with the fixture's products,
// updates, users and tools, and serves them.
func newFixtureOn(t *testing.T, st store.Store, bs blob.Store, opts ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	var err error
	clk := &clock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	pub := &publish.Publisher{Store: st, Blobs: bs, Now: clk.Now, PasswordCost: bcrypt.MinCost}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = pub.AddProduct(ctx, "wso2am", "4.2.0", writeFiles(t, map[string]string{
		"a.txt": "base a", "conf/x.toml": "x = 1", "bin/run.sh": "run", "lib/l": "->../a.txt",
	}))
	must(err)
	_, err = pub.AddProduct(ctx, "other", "1.0", writeFiles(t, map[string]string{"other.txt": "other bytes"}))
	must(err)
	updates := []struct {
		ts       int64
		security bool
		files    map[string]string
	}{
		{1000, false, map[string]string{"update.yaml": "description: one\n", "files/a.txt": "a v1", "files/lib/full.jar": "full only"}},
		{2000, true, map[string]string{"update.yaml": "description: two\nremoved_files: [conf/x.toml]\n", "files/lib/sec.jar": "sec"}},
		{3000, false, map[string]string{"update.yaml": "description: three\n", "files/a.txt": "a v3"}},
	}
	for _, u := range updates {
		_, err := pub.PublishUpdate(ctx, publish.UpdateOptions{Product: "wso2am-4.2.0", Source: writeFiles(t, u.files),
			Timestamp: u.ts, Security: u.security})
		must(err)
	}
	must(pub.AddUser(ctx, "alice", "alice-pw", "wso2am-4.2.0", api.ChannelFull))
	must(pub.AddUser(ctx, "bob", "bob-pw", "wso2am-4.2.0", api.ChannelSecurity))
	must(pub.AddUser(ctx, "carol", "carol-pw", "other-1.0", api.ChannelFull))
	for _, v := range []string{"1.2.0", "1.10.0-rc.1", "1.10.0"} {
		bin := filepath.Join(t.TempDir(), "update_linux")
		os.WriteFile(bin, []byte("tool "+v), 0o755)
		_, err := pub.PublishTool(ctx, v, "linux", "amd64", bin)
		must(err)
	}

	logs := &syncBuffer{}
	o := Options{Store: st, Blobs: bs, Now: clk.Now, TokenTTL: time.Hour,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	for _, f := range opts {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{t: t, srv: srv, clock: clk, logs: logs, store: st, blobs: bs, server: s}
}

// do sends a request and returns the status, the body and the response.
func (f *fixture) do(method, path, token string, body any, header ...string) (int, []byte, *http.Response) {
	f.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified && method != http.MethodHead {
		var e api.Error
		if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
			f.t.Errorf("%s %s: status %d with a body that is not an api.Error: %q", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, b, resp
}

func errorOf(b []byte) string {
	var e api.Error
	json.Unmarshal(b, &e)
	return e.Error
}

// login returns a token or fails the test.
func (f *fixture) login(user, product, channel string) string {
	f.t.Helper()
	status, b, _ := f.do("POST", "/v1/token", "", api.TokenRequest{Username: user, Password: user + "-pw", Product: product, Channel: channel})
	if status != http.StatusOK {
		f.t.Fatalf("login %s %s %s: %d %s", user, product, channel, status, b)
	}
	var tr api.TokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		f.t.Fatal(err)
	}
	return tr.Token
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	req := func(user, pw, product, channel string) api.TokenRequest {
		return api.TokenRequest{Username: user, Password: pw, Product: product, Channel: channel}
	}
	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"not JSON", "{username:", 400, "not valid JSON"},
		{"two values", `{"username":"a"} {}`, 400, "not valid JSON"},
		{"missing password", req("alice", "", "wso2am-4.2.0", "full"), 400, "password"},
		{"missing channel", req("alice", "alice-pw", "wso2am-4.2.0", ""), 400, "channel"},
		{"unknown user", req("mallory", "x", "wso2am-4.2.0", "full"), 401, "invalid username or password"},
		{"wrong password", req("alice", "nope", "wso2am-4.2.0", "full"), 401, "invalid username or password"},
		{"credentials before product", req("alice", "nope", "nope-1", "full"), 401, "invalid username or password"},
		{"unknown product", req("alice", "alice-pw", "nope-1", "full"), 404, "product nope-1 is not known to this server"},
		{"no subscription", req("carol", "carol-pw", "wso2am-4.2.0", "full"), 403, "user carol has no subscription for product wso2am-4.2.0"},
		{"subscription before channel", req("carol", "carol-pw", "wso2am-4.2.0", "nightly"), 403, "no subscription"},
		{"bad channel", req("alice", "alice-pw", "wso2am-4.2.0", "nightly"), 400, `channel "nightly"`},
		{"security asks full", req("bob", "bob-pw", "wso2am-4.2.0", "full"), 403,
			"user bob is subscribed to the security channel; full updates are not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, b, _ := f.do("POST", "/v1/token", "", tt.body)
			if status != tt.status || !strings.Contains(errorOf(b), tt.msg) {
				t.Errorf("status %d %q, want %d %q", status, errorOf(b), tt.status, tt.msg)
			}
		})
	}

	for _, ok := range []api.TokenRequest{
		req("alice", "alice-pw", "wso2am-4.2.0", "full"),
		req("alice", "alice-pw", "wso2am-4.2.0", "security"),
		req("bob", "bob-pw", "wso2am-4.2.0", "security"),
	} {
		status, b, resp := f.do("POST", "/v1/token", "", ok)
		if status != 200 {
			t.Fatalf("%+v: %d %s", ok, status, b)
		}
		var tr api.TokenResponse
		json.Unmarshal(b, &tr)
		if len(tr.Token) != 43 || tr.Username != ok.Username || tr.Product != ok.Product || tr.Channel != ok.Channel ||
			!tr.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) {
			t.Errorf("token response %+v", tr)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token response Cache-Control = %q", resp.Header.Get("Cache-Control"))
		}
		if strings.Contains(f.logs.String(), tr.Token) || strings.Contains(f.logs.String(), ok.Password) {
			t.Error("the log holds a token or a password")
		}
	}
	if status, _, _ := f.do("GET", "/v1/token", "", nil); status != 405 {
		t.Errorf("GET /v1/token: %d, want 405", status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxLoginFailures = 3 })
	bad := api.TokenRequest{Username: "alice", Password: "nope", Product: "wso2am-4.2.0", Channel: "full"}
	for i := 0; i < 3; i++ {
		if status, _, _ := f.do("POST", "/v1/token", "", bad); status != 401 {
			t.Fatalf("attempt %d: %d", i+1, status)
		}
	}
	status, b, resp := f.do("POST", "/v1/token", "", api.TokenRequest{Username: "alice", Password: "alice-pw", Product: "wso2am-4.2.0", Channel: "full"})
	if status != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(errorOf(b), "too many failed logins") {
		t.Fatalf("after 3 failures: %d %s", status, b)
	}
	// Other users are not affected; the window passes.
	f.login("bob", "wso2am-4.2.0", "security")
	f.clock.Add(DefaultLoginWindow)
	f.login("alice", "wso2am-4.2.0", "full")
}

func TestTokenRequired(t *testing.T) {
	f := newFixture(t)
	token := f.login("alice", "wso2am-4.2.0", "full")
	paths := []string{
		"/v1/products/wso2am-4.2.0/updates",
		"/v1/blobs/" + sum("base a"),
		"/v1/tools/latest?os=linux&arch=amd64",
	}
	for _, p := range paths {
		for _, tok := range []string{"", "not-a-token", token + "x"} {
			status, b, resp := f.do("GET", p, tok, nil)
			if status != 401 || !strings.Contains(errorOf(b), "log in again") || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("GET %s with token %q: %d %s", p, tok, status, b)
			}
		}
		if status, _, _ := f.do("GET", p, token, nil); status != 200 {
			t.Errorf("GET %s with a token: %d", p, status)
		}
	}
	if status, b, _ := f.do("POST", "/v1/products/wso2am-4.2.0/pristine", "", api.PristineRequest{}); status != 401 {
		t.Errorf("pristine without token: %d %s", status, b)
	}

	// Expiry.
	f.clock.Add(time.Hour - time.Millisecond)
	if status, _, _ := f.do("GET", paths[0], token, nil); status != 200 {
		t.Errorf("just before expiry: %d", status)
	}
	f.clock.Add(time.Millisecond)
	status, b, _ := f.do("GET", paths[0], token, nil)
	if status != 401 || !strings.Contains(errorOf(b), "expired") || !strings.Contains(errorOf(b), "log in again") {
		t.Errorf("expired token: %d %s", status, b)
	}
}

func updatesOf(t *testing.T, f *fixture, token, query string) (int, api.UpdateList) {
	t.Helper()
	status, b, _ := f.do("GET", "/v1/products/wso2am-4.2.0/updates"+query, token, nil)
	var l api.UpdateList
	if status == 200 {
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
	}
	return status, l
}

func numbers(l api.UpdateList) string {
	var s []string
	for _, u := range l.Updates {
		s = append(s, fmt.Sprint(u.Number))
	}
	return strings.Join(s, ",")
}

func TestUpdates(t *testing.T) {
	f := newFixture(t)
	full := f.login("alice", "wso2am-4.2.0", "full")
	aliceSec := f.login("alice", "wso2am-4.2.0", "security")
	bobSec := f.login("bob", "wso2am-4.2.0", "security")
	tests := []struct {
		token, query, want string
	}{
		{full, "", "1,2,3"},
		{full, "?after=0&upto=0", "1,2,3"},
		{full, "?after=1000", "2,3"},
		{full, "?after=1000&upto=2999", "2"},
		{full, "?upto=2000", "1,2"},
		{full, "?after=3000", ""},
		{aliceSec, "", "2"},
		{bobSec, "", "2"},
		{bobSec, "?after=2000", ""},
		{bobSec, "?upto=1999", ""},
	}
	for _, tt := range tests {
		status, l := updatesOf(t, f, tt.token, tt.query)
		if status != 200 || numbers(l) != tt.want {
			t.Errorf("updates%s = %d [%s], want [%s]", tt.query, status, numbers(l), tt.want)
		}
		if l.Updates == nil {
			t.Errorf("updates%s: null list", tt.query)
		}
	}
	_, l := updatesOf(t, f, full, "")
	if l.Product != "wso2am-4.2.0" || l.Channel != "full" {
		t.Errorf("list = %+v", l)
	}
	u := l.Updates[1]
	if u.Number != 2 || u.Timestamp != 2000 || !u.Security || u.Description != "two" || len(u.Files) != 2 ||
		!u.Files[0].Remove || u.Files[0].Path != "conf/x.toml" || u.Files[1].SHA256 != sum("sec") {
		t.Errorf("update 2 = %+v", u)
	}
	_, l = updatesOf(t, f, bobSec, "")
	if l.Channel != "security" {
		t.Errorf("channel = %q", l.Channel)
	}
	for _, q := range []string{"?after=x", "?upto=-1", "?after=1.5"} {
		if status, _ := updatesOf(t, f, full, q); status != 400 {
			t.Errorf("updates%s: %d, want 400", q, status)
		}
	}
	status, b, _ := f.do("GET", "/v1/products/other-1.0/updates", full, nil)
	if status != 403 {
		t.Errorf("other product: %d %s", status, b)
	}
}

func TestPristine(t *testing.T) {
	testenv.SkipWithoutSymlinks(t) // the fixture's base holds lib/l
	f := newFixture(t)
	full := f.login("alice", "wso2am-4.2.0", "full")
	sec := f.login("bob", "wso2am-4.2.0", "security")
	pristine := func(token string, applied []int, paths ...string) (int, map[string]*api.Entry, string) {
		t.Helper()
		status, b, _ := f.do("POST", "/v1/products/wso2am-4.2.0/pristine", token, api.PristineRequest{Applied: applied, Paths: paths})
		var r api.PristineResponse
		if status == 200 {
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
		}
		return status, r.Entries, errorOf(b)
	}
	hashOf := func(e *api.Entry) string {
		if e == nil {
			return "null"
		}
		if e.Kind == api.KindSymlink {
			return "-> " + e.Target
		}
		return e.SHA256
	}
	tests := []struct {
		token   string
		applied []int
		path    string
		want    string
	}{
		{full, nil, "a.txt", sum("base a")},
		{full, []int{1}, "a.txt", sum("a v1")},
		{full, []int{1, 3}, "a.txt", sum("a v3")},
		{full, []int{3, 1}, "a.txt", sum("a v3")},
		{full, []int{3, 1, 3}, "a.txt", sum("a v3")},
		{full, []int{1}, "conf/x.toml", sum("x = 1")},
		{full, []int{1, 2}, "conf/x.toml", "null"},
		{full, []int{2}, "lib/sec.jar", sum("sec")},
		{full, []int{1}, "lib/sec.jar", "null"},
		{full, nil, "lib/l", "-> ../a.txt"},
		{full, nil, "nowhere", "null"},
		{sec, []int{2}, "lib/sec.jar", sum("sec")},
		{sec, []int{2}, "a.txt", sum("base a")},
	}
	for _, tt := range tests {
		status, entries, msg := pristine(tt.token, tt.applied, tt.path)
		if status != 200 {
			t.Errorf("pristine %v %s: %d %s", tt.applied, tt.path, status, msg)
			continue
		}
		e, ok := entries[tt.path]
		if !ok || hashOf(e) != tt.want {
			t.Errorf("pristine %v %s = %s, want %s", tt.applied, tt.path, hashOf(e), tt.want)
		}
	}
	status, entries, _ := pristine(full, []int{1, 2, 3}, "a.txt", "lib/full.jar", "conf/x.toml")
	if status != 200 || len(entries) != 3 || entries["lib/full.jar"].Mode != 0o644 || entries["lib/full.jar"].Size != 9 {
		t.Errorf("several paths: %d %+v", status, entries)
	}

	bad := []struct {
		token   string
		applied []int
		paths   []string
		status  int
		msg     string
	}{
		{full, []int{9}, []string{"a.txt"}, 400, "update 9 of product wso2am-4.2.0 is not known"},
		{full, nil, []string{"../etc/passwd"}, 400, "contains .."},
		{full, nil, []string{"/etc/passwd"}, 400, "absolute"},
		{full, nil, make([]string, api.MaxPaths+1), 400, "too many paths"},
	}
	for _, tt := range bad {
		status, _, msg := pristine(tt.token, tt.applied, tt.paths...)
		if status != tt.status || !strings.Contains(msg, tt.msg) {
			t.Errorf("pristine %v %.40v: %d %q, want %d %q", tt.applied, tt.paths, status, msg, tt.status, tt.msg)
		}
	}
	huge := `{"paths":["` + strings.Repeat("a", maxPristineBody) + `"]}`
	if status, b, _ := f.do("POST", "/v1/products/wso2am-4.2.0/pristine", full, huge); status != 413 {
		t.Errorf("huge body: %d %.100s", status, b)
	}
	if status, _, _ := f.do("POST", "/v1/products/wso2am-4.2.0/pristine", full, "not json"); status != 400 {
		t.Errorf("bad body: %d", status)
	}
	if status, _, _ := f.do("POST", "/v1/products/other-1.0/pristine", full, api.PristineRequest{}); status != 403 {
		t.Errorf("other product: %d", status)
	}
}

func TestBlobs(t *testing.T) {
	f := newFixture(t)
	alice := f.login("alice", "wso2am-4.2.0", "full")
	aliceSec := f.login("alice", "wso2am-4.2.0", "security")
	bob := f.login("bob", "wso2am-4.2.0", "security")
	carol := f.login("carol", "other-1.0", "full")
	tests := []struct {
		who, token, content string
		want                int
	}{
		{"alice", alice, "base a", 200},
		{"alice", alice, "a v1", 200},
		{"alice", alice, "full only", 200},
		{"alice", alice, "sec", 200},
		{"alice", alice, "other bytes", 404}, // another product's base
		{"alice/security", aliceSec, "full only", 404},
		{"alice/security", aliceSec, "sec", 200},
		{"bob", bob, "base a", 200},
		{"bob", bob, "sec", 200},
		{"bob", bob, "full only", 404}, // a non-security update's blob
		{"bob", bob, "a v3", 404},
		{"carol", carol, "other bytes", 200},
		{"carol", carol, "base a", 404},
		{"carol", carol, "tool 1.2.0", 200}, // tool binaries are for everyone
		{"alice", alice, "never stored", 404},
	}
	for _, tt := range tests {
		status, b, resp := f.do("GET", "/v1/blobs/"+sum(tt.content), tt.token, nil)
		if status != tt.want {
			t.Errorf("%s GET blob %q: %d, want %d", tt.who, tt.content, status, tt.want)
			continue
		}
		if status == 200 {
			if string(b) != tt.content {
				t.Errorf("%s GET blob %q: body %q", tt.who, tt.content, b)
			}
			h := resp.Header
			if h.Get("ETag") != `"`+sum(tt.content)+`"` || h.Get("Cache-Control") != "private, max-age=31536000, immutable" ||
				h.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("headers = %v", h)
			}
		} else if msg := errorOf(b); msg != "blob "+sum(tt.content)+" not found" {
			t.Errorf("404 message %q", msg)
		}
	}
	for _, bad := range []string{"xyz", strings.Repeat("A", 64), "..%2f..%2fetc%2fpasswd"} {
		if status, _, _ := f.do("GET", "/v1/blobs/"+bad, alice, nil); status != 404 {
			t.Errorf("GET blob %q: %d", bad, status)
		}
	}

	// Range and conditional requests.
	status, b, resp := f.do("GET", "/v1/blobs/"+sum("full only"), alice, nil, "Range", "bytes=2-5")
	if status != 206 || string(b) != "ll o" || resp.Header.Get("Content-Range") != "bytes 2-5/9" {
		t.Errorf("Range: %d %q %q", status, b, resp.Header.Get("Content-Range"))
	}
	status, b, _ = f.do("GET", "/v1/blobs/"+sum("full only"), alice, nil, "Range", "bytes=5-")
	if status != 206 || string(b) != "only" {
		t.Errorf("open Range: %d %q", status, b)
	}
	status, _, _ = f.do("GET", "/v1/blobs/"+sum("full only"), alice, nil, "If-None-Match", `"`+sum("full only")+`"`)
	if status != 304 {
		t.Errorf("If-None-Match: %d", status)
	}
	status, b, resp = f.do("HEAD", "/v1/blobs/"+sum("full only"), alice, nil)
	if status != 200 || len(b) != 0 || resp.ContentLength != 9 {
		t.Errorf("HEAD: %d %q %d", status, b, resp.ContentLength)
	}
}

func TestToolLatest(t *testing.T) {
	f := newFixture(t)
	token := f.login("bob", "wso2am-4.2.0", "security")
	status, b, _ := f.do("GET", "/v1/tools/latest?os=linux&arch=amd64", token, nil)
	var rel api.ToolRelease
	json.Unmarshal(b, &rel)
	want := api.ToolRelease{Version: "1.10.0", OS: "linux", Arch: "amd64", SHA256: sum("tool 1.10.0"), Size: int64(len("tool 1.10.0"))}
	if status != 200 || rel != want {
		t.Errorf("latest = %d %+v, want %+v", status, rel, want)
	}
	if status, _, _ := f.do("GET", "/v1/tools/latest?os=darwin&arch=arm64", token, nil); status != 404 {
		t.Errorf("no release: %d", status)
	}
	if status, _, _ := f.do("GET", "/v1/tools/latest?os=linux", token, nil); status != 400 {
		t.Errorf("no arch: %d", status)
	}
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	status, b, _ := f.do("GET", "/healthz", "", nil)
	if status != 200 || string(b) != "ok" {
		t.Errorf("healthz: %d %q", status, b)
	}
	if status, _, _ := f.do("GET", "/v1/nothing", "", nil); status != 404 {
		t.Errorf("unknown path: %d", status)
	}
	status, _, resp := f.do("DELETE", "/v1/blobs/"+sum("x"), "", nil)
	if status != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE blob: %d %q", status, resp.Header.Get("Allow"))
	}
	logs := f.logs.String()
	for _, want := range []string{"method=GET", "path=/healthz", "status=200", "duration=", "status=405"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}
