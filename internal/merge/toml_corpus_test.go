package merge

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tomlCorpusDir holds real cases of a product's deployment.toml: the
// vendor's file at two releases, a customer's file and what git
// merge-file made of them. It lives in the shared directory beside the
// project, which fresh clones do not have.
var tomlCorpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "merge-deployment-toml")

// tomlCorpusCase is one case of the corpus.
type tomlCorpusCase struct {
	name               string
	base, ours, theirs []byte
	gitConflicts       int
}

// tomlReadCorpus reads the corpus; it skips the test when it is absent.
func tomlReadCorpus(tb testing.TB) []tomlCorpusCase {
	tb.Helper()
	dirs, err := filepath.Glob(filepath.Join(tomlCorpusDir, "[0-9][0-9][0-9]"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(dirs) == 0 {
		tb.Skipf("no TOML merge corpus at %s: the shared directory beside the project is absent (as in a fresh clone)", tomlCorpusDir)
	}
	var cases []tomlCorpusCase
	for _, dir := range dirs {
		read := func(name string) []byte {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				tb.Fatal(err)
			}
			return data
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(read("git.conflicts"))))
		if err != nil {
			tb.Fatalf("%s: git.conflicts: %v", dir, err)
		}
		cases = append(cases, tomlCorpusCase{
			name: filepath.Base(dir), base: read("base.toml"), ours: read("ours.toml"), theirs: read("theirs.toml"),
			gitConflicts: n,
		})
	}
	return cases
}

// TestTOMLCorpus merges every real case and checks the result setting by
// setting (see tomlCheckMerge); it asserts nothing about the bytes.
func TestTOMLCorpus(t *testing.T) {
	cases := tomlReadCorpus(t)
	var clean, conflicting, settings, fallbacks, gitClean int
	var table strings.Builder
	fmt.Fprintf(&table, "%-5s %-26s %s\n", "case", "toml merge", "git merge-file")
	for _, c := range cases {
		_, rep, fellBack := tomlTestMerge(t, c.name, c.base, c.ours, c.theirs)
		var outcome string
		switch {
		case fellBack:
			fallbacks++
			outcome = "fallback"
		case len(rep.Conflicts) == 0:
			clean++
			outcome = "clean"
		default:
			conflicting++
			settings += len(rep.Conflicts)
			outcome = fmt.Sprintf("%d conflicting settings", len(rep.Conflicts))
		}
		if c.gitConflicts == 0 {
			gitClean++
		}
		fmt.Fprintf(&table, "%-5s %-26s %d conflicts\n", c.name, outcome, c.gitConflicts)
	}
	t.Logf("\n%s", table.String())
	t.Logf("%d of %d cases merge clean (git: %d); %d conflicting cases with %d conflicting settings (git: %d conflicting files); %d fallbacks",
		clean, len(cases), gitClean, conflicting, settings, len(cases)-gitClean, fallbacks)
	if fallbacks > 0 {
		t.Errorf("%d real cases fell back to the line merge", fallbacks)
	}
}
