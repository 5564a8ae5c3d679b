package hooks

import (
	"os/exec"
	"strconv"
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
