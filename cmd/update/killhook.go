//go:build killhook

package main

// Built only with -tags killhook, for the crash tests: INPLACE_KILL_AT=
// ACTION:STEP makes the tool kill itself with SIGKILL when its transaction
// of that action reaches that step. Release builds have no such hook.

import (
	"fmt"
	"os"
	"syscall"

	"inplace/internal/txn"
)

func init() {
	at := os.Getenv("INPLACE_KILL_AT")
	if at == "" {
		return
	}
	var action string
	step := -1
	for i := len(at) - 1; i >= 0; i-- {
		if at[i] == ':' {
			action = at[:i]
			fmt.Sscanf(at[i+1:], "%d", &step)
			break
		}
	}
	txn.Hook = func(a string, i int) error {
		if a == action && i == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	}
}
