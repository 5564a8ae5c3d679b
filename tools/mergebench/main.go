// Command mergebench measures the merge engine on the real three-way cases
// of ../shared/corpus/merge-deployment-toml beside git merge-file, in the
// same run, and prints a Markdown section for docs/benchmarks.md. It is a
// development tool (make bench), not shipped.
//
// Usage:
//
//	go run ./tools/mergebench [-corpus DIR] [-runs N]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"inplace/internal/merge"
)

func main() {
	corpus := flag.String("corpus", "../shared/corpus/merge-deployment-toml", "folder of NNN/{base,ours,theirs}.toml cases")
	runs := flag.Int("runs", 20, "merges of each case to time (the median is reported)")
	flag.Parse()
	if err := run(os.Stdout, *corpus, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "mergebench:", err)
		os.Exit(1)
	}
}

type result struct {
	name          string
	clean         bool
	settings      int // conflicting settings (structured) or hunks (lines)
	format        string
	gitConflicts  int
	gitSource     string
	engine, gitNS time.Duration
}

func run(w io.Writer, corpus string, runs int) error {
	dirs, err := filepath.Glob(filepath.Join(corpus, "[0-9]*"))
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		fmt.Fprintf(w, "## Merge engine on the real deployment.toml cases\n\nThe corpus (%s) is absent here: nothing measured.\n", corpus)
		return nil
	}
	sort.Strings(dirs)
	_, gitErr := exec.LookPath("git")
	var rs []result
	for _, d := range dirs {
		r, err := measure(d, runs, gitErr == nil)
		if err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		rs = append(rs, r)
	}
	report(w, rs, gitErr == nil, runs)
	return nil
}

func read(d, name string) ([]byte, error) { return os.ReadFile(filepath.Join(d, name)) }

func measure(d string, runs int, haveGit bool) (result, error) {
	r := result{name: filepath.Base(d)}
	base, err := read(d, "base.toml")
	if err != nil {
		return r, err
	}
	ours, err := read(d, "ours.toml")
	if err != nil {
		return r, err
	}
	theirs, err := read(d, "theirs.toml")
	if err != nil {
		return r, err
	}
	times := make([]time.Duration, runs)
	var m merge.Result
	for i := range times {
		start := time.Now()
		m = merge.File("deployment.toml", base, ours, theirs)
		times[i] = time.Since(start)
	}
	r.engine = median(times)
	r.clean = m.Clean
	r.settings = m.Conflicts
	r.format = "lines"
	if m.Report != nil {
		r.format = m.Report.Format
	}
	if haveGit {
		n, t, err := gitMerge(d, runs)
		if err != nil {
			return r, err
		}
		r.gitConflicts, r.gitNS, r.gitSource = n, t, "git"
	} else {
		b, err := read(d, "git.conflicts")
		if err != nil {
			return r, err
		}
		r.gitConflicts, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		r.gitSource = "corpus"
	}
	return r, nil
}

// gitMerge runs git merge-file on copies of the case and returns its
// conflicting hunks and median time (process start included).
func gitMerge(d string, runs int) (int, time.Duration, error) {
	tmp, err := os.MkdirTemp("", "mergebench")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(tmp)
	for _, f := range []string{"base.toml", "ours.toml", "theirs.toml"} {
		b, err := read(d, f)
		if err != nil {
			return 0, 0, err
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return 0, 0, err
		}
	}
	times := make([]time.Duration, runs)
	n := 0
	for i := range times {
		cmd := exec.Command("git", "merge-file", "-p", "ours.toml", "base.toml", "theirs.toml")
		cmd.Dir = tmp
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		times[i] = time.Since(start)
		var ee *exec.ExitError
		switch {
		case err == nil:
			n = 0
		case errors.As(err, &ee) && ee.ExitCode() > 0 && ee.ExitCode() < 128:
			n = ee.ExitCode()
		default:
			return 0, 0, fmt.Errorf("git merge-file: %v %s", err, stderr.String())
		}
	}
	return n, median(times), nil
}

func median(ts []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func report(w io.Writer, rs []result, haveGit bool, runs int) {
	var clean, gitClean, settings, gitHunks int
	var engine, git time.Duration
	for _, r := range rs {
		if r.clean {
			clean++
		}
		if r.gitConflicts == 0 {
			gitClean++
		}
		settings += r.settings
		gitHunks += r.gitConflicts
		engine += r.engine
		git += r.gitNS
	}
	n := len(rs)
	fmt.Fprintf(w, "## Merge engine on the real deployment.toml cases\n\n")
	fmt.Fprintf(w, "%d real three-way cases (`../shared/corpus/merge-deployment-toml`). ", n)
	if haveGit {
		fmt.Fprintf(w, "git merge-file ran in the same run on the same inputs.\n\n")
	} else {
		fmt.Fprintf(w, "git is not installed here: its figures come from the corpus's `git.conflicts`.\n\n")
	}
	fmt.Fprintf(w, "| | inplace | git merge-file |\n|---|---|---|\n")
	fmt.Fprintf(w, "| cases merged cleanly | %d of %d | %d of %d |\n", clean, n, gitClean, n)
	fmt.Fprintf(w, "| conflicts (inplace: settings; git: hunks) | %d | %d |\n", settings, gitHunks)
	if haveGit {
		fmt.Fprintf(w, "| median time per file, mean over cases | %v | %v (a process per merge) |\n\n", (engine / time.Duration(n)).Round(time.Microsecond), (git / time.Duration(n)).Round(time.Microsecond))
	} else {
		fmt.Fprintf(w, "| median time per file, mean over cases | %v | not measured |\n\n", (engine / time.Duration(n)).Round(time.Microsecond))
	}
	fmt.Fprintf(w, "<details><summary>Per case</summary>\n\n| case | inplace | method | conflicts | git conflicts | inplace time | git time |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		state := "clean"
		if !r.clean {
			state = "conflict"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %v | %v |\n", r.name, state, r.format, r.settings, r.gitConflicts,
			r.engine.Round(time.Microsecond), r.gitNS.Round(time.Microsecond))
	}
	fmt.Fprintf(w, "\n</details>\n\nEach time is the median of %d merges of the case.\n", runs)
}
