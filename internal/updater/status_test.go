package updater

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/home"
	"inplace/internal/overlay"
	"inplace/internal/testenv"
	"inplace/internal/txn"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// treeSource serves one pristine tree (level 0) and its contents.
type treeSource struct {
	hostileSource
	tree  []api.Entry
	blobs map[string][]byte
}

func (s *treeSource) PristineTree(ctx context.Context, product string, applied []api.Update) ([]api.Entry, error) {
	return s.tree, nil
}

func (s *treeSource) Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error {
	b, ok := s.blobs[sha]
	if !ok {
		return fmt.Errorf("no blob %s", sha)
	}
	_, err := w.Write(b)
	return err
}

func (s *treeSource) Fetch(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error {
	var b bytes.Buffer
	if err := s.Blob(ctx, sha, size, &b, progress); err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

// pristineFiles is the vendor's product: path → content; "->x" is a link to x.
var pristineFiles = map[string]string{
	"README.txt":            "read me\n",
	"bin/run.sh":            "#!/bin/sh\necho run\n",
	"conf/app.properties":   "# vendor\nport=8080\nhost=localhost\n",
	"conf/notes.txt":        "vendor notes\n",
	"lib/core.jar":          "PK core 1.0",
	"lib/current.jar":       "->core.jar",
	"updates/product.txt":   "p-1\n", // the tool's: never listed
	"webapps/sample.war":    "PK sample",
	"repository/empty.conf": "",
}

// newTreeSource describes pristineFiles.
func newTreeSource() *treeSource {
	s := &treeSource{blobs: map[string][]byte{}}
	for p, c := range pristineFiles {
		if t, ok := strings.CutPrefix(c, "->"); ok {
			s.tree = append(s.tree, api.Entry{Path: p, Kind: api.KindSymlink, Target: t})
			continue
		}
		mode := uint32(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		sha := fsx.HashBytes([]byte(c))
		s.blobs[sha] = []byte(c)
		if !api.ToolPath(p) {
			s.tree = append(s.tree, api.Entry{Path: p, Kind: api.KindFile, SHA256: sha, Size: int64(len(c)), Mode: mode})
		}
	}
	sort.Slice(s.tree, func(i, j int) bool { return s.tree[i].Path < s.tree[j].Path })
	return s
}

// installPristine writes pristineFiles into a new home.
func installPristine(t *testing.T) *home.Home {
	t.Helper()
	dir := t.TempDir()
	for p, c := range pristineFiles {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(c, "->"); ok {
			if err := os.Symlink(target, name); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(name, []byte(c), mode); err != nil {
			t.Fatal(err)
		}
	}
	h, err := home.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// customiseTree makes a customer's changes.
func customiseTree(t *testing.T, h *home.Home) {
	t.Helper()
	write := func(p, c string, mode fs.FileMode) {
		if err := os.MkdirAll(filepath.Dir(h.Path(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(h.Path(p), []byte(c), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("conf/app.properties", "# vendor\nport=9090\nhost=localhost\ndebug=true\n", 0o644)
	write("lib/driver.jar", "PK driver", 0o600)
	write("bin/update_linux", "the tool: never listed", 0o755)
	write("updates/state.json.bak", "the tool's: never listed", 0o644)
	if err := os.Remove(h.Path("webapps/sample.war")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(h.Path("lib/current.jar")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("driver.jar", h.Path("lib/current.jar")); err != nil {
		t.Fatal(err)
	}
}

// treeOf lists a home's files and links (path, mode, content or target),
// the tool's own left out.
func treeOf(t *testing.T, h *home.Home) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(h.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(h.Dir, p)
		rel = filepath.ToSlash(rel)
		if api.ToolPath(rel) || d.IsDir() {
			return nil
		}
		fi, _ := d.Info()
		if fi.Mode()&fs.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			lines = append(lines, rel+" -> "+l)
			return nil
		}
		b, err := os.ReadFile(p)
		lines = append(lines, fmt.Sprintf("%s %v %q", rel, fi.Mode().Perm(), b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func newUpdater(h *home.Home, src Source) *Updater {
	return &Updater{Home: h, Product: "p-1", Channel: "full", Src: src, Out: io.Discard, Log: io.Discard}
}

// TestStatus: --status lists exactly the customer's changes, with the
// settings of a properties file, never the tool's files; its JSON form is
// the golden testdata/status.json (a stable schema: change it only by
// adding fields).
func TestStatus(t *testing.T) {
	if !testenv.HasSymlinks() {
		t.Skip("no symbolic links here")
	}
	h := installPristine(t)
	src := newTreeSource()
	u := newUpdater(h, src)
	s, err := u.Status(context.Background(), StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 0 {
		t.Fatalf("pristine home: %+v", s.Files)
	}
	customiseTree(t, h)
	s, err = u.Status(context.Background(), StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "status.json")
	if *updateGolden {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("status JSON differs from %s (go test -update to rewrite it):\n%s", golden, got)
	}
	var text bytes.Buffer
	s.WriteText(&text)
	wantText := `p-1 at level 0 (base distribution): 4 path(s) differ from the vendor's files (2 modified, 1 added, 1 removed)

modified (2):
  conf/app.properties (properties, 2 setting(s) changed)
      port = 9090 (vendor's 8080)
      debug = true (added)
  lib/current.jar (was link -> core.jar, now link -> driver.jar)

added (1):
  lib/driver.jar

removed (1):
  webapps/sample.war
`
	if text.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), wantText)
	}
}

// TestExportApplyRevert: an exported overlay applied to a fresh home
// makes it the customised home; --revert makes it fresh again.
func TestExportApplyRevert(t *testing.T) {
	if !testenv.HasSymlinks() {
		t.Skip("no symbolic links here")
	}
	ctx := context.Background()
	src := newTreeSource()
	custom := installPristine(t)
	customiseTree(t, custom)
	ov := filepath.Join(t.TempDir(), "overlay")
	s, err := newUpdater(custom, src).Status(ctx, StatusOptions{Export: ov})
	if err != nil {
		t.Fatal(err)
	}
	if s.Export != ov {
		t.Errorf("Export = %q", s.Export)
	}
	b, err := os.ReadFile(filepath.Join(ov, "pristine", "conf", "app.properties"))
	if err != nil || string(b) != pristineFiles["conf/app.properties"] {
		t.Errorf("pristine/conf/app.properties: %q %v", b, err)
	}
	if fi, err := os.Lstat(filepath.Join(ov, "files", "lib", "driver.jar")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("files/lib/driver.jar lost its mode: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(ov, "files", "bin", "update_linux")); err == nil {
		t.Error("the tool's binary was exported")
	}

	fresh := installPristine(t)
	before := treeOf(t, fresh)
	u := newUpdater(fresh, nil) // no server needed
	rep, err := u.ApplyOverlay(ctx, ApplyOptions{Dir: ov})
	if err != nil {
		t.Fatalf("ApplyOverlay: %v", err)
	}
	if got, want := treeOf(t, fresh), treeOf(t, custom); got != want {
		t.Errorf("after the overlay:\n%s\nwant the customised tree:\n%s", got, want)
	}
	if len(rep.Files) != 4 {
		t.Errorf("report: %+v", rep.Files)
	}
	st, _ := fresh.LoadState()
	if st.Level != 0 || len(st.Applied) != 0 || len(st.Runs) != 1 {
		t.Errorf("state after the overlay: %+v", st)
	}
	if _, err := u.Revert(ctx); !errors.Is(err, ErrReverted) {
		t.Fatalf("Revert: %v", err)
	}
	if got := treeOf(t, fresh); got != before {
		t.Errorf("after --revert:\n%s\nwant:\n%s", got, before)
	}
}

// TestApplyOverlayRefuses: a damaged, forged or foreign overlay is
// refused with a clear error, and nothing in the home changes.
func TestApplyOverlayRefuses(t *testing.T) {
	if !testenv.HasSymlinks() {
		t.Skip("no symbolic links here")
	}
	ctx := context.Background()
	src := newTreeSource()
	custom := installPristine(t)
	customiseTree(t, custom)
	good := filepath.Join(t.TempDir(), "overlay")
	if _, err := newUpdater(custom, src).Status(ctx, StatusOptions{Export: good}); err != nil {
		t.Fatal(err)
	}
	manifest := func(t *testing.T, dir string, edit func(m *overlay.Manifest)) {
		b, err := os.ReadFile(filepath.Join(dir, overlay.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		m, err := overlay.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ = m.Marshal()
		os.WriteFile(filepath.Join(dir, overlay.ManifestFile), b, 0o644)
	}
	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string)
		msg   string
	}{
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, overlay.ManifestFile)) }, "no overlay.json"},
		{"manifest not JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, overlay.ManifestFile), []byte("{"), 0o644)
		}, "invalid overlay"},
		{"path climbing out", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, overlay.ManifestFile))
			b = bytes.ReplaceAll(b, []byte(`"lib/driver.jar"`), []byte(`"../driver.jar"`))
			os.WriteFile(filepath.Join(dir, overlay.ManifestFile), b, 0o644)
		}, "contains .."},
		{"tool path", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, overlay.ManifestFile))
			b = bytes.ReplaceAll(b, []byte(`"lib/driver.jar"`), []byte(`"bin/update_linux"`))
			os.WriteFile(filepath.Join(dir, overlay.ManifestFile), b, 0o644)
		}, "belongs to the update tool"},
		{"other product", func(t *testing.T, dir string) {
			manifest(t, dir, func(m *overlay.Manifest) { m.Product = "q-2" })
		}, "holds customisations of q-2, and this is p-1"},
		{"later level", func(t *testing.T, dir string) {
			manifest(t, dir, func(m *overlay.Manifest) { m.Level = 1700000000000 })
		}, "update it to at least that level first"},
		{"file changed", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "files", "lib", "driver.jar"), []byte("PK drivex"), 0o600)
		}, "does not have the sha256"},
		{"file grown", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "files", "lib", "driver.jar"), []byte("PK driver and more"), 0o600)
		}, "bytes, and overlay.json says"},
		{"pristine missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "pristine", "conf", "app.properties"))
		}, "pristine/conf/app.properties is missing"},
		{"file not named", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "files", "extra.txt"), []byte("x"), 0o644)
		}, "files/extra.txt is not named in overlay.json"},
		{"link where a file should be", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "files", "lib", "driver.jar")
			os.Remove(p)
			os.Symlink("/etc/passwd", p)
		}, "not a regular file"},
		{"link retargeted", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "files", "lib", "current.jar")
			os.Remove(p)
			os.Symlink("core.jar", p)
		}, "points to core.jar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "overlay")
			if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
				// CopyFS does not copy links: copy the tree ourselves.
				os.RemoveAll(dir)
				if err := testenv.CopyTree(good, dir); err != nil {
					t.Fatal(err)
				}
			}
			tc.spoil(t, dir)
			fresh := installPristine(t)
			before := treeOf(t, fresh)
			_, err := newUpdater(fresh, nil).ApplyOverlay(ctx, ApplyOptions{Dir: dir})
			if err == nil {
				t.Fatal("ApplyOverlay accepted it")
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if got := treeOf(t, fresh); got != before {
				t.Errorf("the home changed:\n%s", got)
			}
			for _, p := range []string{home.StateFile, home.JournalFile, home.BackupDir} {
				if fsx.Exists(fresh.Path(p)) {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
}

// crash stops a transaction where it is, as a killed process would.
type crash struct{}

// TestApplyOverlayCrash stops --apply-overlay at every step of its
// transaction in turn; the next run's recovery leaves the home exactly as
// it was before (or, past the commit point, as the overlay makes it), and
// a committed overlay is then undone by --revert.
func TestApplyOverlayCrash(t *testing.T) {
	if !testenv.HasSymlinks() {
		t.Skip("no symbolic links here")
	}
	ctx := context.Background()
	custom := installPristine(t)
	customiseTree(t, custom)
	ov := filepath.Join(t.TempDir(), "overlay")
	if _, err := newUpdater(custom, newTreeSource()).Status(ctx, StatusOptions{Export: ov}); err != nil {
		t.Fatal(err)
	}
	want := treeOf(t, custom)
	defer func() { txn.Hook = nil }()
	for step := 0; ; step++ {
		fresh := installPristine(t)
		before := treeOf(t, fresh)
		hit := false
		txn.Hook = func(action string, i int) error {
			if action == txn.ActOverlay && i == step {
				hit = true
				panic(crash{})
			}
			return nil
		}
		func() {
			defer func() {
				if r := recover(); r != nil && r != (crash{}) {
					panic(r)
				}
			}()
			newUpdater(fresh, nil).ApplyOverlay(ctx, ApplyOptions{Dir: ov})
		}()
		txn.Hook = nil
		if !hit {
			if step < 3 {
				t.Fatalf("the transaction has only %d steps", step)
			}
			break
		}
		r, err := txn.Recover(fresh)
		if err != nil || r == nil {
			t.Fatalf("step %d: Recover: %v %v", step, r, err)
		}
		got := treeOf(t, fresh)
		if r.RolledBack && got != before || !r.RolledBack && got != want {
			t.Errorf("step %d (rolled back: %v): the home is neither as before nor as the overlay makes it:\n%s", step, r.RolledBack, got)
		}
		if !r.RolledBack {
			if _, err := newUpdater(fresh, nil).Revert(ctx); !errors.Is(err, ErrReverted) {
				t.Fatalf("step %d: Revert: %v", step, err)
			}
			if got := treeOf(t, fresh); got != before {
				t.Errorf("step %d: after --revert:\n%s", step, got)
			}
		}
		if entries, _ := os.ReadDir(fresh.Path(home.BackupDir)); len(entries) != 0 {
			t.Errorf("step %d: backups left: %v", step, entries)
		}
	}
}
