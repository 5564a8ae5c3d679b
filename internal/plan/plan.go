// Package plan decides, for each path an update touches, what the update
// tool does with it (DESIGN §5). It is pure: it sees descriptions of the
// pristine file now (B), the local file (L) and the pristine file at the
// target level (T), and never reads or writes a disk or a network.
package plan

import (
	"sort"

	"inplace/internal/api"
)

// Action is what happens to one path.
type Action int

const (
	Keep     Action = iota // the update does not change the path (T == B): the local file stays
	Same                   // the local file already equals the target: nothing to do
	Add                    // write T where nothing was
	Replace                // write T over an unmodified local file
	Remove                 // remove an unmodified local file the update removes
	Merge                  // both sides changed a text file: three-way merge decides
	Conflict               // both sides changed the path and it cannot be merged
)

var actionNames = [...]string{"keep", "same", "add", "replace", "remove", "merge", "conflict"}

func (a Action) String() string { return actionNames[a] }

// Changes reports whether the action writes to the path.
func (a Action) Changes() bool { return a == Add || a == Replace || a == Remove || a == Merge }

// Input describes one path: nil means absent.
type Input struct {
	Path   string
	Base   *api.Entry // pristine at the current level
	Local  *api.Entry // on disk now (hash only for paths the update touches)
	Target *api.Entry // pristine at the target level
}

// Step is the decision for one path.
type Step struct {
	Input
	Action Action
	Reason string // why a Conflict (or Keep of a customised file) was chosen
}

// Mergeable tells whether a path with these entries may be merged as text;
// the caller knows file formats, plan does not.
type Mergeable func(path string) bool

// Decide applies DESIGN §5 to one path.
func Decide(in Input, mergeable Mergeable) Step {
	b, l, t := in.Base, in.Local, in.Target
	s := Step{Input: in}
	switch {
	case Equal(t, b):
		s.Action = Keep
	case Equal(l, b):
		switch {
		case t == nil:
			s.Action = Remove
		case l == nil:
			s.Action = Add
		default:
			s.Action = Replace
		}
	case Equal(l, t):
		s.Action = Same
	case l == nil:
		s.Action, s.Reason = Conflict, "you deleted a file the update changes"
	case t == nil:
		s.Action, s.Reason = Conflict, "the update removes a file you changed"
	case b == nil:
		s.Action, s.Reason = Conflict, "the update adds a file you already have, with other content"
	case l.Kind == api.KindFile && t.Kind == api.KindFile && b.Kind == api.KindFile && mergeable(in.Path):
		s.Action = Merge
	case l.Kind != api.KindFile || t.Kind != api.KindFile || b.Kind != api.KindFile:
		s.Action, s.Reason = Conflict, "a symbolic link changed by you and by the update"
	default:
		s.Action, s.Reason = Conflict, "a binary file or archive changed by you and by the update"
	}
	return s
}

// Equal reports whether two entries hold the same thing: both absent, or the
// same kind with the same bytes (files) or target (links). Modes do not count.
func Equal(a, b *api.Entry) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == api.KindSymlink {
		return a.Target == b.Target
	}
	return a.SHA256 == b.SHA256
}

// Target folds the changes of updates, in order, into the entry each touched
// path has at the end; a nil entry means the path is removed.
func Target(updates []api.Update) map[string]*api.Entry {
	t := make(map[string]*api.Entry)
	for _, u := range updates {
		for _, c := range u.Files {
			if c.Remove {
				t[c.Path] = nil
				continue
			}
			e := c.Entry
			t[c.Path] = &e
		}
	}
	return t
}

// Paths returns the keys of m, sorted.
func Paths[V any](m map[string]V) []string {
	p := make([]string, 0, len(m))
	for k := range m {
		p = append(p, k)
	}
	sort.Strings(p)
	return p
}
