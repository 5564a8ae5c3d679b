package nginx

import (
	"os"
	"syscall"
)

// sysProcAttr puts nginx in a process group of its own, so that killGroup
// reaches its workers too, and has the kernel send the master SIGTERM
// (fast shutdown: it stops its workers) when this process dies, so that
// a crashed or killed load test leaves no nginx behind.
//
// Pdeathsig fires when the thread that started nginx exits, not the
// process; Go keeps its threads unless a goroutine locked to one ends,
// which Start's callers have no reason to do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// killGroup kills p and every process in its process group.
func killGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.Kill()
}
