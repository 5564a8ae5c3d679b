//go:build linux

package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"inplace/internal/testenv"
)

// TestPreflight: before anything is downloaded or changed, a run that could
// not finish is refused with the list of problems, and the product is left
// exactly as it was: a file the update replaces that cannot be changed
// (immutable), a read-only file and a folder the user may not write (the
// tool runs as an unprivileged user for these), a folder where the update
// brings a file, and a disk without room for the new files.
func TestPreflight(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for chattr and mount")
	}
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	runAs := func(h string, as *syscall.Credential) (string, int) {
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), "--non-interactive", "-c", "full")
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+srv.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: as}
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	run := func(h string) (string, int) { return runAs(h, nil) }

	t.Run("immutable file", func(t *testing.T) {
		h := srv.installHome(t, l.Base)
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

	// refused runs the tool on h as user (nil: as root) and checks that it
	// exits 1 naming want, downloads nothing and changes nothing.
	refused := func(t *testing.T, h string, as *syscall.Credential, want ...string) {
		t.Helper()
		before := treeString(t, h)
		out, code := runAs(h, as)
		if code != 1 || !strings.Contains(out, "nothing was changed") {
			t.Fatalf("exit %d, want 1\n%s", code, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("the message does not name %q:\n%s", w, out)
			}
		}
		if treeString(t, h) != before {
			t.Error("the product changed")
		}
		if _, err := os.Stat(filepath.Join(h, "updates", "downloads")); err == nil {
			t.Error("it downloaded before checking")
		}
	}

	t.Run("folder where a file goes", func(t *testing.T) {
		h := srv.installHome(t, l.Base)
		p := filepath.Join(h, "bin", "server.sh")
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(p, "notes"), 0o755); err != nil {
			t.Fatal(err)
		}
		refused(t, h, nil, "bin/server.sh", "folder")
	})

	t.Run("file where a folder goes", func(t *testing.T) {
		h := srv.installHome(t, l.Base)
		p := filepath.Join(h, "repository/components/plugins")
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not a folder\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		refused(t, h, nil, "repository/components/plugins: a file is where the update needs a folder")
	})

	t.Run("read-only file", func(t *testing.T) {
		h := srv.installHome(t, l.Base)
		jar := filepath.Join(h, "repository/components/plugins/acme-auth-core_7.3.12.jar")
		nobody := ownedBy(t, h, 65534)
		if err := os.Chmod(jar, 0o444); err != nil {
			t.Fatal(err)
		}
		refused(t, h, nobody, "acme-auth-core_7.3.12.jar", "permission denied")
	})

	t.Run("folder not writable", func(t *testing.T) {
		h := srv.installHome(t, l.Base)
		nobody := ownedBy(t, h, 65534)
		dir := filepath.Join(h, "repository/components/plugins")
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		refused(t, h, nobody, "repository/components/plugins/: permission denied")
	})

	t.Run("revert with an immutable file", func(t *testing.T) {
		h := srv.installHome(t, l.Base)
		if out, code := run(h); code != 0 {
			t.Fatalf("update: exit %d\n%s", code, out)
		}
		jar := filepath.Join(h, "repository/components/plugins/acme-auth-core_7.3.12.jar")
		if out, err := exec.Command("chattr", "+i", jar).CombinedOutput(); err != nil {
			t.Skipf("chattr +i does not work here: %v %s", err, out)
		}
		defer exec.Command("chattr", "-i", jar).Run()
		before := treeString(t, h)
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), "--non-interactive", "--revert")
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "the --revert cannot run, nothing was changed") ||
			!strings.Contains(string(out), "acme-auth-core_7.3.12.jar") {
			t.Fatalf("revert: exit %d\n%s", code, out)
		}
		if treeString(t, h) != before {
			t.Error("the product changed")
		}
	})

	t.Run("no room", func(t *testing.T) {
		// Room for the product and the tool, and 8 MiB: less than the
		// update needs with the 16 MiB it keeps spare.
		size := int64(8 << 20)
		filepath.WalkDir(l.Base, func(p string, d fs.DirEntry, err error) error {
			if fi, err := d.Info(); err == nil && fi.Mode().IsRegular() {
				size += (fi.Size() + 4095) &^ 4095
			}
			return nil
		})
		if fi, err := os.Stat(bin("update")); err == nil {
			size += fi.Size()
		}
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dk", size>>10+1), "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a small tmpfs here: %v %s", err, out)
		}
		defer exec.Command("umount", dir).Run()
		h := filepath.Join(dir, "home")
		if err := testenv.CopyTree(l.Base, h); err != nil {
			t.Fatal(err)
		}
		srv.trust(t, h)
		b, _ := os.ReadFile(bin("update"))
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

// ownedBy gives the home h, and the folders above it that the test made, to
// uid, and returns the credential to run the tool as that user.
func ownedBy(t *testing.T, h string, uid uint32) *syscall.Credential {
	t.Helper()
	err := filepath.WalkDir(h, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(uid), int(uid))
	})
	if err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(h); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &syscall.Credential{Uid: uid, Gid: uid}
}
