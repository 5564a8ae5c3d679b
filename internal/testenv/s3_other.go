//go:build !linux

package testenv

import (
	"errors"
	"os"
	"os/exec"
)

// canTieToProcess says startTied works here: only Linux has the kernel
// stop a child when its parent ends.
const canTieToProcess = false

func startTied(cmd *exec.Cmd) (<-chan error, error) { return nil, errors.ErrUnsupported }

func lockFolder(dir string) (*os.File, error) { return nil, errors.ErrUnsupported }

func removeStaleFolders() {}
