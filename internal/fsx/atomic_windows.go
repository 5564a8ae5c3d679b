//go:build windows

package fsx

import (
	"os"
	"path/filepath"
)

// WriteFile replaces name with data atomically: readers see the old bytes or
// the new ones, never a mix, and the new bytes are on disk when it returns.
// renameio does not support Windows, so this writes a temporary file beside
// name, flushes it and renames it over name (MoveFileEx with replace).
func WriteFile(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// Folders cannot be synced on Windows; NTFS journals the rename itself.
func isUnsupported(err error) bool { return true }
