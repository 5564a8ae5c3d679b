// Package webtest drives the web catalog (package web) in a real browser
// for tests: headless Chromium started through chromedp, screenshots kept
// as test artifacts, and helpers that log in and read an admin page, so
// that an end-to-end test of the whole server can check what an
// installation reported.
//
// It is for tests only: nothing outside _test.go files may import it.
package webtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Timeout bounds the whole life of the browser of one Browser call.
const Timeout = 2 * time.Minute

// ExecPath is where Debian's chromium package installs the browser; it
// is looked up in PATH as "chromium" when not there.
const ExecPath = "/usr/bin/chromium"

// ArtifactsEnv names the folder screenshots go to; without it they go to
// inplace-web-screenshots in the system's temporary folder.
const ArtifactsEnv = "INPLACE_ARTIFACTS"

// findChromium returns the path of the browser, or "".
func findChromium() string {
	if fi, err := os.Stat(ExecPath); err == nil && !fi.IsDir() {
		return ExecPath
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Browser starts headless Chromium with a profile of its own, for the
// length of the test, and returns the context of its first tab, to pass
// to chromedp.Run and chromedp.Do. The browser is stopped when the test
// ends, or after Timeout. Without Chromium the test is skipped, or fails
// when CI=true: on CI the browser tests must run (scripts/test-deps.sh
// installs it).
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		msg := "chromium is not installed (apt-get install chromium, or scripts/test-deps.sh)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	// Cleanups run last-registered first: the tab, the browser (waiting
	// for the process to end), then the profile folder t.TempDir removes.
	t.Cleanup(cancelTimeout)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return bctx
}

// ArtifactsDir returns the folder screenshots are saved in, creating it:
// $INPLACE_ARTIFACTS, or inplace-web-screenshots in the system's
// temporary folder.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "inplace-web-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves a full-page PNG of the tab as TEST-NAME.png in
// ArtifactsDir and logs where.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(ArtifactsDir(t), unsafeName.ReplaceAllString(t.Name()+"-"+name, "_")+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", file)
}

// Navigate opens url in the tab and waits for the page to load.
func Navigate(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// Submit runs trigger (a click, or Enter in a form) and waits for the page
// it leads to to load.
func Submit[T any](t testing.TB, ctx context.Context, trigger chromedp.Action[T]) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, trigger)); err != nil {
		t.Fatalf("wait for the next page: %v", err)
	}
}

// Login opens the catalog's login form at baseURL, types the username and
// the password with the keyboard and submits with Enter. It fails the
// test unless the browser ends up logged in as username.
func Login(t testing.TB, ctx context.Context, baseURL, username, password string) {
	t.Helper()
	Navigate(t, ctx, strings.TrimSuffix(baseURL, "/")+"/login")
	form, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("username") !== null`))
	if err != nil {
		t.Fatal(err)
	}
	if !form {
		t.Fatalf("log in as %s: %s shows no login form (logged in already? log out first)", username, baseURL)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(password),
	); err != nil {
		t.Fatalf("fill the login form: %v", err)
	}
	Submit(t, ctx, chromedp.KeyEvent(kb.Enter))
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(document.getElementById("username-shown") || {}).textContent || (document.getElementById("login-error") || {}).textContent || document.title`))
	if err != nil {
		t.Fatal(err)
	}
	if shown != username {
		t.Fatalf("log in as %s: the page says %q", username, shown)
	}
}

// ErrNotListed is returned by InstallationLevel for an installation that
// the admin page does not list.
var ErrNotListed = errors.New("installation not listed")

// InstallationLevel opens the admin page of product in a tab logged in as
// an admin (see Login) and returns the level, in ms since the epoch, that
// the installation last reported; 0 is the base distribution.
func InstallationLevel(t testing.TB, ctx context.Context, baseURL, product, installation string) (int64, error) {
	t.Helper()
	Navigate(t, ctx, strings.TrimSuffix(baseURL, "/")+"/admin/products/"+product)
	id, _ := json.Marshal(installation)
	level, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { for (const tr of document.querySelectorAll("#installations tr[data-installation]"))`+
			` if (tr.dataset.installation === %s) return tr.dataset.level; return ""; })()`, id)))
	if err != nil {
		return 0, err
	}
	if level == "" {
		return 0, fmt.Errorf("%s on the admin page of %s: %w", installation, product, ErrNotListed)
	}
	return strconv.ParseInt(level, 10, 64)
}
