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
	"os/signal"
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

func main() {
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
	code := exitCode(err)
	// The bare outcomes were told by the report already.
	if err != nil && err != updater.ErrReverted && err != updater.ErrConflicts {
		fmt.Fprintf(stderr, "update: %v\n", err)
	}
	return code
}

// exitCode maps an error to the exit code scripts rely on.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
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
