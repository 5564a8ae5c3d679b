package txn

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"inplace/internal/home"
)

// tree reads every file and link under dir, except the tool's folder.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "updates" {
			return filepath.SkipDir
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out[rel] = "link:" + l
		case d.Type().IsRegular():
			b, _ := os.ReadFile(p)
			fi, _ := d.Info()
			out[rel] = fi.Mode().Perm().String() + ":" + string(b)
		case d.IsDir() && rel != ".":
			out[rel+"/"] = "dir"
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// written is how a file written with mode m reads back: Windows keeps
// only whether it is read-only.
func written(m fs.FileMode) string {
	if runtime.GOOS == "windows" {
		if m&0o200 != 0 {
			return fs.FileMode(0o666).String()
		}
		return fs.FileMode(0o444).String()
	}
	return m.String()
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func diff(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, k+": "+v+" != "+b[k])
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k+": missing, want "+v)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// setup makes a home at the old level and returns a journal that replaces
// a, removes b (read-only), adds c/d/e.txt (in new folders) and puts a
// customer's .final in place of f.
func setup(t *testing.T) (*home.Home, *Journal, func()) { return setupIn(t, t.TempDir()) }

// longDir returns a new folder whose path is longer than the 260
// characters Windows programs were once limited to.
func longDir(t *testing.T) string {
	dir := t.TempDir()
	for len(dir) < 300 {
		dir = filepath.Join(dir, strings.Repeat("d", 50))
	}
	return dir
}

func setupIn(t *testing.T, dir string) (*home.Home, *Journal, func()) {
	write(t, dir, map[string]string{
		"updates/product.txt": "p-1\n",
		"a":                   "old a",
		"b":                   "old b",
		"f":                   "customer f",
		"f.final":             "resolved f",
	})
	if err := os.Chmod(filepath.Join(dir, "b"), 0o444); err != nil {
		t.Fatal(err)
	}
	h, err := home.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	j := &Journal{Txn: "r1-update", Run: "r1", Action: ActUpdate, Before: &home.State{Product: "p-1"}}
	j.Ops = []Op{
		{Path: "a", Had: true, Backup: "updates/backup/r1/update/0", Stage: ".a.new"},
		{Path: "b", Had: true, Backup: "updates/backup/r1/update/1"},
		{Path: "c/d/e.txt", Stage: "c/d/.e.txt.new", NewDirs: MissingDirs(h, "c/d/e.txt")},
		{Path: "f", Had: true, Backup: "updates/backup/r1/update/3", Stage: "f.final", KeepStage: true},
	}
	stage := func() {
		write(t, dir, map[string]string{".a.new": "new a", "c/d/.e.txt.new": "new e"})
	}
	return h, j, stage
}

var errCrash = errors.New("crash")

func TestRecoverRollsBackAtEveryStep(t *testing.T) {
	crashAtEveryStep(t, t.TempDir)
}

func TestRecoverRollsBackLongPaths(t *testing.T) {
	crashAtEveryStep(t, func() string { return longDir(t) })
}

// crashAtEveryStep crashes the transaction of setup at each of its steps
// in a home in a new folder from dir, and checks that Recover puts
// everything back.
func crashAtEveryStep(t *testing.T, dir func() string) {
	for step := 0; step <= 4; step++ {
		h, j, stage := setupIn(t, dir())
		before := tree(t, h.Dir)
		if err := Begin(h, j); err != nil {
			t.Fatal(err)
		}
		stage()
		Hook = func(_ string, i int) error {
			if i == step {
				return errCrash
			}
			return nil
		}
		err := Apply(h, j)
		if err == nil {
			err = Commit(h, j, &home.State{Product: "p-1", Level: 5})
		}
		Hook = nil
		if !errors.Is(err, errCrash) {
			t.Fatalf("step %d: got %v, want the crash", step, err)
		}
		r, err := Recover(h)
		if err != nil || r == nil || !r.RolledBack {
			t.Fatalf("step %d: Recover = %+v, %v; want a rollback", step, r, err)
		}
		if d := diff(before, tree(t, h.Dir)); d != "" {
			t.Errorf("step %d: tree after rollback differs:\n%s", step, d)
		}
		if _, err := os.Stat(h.Path(home.JournalFile)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("step %d: journal left behind", step)
		}
	}
}

func TestRecoverFinishesAfterCommit(t *testing.T) {
	h, j, stage := setup(t)
	if err := Begin(h, j); err != nil {
		t.Fatal(err)
	}
	stage()
	if err := Apply(h, j); err != nil {
		t.Fatal(err)
	}
	want := tree(t, h.Dir)
	// Crash right after the commit point: the state names the transaction,
	// the journal is still there.
	if err := h.SaveState(&home.State{Product: "p-1", Level: 5, Txn: j.Txn}); err != nil {
		t.Fatal(err)
	}
	r, err := Recover(h)
	if err != nil || r == nil || r.RolledBack {
		t.Fatalf("Recover = %+v, %v; want a roll forward", r, err)
	}
	if d := diff(want, tree(t, h.Dir)); d != "" {
		t.Errorf("tree changed by the roll forward:\n%s", d)
	}
	if _, err := os.Stat(h.Path(PhaseFile("r1", ActUpdate))); err != nil {
		t.Errorf("the phase record for revert is missing: %v", err)
	}
	got := tree(t, h.Dir)
	rw := written(0o644)
	if got["a"] != rw+":new a" || got["c/d/e.txt"] != rw+":new e" || got["f"] != rw+":resolved f" {
		t.Errorf("unexpected result: %v", got)
	}
	if _, ok := got["b"]; ok {
		t.Errorf("b was not removed")
	}
}

func TestBeginRefusesTwoOpsOnOnePath(t *testing.T) {
	h, j, _ := setup(t)
	j.Ops = append(j.Ops, Op{Path: "a"})
	if err := Begin(h, j); err == nil {
		t.Fatal("Begin accepted two ops on one path")
	}
	if _, err := os.Stat(h.Path(home.JournalFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a refused journal was written")
	}
}

func TestRecoverReportsADamagedJournal(t *testing.T) {
	h, _, _ := setup(t)
	if err := os.WriteFile(h.Path(home.JournalFile), []byte(`{"txn": "r1-upd`), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, h.Dir)
	_, err := Recover(h)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Recover on a truncated journal = %v; want an error saying it is damaged", err)
	}
	if d := diff(before, tree(t, h.Dir)); d != "" {
		t.Errorf("tree changed:\n%s", d)
	}
}

// FuzzRecover feeds arbitrary journals to Recover: it must never panic nor
// touch anything outside the home.
func FuzzRecover(f *testing.F) {
	f.Add([]byte(`{"txn":"r1-update","run":"r1","action":"update","ops":[{"path":"a","had":true,"backup":"updates/backup/r1/update/0","stage":".a.new"}]}`))
	f.Add([]byte(`{"txn":"r1-update","run":"r1","action":"revert","ops":[{"path":"../outside/x"}],"cleanup":["../outside"]}`))
	f.Add([]byte(`{"txn":"r1-update","run":"r1","action":"update","ops":[{"path":"/etc/x"}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "home")
		write(t, root, map[string]string{"outside/x": "keep me", "home/updates/product.txt": "p-1\n", "home/a": "a"})
		if err := os.WriteFile(filepath.Join(dir, home.JournalFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := home.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = Recover(h)
		if b, err := os.ReadFile(filepath.Join(root, "outside/x")); err != nil || string(b) != "keep me" {
			t.Fatalf("Recover touched a file outside the home: %v", err)
		}
	})
}
