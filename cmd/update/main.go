// Command update brings a vendor's updates into a customised PRODUCT_HOME in
// place: it fetches what the customer's subscription allows, merges it with
// their changes, reports true conflicts, keeps backups and reverts. It is
// shipped as PRODUCT_HOME/bin/update_linux, update_darwin and
// update_windows.exe. See DESIGN §4 for the contract.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"

	"inplace/internal/updater"
	buildversion "inplace/internal/version"
)

// version is set at build time with -ldflags "-X main.version=1.2.3".
var version = ""

// Exit codes, the tool's contract with scripts.
const (
	exitOK          = 0
	exitError       = 1
	exitToolUpdated = 2
	exitConflicts   = 3
	exitReverted    = 4
)

// memoryLimit is the heap the garbage collector aims to stay under (a
// soft limit; GOMEMLIMIT overrides it): the tool runs beside the product's
// server, on machines sized for it.
const memoryLimit = 64 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole tool; it returns the exit code.
func run(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) int {
	cmd := newRootCommand(stdin, stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var re *reexecError
	if errors.As(err, &re) {
		// The run has let go of the home (lock, pid file): the new
		// binary takes over with the same arguments.
		return re.run(ctx, args, stdin, stdout, stderr)
	}
	code := exitCode(err)
	// The bare outcomes were told by the report already.
	if err != nil && err != updater.ErrReverted && err != updater.ErrConflicts {
		fmt.Fprintf(stderr, "update: %v\n", err)
	}
	return code
}

// reexecError asks run to go on with the new binary at exe (--reexec).
type reexecError struct{ exe string }

func (e *reexecError) Error() string { return "the tool updated itself; going on with " + e.exe }

func (e *reexecError) run(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) int {
	c := exec.CommandContext(ctx, e.exe, args...)
	c.Stdin, c.Stdout, c.Stderr = stdin, stdout, stderr
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	}
	fmt.Fprintf(stderr, "update: run the new tool %s: %v; run it again yourself\n", e.exe, err)
	return exitToolUpdated
}

// exitCode maps an error to the exit code scripts rely on.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case isHealthError(err):
		// The health check failed: an error, even when the update was
		// reverted after it.
		return exitError
	case errors.Is(err, updater.ErrReverted):
		return exitReverted
	case errors.Is(err, updater.ErrConflicts), errors.Is(err, updater.ErrPending):
		return exitConflicts
	case errors.Is(err, updater.ErrToolUpdated):
		return exitToolUpdated
	default:
		return exitError
	}
}

// toolVersion is the release version, or what the build recorded.
func toolVersion() string { return buildversion.Of(version) }
