package updater

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"inplace/internal/api"
	"inplace/internal/home"
	"inplace/internal/merge"
	"inplace/internal/plan"
	"inplace/internal/rules"
	"inplace/internal/txn"
)

// UpdateOptions are the choices of an update run.
type UpdateOptions struct {
	Upto   int64 // -t: the highest level to reach; 0 the newest
	DryRun bool
}

// decided is a plan step with what the run needs to carry it out.
type decided struct {
	plan.Step
	merged []byte        // the merged bytes of a clean Merge
	report *merge.Report // what a structure-aware merge did, setting by setting
	base   []byte        // B's bytes, when a conflict needs F.old and they were fetched
	target []byte        // T's bytes, when they were fetched
}

// Update brings the home to the newest level of its channel (or opts.Upto).
// It returns ErrConflicts when conflicts were left to resolve (or would be,
// on a dry run).
func (u *Updater) Update(ctx context.Context, opts UpdateOptions) (*Report, error) {
	st, err := u.Home.LoadState()
	if err != nil {
		return nil, err
	}
	if st.Pending != nil {
		return nil, PendingError(st.Pending)
	}
	rep := &Report{Action: "update", Product: u.Product, Channel: u.Channel, From: st.Level, To: st.Level, DryRun: opts.DryRun}
	watch := startWatch(rep)
	if opts.Upto > 0 && opts.Upto <= st.Level {
		rep.Result = fmt.Sprintf("already at level %s, not below -t %d; use --revert to go back", LevelString(st.Level), opts.Upto)
		return rep, nil
	}
	updates, err := u.Src.Updates(ctx, u.Product, st.Level, opts.Upto)
	if err != nil {
		return nil, err
	}
	if err := checkUpdates(u.Product, st.Level, opts.Upto, updates); err != nil {
		return nil, err
	}
	watch.lap("check")
	if len(updates) == 0 {
		rep.Result = fmt.Sprintf("up to date: %s is at level %s, the newest of the %s channel", u.Product, LevelString(st.Level), u.Channel)
		return rep, nil
	}
	rep.Updates = infos(updates)
	rep.To = updates[len(updates)-1].Timestamp

	tr, hotfixes := updateTransition(st, updates)
	steps, err := u.decide(ctx, tr)
	if err != nil {
		return nil, err
	}
	if problems := u.misplaced(steps); len(problems) > 0 {
		return nil, &PreflightError{Action: "update", Problems: problems}
	}
	var conflicts []decided
	for _, s := range steps {
		switch s.Action {
		case plan.Conflict:
			conflicts = append(conflicts, s)
			rep.Conflicts = append(rep.Conflicts, FileReport{Path: s.Path, Action: "conflict", Reason: s.Reason, Merge: s.report})
		case plan.Same:
		case plan.Keep:
			if !plan.Equal(s.Local, s.Base) {
				reason := s.Reason
				if reason == "" {
					reason = "your version; the update leaves it as it was"
				}
				rep.Files = append(rep.Files, FileReport{Path: s.Path, Action: "keep", Reason: reason})
			}
		default:
			rep.Files = append(rep.Files, FileReport{Path: s.Path, Action: s.Action.String(), Reason: s.Reason, Merge: s.report})
		}
	}
	for _, h := range hotfixes.Folded[len(st.FoldedHotfixes):] {
		u.logf("hotfix %s: included in update %d, which replaces it", h.ID, h.IncludedIn)
	}
	if opts.DryRun {
		watch.lap("plan")
		rep.Result = "dry run: nothing was changed"
		if len(conflicts) > 0 {
			rep.Result = fmt.Sprintf("dry run: nothing was changed; the update would stop on %d conflict(s)", len(conflicts))
			return rep, ErrConflicts
		}
		return rep, nil
	}
	o := outcome{run: newRun(), level: rep.To, updates: updates, channel: u.Channel, hotfixes: hotfixes, report: rep}
	if err := u.apply(ctx, st, steps, watch, o); err != nil {
		return nil, err
	}
	if len(conflicts) > 0 {
		rep.Result = fmt.Sprintf("%d conflict(s): for each F, write your resolution to F.final (F is yours, F.old the vendor's "+
			"previous version, F.updated the new one) and run again with --continue; or undo with --revert", len(conflicts))
		return rep, ErrConflicts
	}
	rep.Result = fmt.Sprintf("updated %s to level %s", u.Product, LevelString(rep.To))
	return rep, nil
}

// checkUpdates refuses an answer that does not fit the question: a server
// must not move the product back, nor send paths outside the product.
func checkUpdates(product string, after, upto int64, us []api.Update) error {
	last := after
	for _, up := range us {
		if up.Product != product {
			return fmt.Errorf("update server sent update %d of product %q, not %q", up.Number, up.Product, product)
		}
		if up.Timestamp <= last || (upto > 0 && up.Timestamp > upto) {
			return fmt.Errorf("update server sent update %d at level %d, outside (%d, %d]", up.Number, up.Timestamp, after, upto)
		}
		last = up.Timestamp
		if err := checkChanges(up, fmt.Sprintf("update %d", up.Number)); err != nil {
			return err
		}
	}
	return api.CheckUpdateSet(us, caseInsensitive)
}

// checkChanges refuses paths outside the product and unknown kinds in
// the changes of up, named what.
func checkChanges(up api.Update, what string) error {
	for _, c := range up.Files {
		p, err := api.CleanPath(c.Path)
		if err != nil || p != c.Path || api.ToolPath(p) {
			return fmt.Errorf("update server sent a bad path in %s: %q", what, c.Path)
		}
		if !c.Remove && c.Kind != api.KindFile && c.Kind != api.KindSymlink {
			return fmt.Errorf("update server sent an entry of unknown kind %q for %s", c.Kind, c.Path)
		}
		if !c.Remove && c.Kind == api.KindSymlink {
			if err := api.CheckLinkTarget(c.Path, c.Target); err != nil {
				return fmt.Errorf("update server sent a bad link in %s: %v", what, err)
			}
		}
	}
	return nil
}

// caseInsensitive: this system takes names that differ only by case for
// one file (tests set it).
var caseInsensitive = api.CaseInsensitive(runtime.GOOS)

// transition is what a run changes in the vendor's view of the home: for
// each path, its pristine entry before (B) and after (T) the run.
type transition struct {
	paths  []string
	before layers
	after  layers
	// guard names the paths a hotfix changed that the run changes too
	// without including it: whatever the customer did, such a path is a
	// conflict, with this reason, so that the fix is never dropped
	// silently.
	guard map[string]string
}

// updateTransition is what updates bring to a home in state st: their
// paths, and the files of the applied hotfixes they include, which fold
// into them. It returns the home's hotfixes after the run.
func updateTransition(st *home.State, updates []api.Update) (transition, *home.HotfixSet) {
	included := map[string]int{} // hotfix id -> the first update including it
	for _, up := range updates {
		for _, id := range up.Hotfixes {
			if _, ok := included[id]; !ok {
				included[id] = up.Number
			}
		}
	}
	set := &home.HotfixSet{Applied: []home.AppliedHotfix{}, Folded: slices.Clone(st.FoldedHotfixes)}
	touched := plan.Target(updates)
	for _, h := range st.Hotfixes {
		if n, ok := included[h.ID]; ok {
			h.IncludedIn = n
			set.Folded = append(set.Folded, h)
			for _, c := range h.Files {
				if _, ok := touched[c.Path]; !ok {
					touched[c.Path] = nil // pristine after the run decides
				}
			}
			continue
		}
		set.Applied = append(set.Applied, h)
	}
	tr := transition{
		paths:  plan.Paths(touched),
		before: homeLayers(st.Applied, st.Hotfixes),
		after:  homeLayers(append(slices.Clone(st.Applied), updates...), set.Applied),
		guard:  map[string]string{},
	}
	numbers := map[string]int{}
	for _, up := range updates {
		for _, c := range up.Files {
			if _, ok := numbers[c.Path]; !ok {
				numbers[c.Path] = up.Number
			}
		}
	}
	for _, h := range set.Applied {
		for _, c := range h.Files {
			if n, ok := numbers[c.Path]; ok {
				tr.guard[c.Path] = fmt.Sprintf("hotfix %s changed this file and update %d changes it too without including the hotfix: "+
					"F.old holds the hotfix's version, F.updated the update's; keep the fix in F.final, or ask the vendor's support", h.ID, n)
			}
		}
	}
	return tr, set
}

// layers are the changes a home received, in the order the vendor's view
// of it stacks them on the base distribution.
type layers [][]api.Change

// homeLayers stacks applied updates (by timestamp) and applied hotfixes:
// each hotfix after the updates up to the level it was applied at, in the
// order applied.
func homeLayers(applied []api.Update, hotfixes []home.AppliedHotfix) layers {
	us := slices.Clone(applied)
	sort.SliceStable(us, func(i, j int) bool { return us[i].Timestamp < us[j].Timestamp })
	var ls layers
	i := 0
	for _, up := range us {
		for ; i < len(hotfixes) && hotfixes[i].Level < up.Timestamp; i++ {
			ls = append(ls, hotfixes[i].Files)
		}
		ls = append(ls, up.Files)
	}
	for ; i < len(hotfixes); i++ {
		ls = append(ls, hotfixes[i].Files)
	}
	return ls
}

// stack returns the vendor's entries of paths after the base
// distribution's entries dist and ls (nil: absent).
func stack(dist map[string]*api.Entry, ls layers, paths []string) map[string]*api.Entry {
	out := make(map[string]*api.Entry, len(paths))
	for _, p := range paths {
		out[p] = dist[p]
	}
	for _, l := range ls {
		for _, c := range l {
			if _, ok := out[c.Path]; !ok {
				continue
			}
			if c.Remove {
				out[c.Path] = nil
			} else {
				e := c.Entry
				out[c.Path] = &e
			}
		}
	}
	return out
}

// stackTree returns the vendor's whole tree after the base
// distribution's entries dist (sorted by path) and ls, sorted by path,
// without the tool's own paths.
func stackTree(dist []api.Entry, ls layers) []api.Entry {
	changed := map[string]*api.Entry{} // what ls did last to each path; nil: removed
	for _, l := range ls {
		for _, c := range l {
			if c.Remove {
				changed[c.Path] = nil
			} else {
				e := c.Entry
				changed[c.Path] = &e
			}
		}
	}
	out := make([]api.Entry, 0, len(dist)+len(changed))
	for _, e := range dist {
		if _, ok := changed[e.Path]; !ok && !api.ToolPath(e.Path) {
			out = append(out, e)
		}
	}
	for _, e := range changed {
		if e != nil && !api.ToolPath(e.Path) {
			out = append(out, *e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// decide plans every path of a transition, merging text files in memory.
func (u *Updater) decide(ctx context.Context, tr transition) ([]decided, error) {
	paths := tr.paths
	dist, err := u.Src.Pristine(ctx, u.Product, nil, paths) // the base distribution's entries
	if err != nil {
		return nil, err
	}
	base, target := stack(dist, tr.before, paths), stack(dist, tr.after, paths)
	local, err := localEntries(ctx, u.Home, paths)
	if err != nil {
		return nil, err
	}
	rs, err := u.Home.Rules()
	if err != nil {
		return nil, err
	}
	steps := make([]decided, len(paths))
	for i, p := range paths {
		in := plan.Input{Path: p, Base: base[p], Local: local[p], Target: target[p]}
		s := applyRule(plan.Decide(in, func(p string) bool { return merge.Mergeable(p) }), rs)
		if why, ok := tr.guard[p]; ok && s.Action != plan.Keep {
			s.Action, s.Reason = plan.Conflict, why
		}
		steps[i] = decided{Step: s}
	}
	for i := range steps {
		s := &steps[i]
		if s.Action != plan.Merge {
			continue
		}
		if s.base, err = u.fetch(ctx, s.Base); err != nil {
			return nil, err
		}
		if s.target, err = u.fetch(ctx, s.Target); err != nil {
			return nil, err
		}
		ours, err := os.ReadFile(u.Home.Path(s.Path))
		if err != nil {
			return nil, err
		}
		s.take(merge.File(s.Path, s.base, ours, s.target), "the update")
	}
	return steps, nil
}

// take records the three-way merge r of a Merge step: its bytes when
// clean, or else a conflict saying why; other names who changed the file
// besides the customer.
func (s *decided) take(r merge.Result, other string) {
	s.report = r.Report
	if r.Clean {
		s.merged = r.Merged
		return
	}
	s.Action = plan.Conflict
	switch {
	case r.Reason != "":
		s.Reason = r.Reason
	case r.Report != nil:
		keys := make([]string, len(r.Report.Conflicts))
		for i, c := range r.Report.Conflicts {
			keys[i] = c.Key
		}
		s.Reason = "you and " + other + " changed the same setting(s): " + strings.Join(keys, ", ")
	default:
		s.Reason = fmt.Sprintf("you and %s changed the same lines (%d place(s))", other, r.Conflicts)
	}
}

// applyRule lets the home's merge-rules decide a path that both the
// customer and the update changed.
func applyRule(s plan.Step, rs rules.Rules) plan.Step {
	if s.Action != plan.Merge && s.Action != plan.Conflict {
		return s
	}
	action, r := rs.Action(s.Path)
	if r == nil {
		return s
	}
	why := fmt.Sprintf("merge-rules line %d: %s", r.Line, action)
	switch action {
	case rules.Ours:
		s.Action, s.Reason = plan.Keep, why
	case rules.Theirs:
		s.Action, s.Reason = plan.Replace, why
		if s.Target == nil {
			s.Action = plan.Remove
		}
	case rules.Conflict:
		s.Action, s.Reason = plan.Conflict, why
	}
	return s
}

func (u *Updater) fetch(ctx context.Context, e *api.Entry) ([]byte, error) {
	var b bytes.Buffer
	if err := u.Src.Blob(ctx, e.SHA256, e.Size, &b, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// newRun names a new run; names sort in time order.
func newRun() string {
	return time.Now().UTC().Format("20060102T150405.000000000")
}

// staged is one file to prepare before the transaction's ops run.
type staged struct {
	stage string
	entry *api.Entry
	data  []byte    // the bytes, when known
	known bool      // false: download the entry's blob
	have  *api.Have // the file on disk a download may be a delta from
}

// misplaced lists the paths where something other than a file or link
// stands where the update brings one (a folder, say), and the files that
// stand where it needs a folder. The tool moves neither: the customer does.
func (u *Updater) misplaced(steps []decided) []string {
	var problems []string
	for _, s := range steps {
		if s.Action == plan.Keep || s.Action == plan.Same {
			continue
		}
		if s.Local != nil && s.Local.Kind == kindOther {
			problems = append(problems, fmt.Sprintf("%s: a folder (or other non-file) is where the update brings a file; move it out of the product folder", s.Path))
			continue
		}
		for d := path.Dir(s.Path); d != "."; d = path.Dir(d) {
			fi, err := os.Stat(u.Home.Path(d))
			if err != nil {
				continue // missing: the update creates it
			}
			if !fi.IsDir() {
				problems = append(problems, fmt.Sprintf("%s: a file is where the update needs a folder (for %s); move it out of the product folder", d, s.Path))
			}
			break
		}
	}
	return problems
}

// outcome is what a run records in the state once its files are in place.
type outcome struct {
	run      string
	level    int64        // the level reached
	updates  []api.Update // the updates it brings
	channel  string       // the channel it followed; "" keeps the state's
	hotfixes *home.HotfixSet
	report   *Report // the run's report so far, for BeforeChange
}

// apply carries out the plan as one transaction.
func (u *Updater) apply(ctx context.Context, st *home.State, steps []decided, watch *stopwatch, o outcome) error {
	run := o.run
	j := &txn.Journal{Txn: run + "-update", Run: run, Action: txn.ActUpdate, Before: st}
	var stages []staged
	pendingConflicts := []home.Conflict{}
	short := run[len(run)-6:]
	add := func(rel string, e *api.Entry, data []byte, known bool) error {
		had, err := localEntry(u.Home, rel)
		if err != nil {
			return err
		}
		op := txn.Op{Path: rel, Had: had != nil}
		if op.Had {
			op.Backup = path.Join(txn.RunDir(run), "update", fmt.Sprint(len(j.Ops)))
		} else {
			op.NewDirs = txn.MissingDirs(u.Home, rel)
		}
		if e != nil {
			op.Stage = stageName(rel, short)
			stages = append(stages, staged{stage: op.Stage, entry: e, data: data, known: known})
		}
		j.Ops = append(j.Ops, op)
		return nil
	}
	renames := renamed(steps)
	for _, s := range steps {
		var err error
		switch s.Action {
		case plan.Add, plan.Replace:
			err = add(s.Path, s.Target, nil, false)
			old := s.Local
			if from := renames[s.Path]; from != nil {
				old = from
			}
			if err == nil && s.Target.Kind == api.KindFile && old != nil && old.Kind == api.KindFile {
				stages[len(stages)-1].have = &api.Have{SHA256: old.SHA256, Path: u.Home.Path(old.Path)}
			}
		case plan.Remove:
			err = add(s.Path, nil, nil, false)
		case plan.Merge:
			e := *s.Target
			e.Mode = s.Local.Mode
			err = add(s.Path, &e, s.merged, true)
		case plan.Conflict:
			c := home.Conflict{Path: s.Path, Reason: s.Reason, Merge: s.report}
			if s.Base != nil {
				c.Old = true
				err = add(s.Path+".old", s.Base, s.base, s.base != nil)
			}
			if err == nil && s.Target != nil {
				c.Update = true
				err = add(s.Path+".updated", s.Target, s.target, s.target != nil)
			}
			pendingConflicts = append(pendingConflicts, c)
		}
		if err != nil {
			return err
		}
	}
	if err := u.preflight(j.Ops, stages); err != nil {
		return err
	}
	watch.lap("plan")
	if err := u.download(ctx, stages); err != nil {
		return err
	}
	watch.lap("download")
	if err := u.beforeChange(ctx, o.report); err != nil {
		return err
	}
	if err := txn.Begin(u.Home, j); err != nil {
		return err
	}
	fail := func(err error) error { return rollbackAfter(u.Home, err) }
	if err := u.stage(stages); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := txn.Apply(u.Home, j); err != nil {
		return fail(err)
	}
	next := *st
	next.Runs = append(append([]string(nil), st.Runs...), run)
	level := o.level
	next.Merges = append([]home.MergeRecord(nil), st.Merges...)
	for _, s := range steps {
		if s.Action == plan.Merge && s.report != nil {
			next.Merges = append(next.Merges, home.MergeRecord{Run: run, Level: level, Path: s.Path, Report: s.report})
		}
	}
	if len(pendingConflicts) > 0 {
		next.Pending = &home.Pending{Run: run, Level: level, Applied: o.updates, Conflicts: pendingConflicts, Hotfixes: o.hotfixes}
	} else {
		next.Level = level
		if o.channel != "" {
			next.Channel = o.channel
		}
		next.Applied = append(append([]home.Applied(nil), st.Applied...), o.updates...)
		if o.hotfixes != nil {
			next.Hotfixes, next.FoldedHotfixes = o.hotfixes.Applied, o.hotfixes.Folded
		}
	}
	if err := txn.Commit(u.Home, j, &next); err != nil {
		return fail(err)
	}
	if err := os.RemoveAll(u.Home.Path(downloadDir)); err != nil {
		return err
	}
	err := Prune(u.Home)
	watch.lap("apply")
	return err
}
