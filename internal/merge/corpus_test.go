package merge

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds real merges of a product's deployment.toml with what git
// merge-file made of them. It lives in the shared directory beside the
// project, which fresh clones do not have.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "merge-deployment-toml")

// TestCorpus merges each corpus case by lines and requires git's conflict
// count and git's bytes. (The TOML merge, which File uses for these files,
// is checked setting by setting in toml_corpus_test.go.)
func TestCorpus(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "[0-9][0-9][0-9]"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Skipf("no merge corpus at %s (the shared directory beside the project is absent, as in a fresh clone)", corpusDir)
	}
	clean, gitClean := 0, 0
	for _, dir := range dirs {
		c, want := readCorpusCase(t, dir)
		got := Lines(c.base, c.ours, c.theirs)
		if got.Clean {
			clean++
		}
		if want.conflicts == 0 {
			gitClean++
		}
		if got.Clean != (want.conflicts == 0) || got.Conflicts != want.conflicts {
			t.Errorf("%s: %d conflicts, git has %d", dir, got.Conflicts, want.conflicts)
		}
		if !bytes.Equal(got.Merged, want.merged) {
			t.Errorf("%s: merged bytes differ from git's (clean: %v)", dir, got.Clean)
		}
	}
	t.Logf("%d of %d corpus cases merge clean by lines; git: %d", clean, len(dirs), gitClean)
}

// readCorpusCase reads the inputs of one corpus case and git's result.
func readCorpusCase(t *testing.T, dir string) (threeWay, gitResult) {
	t.Helper()
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	c := threeWay{base: read("base.toml"), ours: read("ours.toml"), theirs: read("theirs.toml")}
	n, err := strconv.Atoi(strings.TrimSpace(string(read("git.conflicts"))))
	if err != nil {
		t.Fatalf("%s: git.conflicts: %v", dir, err)
	}
	return c, gitResult{merged: read("git.toml"), conflicts: n}
}

// BenchmarkCorpus merges the whole corpus once per iteration.
func BenchmarkCorpus(b *testing.B) {
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "[0-9][0-9][0-9]"))
	if len(dirs) == 0 {
		b.Skipf("no merge corpus at %s", corpusDir)
	}
	var cases []threeWay
	for _, dir := range dirs {
		var c threeWay
		for name, p := range map[string]*[]byte{"base.toml": &c.base, "ours.toml": &c.ours, "theirs.toml": &c.theirs} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				b.Fatal(err)
			}
			*p = data
		}
		cases = append(cases, c)
	}
	for b.Loop() {
		for _, c := range cases {
			Lines(c.base, c.ours, c.theirs)
		}
	}
}
