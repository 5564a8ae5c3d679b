//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/creack/pty"
)

// TestHealthCheckAsks: on a terminal, without --revert-on-failure, a
// failing post-update hook makes the tool ask "revert? [y/N]": y reverts
// the update, anything else leaves it; the exit code is 1 either way.
func TestHealthCheckAsks(t *testing.T) {
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	for _, tc := range []struct {
		answer   string
		reverted bool
	}{{"y", true}, {"", false}, {"no", false}} {
		h := srv.installHome(t, l.Base)
		hooks := filepath.Join(h, "updates", "hooks")
		if err := os.MkdirAll(hooks, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hooks, "post-update"), []byte("#!/bin/sh\necho unhealthy\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		before, err := os.ReadFile(filepath.Join(h, "bin", "server.sh"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(filepath.Join(h, "bin", toolName()), "-c", "full")
		cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+srv.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
		tty, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		term := &screen{}
		go io.Copy(term, tty)
		term.waitFor(t, "update: post-update: unhealthy")
		term.waitFor(t, "revert? [y/N] ")
		tty.WriteString(tc.answer + "\n")
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("answer %q: exit %v, want 1\n%s", tc.answer, err, term.String())
		}
		// What the tool wrote last may still be on its way from the terminal.
		if tc.reverted {
			term.waitFor(t, "the update was reverted because the health check failed")
		} else {
			term.waitFor(t, "stays in place: to undo it, run")
		}
		tty.Close()
		after, _ := os.ReadFile(filepath.Join(h, "bin", "server.sh"))
		if bytes.Equal(after, before) != tc.reverted {
			t.Errorf("answer %q: bin/server.sh reverted: %v, want %v", tc.answer, !tc.reverted, tc.reverted)
		}
	}
}
