package benchgen

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// haveTools tells whether the commands are installed.
func haveTools(names ...string) bool {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return false
		}
	}
	return true
}

func needLinux(t *testing.T, tools ...string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the baselines run on Linux only")
	}
	for _, n := range tools {
		if !haveTools(n) {
			t.Skipf("%s is not installed (apt-get install %s)", n, n)
		}
	}
}

func TestFloor(t *testing.T) {
	needLinux(t)
	f := smallProduct(t)
	inst := filepath.Join(t.TempDir(), "install")
	if err := CopyTree(f.r1, inst); err != nil {
		t.Fatal(err)
	}
	sameTrees(t, readTree(t, inst), readTree(t, f.r1))
	if _, err := Floor(inst, f.r2, f.change); err != nil {
		t.Fatal(err)
	}
	sameTrees(t, readTree(t, inst), readTree(t, f.r2))
}

func TestPack(t *testing.T) {
	needLinux(t, "unzip", "rsync")
	f := smallProduct(t)
	dir := t.TempDir()
	inst := filepath.Join(dir, "install")
	if err := CopyTree(f.r1, inst); err != nil {
		t.Fatal(err)
	}
	p, err := NewPack(filepath.Join(dir, "pack"), f.r2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(inst); err != nil {
		t.Fatal(err)
	}
	sameTrees(t, readTree(t, inst), readTree(t, f.r2))
}

func TestGit(t *testing.T) {
	needLinux(t, "git")
	f := smallProduct(t)
	g, err := NewGit(filepath.Join(t.TempDir(), "git"), f.r1, f.r2)
	if err != nil {
		t.Fatal(err)
	}
	custom := filepath.Join(g.Install(), filepath.FromSlash(g.Customised))
	customised := string(customise(g.Customised, readFile(t, filepath.Join(f.r1, filepath.FromSlash(g.Customised)))))
	if got := string(readFile(t, custom)); got != customised {
		t.Fatalf("%s is not customised", g.Customised)
	}
	release2, err := revParse(g.vendor, "vendor")
	if err != nil {
		t.Fatal(err)
	}

	// want is a release with the installation's customisation.
	want := func(release string) map[string]treeFile {
		tree := readTree(t, release)
		tree[g.Customised] = readTree(t, g.Install(), ".git")[g.Customised]
		return tree
	}
	before := want(f.r1)
	sameTrees(t, readTree(t, g.Install(), ".git"), before)
	for run := range 2 {
		if _, err := runGit(g.Install(), "cat-file", "-e", release2); err == nil {
			t.Fatalf("run %d: the installation has release 2's commit before fetching it", run+1)
		}
		if _, err := g.Run(); err != nil {
			t.Fatal(err)
		}
		sameTrees(t, readTree(t, g.Install(), ".git"), want(f.r2))
		if got := string(readFile(t, custom)); got != customised {
			t.Errorf("run %d: the merge lost the customisation of %s", run+1, g.Customised)
		}
		parents, err := runGit(g.Install(), "log", "-1", "--format=%P")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(string(parents))); n != 2 {
			t.Errorf("run %d: the update's commit has %d parents, want a merge", run+1, n)
		}
		if err := g.Reset(); err != nil {
			t.Fatal(err)
		}
		sameTrees(t, readTree(t, g.Install(), ".git"), before)
		head, err := revParse(g.Install(), "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		if head != g.local {
			t.Errorf("run %d: after Reset HEAD is %s, want %s", run+1, head, g.local)
		}
		if out, err := runGit(g.Install(), "fsck", "--no-dangling"); err != nil {
			t.Errorf("run %d: after Reset: %v\n%s", run+1, err, out)
		}
	}
}
