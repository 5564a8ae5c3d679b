//go:build !windows

package fsx

import (
	"os"

	"github.com/google/renameio/v2"
)

// WriteFile replaces name with data atomically: readers see the old bytes or
// the new ones, never a mix, and the new bytes are on disk when it returns.
func WriteFile(name string, data []byte, perm os.FileMode) error {
	return renameio.WriteFile(name, data, perm, renameio.WithStaticPermissions(perm))
}

func isUnsupported(err error) bool { return false }
