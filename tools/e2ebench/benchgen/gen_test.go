package benchgen

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestProductShape(t *testing.T) {
	f := smallProduct(t)
	tree := readTree(t, f.r1)
	files := 0
	for p, tf := range tree {
		if strings.HasSuffix(p, "/") {
			continue
		}
		files++
		if runtime.GOOS != "windows" && strings.HasPrefix(p, "bin/") && path.Ext(p) == ".sh" && tf.mode.Perm()&0o111 == 0 {
			t.Errorf("%s is not executable: %v", p, tf.mode)
		}
	}
	if files != small.Files || f.stats.Files != small.Files {
		t.Errorf("%d files (stats say %d), want %d", files, f.stats.Files, small.Files)
	}
	if r := float64(f.stats.Bytes) / float64(small.Bytes); r < 0.8 || r > 1.2 {
		t.Errorf("%d bytes, want %d ±20%%", f.stats.Bytes, small.Bytes)
	}
	if f.stats.Jars == 0 || f.stats.Wars == 0 || f.stats.JarBytes < f.stats.Bytes/2 {
		t.Errorf("stats %+v: want jars holding most bytes, and a war", f.stats)
	}
	for _, want := range []string{"bin/api-manager.sh", "repository/conf/deployment.toml", "dbscripts/mysql.sql"} {
		if _, ok := tree[want]; !ok {
			t.Errorf("no %s", want)
		}
	}
}

// TestArchivesAreReal reads every entry of every archive, with its CRC
// checked, and the jars inside the wars.
func TestArchivesAreReal(t *testing.T) {
	f := smallProduct(t)
	var raw, packed uint64
	for p := range readTree(t, f.r1) {
		if ext := path.Ext(p); ext != ".jar" && ext != ".war" {
			continue
		}
		zr, err := zip.OpenReader(filepath.Join(f.r1, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		classes, nested := 0, 0
		for _, e := range zr.File {
			data := mustReadEntry(t, e)
			if strings.HasSuffix(e.Name, ".class") {
				classes++
				raw += e.UncompressedSize64
				packed += e.CompressedSize64
				if !bytes.HasPrefix(data, []byte{0xca, 0xfe, 0xba, 0xbe}) {
					t.Errorf("%s!%s: not a class file", p, e.Name)
				}
			}
			if strings.HasSuffix(e.Name, ".jar") {
				nested++
				if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
					t.Errorf("%s!%s: %v", p, e.Name, err)
				}
			}
			if !e.Modified.Equal(release1Time) && !e.Modified.IsZero() && e.Modified.Year() != 2023 {
				t.Errorf("%s!%s: modified %v", p, e.Name, e.Modified)
			}
		}
		zr.Close()
		if classes == 0 {
			t.Errorf("%s: no classes", p)
		}
		if path.Ext(p) == ".war" && nested == 0 {
			t.Errorf("%s: no jars under WEB-INF/lib", p)
		}
	}
	ratio := float64(raw) / float64(packed)
	t.Logf("classes deflate %.2f:1", ratio)
	if ratio < 2 || ratio > 3.2 {
		t.Errorf("classes deflate %.2f:1, want about 2:1 to 3:1", ratio)
	}
}

func mustReadEntry(t *testing.T, e *zip.File) []byte {
	t.Helper()
	rc, err := e.Open()
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	return data
}

func TestReleaseChanges(t *testing.T) {
	f := smallProduct(t)
	ch := f.change
	t.Logf("replaced %d, added %d, removed %d; %d new bytes, %d old", len(ch.Replaced), len(ch.Added), len(ch.Removed), ch.NewBytes, ch.OldBytes)
	if n := ch.Files(); math.Abs(float64(n-small.Changed)) > float64(small.Changed)/5 {
		t.Errorf("the update touches %d files, want about %d", n, small.Changed)
	}
	if len(ch.Replaced) == 0 || len(ch.Added) == 0 || len(ch.Removed) == 0 {
		t.Errorf("want files replaced, added and removed: %+v", ch)
	}
	if r := float64(ch.NewBytes) / float64(small.ChangedBytes); r < 0.5 || r > 2 {
		t.Errorf("the update brings %d bytes, want about %d", ch.NewBytes, small.ChangedBytes)
	}

	// Release 2 is release 1 with exactly these changes.
	t1, t2 := readTree(t, f.r1), readTree(t, f.r2)
	touched := make(map[string]bool)
	for _, p := range ch.Replaced {
		touched[p] = true
		if t1[p] == t2[p] {
			t.Errorf("%s is replaced by the same file", p)
		}
		if _, ok := t2[p]; !ok {
			t.Errorf("replaced %s is not in release 2", p)
		}
	}
	for _, p := range ch.Added {
		touched[p] = true
		if _, ok := t1[p]; ok {
			t.Errorf("added %s is in release 1", p)
		}
		if _, ok := t2[p]; !ok {
			t.Errorf("added %s is not in release 2", p)
		}
	}
	for _, p := range ch.Removed {
		touched[p] = true
		if _, ok := t2[p]; ok {
			t.Errorf("removed %s is in release 2", p)
		}
	}
	for p, tf := range t1 {
		if strings.HasSuffix(p, "/") || touched[p] {
			continue
		}
		if t2[p] != tf {
			t.Errorf("%s changed but is not in the change", p)
		}
	}
	for p := range t2 {
		if _, ok := t1[p]; !ok && !touched[p] && !strings.HasSuffix(p, "/") {
			t.Errorf("%s is new but is not in the change", p)
		}
	}
}

// TestRebuiltJarsKeepMostEntries checks that a rebuilt jar is its old
// version with few entries changed: most entries have the same CRC and
// compressed size, under the same name.
func TestRebuiltJarsKeepMostEntries(t *testing.T) {
	f := smallProduct(t)
	pairs := make(map[string]string) // new → old
	for _, p := range f.change.Replaced {
		pairs[p] = p
	}
	// A jar under a new version is its old name's rebuild.
	for _, added := range f.change.Added {
		name, _ := splitJarName(path.Base(added))
		for _, removed := range f.change.Removed {
			if n, _ := splitJarName(path.Base(removed)); n == name && path.Ext(added) == ".jar" && path.Dir(added) == path.Dir(removed) {
				pairs[added] = removed
			}
		}
	}
	archives, renamed, kept, total := 0, 0, 0, 0
	for cur, old := range pairs {
		if ext := path.Ext(cur); ext != ".jar" && ext != ".war" {
			continue
		}
		archives++
		if cur != old {
			renamed++
		}
		a, b := entries(t, filepath.Join(f.r1, old)), entries(t, filepath.Join(f.r2, cur))
		same := 0
		for name, e := range a {
			if n, ok := b[name]; ok && n.CRC32 == e.CRC32 && n.CompressedSize64 == e.CompressedSize64 {
				same++
			}
		}
		if same == len(a) || same < len(a)/2 {
			t.Errorf("%s keeps %d of %d entries of %s: want most, not all", cur, same, len(a), old)
		}
		if len(a) >= 200 && float64(same) < 0.9*float64(len(a)) {
			t.Errorf("%s keeps %d of %d entries of %s, want 90%% or more", cur, same, len(a), old)
		}
		kept += same
		total += len(a)
	}
	t.Logf("%d archives rebuilt, %d under a new version, keeping %d of %d entries", archives, renamed, kept, total)
	if archives == 0 || renamed == 0 {
		t.Errorf("want archives rebuilt, some under a new version")
	}
	if float64(kept) < 0.9*float64(total) {
		t.Errorf("rebuilt archives keep %d of %d entries, want 90%% or more", kept, total)
	}
}

func entries(t *testing.T, name string) map[string]*zip.File {
	t.Helper()
	zr, err := zip.OpenReader(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	out := make(map[string]*zip.File)
	for _, e := range zr.File {
		out[e.Name] = e
	}
	return out
}

func TestDeterministic(t *testing.T) {
	f := smallProduct(t)
	dir := t.TempDir()
	if _, err := Product(filepath.Join(dir, "r1"), small); err != nil {
		t.Fatal(err)
	}
	if _, err := Release(filepath.Join(dir, "r1"), filepath.Join(dir, "r2"), small); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"r1", "r2"} {
		if a, b := treeHash(t, filepath.Join(fixtureDir, r)), treeHash(t, filepath.Join(dir, r)); a != b {
			t.Errorf("%s differs between two runs with one seed", r)
		}
	}
	_ = f
	other := small
	other.Seed++
	if _, err := Product(filepath.Join(dir, "other"), other); err != nil {
		t.Fatal(err)
	}
	if treeHash(t, filepath.Join(dir, "other")) == treeHash(t, filepath.Join(dir, "r1")) {
		t.Error("another seed makes the same product")
	}
}

func TestOptionsChecked(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{Files: 10},
		{Files: 1000, Bytes: 1000},
		{Files: 1000, Bytes: 100 << 20, Changed: 600},
		{Files: 1000, Bytes: 100 << 20, ChangedBytes: 80 << 20},
	} {
		if _, err := Product(filepath.Join(dir, "p"), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "exists"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Product(filepath.Join(dir, "exists"), small); err == nil {
		t.Error("Product wrote into a folder that exists")
	}
}

// TestDefaultSize generates the default product and update and sets up the
// baselines once, and reports how long each takes. It takes about two
// minutes and 4 GB of disk: set INPLACE_BENCHGEN_FULL=1 to run it.
func TestDefaultSize(t *testing.T) {
	if os.Getenv("INPLACE_BENCHGEN_FULL") == "" {
		t.Skip("set INPLACE_BENCHGEN_FULL=1 to generate the default product (1 GiB)")
	}
	dir := t.TempDir()
	r1, r2 := filepath.Join(dir, "r1"), filepath.Join(dir, "r2")
	var o Options
	start := time.Now()
	st, err := Product(r1, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("product: %v: %d files, %d folders, %.0f MiB; %d jars (%.0f MiB), %d wars (%.0f MiB), %d archive entries",
		time.Since(start).Round(time.Millisecond), st.Files, st.Dirs, mib(st.Bytes), st.Jars, mib(st.JarBytes), st.Wars, mib(st.WarBytes), st.Entries)
	start = time.Now()
	ch, err := Release(r1, r2, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release: %v: %d replaced, %d added, %d removed; %.1f MiB new, %.1f MiB old",
		time.Since(start).Round(time.Millisecond), len(ch.Replaced), len(ch.Added), len(ch.Removed), mib(ch.NewBytes), mib(ch.OldBytes))
	if runtime.GOOS != "linux" {
		return
	}

	inst := filepath.Join(dir, "install")
	start = time.Now()
	if err := CopyTree(r1, inst); err != nil {
		t.Fatal(err)
	}
	t.Logf("copy of the installation: %v", time.Since(start).Round(time.Millisecond))
	d, err := Floor(inst, r2, ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("floor: %v", d.Round(time.Millisecond))
	if err := os.RemoveAll(inst); err != nil {
		t.Fatal(err)
	}

	if haveTools("git") {
		start = time.Now()
		g, err := NewGit(filepath.Join(dir, "git"), r1, r2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("git setup: %v", time.Since(start).Round(time.Millisecond))
		for i := range 2 {
			d, err := g.Run()
			if err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			if err := g.Reset(); err != nil {
				t.Fatal(err)
			}
			t.Logf("git run %d: %v (reset: %v)", i+1, d.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		}
		if err := os.RemoveAll(filepath.Join(dir, "git")); err != nil {
			t.Fatal(err)
		}
	}
	if haveTools("unzip", "rsync") {
		start = time.Now()
		p, err := NewPack(filepath.Join(dir, "pack"), r2)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(dir, "pack", "release2.zip"))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pack setup: %v (%.0f MiB)", time.Since(start).Round(time.Millisecond), mib(fi.Size()))
		if err := CopyTree(r1, inst); err != nil {
			t.Fatal(err)
		}
		d, err := p.Run(inst)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("full pack: %v", d.Round(time.Millisecond))
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// TestNamesIgnoreCase: a name that differs from a taken one only by case
// is taken too (update-server refuses such pairs: they are one file on
// Windows and macOS).
func TestNamesIgnoreCase(t *testing.T) {
	n := &namer{taken: make(map[string]bool)}
	names := []string{"conf/KeyStore.xml", "conf/Keystore.xml", "conf/keystore.xml"}
	i := 0
	got := []string{n.take(func() string { return names[0] })}
	for range 2 {
		i++
		got = append(got, n.take(func() string { return names[i] }))
	}
	seen := make(map[string]bool)
	for _, p := range got {
		if seen[strings.ToLower(p)] {
			t.Fatalf("names %q differ only by case", got)
		}
		seen[strings.ToLower(p)] = true
	}
}
