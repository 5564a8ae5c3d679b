//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// TestPromptsOnATerminal runs the tool on a real pseudo-terminal as a
// customer would: it asks for username, password (not echoed) and channel,
// keeps a token readable only by its owner (never the password), and a
// later run without a terminal does not ask again.
func TestPromptsOnATerminal(t *testing.T) {
	srv := startServer(t)
	l := srv.publishSample(t)
	srv.addUser(t, "alice", "s3cret-pass", l.Product, "full")
	h := srv.installHome(t, l.Base)

	cmd := exec.Command(filepath.Join(h, "bin", toolName()))
	cmd.Env = append(cleanEnv(), "UPDATE_SERVER="+srv.url)
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	term := &screen{}
	go io.Copy(term, tty)

	term.waitFor(t, "Username: ")
	tty.WriteString("alice\n")
	term.waitFor(t, "Password: ")
	waitNoEcho(t, tty)
	tty.WriteString("s3cret-pass\n")
	term.waitFor(t, "Channel (full or security) [full]: ")
	tty.WriteString("\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, term.String())
	}
	out := term.String()
	if strings.Contains(out, "s3cret-pass") {
		t.Errorf("the password was echoed:\n%s", out)
	}
	if !strings.Contains(out, "updated acme-gateway-4.2.0 to level") {
		t.Errorf("first run did not update:\n%s", out)
	}

	sess := filepath.Join(h, "updates", "session.json")
	fi, err := os.Stat(sess)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("session file mode %v, want -rw-------", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(sess); bytes.Contains(b, []byte("s3cret-pass")) {
		t.Error("the session file holds the password")
	}

	// A later run, without a terminal and without credentials, uses the
	// kept session (the server address included) and asks nothing.
	again := exec.Command(filepath.Join(h, "bin", toolName()))
	again.Env = cleanEnv()
	b, err := again.CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, b)
	}
	if bytes.Contains(b, []byte("Username")) || !bytes.Contains(b, []byte("up to date")) {
		t.Errorf("second run:\n%s", b)
	}
}

// waitNoEcho waits until the tool has turned echo off on its terminal, as a
// person would wait for the password prompt before typing.
func waitNoEcho(t *testing.T, tty *os.File) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the tool never turned echo off for the password")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// screen collects what the tool writes to its terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *screen) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q on the terminal; it shows:\n%s", text, s.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
