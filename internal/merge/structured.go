package merge

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// This file holds what the structure-aware merges share: the report, the
// contract each format implements, and the choice of format by file name.

// Value is one setting's value in one version of a file.
type Value struct {
	Present bool   `json:"present"`
	Text    string `json:"text,omitempty"` // the value as written (normalised by the format)
}

func (v Value) String() string {
	if !v.Present {
		return "(absent)"
	}
	return v.Text
}

// Setting is one setting in the three versions: B is the vendor's at the
// current level, O the customer's, T the vendor's at the target level.
type Setting struct {
	Key    string `json:"key"` // the setting's path in the format, e.g. "database.apim_db.url"
	Base   Value  `json:"base"`
	Ours   Value  `json:"ours"`
	Theirs Value  `json:"theirs"`
}

// Report tells what a structure-aware merge did with each setting that
// changed on either side.
type Report struct {
	Format    string    `json:"format"`              // "toml", "xml", "properties", "yaml", "json"
	Taken     []Setting `json:"taken,omitempty"`     // changed by the update only: the update's value is in
	Kept      []Setting `json:"kept,omitempty"`      // changed by the customer only: the customer's value stays
	Conflicts []Setting `json:"conflicts,omitempty"` // changed on both sides differently, or changed on one and removed on the other
}

// ErrFallback is wrapped by a format's merge when it cannot be sure of a
// setting-by-setting merge (duplicate keys, anchors, templates, input it
// cannot parse): File then merges the lines.
var ErrFallback = errors.New("structured merge not possible")

// fallback returns an ErrFallback saying why.
func fallback(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFallback, fmt.Sprintf(format, args...))
}

// A structured merge merges base, ours and theirs of one format. On
// success it returns the merged bytes, made by editing ours so that the
// customer's comments, order and formatting survive, and the report; when
// the report has conflicts the bytes may be nil. It returns an error
// wrapping ErrFallback when it cannot be sure; the result it returns must
// parse in its format.
type structured func(base, ours, theirs []byte) ([]byte, *Report, error)

// formats maps a file extension to its structured merge.
var formats = map[string]structured{
	".toml":       mergeTOML,
	".xml":        mergeXML,
	".properties": mergeProperties,
	".yaml":       mergeYAML,
	".yml":        mergeYAML,
	".json":       mergeJSON,
}

// structuredFile merges a file of a known format; ok is false when the
// format is unknown or its merge fell back.
func structuredFile(name string, base, ours, theirs []byte) (Result, bool) {
	// Templates (a.toml.j2, b.xml.tmpl) have the template's extension, so
	// they are merged by lines.
	f := formats[strings.ToLower(path.Ext(name))]
	if f == nil {
		return Result{}, false
	}
	merged, rep, err := f(base, ours, theirs)
	if err != nil {
		return Result{}, false
	}
	if n := len(rep.Conflicts); n > 0 {
		return Result{Merged: merged, Conflicts: n, Report: rep}, true
	}
	return Result{Merged: merged, Clean: true, Report: rep}, true
}

// flatSettings is one version of a file read as settings: ids in document
// order, each with the name a report shows and its value.
type flatSettings interface {
	ids() []string
	shown(id string) string
	value(id string) Value
}

// decideSettings decides every setting of the three versions (base, ours,
// theirs) and returns the report and the value each setting the merged
// file must hold. It refuses versions in which two settings would print
// alike, as {"a.b": 1} and {"a": {"b": 2}} do.
func decideSettings(format string, b, o, t flatSettings) (*Report, map[string]string, error) {
	names := make(map[string]string) // printed name → id
	for _, f := range []flatSettings{b, o, t} {
		for _, id := range f.ids() {
			show := f.shown(id)
			if other, ok := names[show]; ok && other != id {
				return nil, nil, fmt.Errorf("two settings print as %q", show)
			}
			names[show] = id
		}
	}
	rep := &Report{Format: format}
	want := make(map[string]string)
	seen := make(map[string]bool)
	for _, f := range []flatSettings{o, t, b} {
		for _, id := range f.ids() {
			if seen[id] {
				continue
			}
			seen[id] = true
			s := Setting{Key: f.shown(id), Base: b.value(id), Ours: o.value(id), Theirs: t.value(id)}
			propAddToReport(rep, s)
			v := s.Ours
			if propDecide(s.Base, s.Ours, s.Theirs) == propTake {
				v = s.Theirs
			}
			if v.Present {
				want[id] = v.Text
			}
		}
	}
	return rep, want, nil
}

// KnowsFormat reports whether name has the extension of a format merged
// setting by setting (TOML, XML, Java properties, YAML, JSON), so that a
// caller can skip reading files Changes would not report on.
func KnowsFormat(name string) bool {
	return formats[strings.ToLower(path.Ext(name))] != nil
}

// Changes tells, setting by setting, how ours differs from base for a file
// of a format the structured merge knows: the report's Kept lists every
// setting ours added, removed or changed (Base the vendor's value, Ours the
// customer's; Theirs equals Base), and Taken and Conflicts are empty. It is
// the structured merge of base, ours and base: the merge File would do if
// the update left the file as the vendor shipped it, minus File's shortcut
// for that case. ok is false for an unknown format, for a file that is not
// text, and when the format's merge cannot read the versions setting by
// setting (it would fall back to lines).
func Changes(name string, base, ours []byte) (rep *Report, ok bool) {
	if unmergeable(name, base, ours) != "" {
		return nil, false
	}
	f := formats[strings.ToLower(path.Ext(name))]
	if f == nil {
		return nil, false
	}
	_, rep, err := f(base, ours, base)
	if err != nil || rep == nil || len(rep.Taken) > 0 || len(rep.Conflicts) > 0 {
		return nil, false
	}
	return rep, true
}
