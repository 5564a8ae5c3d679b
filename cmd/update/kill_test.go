//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/testenv"
)

// TestKillAtEveryStep kills the tool with SIGKILL at every step of its
// transactions in turn — an update touching 220 files (adds, replaces,
// merges, removals, conflicts), its --continue, and the --revert of both —
// and checks that the next run recovers to exactly the old or the new level
// (tree hash of every file, mode and link), and that the interrupted action
// then completes normally. The tool is built with -tags killhook, which lets
// INPLACE_KILL_AT=ACTION:STEP pick the step; release builds lack the hook.
func TestKillAtEveryStep(t *testing.T) {
	tool := filepath.Join(t.TempDir(), "update-killhook")
	if out, err := exec.Command("go", "build", "-tags", "killhook", "-o", tool, "inplace/cmd/update").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	srv := startServer(t)
	base, upd := bigProduct(t)
	srv.admin(t, "", "product", "add", "--name", "big", "--version", "1.0", base)
	srv.admin(t, "", "update", "publish", "--product", "big-1.0", "--timestamp", "1700000100000", upd)
	srv.addUser(t, "alice", "s3cret-pass", "big-1.0", "full")

	env := append(cleanEnv(), "UPDATE_SERVER="+srv.url, "UPDATE_USERNAME=alice", "UPDATE_PASSWORD=s3cret-pass")
	run := func(h, killAt string, args ...string) int {
		cmd := exec.Command(tool, append([]string{"--home", h, "--non-interactive", "-c", "full"}, args...)...)
		cmd.Env = env
		if killAt != "" {
			cmd.Env = append(cmd.Env, "INPLACE_KILL_AT="+killAt)
		}
		out, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		if killAt == "" && code != 0 && code != 3 && code != 4 {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
		return code
	}

	// The levels: customised (old), after the update (pending conflicts),
	// after --continue (new). Snapshots include updates/ (state, backups).
	root := t.TempDir()
	old := filepath.Join(root, "old")
	if err := testenv.CopyTree(base, old); err != nil {
		t.Fatal(err)
	}
	srv.trust(t, old)
	customiseBig(t, old)
	run(old, "", "-d") // log in once: the snapshot keeps the session
	pending := filepath.Join(root, "pending")
	testenv.CopyTree(old, pending)
	if code := run(pending, ""); code != 3 {
		t.Fatalf("update: exit %d, want 3", code)
	}
	finals := filepath.Join(root, "finals")
	testenv.CopyTree(pending, finals)
	for i := 80; i < 100; i++ {
		jar := filepath.Join(finals, fmt.Sprintf("lib/j%03d.jar", i))
		b, _ := os.ReadFile(jar + ".updated")
		os.WriteFile(jar+".final", b, 0o644)
	}
	resolved := filepath.Join(root, "resolved")
	testenv.CopyTree(finals, resolved)
	if code := run(resolved, "", "--continue"); code != 0 {
		t.Fatalf("--continue: exit %d", code)
	}

	cases := []struct {
		action   string
		from     string // snapshot to start from
		args     []string
		code     int
		old, new string // acceptable trees after a kill
		steps    int
	}{
		{"update", old, nil, 3, old, pending, ops(t, pending, "update")},
		{"continue", finals, []string{"--continue"}, 0, finals, resolved, ops(t, resolved, "continue")},
		{"revert", resolved, []string{"--revert"}, 4, resolved, old, revertOps(t, resolved)},
	}
	if cases[0].steps < 200 {
		t.Fatalf("the update has %d steps; the test wants at least 200", cases[0].steps)
	}
	for _, c := range cases {
		oldHash, newHash := treeString(t, c.old), treeString(t, c.new)
		killed := 0
		for step := 0; step <= c.steps+1; step++ {
			if testing.Short() && step%9 != 0 && step != c.steps+1 {
				continue
			}
			h := filepath.Join(t.TempDir(), "home")
			testenv.CopyTree(c.from, h)
			if code := run(h, fmt.Sprintf("%s:%d", c.action, step), c.args...); code != -1 {
				// The hook's step was never reached (e.g. revert has fewer ops than counted).
				continue
			}
			killed++
			run(h, "", "-d") // recovers, changes nothing else
			got := treeString(t, h)
			if got != oldHash && got != newHash {
				t.Fatalf("%s killed at step %d: after recovery the tree is neither the old nor the new level", c.action, step)
			}
			if _, err := os.Stat(filepath.Join(h, "updates", "journal.json")); err == nil {
				t.Fatalf("%s killed at step %d: the journal is still there after recovery", c.action, step)
			}
			if got == oldHash {
				if code := run(h, "", c.args...); code != c.code {
					t.Fatalf("%s killed at step %d: the run after recovery exits %d, want %d", c.action, step, code, c.code)
				}
			}
			if got := treeString(t, h); got != newHash {
				t.Fatalf("%s killed at step %d: after the run completes the tree is not the new level:\n%s", c.action, step, lineDiff(got, newHash))
			}
		}
		t.Logf("%s: killed at %d steps, each recovered", c.action, killed)
		if killed < 2 {
			t.Errorf("%s: only %d kills happened", c.action, killed)
		}
	}
}

// ops counts the steps of a committed phase of the last run in a home.
func ops(t *testing.T, h, action string) int {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(h, "updates", "backup", "*", action+".json"))
	if len(matches) == 0 {
		t.Fatalf("no %s phase in %s", action, h)
	}
	sort := matches[len(matches)-1]
	b, err := os.ReadFile(sort)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte(`"path":`))
}

// revertOps counts the steps of reverting the last run of a home: one per
// path the run touched that exists now or existed before it.
func revertOps(t *testing.T, h string) int {
	t.Helper()
	type op struct {
		Path string `json:"path"`
		Had  bool   `json:"had"`
	}
	first := map[string]bool{}
	for _, phase := range []string{"update", "continue"} {
		matches, _ := filepath.Glob(filepath.Join(h, "updates", "backup", "*", phase+".json"))
		for _, m := range matches[len(matches)-1:] {
			var j struct{ Ops []op }
			b, _ := os.ReadFile(m)
			if err := json.Unmarshal(b, &j); err != nil {
				t.Fatal(err)
			}
			for _, o := range j.Ops {
				if _, seen := first[o.Path]; !seen {
					first[o.Path] = o.Had
				}
			}
		}
	}
	n := 0
	for p, had := range first {
		if _, err := os.Lstat(filepath.Join(h, p)); err == nil || had {
			n++
		}
	}
	return n
}

// bigProduct writes a product of 300 files and an update touching 220 of
// them: 60 added, 80 jars replaced, 30 properties files both sides edit in
// different settings (merged), 30 removed, 20 jars the customer also
// changed (conflicts).
func bigProduct(t *testing.T) (base, upd string) {
	dir := t.TempDir()
	base, upd = filepath.Join(dir, "base"), filepath.Join(dir, "upd")
	rng := rand.New(rand.NewSource(1))
	put := func(p string, b []byte) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	blob := func() []byte { b := make([]byte, 2048+rng.Intn(2048)); rng.Read(b); return b }
	props := func(i int, changed int) []byte {
		var s strings.Builder
		for k := 0; k < 20; k++ {
			v := fmt.Sprintf("value%d", k)
			if k == changed {
				v = fmt.Sprintf("vendor-%d", i)
			}
			fmt.Fprintf(&s, "key%d = %s\n", k, v)
		}
		return []byte(s.String())
	}
	put(filepath.Join(base, "updates/product.txt"), []byte("big-1.0\n"))
	for i := 0; i < 100; i++ {
		put(filepath.Join(base, fmt.Sprintf("conf/c%03d.properties", i)), props(i, -1))
		put(filepath.Join(base, fmt.Sprintf("lib/j%03d.jar", i)), blob())
		put(filepath.Join(base, fmt.Sprintf("misc/m%03d.txt", i)), []byte(fmt.Sprintf("misc %d\n", i)))
	}
	var yaml strings.Builder
	yaml.WriteString("description: \"A big update\"\nremoved_files:\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&yaml, "  - misc/m%03d.txt\n", i)
		put(filepath.Join(upd, "files", fmt.Sprintf("conf/c%03d.properties", i)), props(i, 2))
	}
	for i := 0; i < 60; i++ {
		put(filepath.Join(upd, "files", fmt.Sprintf("new/n%03d.txt", i)), []byte(fmt.Sprintf("new %d\n", i)))
	}
	for i := 0; i < 100; i++ {
		put(filepath.Join(upd, "files", fmt.Sprintf("lib/j%03d.jar", i)), blob())
	}
	put(filepath.Join(upd, "update.yaml"), []byte(yaml.String()))
	return base, upd
}

// customiseBig edits line 15 of the first 30 properties files and the
// bytes of jars 80-99, and adds a file of the customer's own.
func customiseBig(t *testing.T, h string) {
	for i := 0; i < 30; i++ {
		p := filepath.Join(h, fmt.Sprintf("conf/c%03d.properties", i))
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(b, []byte("key15 = value15"), []byte("key15 = mine"), 1), 0o644)
	}
	for i := 80; i < 100; i++ {
		os.WriteFile(filepath.Join(h, fmt.Sprintf("lib/j%03d.jar", i)), []byte(fmt.Sprintf("customer's jar %d", i)), 0o644)
	}
	os.WriteFile(filepath.Join(h, "conf/customer.txt"), []byte("mine\n"), 0o644)
}

// lineDiff lists the lines only in a and only in b.
func lineDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for l := range ma {
		if !mb[l] {
			out = append(out, "+ "+l)
		}
	}
	for l := range mb {
		if !ma[l] {
			out = append(out, "- "+l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], "...")
	}
	return strings.Join(out, "\n")
}
