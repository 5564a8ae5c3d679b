//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/creack/pty"
)

// TestRefusedRefreshAsks: on a terminal, a saved session whose refresh the
// server refuses falls back to asking for the login, saying why.
func TestRefusedRefreshAsks(t *testing.T) {
	srv := startServer(t, "--token-ttl", "30s")
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	h := srv.installHome(t, l.Base)
	tool := filepath.Join(h, "bin", toolName())
	sess := filepath.Join(h, "updates", "session.json")

	login := exec.Command(tool, "--non-interactive", "--server", srv.url, "-c", "full", "-d")
	login.Env = append(cleanEnv(), "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
	if b, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, b)
	}
	first, err := os.ReadFile(sess)
	if err != nil {
		t.Fatal(err)
	}
	// The access token lives 30s: this run refreshes, using up the first
	// refresh token.
	refresh := exec.Command(tool, "--non-interactive", "-d")
	refresh.Env = cleanEnv()
	if b, err := refresh.CombinedOutput(); err != nil {
		t.Fatalf("refresh: %v\n%s", err, b)
	}
	if err := os.WriteFile(sess, first, 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(tool, "-d")
	cmd.Env = cleanEnv()
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	term := &screen{}
	go io.Copy(term, tty)
	term.waitFor(t, "update: the saved session could not be renewed (this refresh token was used already")
	term.waitFor(t, "log in again\r\n")
	term.waitFor(t, "Username: ")
	tty.WriteString("alice\n")
	term.waitFor(t, "Password: ")
	waitNoEcho(t, tty)
	tty.WriteString("s3cret-pass\n")
	term.waitFor(t, "Channel (full or security) [full]: ")
	tty.WriteString("\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run after the refused refresh: %v\n%s", err, term.String())
	}
	if b, _ := os.ReadFile(sess); bytes.Equal(b, first) || bytes.Contains(b, []byte("s3cret-pass")) {
		t.Errorf("the session after a new login:\n%s", b)
	}
}
