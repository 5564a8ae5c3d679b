// Package fsx holds the few file-system primitives the tool builds its
// transactions on: atomic whole-file writes, durable renames and hashing.
// It never decides what to write; callers do.
package fsx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// HashFile returns the hex SHA-256 and the size of the file at path.
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// HashBytes returns the hex SHA-256 of b.
func HashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Exists reports whether name exists, without following a final symlink.
func Exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

// Rename moves oldpath to newpath, creating newpath's parent folders. On
// Windows it waits a moment for a file another program holds briefly.
func Rename(oldpath, newpath string) error {
	if err := os.MkdirAll(filepath.Dir(newpath), 0o755); err != nil {
		return err
	}
	return rename(oldpath, newpath)
}

// RemoveIfExists removes name and reports no error when it is already gone.
func RemoveIfExists(name string) error {
	err := os.Remove(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// SyncDir flushes a folder's entries (names created, renamed, removed) to disk.
// It is a no-op where folders cannot be opened for syncing.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isUnsupported(err) {
		return err
	}
	return nil
}

// MkdirPrivate creates dir (and its parents) and makes dir usable by its
// owner only: mode 0700, or on Windows an access list naming the owner,
// inherited by what is created inside.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return privateDir(dir)
}
