//go:build !linux

package nginx

import (
	"os"
	"syscall"
)

// sysProcAttr returns nil: only on Linux does Start make nginx die with
// its parent and kill its workers with it (the load test runs on Linux).
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p; its workers may stay behind on this system.
func killGroup(p *os.Process) { p.Kill() }
