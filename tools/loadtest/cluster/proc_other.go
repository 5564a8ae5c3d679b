//go:build !linux

package cluster

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// terminate stops p: other systems have no SIGTERM to send it.
func terminate(p *os.Process) { p.Kill() }
