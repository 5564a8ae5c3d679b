package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"inplace/internal/home"
	"inplace/internal/hooks"
	"inplace/internal/updater"
)

// hookRunner runs the customer's hooks (updates/hooks, internal/hooks)
// around a run that changes the product's level: an update or the
// --continue that finishes one. pre-update runs when the updater is about
// to change the product (updater.BeforeChange); post-update, the health
// check, once the new level is committed. What a failed health check
// leads to is decided here: revert (--revert-on-failure, or yes to the
// question on a terminal) or leave the update in place, exit 1 either way.
type hookRunner struct {
	h      *home.Home
	o      *options
	stdin  *os.File
	stderr io.Writer

	post    *hooks.Hook // the post-update hook found before the change, or nil
	changed bool        // the run began to change the product
}

// beforeChange is the updater's BeforeChange: it finds both hooks (a
// post-update hook that cannot be run stops the run now, not after the
// change) and runs pre-update. Its failure leaves everything as it was.
func (r *hookRunner) beforeChange(ctx context.Context, rep *updater.Report) error {
	dir := r.h.Path(hooks.Dir)
	pre, err := hooks.Find(dir, hooks.PreUpdate)
	if err != nil {
		return fmt.Errorf("%w; nothing was changed", err)
	}
	if r.post, err = hooks.Find(dir, hooks.PostUpdate); err != nil {
		return fmt.Errorf("%w; nothing was changed", err)
	}
	if pre != nil {
		if err := r.run(ctx, pre, rep); err != nil {
			return fmt.Errorf("%w; nothing was changed", hookError(err))
		}
	}
	r.changed = true
	return nil
}

// run runs a hook with what the run does in its environment and its
// output on stderr.
func (r *hookRunner) run(ctx context.Context, hk *hooks.Hook, rep *updater.Report) error {
	fmt.Fprintf(r.stderr, "update: running the %s hook %s\n", hk.Name, hk.Path)
	run := hooks.Run{Home: r.h.Dir, Product: rep.Product, Action: rep.Action, From: rep.From, To: rep.To, Channel: rep.Channel}
	return hk.Run(ctx, run, r.o.hookTimeout, r.stderr, "update: "+hk.Name+": ")
}

// hookError names the flag of a hook's time limit when it ran out.
func hookError(err error) error {
	var he *hooks.Error
	if errors.As(err, &he) && he.TimedOut {
		return fmt.Errorf("%w (--hook-timeout)", err)
	}
	return err
}

// healthError is a post-update hook that failed after the update was
// committed. The run exits 1 whether the update was then reverted or not.
type healthError struct {
	hook     error  // the hook's failure
	reverted bool   // the update was reverted after it
	then     string // what became of the update, and what to do
}

func (e *healthError) Error() string { return e.hook.Error() + "; " + e.then }
func (e *healthError) Unwrap() error { return e.hook }

// afterChange runs the post-update hook after a run that committed a new
// level (rep). When the hook fails it reverts the run if asked to
// (--revert-on-failure, or yes on a terminal) and returns a *healthError.
// printRevert shows the revert's report.
func (r *hookRunner) afterChange(ctx context.Context, u *updater.Updater, rep *updater.Report, printRevert func(*updater.Report)) error {
	if !r.changed || r.post == nil {
		return nil
	}
	err := r.run(ctx, r.post, rep)
	if err == nil {
		fmt.Fprintf(r.stderr, "update: the %s hook passed\n", hooks.PostUpdate)
		return nil
	}
	err = hookError(err)
	revertCmd := toolCommand() + " --revert"
	undo := "to undo it, run " + revertCmd
	inPlace := fmt.Sprintf("the update to level %s stays in place: %s", updater.LevelString(rep.To), undo)
	if ctx.Err() != nil {
		// Interrupted, or out of --timeout: no time to revert.
		return &healthError{hook: err, then: inPlace}
	}
	revert := r.o.revertOnFailure
	if !revert && r.interactive() {
		fmt.Fprintf(r.stderr, "update: %v\n", err)
		ans, _ := prompt(bufio.NewReader(r.stdin), r.stderr, "update: the health check failed: revert? [y/N] ")
		revert = strings.EqualFold(ans, "y") || strings.EqualFold(ans, "yes")
	}
	if !revert {
		return &healthError{hook: err, then: inPlace}
	}
	if pid, ok := r.h.ServerRunning(); ok {
		return &healthError{hook: err, then: fmt.Sprintf("not reverting the update to level %s: the product's server is running "+
			"(pid %d in %s); stop it, then run %s", updater.LevelString(rep.To), pid, r.h.Path(home.PidFile), revertCmd)}
	}
	fmt.Fprintf(r.stderr, "update: the health check failed: reverting the update\n")
	rrep, rerr := u.Revert(ctx)
	if !errors.Is(rerr, updater.ErrReverted) {
		return &healthError{hook: err, then: fmt.Sprintf("reverting the update failed: %v; when the cause is fixed, run %s", rerr, revertCmd)}
	}
	printRevert(rrep)
	return &healthError{hook: err, reverted: true,
		then: fmt.Sprintf("the update was reverted because the health check failed: %s is back at level %s", rep.Product, updater.LevelString(rrep.To))}
}

// interactive tells whether a person can answer on the terminal.
func (r *hookRunner) interactive() bool {
	return !r.o.nonInteractive && !r.o.passwordStdin && term.IsTerminal(int(r.stdin.Fd()))
}

// toolCommand is how the person ran the tool, for advice.
func toolCommand() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0]
	}
	return "update"
}

// isHealthError tells whether err is a failed post-update hook.
func isHealthError(err error) bool {
	var he *healthError
	return errors.As(err, &he)
}

// revertedForHealth tells whether err is a failed post-update hook whose
// update was reverted.
func revertedForHealth(err error) bool {
	var he *healthError
	return errors.As(err, &he) && he.reverted
}
