package merge

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzMergeTOML checks the properties of the TOML merge on any input:
// it never panics; falling back is its only error; with one side equal to
// base, or both sides equal, the result is that side (byte for byte when
// the update changed nothing, setting by setting otherwise); a clean merge
// parses, is right setting by setting and loses no line of ours but those
// the update took away; conflicts are real. Seeds: testdata/toml, a few
// generated cases and, when present, the corpus.
func FuzzMergeTOML(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "toml", "*.txtar"))
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil || len(ar.Files) < 3 {
			f.Fatalf("%s: %v", file, err)
		}
		f.Add(ar.Files[0].Data, ar.Files[1].Data, ar.Files[2].Data)
	}
	for seed := range uint64(10) {
		base, ours, theirs := tomlGenCase(seed)
		f.Add(base, ours, theirs)
	}
	for _, dir := range []string{"001", "016", "020"} {
		read := func(name string) []byte {
			data, _ := os.ReadFile(filepath.Join(tomlCorpusDir, dir, name))
			return data
		}
		if base := read("base.toml"); base != nil {
			f.Add(base, read("ours.toml"), read("theirs.toml"))
		}
	}
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		tomlAssertKeeps(t, base, ours)
		tomlAssertKeeps(t, ours, theirs)
		tomlAssertTakes(t, "merge(base, base, theirs)", base, base, theirs, theirs)
		tomlAssertTakes(t, "merge(base, ours, ours)", base, ours, ours, ours)

		merged, rep, err := mergeTOML(base, ours, theirs)
		if err != nil {
			if !errors.Is(err, ErrFallback) {
				t.Fatalf("error not wrapping ErrFallback: %v", err)
			}
			return
		}
		for _, p := range tomlCheckMerge(base, ours, theirs, merged, rep) {
			t.Error(p)
		}
		if len(rep.Conflicts) == 0 {
			for _, p := range tomlCheckLines(base, ours, theirs, merged, rep) {
				t.Error(p)
			}
		}
	})
}

// tomlAssertKeeps checks that merge(base, x, base) is x, byte for byte.
func tomlAssertKeeps(t *testing.T, base, x []byte) {
	t.Helper()
	merged, rep, err := mergeTOML(base, x, base)
	switch {
	case err != nil && !errors.Is(err, ErrFallback):
		t.Fatalf("merge(base, x, base): error not wrapping ErrFallback: %v", err)
	case err != nil:
	case len(rep.Conflicts) > 0:
		t.Fatalf("merge(base, x, base): conflicts %v", rep.Conflicts)
	case !bytes.Equal(merged, x):
		t.Fatalf("merge(base, x, base) = %q, want x %q", merged, x)
	}
}

// tomlAssertTakes checks that a merge is clean and has the settings of want.
func tomlAssertTakes(t *testing.T, what string, base, ours, theirs, want []byte) {
	t.Helper()
	merged, rep, err := mergeTOML(base, ours, theirs)
	switch {
	case err != nil && !errors.Is(err, ErrFallback):
		t.Fatalf("%s: error not wrapping ErrFallback: %v", what, err)
	case err != nil:
		return
	case len(rep.Conflicts) > 0:
		t.Fatalf("%s: conflicts %v", what, rep.Conflicts)
	}
	got, err := tomlFlatten(merged)
	if err != nil {
		t.Fatalf("%s: result does not parse: %v\n%s", what, err, merged)
	}
	w, _ := tomlFlatten(want)
	for _, p := range tomlCheckPaths(got, w) {
		if got.get(p) != w.get(p) {
			t.Errorf("%s: %s = %s, want %s", what, p, got.get(p), w.get(p))
		}
	}
}
