package sample_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"inplace/internal/sample"
	"inplace/internal/testenv"
)

// entry is what the tests compare of one file: its contents, permission
// bits and, for a symbolic link, its target.
type entry struct {
	sum  [32]byte
	mode fs.FileMode
	link string
}

func (e entry) String() string {
	if e.link != "" {
		return "-> " + e.link
	}
	return fmt.Sprintf("%x %v", e.sum[:6], e.mode)
}

// snapshot returns every file and link under root by slash-separated
// relative path.
func snapshot(t *testing.T, root string) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			m[rel] = entry{link: target}
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		m[rel] = entry{sum: sha256.Sum256(data), mode: info.Mode().Perm()}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// diff lists the paths where a and b differ.
func diff(a, b map[string]entry) []string {
	var out []string
	for _, p := range slices.Sorted(maps.Keys(a)) {
		if eb, ok := b[p]; !ok {
			out = append(out, "only in first: "+p)
		} else if eb != a[p] {
			out = append(out, fmt.Sprintf("%s: %v != %v", p, a[p], eb))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[p]; !ok {
			out = append(out, "only in second: "+p)
		}
	}
	return out
}

// shared is one generated sample that tests read and never change; TestMain
// removes it.
var shared struct {
	once sync.Once
	dir  string
	lay  sample.Layout
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedLayout returns the shared sample, generating it on first use.
func sharedLayout(t *testing.T) sample.Layout {
	t.Helper()
	testenv.SkipWithoutSymlinks(t) // the sample holds one
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "sample-test-")
		if shared.err == nil {
			shared.lay, shared.err = sample.Generate(shared.dir, sample.Options{})
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.lay
}

func generate(t testing.TB, opt sample.Options) sample.Layout {
	t.Helper()
	testenv.SkipWithoutSymlinks(t) // the sample holds one
	lay, err := sample.Generate(t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return lay
}

func TestGenerateIsDeterministic(t *testing.T) {
	testenv.SkipWithoutSymlinks(t) // the sample holds one
	dirs := []string{t.TempDir(), t.TempDir()}
	var snaps []map[string]entry
	for _, dir := range dirs {
		start := time.Now()
		lay, err := sample.Generate(dir, sample.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("generated in %v", time.Since(start))
		want := sample.Layout{
			Product: "acme-gateway-4.2.0",
			Base:    filepath.Join(dir, "base"),
			Updates: []string{filepath.Join(dir, "update-1"), filepath.Join(dir, "update-2")},
			Newer:   filepath.Join(dir, "dist-2"),
		}
		if fmt.Sprint(lay) != fmt.Sprint(want) {
			t.Errorf("layout = %+v, want %+v", lay, want)
		}
		names, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 4 {
			t.Errorf("%s holds %d entries, want base, update-1, update-2 and dist-2 only", dir, len(names))
		}
		snaps = append(snaps, snapshot(t, dir))
	}
	if d := diff(snaps[0], snaps[1]); len(d) > 0 {
		t.Errorf("two runs differ:\n%s", strings.Join(d, "\n"))
	}
}

func TestGenerateSize(t *testing.T) {
	lay := sharedLayout(t)
	var total int64
	for _, root := range append([]string{lay.Base, lay.Newer}, lay.Updates...) {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				info, _ := d.Info()
				total += info.Size()
			}
			return err
		})
	}
	t.Logf("total size %d bytes", total)
	if total < 3<<20 || total > 6<<20 {
		t.Errorf("total size = %d bytes, want 3 to 6 MiB", total)
	}
}

func TestGenerateRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "dist-2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := sample.Generate(dir, sample.Options{}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Generate over an existing dist-2: err = %v, want fs.ErrExist", err)
	}
	names, _ := os.ReadDir(dir)
	if len(names) != 1 {
		t.Errorf("a refused Generate left %d entries, want only dist-2", len(names))
	}
}

func TestGenerateOptions(t *testing.T) {
	lay := generate(t, sample.Options{Name: "globex-broker", Version: "1.0.1"})
	if lay.Product != "globex-broker-1.0.1" {
		t.Errorf("Product = %q", lay.Product)
	}
	for _, home := range []string{lay.Base, lay.Newer} {
		got, err := os.ReadFile(filepath.Join(home, "updates", "product.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "globex-broker-1.0.1\n" {
			t.Errorf("%s: product.txt = %q", home, got)
		}
		readme, err := os.ReadFile(filepath.Join(home, "README.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(readme), "Globex Broker 1.0.1\n") || strings.Contains(string(readme), "@") {
			t.Errorf("%s: README.txt not filled in:\n%.200s", home, readme)
		}
	}
	for _, bad := range []sample.Options{{Name: "a/b"}, {Name: "../x"}, {Version: "1 2"}, {Version: "1\n"}} {
		if _, err := sample.Generate(t.TempDir(), bad); err == nil {
			t.Errorf("Generate(%+v) succeeded, want an error", bad)
		}
	}
}

func TestArchives(t *testing.T) {
	lay := sharedLayout(t)
	jars := 0
	for _, root := range append([]string{lay.Base, lay.Newer}, lay.Updates...) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ext := filepath.Ext(p)
			if ext != ".jar" && ext != ".war" {
				return nil
			}
			zr, err := zip.OpenReader(p) // follows lib/runtime.jar
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			defer zr.Close()
			var manifest, classes bool
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return fmt.Errorf("%s: %s: %w", p, f.Name, err)
				}
				var buf bytes.Buffer
				_, err = buf.ReadFrom(rc) // checks the CRC-32
				rc.Close()
				if err != nil {
					return fmt.Errorf("%s: %s: %w", p, f.Name, err)
				}
				switch {
				case f.Name == "META-INF/MANIFEST.MF":
					manifest = strings.HasPrefix(buf.String(), "Manifest-Version: 1.0\r\n")
				case strings.HasSuffix(f.Name, ".class"):
					classes = bytes.HasPrefix(buf.Bytes(), []byte{0xCA, 0xFE, 0xBA, 0xBE})
				}
			}
			if !manifest || !classes {
				t.Errorf("%s: manifest %v, classes %v; want both", p, manifest, classes)
			}
			if root == lay.Base && d.Type().IsRegular() {
				jars++
				info, _ := d.Info()
				if info.Size() < 20<<10 || info.Size() > 320<<10 {
					t.Errorf("%s: %d bytes, want 20 to 320 KiB", p, info.Size())
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
	if jars < 9 || jars > 16 {
		t.Errorf("base holds %d jars and wars, want 9 to 16", jars)
	}

	link := filepath.Join(lay.Base, "lib", "runtime.jar")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.IsAbs(target) || !strings.HasPrefix(target, "../repository/components/plugins/") {
		t.Errorf("lib/runtime.jar -> %q, want a relative link into the plugins", target)
	}
}

// descriptor is the documented shape of update.yaml.
type descriptor struct {
	Description  string            `yaml:"description"`
	Instructions string            `yaml:"instructions"`
	Security     bool              `yaml:"security"`
	BugFixes     map[string]string `yaml:"bug_fixes"`
	RemovedFiles []string          `yaml:"removed_files"`
}

func readDescriptor(t *testing.T, dir string) descriptor {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "update.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var d descriptor
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s/update.yaml: %v", dir, err)
	}
	if d.Description == "" || d.Instructions == "" || len(d.BugFixes) == 0 {
		t.Errorf("%s/update.yaml lacks a description, instructions or bug fixes: %+v", dir, d)
	}
	for id, summary := range d.BugFixes {
		if !strings.HasPrefix(id, "ACME-") || summary == "" {
			t.Errorf("%s/update.yaml: bug fix %q: %q", dir, id, summary)
		}
	}
	return d
}

func TestUpdates(t *testing.T) {
	lay := sharedLayout(t)
	base := snapshot(t, lay.Base)
	d1, d2 := readDescriptor(t, lay.Updates[0]), readDescriptor(t, lay.Updates[1])
	f1 := snapshot(t, filepath.Join(lay.Updates[0], "files"))
	f2 := snapshot(t, filepath.Join(lay.Updates[1], "files"))

	for _, files := range []map[string]entry{f1, f2} {
		for p, e := range files {
			if strings.HasPrefix(p, "updates/") || e.link != "" {
				t.Errorf("an update writes %s %v: updates/ belongs to the tool, and updates ship no links", p, e)
			}
		}
	}

	// update-1: bug fixes.
	if d1.Security {
		t.Error("update-1 is a security update, want a bug-fix update")
	}
	var replacedJars, addedJars, addedOther, changedText int
	for p, e := range f1 {
		old, inBase := base[p]
		switch {
		case !inBase && strings.HasSuffix(p, ".jar"):
			addedJars++
		case !inBase:
			addedOther++
		case old.sum == e.sum:
			t.Errorf("update-1 ships %s unchanged", p)
		case strings.HasSuffix(p, ".jar"):
			replacedJars++
		default:
			changedText++
		}
		if inBase && old.mode != e.mode {
			t.Errorf("update-1 changes the mode of %s from %v to %v", p, old.mode, e.mode)
		}
	}
	if replacedJars != 3 || addedJars != 1 || addedOther != 1 || changedText != 4 {
		t.Errorf("update-1 replaces %d jars, adds %d jars and %d other files, changes %d text files; want 3, 1, 1, 4",
			replacedJars, addedJars, addedOther, changedText)
	}
	if f1["bin/server.sh"].mode != 0o755 {
		t.Errorf("update-1's bin/server.sh has mode %v, want 0755", f1["bin/server.sh"].mode)
	}
	if len(d1.RemovedFiles) != 1 {
		t.Fatalf("update-1 removes %v, want one file", d1.RemovedFiles)
	}
	if _, ok := base[d1.RemovedFiles[0]]; !ok {
		t.Errorf("update-1 removes %s, which base lacks", d1.RemovedFiles[0])
	}
	if _, ok := f1[sample.CustomisedJar]; ok {
		t.Errorf("update-1 replaces %s, which only update-2 may touch", sample.CustomisedJar)
	}

	// update-2: security.
	if !d2.Security || len(d2.RemovedFiles) != 0 {
		t.Errorf("update-2: security %v, removes %v; want a security update removing nothing", d2.Security, d2.RemovedFiles)
	}
	want2 := []string{sample.CustomisedJar, sample.DeploymentToml, "repository/conf/log4j2.properties"}
	if got := slices.Sorted(maps.Keys(f2)); !slices.Equal(got, want2) {
		t.Errorf("update-2 writes %v, want %v", got, want2)
	}
}

// TestNewerIsBaseWithUpdates rebuilds dist-2 from base and the update
// folders and compares.
func TestNewerIsBaseWithUpdates(t *testing.T) {
	lay := sharedLayout(t)
	want := snapshot(t, lay.Base)
	for _, u := range lay.Updates {
		maps.Copy(want, snapshot(t, filepath.Join(u, "files")))
		for _, p := range readDescriptor(t, u).RemovedFiles {
			delete(want, p)
		}
	}
	if d := diff(snapshot(t, lay.Newer), want); len(d) > 0 {
		t.Errorf("dist-2 is not base with the updates applied:\n%s", strings.Join(d, "\n"))
	}
}

// copyTree copies the files and links under src into the new folder dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readLines(t *testing.T, p string) []string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(data), "\n")
}

// changed returns the lines of a that b changes, [start, end), as a single
// region from the first differing line to the last.
func changed(a, b []string) (start, end int) {
	for start < len(a) && start < len(b) && a[start] == b[start] {
		start++
	}
	end, endB := len(a), len(b)
	for end > start && endB > start && a[end-1] == b[endB-1] {
		end--
		endB--
	}
	return start, end
}

// mergeFile runs git merge-file and returns its output and number of
// conflicts.
func mergeFile(t *testing.T, base, ours, theirs []string) (string, int) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	var args []string
	for i, lines := range [][]string{ours, base, theirs} {
		p := filepath.Join(dir, []string{"ours", "base", "theirs"}[i])
		if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(git, append([]string{"merge-file", "-p"}, args...)...).Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit) && exit.ExitCode() > 0 && exit.ExitCode() < 128:
		return string(out), exit.ExitCode()
	}
	t.Fatalf("git merge-file: %v", err)
	return "", 0
}

func TestCustomiseMergesCleanly(t *testing.T) {
	lay := sharedLayout(t)
	home := filepath.Join(t.TempDir(), "home")
	copyTree(t, lay.Base, home)
	if err := sample.Customise(home); err != nil {
		t.Fatal(err)
	}

	toml := filepath.FromSlash(sample.DeploymentToml)
	level0 := readLines(t, filepath.Join(lay.Base, toml))
	ours := readLines(t, filepath.Join(home, toml))
	level1 := readLines(t, filepath.Join(lay.Updates[0], "files", toml))
	level2 := readLines(t, filepath.Join(lay.Updates[1], "files", toml))

	// At least three unchanged lines between the customer's edits and
	// each update's. update-1 changes nothing before its region, so line
	// numbers of level 0 and level 1 agree there.
	cs, ce := changed(level0, ours)
	v1s, v1e := changed(level0, level1)
	v2s, v2e := changed(level1, level2)
	t.Logf("customer changes lines %d-%d, update-1 %d-%d, update-2 %d-%d", cs+1, ce, v1s+1, v1e, v2s+1, v2e)
	if ce+3 > v1s {
		t.Errorf("customer's edits end at line %d, update-1's start at line %d: want 3 lines between", ce, v1s+1)
	}
	if v2e+3 > cs {
		t.Errorf("update-2's edits end at line %d, customer's start at line %d: want 3 lines between", v2e, cs+1)
	}

	// One update after the other, and both at once.
	merged1, n := mergeFile(t, level0, ours, level1)
	if n != 0 {
		t.Errorf("merging update-1: %d conflicts:\n%s", n, merged1)
	}
	merged2, n := mergeFile(t, level1, strings.SplitAfter(merged1, "\n"), level2)
	if n != 0 {
		t.Errorf("merging update-2 after update-1: %d conflicts:\n%s", n, merged2)
	}
	direct, n := mergeFile(t, level0, ours, level2)
	if n != 0 {
		t.Errorf("merging both updates at once: %d conflicts:\n%s", n, direct)
	}
	if direct != merged2 {
		t.Error("merging the updates one by one and at once give different files")
	}
	for _, want := range []string{`type = "mysql"`, `expose_headers = [`, "enable_host_header_validation = true\n"} {
		if !strings.Contains(merged2, want) {
			t.Errorf("the merged deployment.toml lacks %q", want)
		}
	}

	// The customer's jar differs from every vendor build and is a jar.
	jar := filepath.FromSlash(sample.CustomisedJar)
	mine := snapshot(t, filepath.Dir(filepath.Join(home, jar)))[filepath.Base(jar)]
	for _, dir := range []string{lay.Base, filepath.Join(lay.Updates[1], "files")} {
		vendor := snapshot(t, filepath.Dir(filepath.Join(dir, jar)))[filepath.Base(jar)]
		if vendor.sum == mine.sum {
			t.Errorf("the customised jar equals %s's", dir)
		}
	}
	zr, err := zip.OpenReader(filepath.Join(home, jar))
	if err != nil {
		t.Fatal(err)
	}
	zr.Close()
	if _, err := os.Stat(filepath.Join(home, filepath.FromSlash(sample.CustomerNotes))); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(lay.Newer, filepath.FromSlash(sample.CustomerNotes))); err == nil {
		t.Errorf("the vendor ships %s", sample.CustomerNotes)
	}

	// Customise works on every level, and only on a product as shipped.
	if err := sample.Customise(home); err == nil {
		t.Error("customising twice succeeded, want an error")
	}
	newer := filepath.Join(t.TempDir(), "newer")
	copyTree(t, lay.Newer, newer)
	if err := sample.Customise(newer); err != nil {
		t.Errorf("customising dist-2: %v", err)
	}
}

func TestCustomiseConflicting(t *testing.T) {
	lay := sharedLayout(t)
	home := filepath.Join(t.TempDir(), "home")
	copyTree(t, lay.Base, home)
	if err := sample.Customise(home); err != nil {
		t.Fatal(err)
	}
	if err := sample.CustomiseConflicting(home); err != nil {
		t.Fatal(err)
	}
	toml := filepath.FromSlash(sample.DeploymentToml)
	level0 := readLines(t, filepath.Join(lay.Base, toml))
	ours := readLines(t, filepath.Join(home, toml))
	level1 := readLines(t, filepath.Join(lay.Updates[0], "files", toml))
	level2 := readLines(t, filepath.Join(lay.Updates[1], "files", toml))

	merged1, n := mergeFile(t, level0, ours, level1)
	if n != 0 {
		t.Errorf("merging update-1: %d conflicts, want none:\n%s", n, merged1)
	}
	if out, n := mergeFile(t, level1, strings.SplitAfter(merged1, "\n"), level2); n != 1 {
		t.Errorf("merging update-2 after update-1: %d conflicts, want 1:\n%s", n, out)
	}
	if out, n := mergeFile(t, level0, ours, level2); n != 1 {
		t.Errorf("merging both updates at once: %d conflicts, want 1:\n%s", n, out)
	}

	newer := filepath.Join(t.TempDir(), "newer")
	copyTree(t, lay.Newer, newer)
	if err := sample.CustomiseConflicting(newer); err == nil {
		t.Error("CustomiseConflicting at update-2's level succeeded, want an error")
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := sample.Generate(b.TempDir(), sample.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
