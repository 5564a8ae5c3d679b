// Package drift compares a PRODUCT_HOME with its pristine level (the
// vendor's files at the applied level: base distribution and updates) and
// lists what the customer changed: files modified, added and removed, and
// symbolic links compared by their targets.
//
// It is pure: it sees descriptions of the two trees and never reads a disk
// or a network. Walking the home, hashing and fetching the pristine tree
// are the updater's business.
package drift

import (
	"sort"

	"inplace/internal/api"
	"inplace/internal/plan"
)

// Kind is how a path differs from its pristine version.
type Kind string

// Kinds of differences.
const (
	Modified Kind = "modified" // shipped by the vendor, different here (bytes, link target, or file ↔ link)
	Added    Kind = "added"    // here, not shipped by the vendor
	Removed  Kind = "removed"  // shipped by the vendor, missing here
)

// Diff is one path that differs. Pristine is nil for an added path,
// Local for a removed one.
type Diff struct {
	Path     string
	Kind     Kind
	Pristine *api.Entry
	Local    *api.Entry
}

// Compare lists the paths where local differs from pristine, sorted by
// path. Entries may come in any order; each path should appear at most once
// on each side (a later duplicate wins). The tool's own paths
// (api.ToolPath) are never listed. Two entries are equal as plan.Equal
// says: same kind and bytes, or same link target; modes do not count, as
// they do not for an update.
func Compare(pristine, local []api.Entry) []Diff {
	p := index(pristine)
	l := index(local)
	var out []Diff
	for path, pe := range p {
		le, ok := l[path]
		switch {
		case !ok:
			out = append(out, Diff{Path: path, Kind: Removed, Pristine: pe})
		case !plan.Equal(pe, le):
			out = append(out, Diff{Path: path, Kind: Modified, Pristine: pe, Local: le})
		}
	}
	for path, le := range l {
		if _, ok := p[path]; !ok {
			out = append(out, Diff{Path: path, Kind: Added, Local: le})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// index maps each path that is not the tool's to its entry.
func index(es []api.Entry) map[string]*api.Entry {
	m := make(map[string]*api.Entry, len(es))
	for i := range es {
		if !api.ToolPath(es[i].Path) {
			m[es[i].Path] = &es[i]
		}
	}
	return m
}

// Count returns how many diffs there are of each kind.
func Count(ds []Diff) map[Kind]int {
	n := map[Kind]int{Modified: 0, Added: 0, Removed: 0}
	for _, d := range ds {
		n[d.Kind]++
	}
	return n
}

// Version is one side of a difference as --status prints it and an
// overlay records it: a file's hash, size and mode, or a link's target.
type Version struct {
	Type   string `json:"type"` // api.KindFile or api.KindSymlink
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size"`
	Mode   uint32 `json:"mode,omitempty"`
	Target string `json:"target,omitempty"`
}

// VersionOf describes an entry; nil for nil.
func VersionOf(e *api.Entry) *Version {
	if e == nil {
		return nil
	}
	return &Version{Type: e.Kind, SHA256: e.SHA256, Size: e.Size, Mode: e.Mode, Target: e.Target}
}

// Entry is the entry of path that v describes; nil for nil.
func (v *Version) Entry(path string) *api.Entry {
	if v == nil {
		return nil
	}
	return &api.Entry{Path: path, Kind: v.Type, SHA256: v.SHA256, Size: v.Size, Mode: v.Mode, Target: v.Target}
}
