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
// path. It sorts both slices by path, in place (a walk of 200,000 files
// is compared without a map of either side); each path should appear at
// most once on each side (of duplicates, the last one counts). The tool's
// own paths (api.ToolPath) are never listed. Two entries are equal as
// plan.Equal says: same kind and bytes, or same link target; modes do not
// count, as they do not for an update.
func Compare(pristine, local []api.Entry) []Diff {
	p, l := sortByPath(pristine), sortByPath(local)
	var out []Diff
	i, j := skip(p, 0), skip(l, 0)
	for i < len(p) || j < len(l) {
		switch {
		case j == len(l) || i < len(p) && p[i].Path < l[j].Path:
			out = append(out, Diff{Path: p[i].Path, Kind: Removed, Pristine: &p[i]})
			i = skip(p, i+1)
		case i == len(p) || l[j].Path < p[i].Path:
			out = append(out, Diff{Path: l[j].Path, Kind: Added, Local: &l[j]})
			j = skip(l, j+1)
		default:
			if !plan.Equal(&p[i], &l[j]) {
				out = append(out, Diff{Path: p[i].Path, Kind: Modified, Pristine: &p[i], Local: &l[j]})
			}
			i, j = skip(p, i+1), skip(l, j+1)
		}
	}
	return out
}

// sortByPath sorts es by path, keeping the order of duplicates.
func sortByPath(es []api.Entry) []api.Entry {
	sort.SliceStable(es, func(a, b int) bool { return es[a].Path < es[b].Path })
	return es
}

// skip returns the first index from i on of an entry that counts: not the
// tool's, and the last of its path.
func skip(es []api.Entry, i int) int {
	for i < len(es) && (api.ToolPath(es[i].Path) || i+1 < len(es) && es[i+1].Path == es[i].Path) {
		i++
	}
	return i
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
