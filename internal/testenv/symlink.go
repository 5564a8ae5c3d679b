package testenv

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var symlinks struct {
	once sync.Once
	ok   bool
}

// HasSymlinks reports whether this process can make symbolic links that
// read back as links: Windows allows it only in Developer Mode or to an
// administrator, and Wine 8 makes links it cannot read back.
func HasSymlinks() bool {
	symlinks.once.Do(func() {
		dir, err := os.MkdirTemp("", "symlink-probe")
		if err != nil {
			return
		}
		defer os.RemoveAll(dir)
		link := filepath.Join(dir, "link")
		if os.WriteFile(filepath.Join(dir, "target"), nil, 0o644) != nil || os.Symlink("target", link) != nil {
			return
		}
		fi, err := os.Lstat(link)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return
		}
		t, err := os.Readlink(link)
		symlinks.ok = err == nil && t == "target"
	})
	return symlinks.ok
}

// SkipWithoutSymlinks skips t when HasSymlinks is false.
func SkipWithoutSymlinks(t testing.TB) {
	t.Helper()
	if !HasSymlinks() {
		t.Skip("this system cannot make symbolic links that read back (Windows lets only Developer Mode or an administrator make them; Wine 8 makes broken ones)")
	}
}
