package benchgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Change is what an update changes: paths relative to the product's
// folder, slash-separated, sorted.
type Change struct {
	Replaced []string // in both releases, with new content
	Added    []string // only in the second release (a renamed jar's new name too)
	Removed  []string // only in the first release (a renamed jar's old name too)
	NewBytes int64    // of the replaced and added files, in the second release
	OldBytes int64    // of the replaced and removed files, in the first release
}

// Files is how many files the update touches.
func (c Change) Files() int { return len(c.Replaced) + len(c.Added) + len(c.Removed) }

// Release writes the second release of the product into dir2, which must
// not exist: a copy of the first release in dir1 (written by Product with
// the same Options) with an update's changes applied, and returns them.
//
// About o.Changed files are touched, most of them jars rebuilt as releases
// rebuild them (see rewriteArchive), some of those under a new version
// (foo_1.2.3.jar removed, foo_1.2.4.jar added); a war with a jar inside it
// rebuilt; configuration files with a few lines edited; other texts and
// images changed; a few files added (a new folder among them) and a few
// removed. The new and changed files hold about o.ChangedBytes.
func Release(dir1, dir2 string, o Options) (Change, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Change{}, err
	}
	files, err := scan(dir1)
	if err != nil {
		return Change{}, err
	}
	p := planRelease(files, o)
	skip := make(map[string]bool)
	for _, a := range p.actions {
		if a.from != "" {
			skip[a.from] = true
		}
	}
	if err := copyTree(dir1, dir2, skip); err != nil {
		return Change{}, err
	}
	err = parallel(runtime.GOMAXPROCS(0), len(p.actions), nil, func(i int) error {
		return p.actions[i].apply(dir1, dir2, o.Seed)
	})
	if err != nil {
		return Change{}, fmt.Errorf("benchgen: writing the second release: %w", err)
	}

	var ch Change
	sizes := make(map[string]int64, len(files))
	for _, f := range files {
		sizes[f.path] = f.size
	}
	for _, a := range p.actions {
		switch {
		case a.from == a.to:
			ch.Replaced = append(ch.Replaced, a.to)
		case a.from == "":
			ch.Added = append(ch.Added, a.to)
		case a.to == "":
			ch.Removed = append(ch.Removed, a.from)
		default:
			ch.Removed = append(ch.Removed, a.from)
			ch.Added = append(ch.Added, a.to)
		}
		if a.from != "" {
			ch.OldBytes += sizes[a.from]
		}
		if a.to != "" {
			fi, err := os.Stat(filepath.Join(dir2, filepath.FromSlash(a.to)))
			if err != nil {
				return Change{}, err
			}
			ch.NewBytes += fi.Size()
		}
	}
	sort.Strings(ch.Replaced)
	sort.Strings(ch.Added)
	sort.Strings(ch.Removed)
	return ch, nil
}

// An action makes one file of the second release: from is the first
// release's file it replaces or removes ("" for a new file), to the second
// release's file ("" when removed).
type action struct {
	from, to string
	kind     actionKind
	size     int64  // of a new file
	seed     uint64 // of the change
}

type actionKind int

const (
	rebuildArchive actionKind = iota // a jar or war rebuilt, maybe under a new version
	editConfig                       // a few lines edited
	editText                         // more lines edited, or an image drawn again
	newFile
	removeFile
)

func (a action) apply(dir1, dir2 string, seed int64) error {
	src := filepath.Join(dir1, filepath.FromSlash(a.from))
	dst := filepath.Join(dir2, filepath.FromSlash(a.to))
	r := newRand(a.seed)
	switch a.kind {
	case rebuildArchive:
		_, from := splitJarName(path.Base(a.from))
		_, to := splitJarName(path.Base(a.to))
		if from == to {
			from, to = "", ""
		}
		return rewriteArchiveFile(src, dst, from, to, a.seed)
	case editConfig, editText:
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		fi, err := os.Stat(src)
		if err != nil {
			return err
		}
		ext := path.Ext(a.to)
		switch {
		case isBinary(a.to):
			data = makeBinary(ext, int(float64(len(data))*(0.9+0.2*r.Float64())), a.seed)
		case a.kind == editConfig:
			data = editLines(ext, data, 1+r.IntN(5), r)
		default:
			data = editLines(ext, data, 2+bytesLines(data)/30, r)
		}
		return writeNew(dst, data, fi.Mode().Perm())
	case newFile:
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		_, err := writeFile(dir2, fileSpec{path: a.to, size: a.size, seed: a.seed}, seed)
		return err
	}
	return nil // removed: not copied
}

func bytesLines(b []byte) int { return strings.Count(string(b), "\n") }

func writeNew(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// A releasePlan is the actions that make the second release.
type releasePlan struct {
	actions []action
}

// Shares of the files an update touches. Jars rebuilt under the same name
// take the rest.
const (
	renameShare = 0.08 // jars under a new version: each touches two files
	configShare = 0.15
	textShare   = 0.08
	addShare    = 0.07
	removeShare = 0.07
)

// webappsDir holds the exploded web applications, whose files are not
// configuration.
const webappsDir = "repository/deployment/server/webapps/"

func isConfig(p string) bool {
	switch path.Ext(p) {
	case ".xml", ".toml", ".properties", ".yaml", ".yml", ".j2":
		return (strings.HasPrefix(p, "repository/") || strings.HasPrefix(p, "bin/")) && !strings.HasPrefix(p, webappsDir)
	}
	return false
}

// planRelease chooses what the update changes. It is a pure function of
// the first release's file list and o.
func planRelease(files []scanned, o Options) releasePlan {
	r := newRand(hashSeed(o.Seed, "release"))
	var jars, wars, configs, texts []scanned
	exists := make(map[string]bool)
	perDir := make(map[string]int)
	for _, f := range files {
		exists[strings.ToLower(f.path)] = true
		perDir[path.Dir(f.path)]++
		switch ext := path.Ext(f.path); {
		case ext == ".jar":
			jars = append(jars, f)
		case ext == ".war":
			wars = append(wars, f)
		case isConfig(f.path):
			configs = append(configs, f)
		default:
			texts = append(texts, f)
		}
	}
	c := float64(o.Changed)
	count := func(share float64) int { return int(math.Round(c * share)) }
	nRename, nConfig, nText, nAdd, nRemove := count(renameShare), count(configShare), count(textShare), count(addShare), count(removeShare)
	// A war, if one is small beside the update.
	var smallWars []scanned
	for _, w := range wars {
		if w.size <= o.ChangedBytes/3 {
			smallWars = append(smallWars, w)
		}
	}
	nWar := 0
	if o.Changed >= 20 && len(smallWars) > 0 {
		nWar = 1
	}
	nJar := max(o.Changed-2*nRename-nWar-nConfig-nText-nAdd-nRemove, 0)

	used := make(map[string]bool)
	var p releasePlan
	var budget = float64(o.ChangedBytes)
	take := func(list []scanned, n int, kind actionKind) {
		for _, i := range r.Perm(len(list)) {
			if n == 0 {
				return
			}
			f := list[i]
			if used[f.path] {
				continue
			}
			used[f.path] = true
			p.actions = append(p.actions, action{from: f.path, to: f.path, kind: kind, seed: hashSeed(o.Seed, "change", f.path)})
			budget -= float64(f.size)
			n--
		}
	}
	take(smallWars, nWar, rebuildArchive)
	take(configs, nConfig, editConfig)
	take(texts, nText, editText)

	// Removed: old scripts, pages and jars, never a folder's last file.
	removable := append(append([]scanned(nil), texts...), jars...)
	for _, i := range r.Perm(len(removable)) {
		if nRemove == 0 {
			break
		}
		f := removable[i]
		if d := path.Dir(f.path); !used[f.path] && perDir[d] > 1 {
			used[f.path] = true
			perDir[d]--
			p.actions = append(p.actions, action{from: f.path, kind: removeFile})
			nRemove--
		}
	}

	// Added: new plugins, a new configuration file, a migration script in
	// a new folder, new scripts of the web applications.
	for i := range nAdd {
		var name string
		var size float64
		for name == "" || exists[strings.ToLower(name)] {
			switch i % 4 {
			case 0:
				name = "repository/components/plugins/org.wso2.carbon." + word(r) + "." + word(r) + ".ext_" + version(r) + ".jar"
				size = logUniform(r, 20e3, 400e3)
			case 1:
				name = "repository/conf/" + lowerCamel(r, 2) + ".xml"
			case 2:
				name = "dbscripts/migration/" + version(r) + "_to_next/" + []string{"mysql", "postgresql", "oracle", "mssql", "h2"}[r.IntN(5)] + ".sql"
			default:
				dir := path.Dir(texts[r.IntN(len(texts))].path)
				name = fmt.Sprintf("%s/%s.%08x.chunk.js", dir, lowerCamel(r, 1), r.Uint32())
			}
			if size == 0 || i%4 != 0 {
				size = sampleSize(r, name)
			}
		}
		exists[strings.ToLower(name)] = true
		p.actions = append(p.actions, action{to: name, kind: newFile, size: int64(size), seed: hashSeed(o.Seed, "added", name)})
		budget -= size
	}

	// Jars, rebuilt: chosen to hold what is left of the bytes.
	var free []scanned
	for _, j := range jars {
		if !used[j.path] {
			free = append(free, j)
		}
	}
	chosen := pickBySize(r, free, nJar+nRename, budget)
	for i, f := range chosen {
		to := f.path
		if i < nRename {
			to = renamed(f.path, exists)
			exists[strings.ToLower(to)] = true
		}
		p.actions = append(p.actions, action{from: f.path, to: to, kind: rebuildArchive, seed: hashSeed(o.Seed, "change", f.path)})
	}
	return p
}

// renamed returns a jar's path under its next version.
func renamed(p string, exists map[string]bool) string {
	dir, base := path.Split(p)
	stem := strings.TrimSuffix(base, ".jar")
	i := versionAt(stem)
	if i < 0 {
		return dir + stem + "-1.0.1.jar"
	}
	v := stem[i+1:]
	for {
		v = bumpVersion(v)
		if q := dir + stem[:i+1] + v + ".jar"; !exists[strings.ToLower(q)] {
			return q
		}
	}
}

// pickBySize chooses n of files whose sizes add up to about budget, each
// among the files near what is left of the budget over the files left to
// choose, in random order.
func pickBySize(r *rand.Rand, files []scanned, n int, budget float64) []scanned {
	sorted := append([]scanned(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].size < sorted[j].size })
	taken := make([]bool, len(sorted))
	var out []scanned
	for k := 0; k < n && len(out) < len(sorted); k++ {
		ideal := max(budget/float64(n-k), 1)
		lo := sort.Search(len(sorted), func(i int) bool { return float64(sorted[i].size) >= ideal/2 })
		hi := sort.Search(len(sorted), func(i int) bool { return float64(sorted[i].size) > ideal*2 })
		var near []int
		for i := lo; i < hi; i++ {
			if !taken[i] {
				near = append(near, i)
			}
		}
		best := -1
		if len(near) > 0 {
			best = near[r.IntN(len(near))]
		} else {
			// None near: the closest, by ratio.
			for i := range sorted {
				if !taken[i] && (best < 0 || math.Abs(math.Log(float64(sorted[i].size+1)/ideal)) < math.Abs(math.Log(float64(sorted[best].size+1)/ideal))) {
					best = i
				}
			}
		}
		taken[best] = true
		out = append(out, sorted[best])
		budget -= float64(sorted[best].size)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
