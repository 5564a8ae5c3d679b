package hooks

import (
	"os/exec"
	"strconv"
	"syscall"
)

var goos = "windows"

// killTree makes cancelling the hook's context kill the hook and the
// processes it started (cmd.exe's or PowerShell's children) with taskkill
// /T, or the hook alone when taskkill fails.
func killTree(c *exec.Cmd) {
	c.Cancel = func() error {
		kill := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(c.Process.Pid))
		if err := kill.Run(); err != nil {
			return c.Process.Kill()
		}
		return nil
	}
}

// commandLine writes cmd /c's command line itself: cmd strips the first
// and last quote of what follows /c, so a path that needs quotes (spaces,
// parentheses as in "Program Files (x86)") gets a second pair.
func commandLine(c *exec.Cmd, argv []string) {
	if len(argv) == 3 && argv[0] == "cmd" && argv[1] == "/c" {
		c.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd /c ""` + argv[2] + `""`}
	}
}
