package cluster

import (
	"os"
	"syscall"
)

// sysProcAttr has the kernel stop a replica when the process that started
// it dies, so that a killed test or load test leaves none behind.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} }

// terminate asks p to shut down gracefully.
func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }
