//go:build !windows

package hooks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunTimeoutKillsGroup: a hook past its time is killed with what it
// started, and counts as failed.
func TestRunTimeoutKillsGroup(t *testing.T) {
	home := t.TempDir()
	h := scriptHook(t, "sleep 60 &\necho $! > child.pid\nsleep 60\n", "")
	start := time.Now()
	err := h.Run(context.Background(), Run{Home: home}, 500*time.Millisecond, &bytes.Buffer{}, "")
	var he *Error
	if !errors.As(err, &he) || !he.TimedOut {
		t.Fatalf("err = %v; want a timed-out *Error", err)
	}
	if !strings.Contains(err.Error(), "did not finish within 500ms and was killed") {
		t.Errorf("message %q", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %v after the hook's time was up", d)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(read(t, filepath.Join(home, "child.pid"))))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the hook's child %d outlived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a live process (not a zombie waiting for
// its new parent to reap it).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// TestRunBackgroundChild: a hook that exits 0 leaving a program it
// started running with its output (the product's server, say) succeeds
// after waitDelay, and the program is left running.
func TestRunBackgroundChild(t *testing.T) {
	defer func(d time.Duration) { waitDelay = d }(waitDelay)
	waitDelay = 200 * time.Millisecond
	home := t.TempDir()
	h := scriptHook(t, "sleep 60 &\necho $! > child.pid\necho started\n", "")
	var out bytes.Buffer
	if err := h.Run(context.Background(), Run{Home: home}, time.Minute, &out, "> "); err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(read(t, filepath.Join(home, "child.pid"))))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	if !alive(pid) {
		t.Error("the hook's background program was killed")
	}
	if out.String() != "> started\n" {
		t.Errorf("output %q", out.String())
	}
}
