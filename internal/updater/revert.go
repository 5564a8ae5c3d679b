package updater

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"inplace/internal/fsx"
	"inplace/internal/home"
	"inplace/internal/txn"
)

// Revert undoes the last run that changed the product (an update with its
// --continue): every path it touched gets back exactly what it held before,
// customisations included. It returns ErrReverted on success.
func (u *Updater) Revert(ctx context.Context) (*Report, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	if len(st.Runs) == 0 {
		return nil, fmt.Errorf("nothing to revert: %s is at level %s and no update run is kept in %s", u.Product, LevelString(st.Level), home.BackupDir)
	}
	run := st.Runs[len(st.Runs)-1]
	// A run is an update (with its --continue) or an overlay applied.
	start := txn.ActUpdate
	if !fsx.Exists(u.Home.Path(txn.PhaseFile(run, start))) && fsx.Exists(u.Home.Path(txn.PhaseFile(run, txn.ActOverlay))) {
		start = txn.ActOverlay
	}
	var phases []txn.Journal
	for _, action := range []string{start, txn.ActContinue} {
		var j txn.Journal
		err := home.ReadJSON(u.Home.Path(txn.PhaseFile(run, action)), &j)
		if errors.Is(err, fs.ErrNotExist) && action == txn.ActContinue {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the backup of run %s cannot be read (%v): it cannot be reverted", run, err)
		}
		phases = append(phases, j)
	}
	before := phases[0].Before
	if before == nil {
		return nil, fmt.Errorf("the backup of run %s does not record the state before it: it cannot be reverted", run)
	}

	// What each path held before the run is told by the first op on it.
	first := make(map[string]txn.Op)
	var dirs []string
	for _, ph := range phases {
		for _, op := range ph.Ops {
			if _, ok := first[op.Path]; !ok {
				first[op.Path] = op
			}
			dirs = append(dirs, op.NewDirs...)
		}
	}
	paths := make([]string, 0, len(first))
	for p := range first {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	rep := &Report{Action: "revert", Product: u.Product, From: st.Level, To: before.Level}
	watch := startWatch(rep)
	j := &txn.Journal{Txn: run + "-revert", Run: run, Action: txn.ActRevert, Cleanup: []string{txn.RunDir(run)}}
	for _, p := range paths {
		orig := first[p]
		now := fsx.Exists(u.Home.Path(p))
		if orig.Had && orig.Backup != "" && !fsx.Exists(u.Home.Path(orig.Backup)) {
			return nil, fmt.Errorf("the backup of %s from run %s is missing (%s): the run cannot be reverted exactly", p, run, orig.Backup)
		}
		if !now && !orig.Had {
			continue
		}
		op := txn.Op{Path: p, Had: now}
		if now {
			op.Backup = path.Join(txn.RunDir(run), "revert", fmt.Sprint(len(j.Ops)))
		}
		if orig.Had {
			op.Stage, op.KeepStage = orig.Backup, true
			rep.Files = append(rep.Files, FileReport{Path: p, Action: "restore"})
		} else {
			rep.Files = append(rep.Files, FileReport{Path: p, Action: "remove"})
		}
		j.Ops = append(j.Ops, op)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	j.EmptyDirs = dirs
	if st.Pending != nil {
		for _, c := range st.Pending.Conflicts {
			if fsx.Exists(u.Home.Path(c.Path + ".final")) {
				u.logf("kept %s: it is yours; delete it if you no longer need it", c.Path+".final")
			}
		}
	}
	if problems := u.unchangeable(j.Ops); len(problems) > 0 {
		return nil, &PreflightError{Action: "--revert", Problems: problems}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := txn.Begin(u.Home, j); err != nil {
		return nil, err
	}
	if err := txn.Apply(u.Home, j); err != nil {
		return nil, rollbackAfter(u.Home, err)
	}
	next := *before
	next.Runs = st.Runs[:len(st.Runs)-1]
	next.Keep = st.Keep
	next.Pending = nil
	if err := txn.Commit(u.Home, j, &next); err != nil {
		return nil, rollbackAfter(u.Home, err)
	}
	rep.Result = fmt.Sprintf("reverted %s to level %s", u.Product, LevelString(before.Level))
	watch.lap("apply")
	return rep, ErrReverted
}
