package hooks

import (
	"os/exec"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/windows"
)

var goos = "windows"

// killTree makes cancelling the hook's context kill the hook and every
// process it started (cmd.exe's or PowerShell's children): started puts
// the hook into a job object of its own, which its children join, and
// the cancel terminates the job; done closes it. Without a job (one that
// could not be made), the cancel kills the hook alone.
func killTree(c *exec.Cmd) (started, done func()) {
	var job atomic.Uintptr // a windows.Handle once the hook is in it
	c.Cancel = func() error {
		if j := windows.Handle(job.Load()); j != 0 && windows.TerminateJobObject(j, 1) == nil {
			return nil
		}
		return c.Process.Kill()
	}
	started = func() {
		j, err := windows.CreateJobObject(nil, nil)
		if err != nil {
			return
		}
		p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(c.Process.Pid))
		if err != nil {
			windows.CloseHandle(j)
			return
		}
		defer windows.CloseHandle(p)
		if windows.AssignProcessToJobObject(j, p) != nil {
			windows.CloseHandle(j)
			return
		}
		job.Store(uintptr(j))
	}
	done = func() {
		if j := windows.Handle(job.Swap(0)); j != 0 {
			windows.CloseHandle(j)
		}
	}
	return started, done
}

// commandLine writes cmd /c's command line itself: cmd strips the first
// and last quote of what follows /c, so a path that needs quotes (spaces,
// parentheses as in "Program Files (x86)") gets a second pair.
func commandLine(c *exec.Cmd, argv []string) {
	if len(argv) == 3 && argv[0] == "cmd" && argv[1] == "/c" {
		c.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd /c ""` + argv[2] + `""`}
	}
}
