package updater

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"inplace/internal/api"
	"inplace/internal/home"
	"inplace/internal/plan"
)

// HotfixSource is a Source that also serves hotfixes: the signed
// descriptor of one, and the list published for the session's account.
type HotfixSource interface {
	// Hotfix returns the verified descriptor of hotfix id of product, or
	// an error wrapping api.ErrHotfixNotPublished when the account may not
	// read it.
	Hotfix(ctx context.Context, product, id string) (api.Hotfix, error)
	// PublishedHotfixes lists the hotfixes of product published for the
	// session's account.
	PublishedHotfixes(ctx context.Context, product string) ([]api.HotfixSummary, error)
}

func (u *Updater) hotfixSource() (HotfixSource, error) {
	hs, ok := u.Src.(HotfixSource)
	if !ok {
		return nil, errors.New("this update server connection does not serve hotfixes")
	}
	return hs, nil
}

// includedIn returns the number of an applied update that includes
// hotfix id, or 0.
func includedIn(st *home.State, id string) int {
	for _, up := range st.Applied {
		if slices.Contains(up.Hotfixes, id) {
			return up.Number
		}
	}
	for _, h := range st.FoldedHotfixes {
		if h.ID == id {
			return h.IncludedIn
		}
	}
	return 0
}

// ApplyHotfix applies the hotfix id published for the session's account,
// with the per-file decisions, merges and transaction of an update; the
// update level does not change. It returns ErrConflicts when conflicts
// were left to resolve (or would be, on a dry run).
func (u *Updater) ApplyHotfix(ctx context.Context, id string, dryRun bool) (*Report, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	if st.Pending != nil {
		return nil, PendingError(st.Pending)
	}
	for _, h := range st.Hotfixes {
		if h.ID == id {
			return nil, fmt.Errorf("hotfix %s is already applied (%s): nothing to do", id, h.AppliedAt.Format("2006-01-02 15:04 UTC"))
		}
	}
	if n := includedIn(st, id); n > 0 {
		return nil, fmt.Errorf("hotfix %s is included in update %d, which is applied: nothing to do", id, n)
	}
	src, err := u.hotfixSource()
	if err != nil {
		return nil, err
	}
	rep := &Report{Action: "hotfix", Hotfix: id, Product: u.Product, Channel: u.Channel, From: st.Level, To: st.Level, DryRun: dryRun}
	watch := startWatch(rep)
	h, err := src.Hotfix(ctx, u.Product, id)
	if errors.Is(err, api.ErrHotfixNotPublished) {
		return nil, fmt.Errorf("hotfix %s is not published for your account of %s: ask the vendor's support", id, u.Product)
	}
	if err != nil {
		return nil, err
	}
	if err := checkHotfix(u.Product, id, h); err != nil {
		return nil, err
	}
	watch.lap("check")
	rec := home.AppliedHotfix{Hotfix: h, Level: st.Level, AppliedAt: time.Now().UTC()}
	after := append(slices.Clone(st.Hotfixes), rec)
	tr := transition{
		paths:  plan.Paths(plan.Target([]api.Update{h.AsUpdate()})),
		before: homeLayers(st.Applied, st.Hotfixes),
		after:  homeLayers(st.Applied, after),
	}
	return u.runHotfix(ctx, st, tr, rep, watch, dryRun, func(run string) *home.HotfixSet {
		after[len(after)-1].Run = run
		return &home.HotfixSet{Applied: after, Folded: st.FoldedHotfixes}
	}, fmt.Sprintf("applied hotfix %s to %s (level unchanged: %s)", id, u.Product, LevelString(st.Level)))
}

// RevertHotfix undoes hotfix id alone, even when later runs came after
// it: the files it changed go back to what the vendor's view of the home
// holds without it, through the decisions and merges of an update
// (B: with the hotfix, T: without, L: the local file) in a new
// transaction, itself undone by a plain Revert. When the hotfix's run is
// the last one, it is reverted as any run. It returns ErrReverted on
// success and ErrConflicts when conflicts were left to resolve.
func (u *Updater) RevertHotfix(ctx context.Context, id string) (*Report, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	if st.Pending != nil {
		return nil, PendingError(st.Pending)
	}
	i := slices.IndexFunc(st.Hotfixes, func(h home.AppliedHotfix) bool { return h.ID == id })
	if i < 0 {
		if n := includedIn(st, id); n > 0 {
			return nil, fmt.Errorf("hotfix %s is included in update %d: it cannot be reverted alone (--revert undoes the update)", id, n)
		}
		return nil, fmt.Errorf("hotfix %s is not applied to %s (see --details)", id, u.Product)
	}
	if len(st.Runs) > 0 && st.Runs[len(st.Runs)-1] == st.Hotfixes[i].Run {
		return u.Revert(ctx)
	}
	rep := &Report{Action: "revert-hotfix", Hotfix: id, Product: u.Product, Channel: u.Channel, From: st.Level, To: st.Level}
	watch := startWatch(rep)
	after := slices.Delete(slices.Clone(st.Hotfixes), i, i+1)
	tr := transition{
		paths:  plan.Paths(plan.Target([]api.Update{st.Hotfixes[i].AsUpdate()})),
		before: homeLayers(st.Applied, st.Hotfixes),
		after:  homeLayers(st.Applied, after),
	}
	rep, err = u.runHotfix(ctx, st, tr, rep, watch, false, func(string) *home.HotfixSet {
		return &home.HotfixSet{Applied: after, Folded: st.FoldedHotfixes}
	}, fmt.Sprintf("reverted hotfix %s of %s (level unchanged: %s); --revert undoes this", id, u.Product, LevelString(st.Level)))
	if err == nil {
		err = ErrReverted
	}
	return rep, err
}

// runHotfix plans and carries out a run that changes the hotfixes only.
func (u *Updater) runHotfix(ctx context.Context, st *home.State, tr transition, rep *Report, watch *stopwatch, dryRun bool,
	set func(run string) *home.HotfixSet, done string) (*Report, error) {
	steps, err := u.decide(ctx, tr)
	if err != nil {
		return nil, err
	}
	if problems := u.misplaced(steps); len(problems) > 0 {
		return nil, &PreflightError{Action: rep.Action, Problems: problems}
	}
	conflicts := 0
	for _, s := range steps {
		switch s.Action {
		case plan.Conflict:
			conflicts++
			rep.Conflicts = append(rep.Conflicts, FileReport{Path: s.Path, Action: "conflict", Reason: s.Reason, Merge: s.report})
		case plan.Same, plan.Keep:
			if s.Action == plan.Keep && !plan.Equal(s.Local, s.Base) {
				rep.Files = append(rep.Files, FileReport{Path: s.Path, Action: "keep", Reason: "your version; the hotfix leaves it as it was"})
			}
		default:
			rep.Files = append(rep.Files, FileReport{Path: s.Path, Action: s.Action.String(), Reason: s.Reason, Merge: s.report})
		}
	}
	if dryRun {
		watch.lap("plan")
		rep.Result = "dry run: nothing was changed"
		if conflicts > 0 {
			rep.Result = fmt.Sprintf("dry run: nothing was changed; the hotfix would stop on %d conflict(s)", conflicts)
			return rep, ErrConflicts
		}
		return rep, nil
	}
	run := newRun()
	o := outcome{run: run, level: st.Level, hotfixes: set(run), report: rep}
	if err := u.apply(ctx, st, steps, watch, o); err != nil {
		return nil, err
	}
	if conflicts > 0 {
		rep.Result = fmt.Sprintf("%d conflict(s): for each F, write your resolution to F.final (F is yours, F.old the vendor's "+
			"version before, F.updated the one after) and run again with --continue; or undo with --revert", conflicts)
		return rep, ErrConflicts
	}
	rep.Result = done
	return rep, nil
}

// checkHotfix refuses a descriptor that does not fit the question, or
// whose paths leave the product.
func checkHotfix(product, id string, h api.Hotfix) error {
	if h.Product != product || h.ID != id {
		return fmt.Errorf("update server sent hotfix %s of %q for hotfix %s of %q", h.ID, h.Product, id, product)
	}
	up := h.AsUpdate()
	if err := checkChanges(up, fmt.Sprintf("hotfix %s", id)); err != nil {
		return err
	}
	return api.CheckUpdateSet([]api.Update{up}, caseInsensitive)
}
