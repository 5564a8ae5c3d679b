package home

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// Lock is held by the one run allowed to work on a home at a time.
type Lock struct{ f *flock.Flock }

// Lock takes the home's run lock without waiting. When another run holds it,
// the error names that run's process.
func (h *Home) Lock() (*Lock, error) {
	name := h.Path(LockFile)
	if err := os.MkdirAll(h.Path(ToolDir), 0o755); err != nil {
		return nil, err
	}
	f := flock.New(name)
	ok, err := f.TryLock()
	if err != nil {
		return nil, fmt.Errorf("cannot lock %s: %w", name, err)
	}
	if !ok {
		b, _ := os.ReadFile(name + ".pid")
		who := strings.TrimSpace(string(b))
		if who == "" {
			who = "unknown"
		}
		return nil, fmt.Errorf("another update run (pid %s) is working on %s; wait for it to finish", who, h.Dir)
	}
	_ = os.WriteFile(name+".pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	return &Lock{f: f}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() {
	_ = l.f.Unlock()
}

// ServerRunning reports the pid of the product's server when its pid file
// names a live process.
func (h *Home) ServerRunning() (int, bool) {
	b, err := os.ReadFile(h.Path(PidFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, processAlive(pid)
}
