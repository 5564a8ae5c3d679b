package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/store"
	"inplace/internal/testenv"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func fileEntry(p, content string, mode uint32) api.Entry {
	return api.Entry{Path: p, Kind: api.KindFile, Mode: mode, SHA256: sum(content), Size: int64(len(content))}
}

var baseFiles = map[string]string{
	"bin/server.sh":                   "#!/bin/sh\necho run\n",
	"bin/update_linux":                "the tool: not part of the base",
	"lib/a.jar":                       "jar a",
	"lib/current.jar":                 "->a.jar",
	"repository/conf/deployment.toml": "[server]\nhostname = \"localhost\"\n",
	"repository/conf/old.xml":         "<old/>",
	"updates/product.txt":             "wso2am-4.2.0",
}

var wantBase = []api.Entry{
	fileEntry("bin/server.sh", "#!/bin/sh\necho run\n", 0o755),
	fileEntry("lib/a.jar", "jar a", 0o644),
	{Path: "lib/current.jar", Kind: api.KindSymlink, Target: "a.jar"},
	fileEntry("repository/conf/deployment.toml", "[server]\nhostname = \"localhost\"\n", 0o644),
	fileEntry("repository/conf/old.xml", "<old/>", 0o644),
}

func addBase(t *testing.T, e *env) {
	t.Helper()
	src := writeTree(t, t.TempDir(), baseFiles)
	if _, err := e.AddProduct(ctx, "wso2am", "4.2.0", src); err != nil {
		t.Fatal(err)
	}
}

func TestAddProductFolder(t *testing.T) {
	testenv.SkipWithoutSymlinks(t) // baseFiles hold lib/current.jar
	e := newEnv(t)
	src := writeTree(t, t.TempDir(), baseFiles)
	p, err := e.AddProduct(ctx, "wso2am", "4.2.0", src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Key != "wso2am-4.2.0" || p.Files != len(wantBase) {
		t.Errorf("product = %+v", p)
	}
	base, err := e.Store.Base(ctx, "wso2am-4.2.0")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(base, wantBase) {
		t.Errorf("base = %+v\nwant %+v", base, wantBase)
	}
	for _, want := range wantBase {
		if want.Kind != api.KindFile {
			continue
		}
		if ok, _ := e.Blobs.Has(ctx, want.SHA256); !ok {
			t.Errorf("blob of %s not stored", want.Path)
		}
	}
	if ok, _ := e.Blobs.Has(ctx, sum(baseFiles["bin/update_linux"])); ok {
		t.Error("the tool's binary was stored as part of the base")
	}
}

func TestAddProductZipWithTopFolder(t *testing.T) {
	e := newEnv(t)
	src := writeZip(t, "wso2am-4.2.0/", baseFiles)
	if _, err := e.AddProduct(ctx, "wso2am", "4.2.0", src); err != nil {
		t.Fatal(err)
	}
	base, err := e.Store.Base(ctx, "wso2am-4.2.0")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(base, wantBase) {
		t.Errorf("base = %+v\nwant %+v", base, wantBase)
	}
	// Without a wrapping folder the same.
	src = writeZip(t, "", baseFiles)
	if _, err := e.AddProduct(ctx, "wso2am", "4.3.0", src); err != nil {
		t.Fatal(err)
	}
	base2, _ := e.Store.Base(ctx, "wso2am-4.3.0")
	if !reflect.DeepEqual(base2, wantBase) {
		t.Errorf("base without top folder = %+v", base2)
	}
}

func TestPublishUpdateFolder(t *testing.T) {
	testenv.SkipWithoutSymlinks(t) // the base and the update hold lib/current.jar
	e := newEnv(t)
	addBase(t, e)
	src := writeTree(t, t.TempDir(), map[string]string{
		"update.yaml": `description: "Fixes the login page redirect"
instructions: "Restart the server after updating."
security: false
bug_fixes:
  APIM-9: "second id first"
  APIM-1234: "Login redirect loses the query string"
removed_files:
  - repository/conf/old.xml
`,
		"files/lib/b.jar":       "jar b",
		"files/lib/current.jar": "->b.jar",
		"files/bin/server.sh":   "#!/bin/sh\necho run v2\n",
	})
	u, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src, Timestamp: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if u.Number != 1 || u.Timestamp != 1000 || u.Security {
		t.Errorf("update = %+v", u)
	}
	stored, err := e.Store.Updates(ctx, "wso2am-4.2.0", store.UpdateFilter{})
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	got := stored[0]
	if got.Description != "Fixes the login page redirect" || got.Instructions != "Restart the server after updating." {
		t.Errorf("descriptor = %+v", got)
	}
	wantFixes := []api.BugFix{{ID: "APIM-9", Summary: "second id first"}, {ID: "APIM-1234", Summary: "Login redirect loses the query string"}}
	if !reflect.DeepEqual(got.BugFixes, wantFixes) {
		t.Errorf("bug fixes = %+v", got.BugFixes)
	}
	wantFiles := []api.Change{
		{Entry: fileEntry("bin/server.sh", "#!/bin/sh\necho run v2\n", 0o755)},
		{Entry: fileEntry("lib/b.jar", "jar b", 0o644)},
		{Entry: api.Entry{Path: "lib/current.jar", Kind: api.KindSymlink, Target: "b.jar"}},
		{Entry: api.Entry{Path: "repository/conf/old.xml"}, Remove: true},
	}
	if !reflect.DeepEqual(got.Files, wantFiles) {
		t.Errorf("files = %+v\nwant %+v", got.Files, wantFiles)
	}
	if ok, _ := e.Blobs.Has(ctx, sum("jar b")); !ok {
		t.Error("blob of lib/b.jar not stored")
	}

	// A second update, security by flag; removing what the first added.
	src2 := writeTree(t, t.TempDir(), map[string]string{
		"update.yaml":       "description: second\nremoved_files: [lib/b.jar]\n",
		"files/lib/c.jar":   "jar c",
		"files/lib/new/x.x": "x",
	})
	u2, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src2, Timestamp: 2000, Security: true})
	if err != nil {
		t.Fatal(err)
	}
	if u2.Number != 2 || !u2.Security {
		t.Errorf("second update = %+v", u2)
	}
	// security: true in update.yaml also makes a security update.
	src3 := writeTree(t, t.TempDir(), map[string]string{
		"update.yaml":     "security: true\n",
		"files/lib/d.jar": "jar d",
	})
	u3, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src3, Timestamp: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if u3.Number != 3 || !u3.Security {
		t.Errorf("third update = %+v", u3)
	}
}

func TestPublishUpdateZipWithTopFolder(t *testing.T) {
	e := newEnv(t)
	addBase(t, e)
	src := writeZip(t, "update-0001/", map[string]string{
		"update.yaml":     "description: zipped\nbug_fixes:\n  B-1: one\n",
		"files/lib/z.jar": "jar z",
		"files/lib/l":     "->z.jar",
	})
	u, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src})
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Change{
		{Entry: api.Entry{Path: "lib/l", Kind: api.KindSymlink, Target: "z.jar"}},
		{Entry: fileEntry("lib/z.jar", "jar z", 0o644)},
	}
	if !reflect.DeepEqual(u.Files, want) || u.Description != "zipped" || len(u.BugFixes) != 1 {
		t.Errorf("update = %+v", u)
	}
	if u.Timestamp <= 0 || u.Timestamp%1000 != 0 { // the test clock ticks whole seconds
		t.Errorf("default timestamp = %d, want the publisher's now", u.Timestamp)
	}
}

func TestPublishDistribution(t *testing.T) {
	testenv.SkipWithoutSymlinks(t) // the base holds lib/current.jar
	if runtime.GOOS == "windows" {
		t.Skip("a folder on Windows keeps no execute bits, so the base's bin/server.sh reads as 0644; vendors publish zips there")
	}
	e := newEnv(t)
	addBase(t, e)
	// An update first, so the diff is against base + update.
	up := writeTree(t, t.TempDir(), map[string]string{
		"update.yaml":     "description: first\n",
		"files/lib/u.jar": "jar u",
	})
	if _, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: up, Timestamp: 10}); err != nil {
		t.Fatal(err)
	}
	next := map[string]string{
		"bin/server.sh":                   "#!/bin/sh\necho run\n",                // unchanged
		"bin/update_linux":                "a newer tool: ignored",                // tool path
		"lib/a.jar":                       "#!jar a",                              // mode change + content
		"lib/current.jar":                 "->u.jar",                              // link retargeted
		"lib/u.jar":                       "jar u",                                // unchanged since the update
		"repository/conf/deployment.toml": "[server]\nhostname = \"localhost\"\n", // unchanged
		"repository/conf/new.xml":         "<new/>",                               // added
		// repository/conf/old.xml removed
	}
	src := writeZip(t, "wso2am-4.2.1/", next)
	u, err := e.PublishUpdate(ctx, UpdateOptions{
		Product: "wso2am-4.2.0", Source: src, Distribution: true, Timestamp: 20,
		Description: "4.2.1", Instructions: "restart", BugFixes: []api.BugFix{{ID: "X-1", Summary: "s"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Change{
		{Entry: fileEntry("lib/a.jar", "#!jar a", 0o755)},
		{Entry: api.Entry{Path: "lib/current.jar", Kind: api.KindSymlink, Target: "u.jar"}},
		{Entry: fileEntry("repository/conf/new.xml", "<new/>", 0o644)},
		{Entry: api.Entry{Path: "repository/conf/old.xml"}, Remove: true},
	}
	if !reflect.DeepEqual(u.Files, want) {
		t.Errorf("changes = %+v\nwant %+v", u.Files, want)
	}
	if u.Number != 2 || u.Description != "4.2.1" || u.Instructions != "restart" || len(u.BugFixes) != 1 {
		t.Errorf("update = %+v", u)
	}
	// A pure mode change counts as a modification.
	next["lib/a.jar"] = "jar a-nonexec-again"
	delete(next, "repository/conf/new.xml")
	next["repository/conf/old.xml"] = "<old/>"
	src = writeTree(t, t.TempDir(), next)
	os.Chmod(filepath.Join(src, "bin/server.sh"), 0o644)
	u, err = e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.2.0", Source: src, Distribution: true, Timestamp: 30})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, c := range u.Files {
		paths = append(paths, c.Path)
	}
	if strings.Join(paths, " ") != "bin/server.sh lib/a.jar repository/conf/new.xml repository/conf/old.xml" {
		t.Errorf("changed paths = %v", paths)
	}
}

func TestPublishCorpus(t *testing.T) {
	corpus := filepath.Join("..", "..", "..", "shared", "corpus", "apim-product")
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus not found:", err)
	}
	e := newEnv(t)
	if _, err := e.AddProduct(ctx, "wso2am", "4.0.0", filepath.Join(corpus, "4.0.0")); err != nil {
		t.Fatal(err)
	}
	for i, v := range []string{"4.1.0", "4.2.0"} {
		u, err := e.PublishUpdate(ctx, UpdateOptions{Product: "wso2am-4.0.0", Source: filepath.Join(corpus, v),
			Distribution: true, Timestamp: int64(i + 1), Description: "as " + v})
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Files) == 0 {
			t.Errorf("%s: no changes", v)
		}
	}
	// The newest level is exactly 4.2.0.
	base, _ := e.Store.Base(ctx, "wso2am-4.0.0")
	us, _ := e.Store.Updates(ctx, "wso2am-4.0.0", store.UpdateFilter{})
	level := store.Pristine(base, us)
	tr, err := readTree(filepath.Join(corpus, "4.2.0"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := hashDistribution(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(level) != len(want) {
		t.Errorf("level has %d entries, 4.2.0 has %d", len(level), len(want))
	}
	for _, w := range want {
		if level[w.Path] != w {
			t.Errorf("%s: level %+v, want %+v", w.Path, level[w.Path], w)
		}
	}
}

func TestAddUser(t *testing.T) {
	e := newEnv(t)
	addBase(t, e)
	if err := e.AddUser(ctx, "alice@example.com", "s3cret", "wso2am-4.2.0", api.ChannelSecurity); err != nil {
		t.Fatal(err)
	}
	u, err := e.Store.User(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u.PasswordHash, "s3cret") || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Errorf("password hash = %q", u.PasswordHash)
	}
	if len(u.Subscriptions) != 1 || u.Subscriptions[0] != (store.Subscription{Product: "wso2am-4.2.0", Channel: "security"}) {
		t.Errorf("subscriptions = %+v", u.Subscriptions)
	}
}

// TestAddAdmin: an admin account needs no subscription; it may have
// some; it is checked like any account.
func TestAddAdmin(t *testing.T) {
	e := newEnv(t)
	addBase(t, e)
	if err := e.AddAdmin(ctx, "root", "r00t-pw"); err != nil {
		t.Fatal(err)
	}
	u, err := e.Store.User(ctx, "root")
	if err != nil || !u.Admin || len(u.Subscriptions) != 0 || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Errorf("root = %+v, %v", u, err)
	}
	sub := store.Subscription{Product: "wso2am-4.2.0", Channel: "full"}
	if err := e.AddAdmin(ctx, "ops", "ops-pw", sub); err != nil {
		t.Fatal(err)
	}
	if u, err := e.Store.User(ctx, "ops"); err != nil || !u.Admin || len(u.Subscriptions) != 1 || u.Subscriptions[0] != sub {
		t.Errorf("ops = %+v, %v", u, err)
	}
	if err := e.AddUser(ctx, "alice", "pw", "wso2am-4.2.0", api.ChannelFull); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.Store.User(ctx, "alice"); u.Admin {
		t.Error("AddUser made an admin")
	}
	for _, c := range []struct {
		name, pw string
		subs     []store.Subscription
		msg      string
	}{
		{"root", "x", nil, "user root already exists"},
		{"", "x", nil, "username is empty"},
		{"a b", "x", nil, "no spaces"},
		{"new", "", nil, "password is empty"},
		{"new", "x", []store.Subscription{{Product: "nope-1", Channel: "full"}}, "product nope-1 is not known"},
		{"new", "x", []store.Subscription{{Product: "wso2am-4.2.0", Channel: "beta"}}, `channel "beta"`},
	} {
		if err := e.AddAdmin(ctx, c.name, c.pw, c.subs...); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("AddAdmin(%q, %q, %v) = %v; want %q", c.name, c.pw, c.subs, err, c.msg)
		}
	}
	if _, err := e.Store.User(ctx, "new"); err == nil {
		t.Error("a refused admin was stored")
	}
}

func TestPublishTool(t *testing.T) {
	e := newEnv(t)
	bin := filepath.Join(t.TempDir(), "update_linux")
	os.WriteFile(bin, []byte("ELF tool"), 0o755)
	rel, err := e.PublishTool(ctx, "1.2.0", "linux", "amd64", bin)
	if err != nil {
		t.Fatal(err)
	}
	want := api.ToolRelease{Version: "1.2.0", OS: "linux", Arch: "amd64", SHA256: sum("ELF tool"), Size: 8}
	if rel != want {
		t.Errorf("release = %+v, want %+v", rel, want)
	}
	if ok, _ := e.Blobs.Has(ctx, rel.SHA256); !ok {
		t.Error("binary not stored")
	}
	for _, v := range []string{"1.2.0", "v1.2.0"} {
		if _, err := e.PublishTool(ctx, v, "linux", "amd64", bin); err == nil || !strings.Contains(err.Error(), "already published") {
			t.Errorf("republish %s: err = %v", v, err)
		}
	}
}

func TestToolVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3": "1.2.3", "v1.2.3": "1.2.3", "1.0.0-rc.1": "1.0.0-rc.1",
		"1.2": "", "v1": "", "1.2.3+build": "", "x": "", "": "", "01.2.3": "",
	} {
		got, err := ToolVersion(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ToolVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
