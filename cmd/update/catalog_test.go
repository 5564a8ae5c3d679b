package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/home"
	"inplace/internal/web/webtest"
)

// TestCatalogShowsReportedLevel: the real tool updates an installation by two
// updates and reverts the run; after each run a vendor's admin, logged in to the web
// catalog of the real update-server in headless Chromium, reads the level
// the installation reported on the product's admin page. An installation
// run with --no-report never appears there.
func TestCatalogShowsReportedLevel(t *testing.T) {
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	srv.admin(t, "vendor-pass\n", "user", "add", "--admin", "--username", "ops", "--password-stdin")

	h := srv.installHome(t, l.Base)
	quiet := srv.installHome(t, l.Base)
	tool := func(h string, args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), append([]string{"--non-interactive", "-c", "full"}, args...)...)
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+srv.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 4, false: 0}[len(args) > 0 && args[0] == "--revert"]; code != want {
			t.Fatalf("update %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return string(out)
	}
	tool(h)
	tool(quiet, "--no-report")
	id, err := os.ReadFile(filepath.Join(h, filepath.FromSlash(home.InstallationFile)))
	if err != nil {
		t.Fatalf("the tool kept no installation id: %v", err)
	}
	installation := strings.TrimSpace(string(id))

	ctx := webtest.Browser(t)
	webtest.Login(t, ctx, srv.url, "ops", "vendor-pass")
	level, err := webtest.InstallationLevel(t, ctx, srv.url, l.Product, installation)
	if err != nil {
		t.Fatal(err)
	}
	if level != 1700000200000 {
		t.Errorf("after the update the admin page shows level %d, want 1700000200000", level)
	}
	webtest.Screenshot(t, ctx, "admin-after-update")
	if b, err := os.ReadFile(filepath.Join(quiet, filepath.FromSlash(home.InstallationFile))); err == nil {
		if _, err := webtest.InstallationLevel(t, ctx, srv.url, l.Product, strings.TrimSpace(string(b))); !errors.Is(err, webtest.ErrNotListed) {
			t.Errorf("an installation run with --no-report is on the admin page (err %v)", err)
		}
	}

	tool(h, "--revert")
	level, err = webtest.InstallationLevel(t, ctx, srv.url, l.Product, installation)
	if err != nil {
		t.Fatal(err)
	}
	if level != 0 {
		t.Errorf("after --revert (of the run that applied both updates) the admin page shows level %d, want 0, the base", level)
	}
	webtest.Screenshot(t, ctx, "admin-after-revert")
}
