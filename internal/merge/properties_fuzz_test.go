package merge

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// This file holds the fuzz target of the properties merge and the checks
// all three formats' fuzz targets share.

// propFuzzFormat is what the shared fuzz checks need of a format.
type propFuzzFormat struct {
	merge structured
	read  propReader
	// parses reports whether a merged file parses, by the format's
	// standard reader.
	parses func([]byte) error
	// spans returns the lines (from 0, first and last) of each setting
	// and container of ours, by the names the report gives settings; it
	// reads base and theirs too, for formats whose names depend on them.
	spans func(base, ours, theirs []byte) (map[string][2]int, error)
	// pieces splits a trimmed line into what the no-line-lost check
	// compares: the line, or for JSON its members and values.
	pieces func(line string) []string
	// isComment reports a comment line (normalised).
	isComment func(line string) bool
}

// propFuzzCheck checks what every merge must do with base and two edits
// of it, x and y: never fail but by falling back; merge(base, x, base) is
// x; merge(base, base, y) holds y's settings and merge(base, x, x) x's;
// merge(base, x, y) keeps its contract (propCheckSettings) and loses no
// line of x but those of settings the update changed or removed and the
// comments the update removed.
func propFuzzCheck(t *testing.T, f propFuzzFormat, base, x, y []byte) {
	merge := func(o, th []byte) ([]byte, *Report, bool) {
		got, rep, err := f.merge(base, o, th)
		switch {
		case errors.Is(err, ErrFallback):
			return nil, nil, false
		case err != nil:
			t.Fatalf("error that is no fallback: %v", err)
		case rep == nil:
			t.Fatal("no report")
		case len(rep.Conflicts) == 0 && f.parses(got) != nil:
			t.Fatalf("clean merge does not parse: %v\n%q", f.parses(got), got)
		}
		return got, rep, true
	}
	if got, rep, ok := merge(x, base); ok && (len(rep.Conflicts) > 0 || !bytes.Equal(got, x)) {
		t.Fatalf("merge(base, x, base) = %q with %d conflicts, want x %q", got, len(rep.Conflicts), x)
	}
	// Only the update changed (ours is base), or both alike (ours is
	// theirs): theirs' settings, without conflicts.
	for _, c := range [][2][]byte{{base, y}, {x, x}} {
		ours, theirs := c[0], c[1]
		if got, rep, ok := merge(ours, theirs); ok {
			if len(rep.Conflicts) > 0 {
				t.Fatalf("merge(base, %q, %q) has conflicts: %+v", ours, theirs, rep.Conflicts)
			}
			propFuzzSameSettings(t, f, base, theirs, got)
		}
	}
	got, rep, ok := merge(x, y)
	if !ok {
		return
	}
	maps, err := f.read(base, x, y)
	if err != nil {
		return // the reader refuses what the merge takes: nothing to compare with
	}
	var merged map[string]any
	if len(rep.Conflicts) == 0 {
		all, err := f.read(base, x, y, got)
		if err != nil {
			t.Fatalf("merged file does not read: %v\n%q", err, got)
		}
		merged = all[3]
	}
	if err := propCheckSettings(maps[0], maps[1], maps[2], merged, rep); err != nil {
		t.Fatalf("%v\nmerged: %q", err, got)
	}
	if merged != nil {
		if err := propFuzzLinesKept(f, base, x, y, got, rep); err != nil {
			t.Fatal(err)
		}
	}
}

// propFuzzSameSettings requires merged to hold the settings of want.
func propFuzzSameSettings(t *testing.T, f propFuzzFormat, base, want, merged []byte) {
	all, err := f.read(base, base, want, merged)
	if err != nil {
		if _, err := f.read(base, base, want); err != nil {
			return // the reader refuses the input
		}
		t.Fatalf("merged file does not read: %v\n%q", err, merged)
	}
	if !propTestEqualMaps(all[2], all[3]) {
		t.Fatalf("merged settings %v, want %v\nmerged: %q", all[3], all[2], merged)
	}
}

// propTestEqual compares two settings' values, NaN equal to itself.
func propTestEqual(a, b any) bool {
	return reflect.DeepEqual(a, b) || fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

// propTestEqualMaps compares two sets of settings.
func propTestEqualMaps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !propTestEqual(v, w) {
			return false
		}
	}
	return true
}

// propFuzzLinesKept requires each non-blank line of ours in merged,
// unless it lies in the lines of a setting or container all of whose
// settings in ours the update changed or removed, or it is a comment the
// update removed (base has it, theirs not).
func propFuzzLinesKept(f propFuzzFormat, base, ours, theirs, merged []byte, rep *Report) error {
	spans, err := f.spans(base, ours, theirs)
	if err != nil {
		return fmt.Errorf("spans of ours: %v", err)
	}
	taken := make(map[string]bool)
	for _, s := range rep.Taken {
		taken[s.Key] = true
	}
	all, err := f.read(base, ours, theirs)
	if err != nil {
		return err
	}
	excused := make(map[int]bool)
	for name, span := range spans {
		if propFuzzAllTaken(name, all, taken) {
			for i := span[0]; i <= span[1]; i++ {
				excused[i] = true
			}
		}
	}
	pieces := func(src []byte) map[string]bool {
		out := make(map[string]bool)
		for _, l := range propTrimmedLines(src) {
			for _, p := range f.pieces(l) {
				out[p] = true
			}
		}
		return out
	}
	have, inBase, inTheirs := pieces(merged), pieces(base), pieces(theirs)
	for i, l := range propTrimmedLines(ours) {
		if excused[i] {
			continue
		}
		for _, p := range f.pieces(l) {
			if p == "" || have[p] || (f.isComment(p) && inBase[p] && !inTheirs[p]) {
				continue
			}
			return fmt.Errorf("line %d of ours lost: %q\nmerged:\n%s", i+1, p, merged)
		}
	}
	return nil
}

// propFuzzAllTaken reports whether the update changed or removed every
// setting of ours at or below name, and changed something there: a
// setting, or the container (base had settings there, theirs has none).
// versions holds the settings of base, ours and theirs.
func propFuzzAllTaken(name string, versions []map[string]any, taken map[string]bool) bool {
	below := func(k string) bool {
		return k == name || name == "" || strings.HasPrefix(k, name+".") || strings.HasPrefix(k, name+"[")
	}
	anyBelow := func(m map[string]any) bool {
		for k := range m {
			if below(k) {
				return true
			}
		}
		return false
	}
	for k := range versions[1] {
		if below(k) && !taken[k] {
			return false
		}
	}
	for k := range taken {
		if below(k) {
			return true
		}
	}
	return anyBelow(versions[0]) && !anyBelow(versions[2])
}

// propFuzzSeeds adds to f the cases of a format's tests, generated cases,
// and the files of testdata/<dir>, each merged with the others.
func propFuzzSeeds(f *testing.F, dir string, cases [][3]string, gen func(r *rand.Rand) [3][]byte) {
	for _, c := range cases {
		f.Add([]byte(c[0]), []byte(c[1]), []byte(c[2]))
	}
	for seed := range uint64(20) {
		c := gen(rand.New(rand.NewPCG(seed, 9)))
		f.Add(c[0], c[1], c[2])
	}
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*", "*"))
	byCase := make(map[string][]string)
	for _, p := range files {
		byCase[filepath.Dir(p)] = append(byCase[filepath.Dir(p)], p)
	}
	for _, names := range byCase {
		var three [3][]byte
		for _, p := range names {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			switch strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)) {
			case "base":
				three[0] = data
			case "ours":
				three[1] = data
			case "theirs":
				three[2] = data
			}
		}
		f.Add(three[0], three[1], three[2])
	}
}

// propFuzz is the properties format for the shared fuzz checks.
var propFuzz = propFuzzFormat{
	merge: mergeProperties,
	read:  propReadEach(propTestSettings),
	parses: func(b []byte) error {
		_, err := propTestSettings(b)
		return err
	},
	spans: func(_, ours, _ []byte) (map[string][2]int, error) {
		entries, err := propTestRead(string(ours))
		spans := make(map[string][2]int)
		for _, e := range entries {
			spans[e.key] = [2]int{e.first, e.last}
		}
		return spans, err
	},
	pieces:    func(l string) []string { return []string{l} },
	isComment: func(l string) bool { return strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!") },
}

func FuzzMergeProperties(f *testing.F) {
	var cases [][3]string
	for _, tt := range propTests {
		cases = append(cases, [3]string{tt.base, tt.ours, tt.theirs})
	}
	propFuzzSeeds(f, "properties", cases, func(r *rand.Rand) [3][]byte {
		b := propGenBase(r)
		return [3][]byte{propGenWrite(b, r), propGenWrite(propGenEdit(b, r, "customer"), r), propGenWrite(propGenEdit(b, r, "vendor"), r)}
	})
	f.Fuzz(func(t *testing.T, base, x, y []byte) {
		propFuzzCheck(t, propFuzz, base, x, y)
	})
}
