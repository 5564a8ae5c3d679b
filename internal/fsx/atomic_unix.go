//go:build !windows

package fsx

import (
	"fmt"
	"os"

	"github.com/google/renameio/v2"
)

// WriteFile replaces name with data atomically: readers see the old bytes or
// the new ones, never a mix, and the new bytes are on disk when it returns.
// The file gets perm whatever the umask, and whatever mode name had.
func WriteFile(name string, data []byte, perm os.FileMode) error {
	f, err := renameio.NewPendingFile(name, renameio.WithPermissions(perm), renameio.WithStaticPermissions(perm))
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.CloseAtomicallyReplace()
}

func isUnsupported(err error) bool { return false }

// WritePrivate is WriteFile for secrets: the file is readable and writable
// by its owner only, from its first byte.
func WritePrivate(name string, data []byte) error {
	return WriteFile(name, data, 0o600)
}

// Private returns why name is readable or writable by others than its
// owner, or nil.
func Private(name string) error {
	fi, err := os.Lstat(name)
	if err != nil {
		return err
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return fmt.Errorf("mode %v lets others in", m)
	}
	return nil
}

func privateDir(dir string) error { return os.Chmod(dir, 0o700) }
