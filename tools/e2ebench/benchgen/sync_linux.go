package benchgen

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS writes out everything the file system holding dir has not yet
// written (syncfs(2)).
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
