//go:build !windows

package hooks

import (
	"os/exec"
	"runtime"
	"syscall"
)

var goos = runtime.GOOS

// killTree makes the hook the leader of a process group of its own, so
// that cancelling its context kills the hook and everything it started.
// started is called once the hook started, done once it ended; here they
// have nothing to do.
func killTree(c *exec.Cmd) (started, done func()) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error {
		if err := syscall.Kill(-c.Process.Pid, syscall.SIGKILL); err != nil {
			return c.Process.Kill()
		}
		return nil
	}
	return func() {}, func() {}
}

// commandLine is for Windows' cmd /c; here the arguments are passed as
// they are.
func commandLine(c *exec.Cmd, argv []string) {}
