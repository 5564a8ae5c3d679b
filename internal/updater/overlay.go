package updater

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/dustin/go-humanize"

	"inplace/internal/api"
	"inplace/internal/drift"
	"inplace/internal/fsx"
	"inplace/internal/home"
	"inplace/internal/merge"
	"inplace/internal/overlay"
	"inplace/internal/plan"
	"inplace/internal/txn"
)

// ErrOverlay is wrapped by the errors of an overlay that cannot be
// applied as it is (it is damaged, forged, or for another product).
var ErrOverlay = errors.New("overlay refused")

// ApplyOptions are the choices of an --apply-overlay run.
type ApplyOptions struct {
	Dir    string // the overlay folder
	DryRun bool
}

// ApplyOverlay re-applies the customisations of an overlay (written by
// --status --export) to this home, at the overlay's level or a later one.
// Each path is decided as an update decides it (plan.Decide), with Base
// the overlay's pristine version, Local the file here and Target the
// overlay's customised version; files both changed are merged with the
// customer's version as ours, so the result is what an update from the
// overlay's level to this one would have made of the customised file.
//
// It is one transaction, recorded as a run that --revert undoes; the level
// and the applied updates stay as they are (the overlay's files are not
// the vendor's). When any path conflicts nothing is changed: the report
// lists the conflicts and ErrConflicts is returned.
func (u *Updater) ApplyOverlay(ctx context.Context, opts ApplyOptions) (*Report, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	if st.Pending != nil {
		return nil, PendingError(st.Pending)
	}
	ov, err := openOverlay(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer ov.Close()
	m := ov.m
	if m.Product != u.Product {
		return nil, fmt.Errorf("%w: %s holds customisations of %s, and this is %s: an overlay applies only to the product it was exported from",
			ErrOverlay, opts.Dir, m.Product, u.Product)
	}
	if m.Level > st.Level {
		return nil, fmt.Errorf("%w: %s was exported at level %s, and %s is at the older level %s: update it to at least that level first (-t %d)",
			ErrOverlay, opts.Dir, LevelString(m.Level), u.Product, LevelString(st.Level), m.Level)
	}
	if err := api.CheckUpdateSet([]api.Update{{Files: ov.changes()}}, caseInsensitive); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOverlay, err)
	}
	rep := &Report{Action: "overlay", Product: u.Product, From: st.Level, To: st.Level, DryRun: opts.DryRun}
	watch := startWatch(rep)
	steps, err := u.decideOverlay(ctx, ov)
	if err != nil {
		return nil, err
	}
	if problems := append(u.misplaced(steps), u.throughLinks(steps)...); len(problems) > 0 {
		return nil, &PreflightError{Action: "--apply-overlay", Problems: problems}
	}
	changes := 0
	for _, s := range steps {
		switch {
		case s.Action == plan.Conflict:
			rep.Conflicts = append(rep.Conflicts, FileReport{Path: s.Path, Action: "conflict", Reason: s.Reason, Merge: s.report})
		case s.Action.Changes():
			changes++
			rep.Files = append(rep.Files, FileReport{Path: s.Path, Action: s.Action.String(), Merge: s.report})
		}
	}
	watch.lap("plan")
	if len(rep.Conflicts) > 0 {
		rep.Files = nil
		rep.Result = fmt.Sprintf("%d conflict(s), nothing was changed: for each F, the overlay's version is in %s and the vendor's at the overlay's level in %s; "+
			"put what you want into F yourself and remove F's entry from %s (and its files), or make F the overlay's version; then run --apply-overlay again",
			len(rep.Conflicts), filepath.Join(opts.Dir, overlay.FilesDir, "F"), filepath.Join(opts.Dir, overlay.PristineDir, "F"), filepath.Join(opts.Dir, overlay.ManifestFile))
		if opts.DryRun {
			rep.Result = fmt.Sprintf("dry run: nothing was changed; applying the overlay would stop on %d conflict(s)", len(rep.Conflicts))
		}
		return rep, ErrConflicts
	}
	switch {
	case opts.DryRun:
		rep.Result = "dry run: nothing was changed"
		return rep, nil
	case changes == 0:
		rep.Result = fmt.Sprintf("nothing to do: %s already holds every customisation of the overlay", u.Product)
		return rep, nil
	}
	if err := u.applyOverlay(ctx, st, ov, steps); err != nil {
		return nil, err
	}
	watch.lap("apply")
	rep.Result = fmt.Sprintf("applied the overlay to %s (%d path(s)); it stays at level %s; --revert undoes it",
		u.Product, changes, LevelString(st.Level))
	return rep, nil
}

// decideOverlay plans every path of the overlay, merging text files in
// memory.
func (u *Updater) decideOverlay(ctx context.Context, ov *overlayDir) ([]decided, error) {
	paths := make([]string, len(ov.m.Files))
	for i, f := range ov.m.Files {
		paths[i] = f.Path
	}
	local, err := localEntries(ctx, u.Home, paths)
	if err != nil {
		return nil, err
	}
	steps := make([]decided, len(paths))
	for i, f := range ov.m.Files {
		in := plan.Input{Path: f.Path, Base: f.Pristine.Entry(f.Path), Local: local[f.Path], Target: f.Local.Entry(f.Path)}
		s := decided{Step: plan.Decide(in, func(p string) bool { return merge.Mergeable(p) })}
		if s.Action == plan.Conflict {
			s.Reason = overlayReason(s.Step)
		}
		if s.Action == plan.Merge {
			if err := u.mergeOverlay(ov, &s); err != nil {
				return nil, err
			}
		}
		steps[i] = s
	}
	return steps, nil
}

// mergeOverlay merges one file: the customer's version (the overlay's) as
// ours, the file here as theirs, the overlay's pristine as base.
func (u *Updater) mergeOverlay(ov *overlayDir, s *decided) error {
	base, err := ov.root.ReadFile(ov.name(overlay.PristineDir, s.Path))
	if err != nil {
		return err
	}
	ours, err := ov.root.ReadFile(ov.name(overlay.FilesDir, s.Path))
	if err != nil {
		return err
	}
	if fsx.HashBytes(base) != s.Base.SHA256 || fsx.HashBytes(ours) != s.Target.SHA256 {
		return fmt.Errorf("%w: %s changed while it was read", ErrOverlay, ov.dir)
	}
	theirs, err := os.ReadFile(u.Home.Path(s.Path))
	if err != nil {
		return err
	}
	s.take(merge.File(s.Path, base, ours, theirs), "the vendor (since the overlay's level)")
	return nil
}

// overlayReason says why plan.Decide found a conflict, in the overlay's
// terms: Base the overlay's pristine, Local the file here, Target the
// overlay's customised version.
func overlayReason(s plan.Step) string {
	b, l, t := s.Base, s.Local, s.Target
	switch {
	case l == nil:
		return "the overlay changes this file, and it is missing here (the vendor removed it since the overlay's level?)"
	case t == nil:
		return "the overlay removes this file, and it changed here since the overlay's level"
	case b == nil:
		return "the overlay adds this file, and it is here with other content"
	case l.Kind != api.KindFile || t.Kind != api.KindFile || b.Kind != api.KindFile:
		return "a symbolic link (or a file and a link) changed by the overlay and here since the overlay's level"
	default:
		return "a binary file or archive changed by the overlay and here since the overlay's level"
	}
}

// throughLinks lists the paths to change that lie inside a symbolic link
// here: the tool never writes through a link.
func (u *Updater) throughLinks(steps []decided) []string {
	var problems []string
	for _, s := range steps {
		if !s.Action.Changes() {
			continue
		}
		for d := path.Dir(s.Path); d != "."; d = path.Dir(d) {
			if fi, err := os.Lstat(u.Home.Path(d)); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				problems = append(problems, fmt.Sprintf("%s: inside %s, a symbolic link; the tool does not write through links: make it a folder, or remove the path from the overlay", s.Path, d))
				break
			}
		}
	}
	return problems
}

// applyOverlay carries out the plan as one transaction, a run that
// --revert undoes; the state keeps its level.
func (u *Updater) applyOverlay(ctx context.Context, st *home.State, ov *overlayDir, steps []decided) error {
	run := newRun()
	short := run[len(run)-6:]
	j := &txn.Journal{Txn: run + "-" + txn.ActOverlay, Run: run, Action: txn.ActOverlay, Before: st}
	type stage struct {
		name  string
		entry *api.Entry
		data  []byte // merged bytes; nil: copy the overlay's file
	}
	var stages []stage
	var need int64
	for _, s := range steps {
		if !s.Action.Changes() {
			continue
		}
		op := txn.Op{Path: s.Path, Had: s.Local != nil}
		if op.Had {
			op.Backup = path.Join(txn.RunDir(run), txn.ActOverlay, fmt.Sprint(len(j.Ops)))
		} else {
			op.NewDirs = txn.MissingDirs(u.Home, s.Path)
		}
		if s.Action != plan.Remove {
			op.Stage = stageName(s.Path, short)
			sg := stage{name: op.Stage, entry: s.Target}
			if s.Action == plan.Merge {
				sg.data = s.merged
			}
			stages = append(stages, sg)
			need += s.Target.Size
		}
		j.Ops = append(j.Ops, op)
	}
	problems := u.unchangeable(j.Ops)
	if free, err := fsx.FreeSpace(u.Home.Dir); err == nil && uint64(need)+minFree > free {
		problems = append(problems, fmt.Sprintf("%s: %s free, the overlay needs %s (and keeps %s spare)",
			u.Home.Dir, humanize.IBytes(free), humanize.IBytes(uint64(need)), humanize.IBytes(minFree)))
	}
	if len(problems) > 0 {
		return &PreflightError{Action: "--apply-overlay", Problems: problems}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := txn.Begin(u.Home, j); err != nil {
		return err
	}
	fail := func(err error) error { return rollbackAfter(u.Home, err) }
	for _, s := range stages {
		err := writeStage(u.Home, s.name, s.entry, func(f *os.File) error {
			if s.data != nil {
				_, err := f.Write(s.data)
				return err
			}
			return ov.copyFile(s.entry, f)
		})
		if err != nil {
			return fail(fmt.Errorf("prepare %s: %w", s.entry.Path, err))
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := txn.Apply(u.Home, j); err != nil {
		return fail(err)
	}
	next := *st
	next.Runs = append(append([]string(nil), st.Runs...), run)
	next.Merges = append([]home.MergeRecord(nil), st.Merges...)
	for _, s := range steps {
		if s.Action == plan.Merge && s.report != nil {
			next.Merges = append(next.Merges, home.MergeRecord{Run: run, Level: st.Level, Path: s.Path, Report: s.report})
		}
	}
	if err := txn.Commit(u.Home, j, &next); err != nil {
		return fail(err)
	}
	return Prune(u.Home)
}

// overlayDir is an overlay folder opened for reading: its manifest,
// parsed and checked against the files it names.
type overlayDir struct {
	dir  string
	root *os.Root // reads cannot leave the folder
	m    *overlay.Manifest
}

// openOverlay reads and checks an overlay folder: its manifest (strictly,
// see overlay.Parse), and every file it names, which must have the type,
// size and hash the manifest gives; a file or link in files/ or pristine/
// that the manifest does not name is refused too.
func openOverlay(dir string) (*overlayDir, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open the overlay: %w", err)
	}
	ov := &overlayDir{dir: dir, root: root}
	if err := ov.check(); err != nil {
		root.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrOverlay, dir, err)
	}
	return ov, nil
}

func (ov *overlayDir) Close() error { return ov.root.Close() }

// name is the root-relative name of the version of rel in part.
func (ov *overlayDir) name(part, rel string) string {
	return filepath.Join(part, filepath.FromSlash(rel))
}

func (ov *overlayDir) check() error {
	fi, err := ov.root.Lstat(overlay.ManifestFile)
	if err != nil {
		return fmt.Errorf("no %s: it is not an overlay folder (--status --export writes one)", overlay.ManifestFile)
	}
	if !fi.Mode().IsRegular() || fi.Size() > overlay.MaxManifest {
		return fmt.Errorf("%s is not a regular file of at most %d bytes", overlay.ManifestFile, overlay.MaxManifest)
	}
	b, err := ov.root.ReadFile(overlay.ManifestFile)
	if err != nil {
		return err
	}
	if ov.m, err = overlay.Parse(b); err != nil {
		return err
	}
	want := map[string]*drift.Version{} // root-relative slash path → version
	for _, f := range ov.m.Files {
		if f.Local != nil {
			want[path.Join(overlay.FilesDir, f.Path)] = f.Local
		}
		if f.Kind == drift.Modified {
			want[path.Join(overlay.PristineDir, f.Path)] = f.Pristine
		}
	}
	for name, v := range want {
		if err := ov.checkVersion(name, v); err != nil {
			return err
		}
	}
	for _, part := range []string{overlay.FilesDir, overlay.PristineDir} {
		err := fs.WalkDir(ov.root.FS(), part, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == part {
				return fs.SkipDir
			}
			if err != nil {
				return err
			}
			if !d.IsDir() && want[p] == nil {
				return fmt.Errorf("%s is not named in %s", p, overlay.ManifestFile)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkVersion checks that the entry at name is what v says.
func (ov *overlayDir) checkVersion(name string, v *drift.Version) error {
	fi, err := ov.root.Lstat(filepath.FromSlash(name))
	if err != nil {
		return fmt.Errorf("%s is missing", name)
	}
	switch v.Type {
	case api.KindSymlink:
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("%s is not a symbolic link, as %s says", name, overlay.ManifestFile)
		}
		t, err := ov.root.Readlink(filepath.FromSlash(name))
		if err != nil {
			return err
		}
		if filepath.ToSlash(t) != v.Target {
			return fmt.Errorf("%s points to %s, and %s says %s", name, t, overlay.ManifestFile, v.Target)
		}
	default:
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file, as %s says", name, overlay.ManifestFile)
		}
		if fi.Size() != v.Size {
			return fmt.Errorf("%s has %d bytes, and %s says %d", name, fi.Size(), overlay.ManifestFile, v.Size)
		}
		f, err := ov.root.Open(filepath.FromSlash(name))
		if err != nil {
			return err
		}
		defer f.Close()
		sum, err := hashReader(io.LimitReader(f, v.Size+1))
		if err != nil {
			return err
		}
		if sum != v.SHA256 {
			return fmt.Errorf("%s does not have the sha256 %s says (it was changed after the export)", name, overlay.ManifestFile)
		}
	}
	return nil
}

// copyFile writes the overlay's customised version of e's path to w,
// checking its hash and size again as it goes.
func (ov *overlayDir) copyFile(e *api.Entry, w io.Writer) error {
	f, err := ov.root.Open(ov.name(overlay.FilesDir, e.Path))
	if err != nil {
		return err
	}
	defer f.Close()
	h := newHasher()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(f, e.Size+1))
	if err != nil {
		return err
	}
	if n != e.Size || h.sum() != e.SHA256 {
		return fmt.Errorf("%w: %s changed while it was applied", ErrOverlay, ov.name(overlay.FilesDir, e.Path))
	}
	return nil
}

// changes is what the overlay brings, as an update's changes.
func (ov *overlayDir) changes() []api.Change {
	out := make([]api.Change, len(ov.m.Files))
	for i, f := range ov.m.Files {
		if f.Local == nil {
			out[i] = api.Change{Entry: api.Entry{Path: f.Path}, Remove: true}
		} else {
			out[i] = api.Change{Entry: *f.Local.Entry(f.Path)}
		}
	}
	return out
}
