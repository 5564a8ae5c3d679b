package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// canTieToProcess says startTied works here.
const canTieToProcess = true

// startTied starts cmd so that the kernel kills it when this process ends,
// and returns a channel that receives cmd.Wait's result. Pdeathsig fires
// when the thread that started the child ends, so cmd is started and waited
// for on a thread locked to one goroutine, which the runtime lets no other
// goroutine use and ends only once cmd has exited.
func startTied(cmd *exec.Cmd) (<-chan error, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with cmd
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return exited, nil
}

// lockFolder locks dir/lock for as long as this process runs, or as long
// as the returned file is not closed. It fails if another process holds
// the lock.
func lockFolder(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// removeStaleFolders removes the server folders of test processes that
// have ended: their lock is free. A folder whose lock file is missing or
// new may be one that another process is making.
func removeStaleFolders() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), s3FolderPrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(filepath.Join(dir, "lock"))
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if f, err := lockFolder(dir); err == nil {
			os.RemoveAll(dir)
			f.Close()
		}
	}
}
