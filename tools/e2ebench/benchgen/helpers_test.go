package benchgen

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

// small is the product most tests use: a few seconds' work.
var small = Options{Files: 300, Bytes: 20 << 20, Changed: 20, ChangedBytes: 4 << 20, Seed: 7}

// A fixture is a small product and its update, made once for the tests
// that only read them.
type fixture struct {
	r1, r2 string
	stats  Stats
	change Change
}

var (
	fixtureOnce sync.Once
	theFixture  fixture
	fixtureErr  error
	fixtureDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// smallProduct returns the shared small product and update.
func smallProduct(t *testing.T) fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "benchgen-test-")
		if fixtureErr != nil {
			return
		}
		f := fixture{r1: filepath.Join(fixtureDir, "r1"), r2: filepath.Join(fixtureDir, "r2")}
		if f.stats, fixtureErr = Product(f.r1, small); fixtureErr != nil {
			return
		}
		f.change, fixtureErr = Release(f.r1, f.r2, small)
		theFixture = f
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return theFixture
}

// A treeFile is what a tree comparison looks at.
type treeFile struct {
	mode fs.FileMode
	sum  string
}

// readTree returns the files and folders under root (relative,
// slash-separated; folders end in a slash), skipping the top-level names in
// skip.
func readTree(t *testing.T, root string, skip ...string) map[string]treeFile {
	t.Helper()
	out := make(map[string]treeFile)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, s := range skip {
			if rel == s {
				return filepath.SkipDir
			}
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[rel+"/"] = treeFile{}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		mode := fi.Mode()
		if runtime.GOOS == "windows" {
			mode = 0 // no executable bits there
		}
		out[rel] = treeFile{mode: mode, sum: hex.EncodeToString(sum[:])}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// treeHash is one hash of a whole tree.
func treeHash(t *testing.T, root string) string {
	tree := readTree(t, root)
	h := sha256.New()
	for _, p := range sortedPaths(tree) {
		f := tree[p]
		h.Write([]byte(p + "\x00" + f.mode.String() + "\x00" + f.sum + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedPaths(m map[string]treeFile) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sameTrees fails the test with the first differences between two trees.
func sameTrees(t *testing.T, got, want map[string]treeFile) {
	t.Helper()
	var diffs []string
	for _, p := range sortedPaths(want) {
		g, ok := got[p]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+p)
		case g != want[p]:
			diffs = append(diffs, "differs "+p)
		}
	}
	for _, p := range sortedPaths(got) {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, "extra "+p)
		}
	}
	if len(diffs) > 0 {
		if len(diffs) > 10 {
			diffs = append(diffs[:10], "...")
		}
		t.Errorf("trees differ:\n%s", strings.Join(diffs, "\n"))
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
