package merge

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestMatchesGit merges thousands of random small cases, and a few large
// ones, with Lines and with the real git merge-file, and requires the same
// conflict count and the same bytes, conflict markers included. With
// -short it runs a tenth of the small cases and no huge ones.
func TestMatchesGit(t *testing.T) {
	git := lookGit(t)
	rng := rand.New(rand.NewSource(20240601))

	small, punct, big, huge := 4000, 2000, 24, 3
	if testing.Short() {
		small, punct, big, huge = 300, 100, 4, 0
	}
	var cases []threeWay
	for range small {
		cases = append(cases, randomCase(rng, smallCases))
	}
	for range punct {
		cases = append(cases, randomCase(rng, punctCases))
	}
	for range big {
		cases = append(cases, randomCase(rng, bigCases))
	}
	for range huge {
		cases = append(cases, randomCase(rng, hugeCases))
	}

	results := runGit(t, git, cases)
	mismatches := 0
	for i, c := range cases {
		want := results[i]
		got := Lines(c.base, c.ours, c.theirs)
		if got.Clean == (want.conflicts == 0) && sameCount(got.Conflicts, want.conflicts) &&
			bytes.Equal(got.Merged, want.merged) {
			continue
		}
		mismatches++
		if mismatches <= 5 {
			t.Errorf("case %d differs from git merge-file:\n%s\ngit:  %d conflicts %q\nours: %d conflicts %q",
				i, c, want.conflicts, want.merged, got.Conflicts, got.Merged)
		}
	}
	clean := 0
	for _, r := range results {
		if r.conflicts == 0 {
			clean++
		}
	}
	t.Logf("%d cases (%d clean in git), %d mismatches", len(cases), clean, mismatches)
}

// A threeWay is the input of one merge.
type threeWay struct {
	base, ours, theirs []byte
}

func (c threeWay) String() string {
	return fmt.Sprintf("base:   %q\nours:   %q\ntheirs: %q", c.base, c.ours, c.theirs)
}

// A caseShape says what random cases look like. Lines come from a small
// alphabet, so that edits collide, or are new lines found nowhere else.
type caseShape struct {
	minLines  int      // fewest lines in base
	maxLines  int      // most lines in base
	alphabet  []string // the lines base is made of
	maxEdits  int      // most edits on each side
	editEvery int      // if set, about one edit per so many lines instead
	maxBlock  int      // most lines an edit inserts or deletes
	unique    int      // percentage of inserted lines that are new
}

var (
	// Few lines, some of them without letters or digits.
	smallCases = caseShape{maxLines: 12, maxBlock: 3, maxEdits: 3, unique: 10,
		alphabet: []string{"a", "b", "c", "d", "e", "", "}", "{", "x = 1", "#"}}

	// Mostly lines without letters or digits, which the merge treats
	// specially when they separate conflicts, and which recur often
	// enough for the diff to set them aside.
	punctCases = caseShape{maxLines: 40, maxBlock: 8, maxEdits: 4, unique: 40,
		alphabet: []string{"", "", "", "}", "{", "#", "]", "a", "b"}}

	// Many edits drive the diff into its cost limit.
	bigCases = caseShape{maxLines: 3000, maxBlock: 30, editEvery: 4, unique: 50,
		alphabet: numbered(200)}

	// Only when more than 65532 lines take part in the search does the
	// cost limit rise above the point where the diff starts looking for
	// long runs of unchanged lines to split at.
	hugeCases = caseShape{minLines: 36000, maxLines: 40000, maxBlock: 10, editEvery: 50,
		alphabet: numbered(2000)}
)

// numbered returns an alphabet of n numbered lines and a few others.
func numbered(n int) []string {
	var a []string
	for i := range n {
		a = append(a, fmt.Sprintf("line %d", i))
	}
	return append(a, "", "}", "{", "----")
}

// randomCase returns a random base and two random edits of it, each
// written with its own choice of line endings.
func randomCase(rng *rand.Rand, shape caseShape) threeWay {
	base := shape.lines(rng, shape.minLines+rng.Intn(shape.maxLines-shape.minLines+1))
	ours := shape.edit(rng, base)
	theirs := shape.edit(rng, base)
	if rng.Intn(20) == 0 {
		theirs = ours
	}
	style := randomStyle(rng)
	return threeWay{
		base:   style.render(base),
		ours:   style.vary(rng).render(ours),
		theirs: style.vary(rng).render(theirs),
	}
}

func (shape caseShape) lines(rng *rand.Rand, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = shape.alphabet[rng.Intn(len(shape.alphabet))]
	}
	return lines
}

// newLines returns n lines to insert, some of them new.
func (shape caseShape) newLines(rng *rand.Rand, n int) []string {
	lines := shape.lines(rng, n)
	for i := range lines {
		if rng.Intn(100) < shape.unique {
			lines[i] = fmt.Sprintf("new %d", rng.Int63())
		}
	}
	return lines
}

// edit applies random insertions, deletions and replacements to lines.
func (shape caseShape) edit(rng *rand.Rand, lines []string) []string {
	out := append([]string(nil), lines...)
	n := rng.Intn(shape.maxEdits + 1)
	if shape.editEvery > 0 {
		n = rng.Intn(2*len(lines)/shape.editEvery + 1)
	}
	for range n {
		at := rng.Intn(len(out) + 1)
		end := min(at+rng.Intn(shape.maxBlock+1), len(out))
		switch rng.Intn(3) {
		case 0: // insert
			end = at
		case 1: // delete
			out = append(out[:at], out[end:]...)
			continue
		}
		ins := shape.newLines(rng, 1+rng.Intn(shape.maxBlock))
		out = append(out[:at], append(ins, out[end:]...)...)
	}
	return out
}

// A textStyle says how lines are written out.
type textStyle struct {
	crlf    int  // 0: LF, 1: CRLF, 2: either, line by line
	finalNL bool // whether the last line ends in a newline
}

func randomStyle(rng *rand.Rand) textStyle {
	s := textStyle{finalNL: rng.Intn(5) != 0}
	switch rng.Intn(10) {
	case 0, 1:
		s.crlf = 1
	case 2:
		s.crlf = 2
	}
	return s
}

// vary returns s, or now and then another random style.
func (s textStyle) vary(rng *rand.Rand) textStyle {
	if rng.Intn(5) == 0 {
		return randomStyle(rng)
	}
	return s
}

func (s textStyle) render(lines []string) []byte {
	var b bytes.Buffer
	for i, l := range lines {
		b.WriteString(l)
		if i == len(lines)-1 && !s.finalNL {
			break
		}
		if s.crlf == 1 || s.crlf == 2 && len(l)%2 == 0 {
			b.WriteByte('\r')
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// gitMaxStatus is the highest conflict count git merge-file reports: its
// exit status is the number of conflicts, capped at 127.
const gitMaxStatus = 127

// sameCount reports whether a conflict count equals the one git reported.
func sameCount(n, git int) bool {
	return n == git || git == gitMaxStatus && n > git
}

// gitResult is what git merge-file made of a case.
type gitResult struct {
	merged    []byte
	conflicts int
}

// lookGit returns the path of git, or skips the test.
func lookGit(t *testing.T) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	return git
}

// runGit runs git merge-file on every case, a few at a time. Each worker
// reuses one directory: creating files costs far more than rewriting them.
func runGit(t *testing.T, git string, cases []threeWay) []gitResult {
	t.Helper()
	dir := t.TempDir()
	env := gitEnv(dir)
	results := make([]gitResult, len(cases))
	errs := make([]error, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range runtime.GOMAXPROCS(0) + 1 {
		work := filepath.Join(dir, fmt.Sprint(w))
		if err := os.Mkdir(work, 0o755); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = gitMerge(git, env, work, cases[i])
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return results
}

// gitEnv returns an environment in which git reads no configuration and
// finds no repository, so that its settings are the defaults.
func gitEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_CEILING_DIRECTORIES="+filepath.Dir(dir),
		"HOME="+dir,
	)
}

// gitMerge writes c into dir and merges it with git merge-file.
func gitMerge(git string, env []string, dir string, c threeWay) (gitResult, error) {
	for name, data := range map[string][]byte{"base": c.base, "ours": c.ours, "theirs": c.theirs} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return gitResult{}, err
		}
	}
	cmd := exec.Command(git, "merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs", "ours", "base", "theirs")
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return gitResult{merged: out}, nil
	case errors.As(err, &exit) && exit.ExitCode() > 0 && exit.ExitCode() <= gitMaxStatus && stderr.Len() == 0:
		return gitResult{merged: out, conflicts: exit.ExitCode()}, nil
	default:
		return gitResult{}, fmt.Errorf("git merge-file in %s: %v: %s", dir, err, stderr.Bytes())
	}
}
