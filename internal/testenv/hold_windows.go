package testenv

import (
	"testing"

	"golang.org/x/sys/windows"
)

// HoldOpen opens name the way a running Java server holds its jars:
// others may read it, nobody may rename or delete it. Call the returned
// function to let go; the test's end lets go too.
func HoldOpen(t testing.TB, name string) (release func()) {
	t.Helper()
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var done bool
	release = func() {
		if !done {
			done = true
			windows.CloseHandle(h)
		}
	}
	t.Cleanup(release)
	return release
}
