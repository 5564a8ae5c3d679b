package merge

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// This file checks a TOML merge by what it means, independently of the
// merge's own reading of TOML: each file is decoded by go-toml into plain
// maps and flattened to dotted paths, named as the merge names them
// (elements of arrays of tables by name, id or key, else by position).

// tomlFlatValue is a setting's value in the check: whether it is there,
// and what it is.
type tomlFlatValue struct {
	present bool
	text    string
}

func (v tomlFlatValue) String() string {
	if !v.present {
		return "(absent)"
	}
	return v.text
}

// A tomlFlat is a TOML file flattened: its leaves by path, and the paths
// of the tables (and arrays of tables, and their elements) that hold
// leaves.
type tomlFlat struct {
	leaves map[string]string
	tables map[string]bool
	within map[string][]string // the tables that hold each leaf, outermost first
}

// tomlFlatten decodes src with go-toml and flattens it into leaf paths.
// An empty table has no leaves.
func tomlFlatten(src []byte) (*tomlFlat, error) {
	var tree map[string]any
	if err := toml.Unmarshal(src, &tree); err != nil {
		return nil, err
	}
	f := &tomlFlat{leaves: map[string]string{}, tables: map[string]bool{}, within: map[string][]string{}}
	f.add("", nil, tree)
	return f, nil
}

// add adds the leaves of v, found at path inside tables, to f.
func (f *tomlFlat) add(path string, tables []string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if path != "" {
			tables = append(slices.Clip(tables), path)
		}
		for k, e := range x {
			key := tomlCheckKey(k)
			if path != "" {
				key = path + "." + key
			}
			f.add(key, tables, e)
		}
		return
	case []any:
		if tomlCheckAllTables(x) {
			tables = append(slices.Clip(tables), path)
			unnamed := 0
			for _, e := range x {
				label, ok := tomlCheckName(e.(map[string]any))
				if !ok {
					label = fmt.Sprintf("[%d]", unnamed)
					unnamed++
				}
				f.add(path+label, tables, e)
			}
			return
		}
	}
	f.leaves[path] = tomlCheckLeaf(v)
	f.within[path] = tables
	for _, t := range tables {
		f.tables[t] = true
	}
}

// tomlCheckAllTables reports whether a decoded array is an array of tables.
func tomlCheckAllTables(arr []any) bool {
	if len(arr) == 0 {
		return false
	}
	for _, e := range arr {
		if _, ok := e.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// tomlCheckName names an element of an array of tables by the first of
// name, id, key it has as a string or integer. Elements without one are
// named by their position among such elements.
func tomlCheckName(elem map[string]any) (string, bool) {
	for _, id := range []string{"name", "id", "key"} {
		switch v := elem[id].(type) {
		case string:
			return "[" + id + "=" + tomlCheckKey(v) + "]", true
		case int64:
			return fmt.Sprintf("[%s=%d]", id, v), true
		}
	}
	return "", false
}

// tomlCheckKey writes a key bare when it is a bare TOML key, else quoted.
func tomlCheckKey(k string) string {
	bare := k != ""
	for _, r := range k {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", r) {
			bare = false
		}
	}
	if bare {
		return k
	}
	return strconv.Quote(k)
}

// tomlCheckLeaf writes a leaf value with its Go type, so that 1 and 1.0
// differ; the precision a local time was written with does not count.
func tomlCheckLeaf(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = tomlCheckLeaf(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + tomlCheckLeaf(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case toml.LocalTime:
		x.Precision = 0
		return fmt.Sprintf("%#v", x)
	case toml.LocalDateTime:
		x.Precision = 0
		return fmt.Sprintf("%#v", x)
	case time.Time:
		return "time " + x.String()
	}
	return fmt.Sprintf("%T %#v", v, v)
}

// get is the value at path in f.
func (f *tomlFlat) get(path string) tomlFlatValue {
	v, ok := f.leaves[path]
	return tomlFlatValue{ok, v}
}

// removedTable reports whether x removed a table of base that holds the
// leaf at path in f.
func (f *tomlFlat) removedTable(path string, base, x *tomlFlat) bool {
	return slices.ContainsFunc(f.within[path], func(t string) bool { return base.tables[t] && !x.tables[t] })
}

// tomlUnder reports whether leaf path is the setting key or lies under it.
func tomlUnder(path, key string) bool {
	return path == key || strings.HasPrefix(path, key+".") || strings.HasPrefix(path, key+"[")
}

// tomlCheckMerge checks what a TOML merge of base, ours and theirs made,
// setting by setting, and returns the problems found:
//
//   - with conflicts, each conflicting setting changed on both sides,
//     differently (or changed on one, removed on the other, or added by
//     one to a table the other removed), and each leaf so changed is
//     reported;
//   - else the result parses, holds the customer's value where the
//     customer changed a setting and the update's elsewhere, and no leaf
//     changed differently on both sides.
func tomlCheckMerge(base, ours, theirs, merged []byte, rep *Report) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	fb, errB := tomlFlatten(base)
	fo, errO := tomlFlatten(ours)
	ft, errT := tomlFlatten(theirs)
	if errB != nil || errO != nil || errT != nil {
		return []string{fmt.Sprintf("merged input go-toml rejects: %v %v %v", errB, errO, errT)}
	}
	paths := tomlCheckPaths(fb, fo, ft)
	// both reports whether both sides changed leaf p, differently: its
	// value, or one added it to a table the other removed.
	both := func(p string) bool {
		b, o, t := fb.get(p), fo.get(p), ft.get(p)
		switch {
		case b.present || o == t:
			return o != b && t != b && o != t
		case !o.present:
			return ft.removedTable(p, fb, fo)
		case !t.present:
			return fo.removedTable(p, fb, ft)
		}
		return true // added on both sides, differently
	}
	if len(rep.Conflicts) > 0 {
		for _, c := range rep.Conflicts {
			found := false
			for _, p := range paths {
				found = found || tomlUnder(p, c.Key) && both(p)
			}
			if !found {
				fail("conflict on %s, which did not change differently on both sides", c.Key)
			}
		}
		for _, p := range paths {
			if !both(p) {
				continue
			}
			reported := false
			for _, c := range rep.Conflicts {
				reported = reported || tomlUnder(p, c.Key)
			}
			if !reported {
				fail("%s changed differently on both sides (base %s, ours %s, theirs %s) but is no conflict",
					p, fb.get(p), fo.get(p), ft.get(p))
			}
		}
		return problems
	}
	fm, err := tomlFlatten(merged)
	if err != nil {
		return []string{fmt.Sprintf("clean result does not parse: %v", err)}
	}
	for _, p := range tomlCheckPaths(fb, fo, ft, fm) {
		b, o, t, m := fb.get(p), fo.get(p), ft.get(p), fm.get(p)
		switch {
		case both(p):
			fail("%s changed differently on both sides (base %s, ours %s, theirs %s) but the merge is clean", p, b, o, t)
		case o != b && m != o:
			fail("%s: customer's %s lost: result has %s (base %s, theirs %s)", p, o, m, b, t)
		case o == b && m != t:
			fail("%s: update's %s not taken: result has %s (base %s)", p, t, m, b)
		}
	}
	return problems
}

// tomlCheckPaths returns the leaf paths of the flattened files, sorted.
func tomlCheckPaths(flats ...*tomlFlat) []string {
	seen := make(map[string]bool)
	var paths []string
	for _, f := range flats {
		for p := range f.leaves {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	sort.Strings(paths)
	return paths
}

// tomlTestMerge runs mergeTOML and the checks above; it returns the result
// and whether the merge fell back.
func tomlTestMerge(t *testing.T, name string, base, ours, theirs []byte) ([]byte, *Report, bool) {
	t.Helper()
	merged, rep, err := mergeTOML(base, ours, theirs)
	if err != nil {
		if !errors.Is(err, ErrFallback) {
			t.Fatalf("%s: error not wrapping ErrFallback: %v", name, err)
		}
		return nil, nil, true
	}
	for _, p := range tomlCheckMerge(base, ours, theirs, merged, rep) {
		t.Errorf("%s: %s", name, p)
	}
	if len(rep.Conflicts) == 0 {
		for _, p := range tomlCheckLines(base, ours, theirs, merged, rep) {
			t.Errorf("%s: %s", name, p)
		}
	}
	return merged, rep, false
}

// tomlCheckLines checks that a clean merge lost no line of ours but those
// the update took away: the lines of settings it changed or removed, the
// headers of tables it removed, and comment lines of base it dropped.
// Blank lines do not count.
func tomlCheckLines(base, ours, theirs, merged []byte, rep *Report) []string {
	o, err := tomlParse(ours)
	if err != nil {
		return []string{fmt.Sprintf("ours does not parse: %v", err)}
	}
	excused := make(map[int]bool)
	for _, s := range rep.Taken {
		if kv := o.kvByPath[s.Key]; kv != nil {
			for i := kv.first; i <= kv.last; i++ {
				excused[i] = true
			}
		}
	}
	t, err := tomlParse(theirs)
	if err != nil {
		return []string{fmt.Sprintf("theirs does not parse: %v", err)}
	}
	for _, s := range o.sections[1:] {
		if t.sectionByPath[s.path] == nil {
			excused[s.header] = true
		}
	}
	inBase, inTheirs := tomlCountLines(base), tomlCountLines(theirs)
	inMerged := tomlCountLines(merged)
	var problems []string
	for i := range o.lines() {
		line := o.text(i)
		switch {
		case line == "" || excused[i] || inMerged[line] > 0:
		case o.comment(i) && inBase[line] > inTheirs[line]:
		default:
			problems = append(problems, fmt.Sprintf("line %d of ours lost: %q", i+1, line))
		}
	}
	return problems
}

// tomlCountLines counts the lines of src, trimmed.
func tomlCountLines(src []byte) map[string]int {
	n := make(map[string]int)
	for line := range strings.Lines(string(src)) {
		n[strings.TrimSpace(line)]++
	}
	return n
}
