//go:build !linux

package benchgen

import "errors"

// syncFS needs syncfs(2), which only Linux has: the baselines measure
// durable updates on Linux only.
func syncFS(dir string) error {
	return errors.New("benchgen: the baselines run on Linux only (they need syncfs)")
}
