package benchgen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Git is the baseline of an installation kept in git: the vendor's
// releases are commits on a branch, the customer's changes commits on
// main, and an update is a fetch of the vendor's branch and a merge.
//
// NewGit sets up, untimed:
//
//   - work/vendor, a bare repository whose branch vendor has the commit R1
//     (the first release) and on top of it R2 (the second). R2's objects are
//     in one pack, the changed files stored as deltas against their R1
//     versions, as a push of R2 would have left them on a server: a fetch
//     reuses those deltas, as our server reuses the packed forms it keeps.
//   - work/install, a clone of the vendor at R1, with a branch main holding
//     one local commit that customises a configuration file the update does
//     not touch, so that the update is a real merge, not a fast-forward.
//
// Run times `git fetch vendor-remote vendor` and `git merge --no-edit
// FETCH_HEAD` in the installation. Reset puts the installation back as it
// was before the first Run: `git reset --hard` to the local commit, then
// every file under .git/objects that the run added (the fetched pack, the
// merge's loose objects) is deleted and every other file of .git but the
// index (references, reflogs, FETCH_HEAD, ORIG_HEAD) is restored from a
// copy taken after setup. So each Run fetches all of R2's objects again,
// on a repository whose objects, references and logs are those of the
// first Run; the index is the one reset --hard wrote, which describes the
// same tree. Re-cloning for each run would cost a gigabyte of copying,
// and git gc --prune=now a full repack: this is as honest and costs a
// second.
//
// Git runs with its defaults except gc.auto=0 (no automatic gc during a
// measurement) and without the user's or the system's configuration. Its
// default durability (core.fsync unset, Git 2.36 and later) fsyncs pack
// files and their indexes, but not loose objects, references, the index,
// nor the files it checks out: after a crash the fetched pack survives, a
// merged working tree may not. Run adds no sync of its own.
//
// Setting up holds the first release's objects loose and uncompressed
// (core.loosecompression 0) in the vendor's repository, and the
// installation's clone shares them by hard links: a fast setup, and a
// small advantage to git, whose installation reads the bases of the
// fetched deltas without decompressing them (a clone over the network
// would hold them compressed, in a pack). At 20,000 files and 1 GiB, NewGit
// takes about 30 seconds on two cores; Reset half a second.
type Git struct {
	vendor, install string
	local           string // the installation's commit before the update

	// Customised is the file the installation's local commit changed
	// (relative, slash-separated).
	Customised string

	objects map[string]bool      // the files under .git/objects after setup
	state   map[string]stateFile // the other files of .git but the index
}

type stateFile struct {
	data []byte
	mode fs.FileMode
}

// NewGit sets up the vendor's repository and the installation under work
// (created) from the two releases.
func NewGit(work, dir1, dir2 string) (*Git, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("benchgen: the git baseline needs git (apt-get install git)")
	}
	if err := makeRoot(work); err != nil {
		return nil, err
	}
	g := &Git{vendor: filepath.Join(work, "vendor"), install: filepath.Join(work, "install")}
	var err error
	if g.Customised, err = untouchedConfig(dir1, dir2); err != nil {
		return nil, err
	}
	vendor := func(tree string, args ...string) error {
		_, err := runGit(work, append([]string{"--git-dir=" + g.vendor, "--work-tree=" + tree}, args...)...)
		return err
	}
	steps := []func() error{
		func() error { _, err := runGit(work, "init", "-q", "--bare", "-b", "vendor", g.vendor); return err },
		func() error { _, err := runGit(g.vendor, "config", "core.loosecompression", "0"); return err },
		func() error { return vendor(dir1, "add", "-A") },
		func() error { return vendor(dir1, "commit", "-q", "-m", "Release 1") },
		// The installation is cloned before R2 exists: a local clone
		// links every object of the vendor's repository.
		func() error {
			_, err := runGit(work, "clone", "-q", "-b", "vendor", "-o", "vendor-remote", g.vendor, g.install)
			return err
		},
		func() error { return vendor(dir2, "add", "-A") },
		func() error { return vendor(dir2, "commit", "-q", "-m", "Release 2") },
		g.packRelease2,
		g.commitCustomisation,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("benchgen: setting up git: %w", err)
		}
	}
	if g.local, err = revParse(g.install, "HEAD"); err != nil {
		return nil, err
	}
	return g, g.snapshot()
}

// packRelease2 stores R2's objects in the vendor's repository as a push
// would have: a thin pack of R2 over R1, completed with its bases.
func (g *Git) packRelease2() error {
	cmd := exec.Command("sh", "-c", `printf '%s\n^%s\n' vendor vendor~1 | git -c gc.auto=0 pack-objects --revs --thin --stdout -q | git -c gc.auto=0 index-pack --fix-thin --stdin >/dev/null`)
	cmd.Dir = g.vendor
	cmd.Env = gitEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("packing release 2: %v: %s", err, out)
	}
	_, err := runGit(g.vendor, "prune-packed")
	return err
}

// commitCustomisation makes the installation's branch main, with a commit that
// changes the customised file.
func (g *Git) commitCustomisation() error {
	for _, args := range [][]string{
		{"config", "user.name", "Site Operator"},
		{"config", "user.email", "operator@site.example"},
		{"checkout", "-q", "-b", "main"},
	} {
		if _, err := runGit(g.install, args...); err != nil {
			return err
		}
	}
	name := filepath.Join(g.install, filepath.FromSlash(g.Customised))
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(name, customise(g.Customised, data), 0o644); err != nil {
		return err
	}
	_, err = runGit(g.install, "commit", "-q", "-a", "-m", "Site settings")
	return err
}

// customise returns a configuration file with a setting of the site's
// added.
func customise(name string, data []byte) []byte {
	switch path.Ext(name) {
	case ".toml":
		return append(data, "\n[site]\noperator_setting = \"customised\"\n"...)
	case ".properties":
		return append(data, "site.operator.setting=customised\n"...)
	}
	return append(data, "\n"...)
}

// untouchedConfig returns a configuration file that is the same in both
// releases: deployment.toml if the update leaves it, else another.
func untouchedConfig(dir1, dir2 string) (string, error) {
	candidates := []string{"repository/conf/deployment.toml"}
	files, err := scan(dir1)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		if strings.HasPrefix(f.path, "repository/conf/") && (path.Ext(f.path) == ".toml" || path.Ext(f.path) == ".properties") {
			candidates = append(candidates, f.path)
		}
	}
	for _, c := range candidates {
		a, err1 := os.ReadFile(filepath.Join(dir1, filepath.FromSlash(c)))
		b, err2 := os.ReadFile(filepath.Join(dir2, filepath.FromSlash(c)))
		if err1 == nil && err2 == nil && bytes.Equal(a, b) {
			return c, nil
		}
	}
	return "", errors.New("benchgen: the update touches every configuration file: none is left to customise")
}

// Run fetches the vendor's branch and merges it, and returns how long that
// took. Before starting the clock it writes out what the file system holds
// unwritten (syncfs), as the other baselines do.
func (g *Git) Run() (time.Duration, error) {
	if err := syncFS(g.install); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := runGit(g.install, "fetch", "vendor-remote", "vendor"); err != nil {
		return 0, err
	}
	if _, err := runGit(g.install, "merge", "--no-edit", "FETCH_HEAD"); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// Install is the installation's folder: its working tree.
func (g *Git) Install() string { return g.install }

// Reset puts the installation back as it was before the first Run.
func (g *Git) Reset() error {
	if _, err := runGit(g.install, "reset", "-q", "--hard", g.local); err != nil {
		return err
	}
	dotGit := filepath.Join(g.install, ".git")
	var extra []string
	err := filepath.WalkDir(dotGit, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dotGit, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == "index":
		case strings.HasPrefix(rel, "objects/"):
			if !g.objects[rel] {
				extra = append(extra, p)
			}
		default:
			if _, ok := g.state[rel]; !ok {
				extra = append(extra, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range extra {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	for rel, f := range g.state {
		p := filepath.Join(dotGit, filepath.FromSlash(rel))
		if cur, err := os.ReadFile(p); err == nil && bytes.Equal(cur, f.data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// snapshot records the installation's .git after setup.
func (g *Git) snapshot() error {
	g.objects, g.state = make(map[string]bool), make(map[string]stateFile)
	dotGit := filepath.Join(g.install, ".git")
	return filepath.WalkDir(dotGit, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dotGit, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == "index":
		case strings.HasPrefix(rel, "objects/"):
			g.objects[rel] = true
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			g.state[rel] = stateFile{data: data, mode: fi.Mode().Perm()}
		}
		return nil
	})
}

// gitEnv is the environment of git commands: no configuration of the
// user's or the system's, fixed identities and dates for the vendor's
// commits, messages in English.
func gitEnv() []string {
	env := make([]string, 0, len(os.Environ())+10)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GIT_") {
			env = append(env, e)
		}
	}
	return append(env,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C",
		"GIT_AUTHOR_NAME=Vendor Build", "GIT_AUTHOR_EMAIL=build@vendor.example",
		"GIT_COMMITTER_NAME=Vendor Build", "GIT_COMMITTER_EMAIL=build@vendor.example",
	)
}

// runGit runs git with gc.auto=0 in dir and returns its output.
func runGit(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-c", "gc.auto=0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func revParse(dir, rev string) (string, error) {
	out, err := runGit(dir, "rev-parse", rev)
	return strings.TrimSpace(string(out)), err
}
