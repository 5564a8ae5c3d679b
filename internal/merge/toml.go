package merge

import (
	"slices"
	"sort"
)

// This file is the structure-aware merge of TOML: it decides setting by
// setting what the merge keeps (toml_doc.go reads the files), has
// toml_edit.go write the decisions into the customer's text, and checks
// that the text it wrote says what was decided, falling back when not.
//
// A setting is one key/value expression, named by its path: the table's
// path and the (dotted) key, as in "database.apim_db.url". Elements of an
// array of tables are named by their first identifying key (name, id, key)
// when they have one, else by their position among the elements without
// one: "apim.gateway.environment[name=Default].http_endpoint". A value is
// compared by what it means, so "a = 'x'" and "a=\"x\"" are equal, and a
// comment is no value.
//
// A setting changed (added, removed) on one side only takes that side's
// value. A conflict is a setting changed differently on both sides, or
// changed on one and removed on the other; a setting one side added to a
// table (or element) the other side removed whole counts as a change to a
// removed setting. An inline table is one value: when it changed on both
// sides and the change may be to different keys of it, the merge falls
// back, as it does for files that do not parse, have duplicate keys,
// tables or element names, or would not come out right.

// mergeTOML is the structure-aware merge of TOML files: see structured.
// When there are conflicts it returns the report and no bytes.
func mergeTOML(base, ours, theirs []byte) ([]byte, *Report, error) {
	b, err := tomlParse(base)
	if err != nil {
		return nil, nil, fallback("toml: base: %v", err)
	}
	o, err := tomlParse(ours)
	if err != nil {
		return nil, nil, fallback("toml: ours: %v", err)
	}
	t, err := tomlParse(theirs)
	if err != nil {
		return nil, nil, fallback("toml: theirs: %v", err)
	}
	if err := tomlCheckShapes(b, o, t); err != nil {
		return nil, nil, err
	}
	rep, plan, err := tomlDecide(b, o, t)
	if err != nil {
		return nil, nil, err
	}
	if len(rep.Conflicts) > 0 {
		return nil, rep, nil
	}
	merged, err := tomlApply(b, o, t, plan)
	if err != nil {
		return nil, nil, err
	}
	if err := tomlVerify(merged, b, o, t); err != nil {
		return nil, nil, err
	}
	return merged, rep, nil
}

// A tomlPlan lists the update's changes to write into the customer's file,
// by setting path.
type tomlPlan struct {
	change map[string]bool // in ours with base's value: takes theirs' value
	remove map[string]bool // in ours with base's value, not in theirs
	add    map[string]bool // in theirs, in neither base nor ours
}

// tomlDecide compares each setting in the three versions and says what the
// merge does with it.
func tomlDecide(b, o, t *tomlDoc) (*Report, tomlPlan, error) {
	rep := &Report{Format: "toml"}
	plan := tomlPlan{change: map[string]bool{}, remove: map[string]bool{}, add: map[string]bool{}}
	for _, path := range tomlPaths(b, o, t) {
		s := Setting{Key: path, Base: b.value(path), Ours: o.value(path), Theirs: t.value(path)}
		switch {
		case s.Ours == s.Theirs:
			// Unchanged, or the same change on both sides: the
			// customer's text already says it.
			if s.Ours != s.Base {
				rep.Kept = append(rep.Kept, s)
			}
		case s.Ours == s.Base && !s.Base.Present && tomlTableRemoved(t.kvByPath[path], b, o):
			// Added by the update to a table the customer removed.
			rep.Conflicts = append(rep.Conflicts, s)
		case s.Theirs == s.Base && !s.Base.Present && tomlTableRemoved(o.kvByPath[path], b, t):
			// Added by the customer to a table the update removed.
			rep.Conflicts = append(rep.Conflicts, s)
		case s.Ours == s.Base:
			rep.Taken = append(rep.Taken, s)
			switch {
			case !s.Theirs.Present:
				plan.remove[path] = true
			case !s.Ours.Present:
				plan.add[path] = true
			default:
				plan.change[path] = true
			}
		case s.Theirs == s.Base:
			rep.Kept = append(rep.Kept, s)
		case tomlHoldsTableAt(path, b, o, t) && !(s.Ours.Present && s.Theirs.Present && !tomlHoldsTableAt(path, o, t)):
			// Unless both sides hold a plain value, some keys of
			// the inline table may have changed on one side only.
			return nil, plan, fallback("toml: inline table %s changed on both sides", path)
		default:
			rep.Conflicts = append(rep.Conflicts, s)
		}
	}
	return rep, plan, nil
}

// value is a setting's value in d, canonically written.
func (d *tomlDoc) value(path string) Value {
	kv := d.kvByPath[path]
	if kv == nil {
		return Value{}
	}
	return Value{Present: true, Text: kv.value}
}

// tomlPaths returns the paths of the settings of all docs, sorted.
func tomlPaths(docs ...*tomlDoc) []string {
	seen := make(map[string]bool)
	var paths []string
	for _, d := range docs {
		for _, kv := range d.kvs {
			if !seen[kv.path] {
				seen[kv.path] = true
				paths = append(paths, kv.path)
			}
		}
	}
	sort.Strings(paths)
	return paths
}

// tomlTableRemoved reports whether a table (or element of an array of
// tables) that holds kv had settings in base and has none in x: x removed
// the whole table. A setting the other side added to it is a conflict, as
// a change to a removed setting is.
func tomlTableRemoved(kv *tomlKV, base, x *tomlDoc) bool {
	for i := 1; i < len(kv.segs); i++ {
		p := tomlPath(kv.segs[:i])
		if base.prefixes[p] && !x.prefixes[p] {
			return true
		}
	}
	return false
}

// tomlHoldsTableAt reports whether the setting at path holds an inline
// table in any of docs.
func tomlHoldsTableAt(path string, docs ...*tomlDoc) bool {
	return slices.ContainsFunc(docs, func(d *tomlDoc) bool {
		kv := d.kvByPath[path]
		return kv != nil && kv.hasTable
	})
}

// tomlCheckShapes falls back when a table is written inline in one version
// and as a [table] or dotted keys in another: the settings would not line
// up, and the merge could take the same data for a change.
func tomlCheckShapes(docs ...*tomlDoc) error {
	for _, d := range docs {
		for _, kv := range d.kvs {
			if !kv.hasTable {
				continue
			}
			for _, other := range docs {
				if other.prefixes[kv.path] {
					return fallback("toml: %s is an inline table in one version and not in another", kv.path)
				}
			}
		}
	}
	return nil
}

// tomlVerify checks that the merged text parses and holds, setting by
// setting, what the merge decided: the customer's value where the customer
// changed the setting, else the update's.
func tomlVerify(merged []byte, b, o, t *tomlDoc) error {
	m, err := tomlParse(merged)
	if err != nil {
		return fallback("toml: merged text does not parse: %v", err)
	}
	for _, path := range tomlPaths(b, o, t, m) {
		want := o.value(path)
		if want == b.value(path) {
			want = t.value(path)
		}
		if got := m.value(path); got != want {
			return fallback("toml: merged text has %s = %s, want %s", path, got, want)
		}
	}
	return nil
}
