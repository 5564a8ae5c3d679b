// Package updater carries out the update tool's runs on one PRODUCT_HOME:
// update (and its dry run), --continue, --revert and --details. It joins the
// pure decisions of plan and merge to the I/O of txn, home and a Source of
// metadata and content. It never asks the user anything: the command does.
package updater

import (
	"context"
	"errors"
	"fmt"
	"io"

	"inplace/internal/api"
	"inplace/internal/home"
)

// Source is where metadata and content come from. Every piece of metadata
// the tool acts on passes through it, so verification (signatures, expiry)
// belongs behind it.
type Source interface {
	// Updates lists the updates of the session's channel after level
	// `after`, up to `upto` (0: no cap), in timestamp order.
	Updates(ctx context.Context, product string, after, upto int64) ([]api.Update, error)
	// Pristine returns the vendor's entries of paths after the base
	// distribution and the applied updates; nil means absent.
	Pristine(ctx context.Context, product string, applied []api.Update, paths []string) (map[string]*api.Entry, error)
	// PristineTree returns every vendor's entry after the base
	// distribution and the applied updates, sorted by path, the tool's
	// own paths left out (for --status).
	PristineTree(ctx context.Context, product string, applied []api.Update) ([]api.Entry, error)
	// Blob writes the content named by sha to w, verified against sha and size.
	Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error
	// Fetch downloads the content named by sha into the file name, resuming
	// what it holds and retrying, and verifies it. have (or nil) is content
	// on disk that the download may be a delta from.
	Fetch(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error
	// LatestTool returns the newest tool release for an OS/arch, or nil.
	LatestTool(ctx context.Context, goos, goarch string) (*api.ToolRelease, error)
}

// Errors that the command maps to exit codes.
var (
	ErrConflicts   = errors.New("merge conflicts to resolve")
	ErrPending     = errors.New("conflicts are pending")
	ErrReverted    = errors.New("reverted")
	ErrToolUpdated = errors.New("the tool updated itself")
)

// Progress shows the bytes of a long download.
type Progress interface {
	Add(n int)
	Done()
}

// Updater runs on one home.
type Updater struct {
	Home    *home.Home
	Product string
	Src     Source // nil for runs that need no server (--continue, --revert)
	Channel string
	Out     io.Writer // the report: what was or would be done
	Log     io.Writer // messages for the person running the tool

	// Server is the update server's address (scheme://host[:port]), for
	// links to the pages of its web catalog in Details; "" for none.
	Server string

	// BeforeChange, when not nil, is called by an update and a --continue
	// once they are about to change the product: the plan made, the
	// downloads done, nothing changed yet. rep is the run's report so far
	// (action, channel, from and to levels). An error stops the run with
	// nothing changed, and the run returns it. The pre-update hook runs
	// here; the updater itself runs no programs.
	BeforeChange func(ctx context.Context, rep *Report) error

	// NewProgress starts a progress display for a download of total bytes
	// in n files; nil shows nothing.
	NewProgress func(total int64, n int) Progress
	// NewHashProgress starts a progress display for hashing total bytes in
	// n files (--status); nil shows nothing.
	NewHashProgress func(total int64, n int) Progress
}

func (u *Updater) logf(format string, args ...any) {
	fmt.Fprintf(u.Log, "update: "+format+"\n", args...)
}

func (u *Updater) printf(format string, args ...any) {
	fmt.Fprintf(u.Out, format, args...)
}

// PendingError explains what to do while conflicts wait for their .final.
func PendingError(p *home.Pending) error {
	return fmt.Errorf("%w: %d conflicting file(s) from the last update wait for you: write each F.final "+
		"(from F, F.old and F.updated) and run with --continue, or undo the update with --revert", ErrPending, len(p.Conflicts))
}
