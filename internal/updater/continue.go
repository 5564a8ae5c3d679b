package updater

import (
	"context"
	"errors"
	"fmt"
	"path"

	"inplace/internal/fsx"
	"inplace/internal/home"
	"inplace/internal/txn"
)

// Continue finishes an update that stopped on conflicts: each F.final
// replaces F, and F.old, F.updated and F.final go. With a .final missing it
// lists what is missing and returns ErrConflicts.
func (u *Updater) Continue(ctx context.Context) (*Report, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	p := st.Pending
	if p == nil {
		return nil, errors.New("nothing to continue: no conflicts are pending")
	}
	// Revert restores each path from the first phase of the run that moved
	// it. Paths the update already moved keep that backup, so what this
	// phase moves aside is needed only to roll it back, and goes at commit.
	var upd txn.Journal
	if err := home.ReadJSON(u.Home.Path(txn.PhaseFile(p.Run, txn.ActUpdate)), &upd); err != nil {
		return nil, fmt.Errorf("the record of run %s cannot be read (%v): revert it with --revert, or restore PRODUCT_HOME from your own backup", p.Run, err)
	}
	inUpdate := make(map[string]bool, len(upd.Ops))
	for _, op := range upd.Ops {
		inUpdate[op.Path] = true
	}
	channel := u.Channel
	if channel == "" {
		channel = st.Channel
	}
	rep := &Report{Action: "continue", Product: u.Product, Channel: channel, From: st.Level, To: p.Level, Updates: infos(p.Applied)}
	j := &txn.Journal{Txn: p.Run + "-continue", Run: p.Run, Action: txn.ActContinue}
	backup := func() string { return path.Join(txn.RunDir(p.Run), "continue", fmt.Sprint(len(j.Ops))) }
	for _, c := range p.Conflicts {
		final := c.Path + ".final"
		fe, err := localEntry(u.Home, final)
		if err != nil {
			return nil, err
		}
		le, err := localEntry(u.Home, c.Path)
		if err != nil {
			return nil, err
		}
		switch {
		case fe == nil && !c.Update && le == nil:
			// The update removes F and the customer removed it too: resolved.
			rep.Files = append(rep.Files, FileReport{Path: c.Path, Action: "remove"})
		case fe == nil:
			rep.Missing = append(rep.Missing, final)
			continue
		case fe.Kind == kindOther:
			return nil, fmt.Errorf("%s is not a file: replace it with the file you want as %s", u.Home.Path(final), c.Path)
		default:
			op := txn.Op{Path: c.Path, Had: le != nil, Stage: final, KeepStage: true}
			if op.Had {
				op.Backup = backup()
			}
			j.Ops = append(j.Ops, op)
			rep.Files = append(rep.Files, FileReport{Path: c.Path, Action: "resolve", Reason: "from " + path.Base(final)})
		}
		for _, extra := range []string{c.Path + ".old", c.Path + ".updated"} {
			if fsx.Exists(u.Home.Path(extra)) {
				j.Ops = append(j.Ops, txn.Op{Path: extra, Had: true, Backup: backup()})
			}
		}
	}
	for _, op := range j.Ops {
		if op.Had && inUpdate[op.Path] {
			j.Cleanup = append(j.Cleanup, op.Backup)
		}
	}
	if len(rep.Missing) > 0 {
		rep.Files = nil
		rep.Result = fmt.Sprintf("%d conflict(s) still lack their .final file: write them, then run --continue again", len(rep.Missing))
		return rep, ErrConflicts
	}
	if problems := u.unchangeable(j.Ops); len(problems) > 0 {
		return nil, &PreflightError{Action: "--continue", Problems: problems}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := u.beforeChange(ctx, rep); err != nil {
		return nil, err
	}
	if err := txn.Begin(u.Home, j); err != nil {
		return nil, err
	}
	if err := txn.Apply(u.Home, j); err != nil {
		return nil, rollbackAfter(u.Home, err)
	}
	next := *st
	next.Level = p.Level
	next.Applied = append(append([]home.Applied(nil), st.Applied...), p.Applied...)
	next.Channel = channel
	if p.Hotfixes != nil {
		next.Hotfixes, next.FoldedHotfixes = p.Hotfixes.Applied, p.Hotfixes.Folded
	}
	next.Pending = nil
	if err := txn.Commit(u.Home, j, &next); err != nil {
		return nil, rollbackAfter(u.Home, err)
	}
	rep.Result = fmt.Sprintf("resolved %d conflict(s); %s is at level %s", len(p.Conflicts), u.Product, LevelString(p.Level))
	return rep, nil
}

// beforeChange calls BeforeChange, if set.
func (u *Updater) beforeChange(ctx context.Context, rep *Report) error {
	if u.BeforeChange == nil {
		return nil
	}
	return u.BeforeChange(ctx, rep)
}

// rollbackAfter undoes an open transaction after err.
func rollbackAfter(h *home.Home, err error) error {
	if _, rerr := txn.Recover(h); rerr != nil {
		return fmt.Errorf("%w; rolling back also failed: %v (the next run will try again)", err, rerr)
	}
	return fmt.Errorf("%w (nothing was changed)", err)
}
