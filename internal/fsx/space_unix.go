//go:build !windows

package fsx

import "golang.org/x/sys/unix"

// FreeSpace returns the bytes available to this user on dir's file system.
func FreeSpace(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// Writable returns why name cannot be changed (renamed, replaced, removed,
// or written into, for a folder), or nil.
func Writable(name string) error {
	return unix.Access(name, unix.W_OK)
}
