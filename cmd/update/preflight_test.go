//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreflight: before anything is downloaded or changed, a run that could
// not finish is refused with the list of problems, and the product is left
// exactly as it was: a file the update replaces that cannot be changed
// (immutable), and a disk without room for the new files.
func TestPreflight(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for chattr and mount")
	}
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	run := func(h string) (string, int) {
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), "--non-interactive", "-c", "full")
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+srv.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}

	t.Run("immutable file", func(t *testing.T) {
		h := installHome(t, l.Base)
		jar := filepath.Join(h, "repository/components/plugins/acme-auth-core_7.3.12.jar")
		if out, err := exec.Command("chattr", "+i", jar).CombinedOutput(); err != nil {
			t.Skipf("chattr +i does not work here: %v %s", err, out)
		}
		defer exec.Command("chattr", "-i", jar).Run()
		before := treeString(t, h)
		out, code := run(h)
		if code != 1 || !strings.Contains(out, "nothing was changed") || !strings.Contains(out, "acme-auth-core_7.3.12.jar") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		if treeString(t, h) != before {
			t.Error("the product changed")
		}
		if _, err := os.Stat(filepath.Join(h, "updates", "downloads")); err == nil {
			t.Error("it downloaded before checking")
		}
	})

	t.Run("no room", func(t *testing.T) {
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=17m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a small tmpfs here: %v %s", err, out)
		}
		defer exec.Command("umount", dir).Run()
		h := filepath.Join(dir, "home")
		if err := copyTree(l.Base, h); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(binDir, "update"))
		os.WriteFile(filepath.Join(h, "bin", toolName()), b, 0o755)
		before := treeString(t, h)
		out, code := run(h)
		if code != 1 || !strings.Contains(out, "free, the update needs") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		if treeString(t, h) != before {
			t.Error("the product changed")
		}
	})
}
