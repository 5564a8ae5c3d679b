//go:build windows

package fsx

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// renameFor bounds how long rename waits for another program to let go of
// a file. Virus scanners, indexers and backup agents open files for a
// moment and refuse renames meanwhile; a program that holds the file for
// longer (a running server's jar) makes the rename fail, and the
// transaction roll back.
const renameFor = 2 * time.Second

// rename is os.Rename (MoveFileEx, replacing; long paths are handled by
// package os), retried while the file is briefly in use. A read-only
// attribute does not stop a rename on Windows, so none is cleared here.
func rename(oldpath, newpath string) error {
	deadline := time.Now().Add(renameFor)
	wait := 5 * time.Millisecond
	for {
		err := os.Rename(oldpath, newpath)
		if err == nil || !transient(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// transient reports errors another program's open handle causes.
func transient(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED)
}
