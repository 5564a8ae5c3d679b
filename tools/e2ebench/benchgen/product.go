package benchgen

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Options says what product to generate and how much its update changes.
// A zero field takes its default.
type Options struct {
	Files        int   // files in the product (default 20,000; at least 100)
	Bytes        int64 // about how many bytes they hold (default 1 GiB)
	Changed      int   // files the update touches: replaced, added and removed (default 200)
	ChangedBytes int64 // about how many bytes the update's new and changed files hold (default 50 MiB)
	Seed         int64 // the same seed gives the same product and update
}

func (o Options) withDefaults() (Options, error) {
	if o.Files == 0 {
		o.Files = 20000
	}
	if o.Bytes == 0 {
		o.Bytes = 1 << 30
	}
	if o.Changed == 0 {
		o.Changed = 200
	}
	if o.ChangedBytes == 0 {
		o.ChangedBytes = 50 << 20
	}
	switch {
	case o.Files < minFiles:
		return o, fmt.Errorf("benchgen: a product has at least %d files, not %d", minFiles, o.Files)
	case o.Bytes < int64(o.Files)*1024:
		return o, fmt.Errorf("benchgen: %d bytes are too few for %d files (at least 1 KiB a file)", o.Bytes, o.Files)
	case o.Changed < 1 || o.Changed > o.Files/4:
		return o, fmt.Errorf("benchgen: an update touches between 1 and a quarter of the files, not %d of %d", o.Changed, o.Files)
	case o.ChangedBytes < 0 || o.ChangedBytes > o.Bytes/2:
		return o, fmt.Errorf("benchgen: an update brings at most half the product's bytes, not %d of %d", o.ChangedBytes, o.Bytes)
	}
	return o, nil
}

// Stats describes a generated product.
type Stats struct {
	Files    int
	Dirs     int   // folders, the product's own included
	Bytes    int64 // of all files
	Jars     int   // jars (not counting those inside wars)
	JarBytes int64
	Wars     int
	WarBytes int64
	Entries  int // zip entries of the jars and wars (not counting those of nested jars)
}

// Product writes the first release of a product into dir, which must not
// exist. See the package documentation for what it looks like.
func Product(dir string, o Options) (Stats, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	if err := makeRoot(dir); err != nil {
		return Stats{}, err
	}
	files := plan(o)
	st := Stats{Dirs: 1}
	made := map[string]bool{".": true}
	for _, f := range files {
		for d := path.Dir(f.path); !made[d]; d = path.Dir(d) {
			made[d] = true
			st.Dirs++
		}
	}
	if err := makeDirs(dir, made); err != nil {
		return Stats{}, err
	}
	entries := make([]int, len(files))
	// Two workers a processor: one computes while the other waits on a write.
	err = parallel(2*runtime.GOMAXPROCS(0), len(files), bySize(files), func(i int) (err error) {
		entries[i], err = writeFile(dir, files[i], o.Seed)
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	for i, f := range files {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.path)))
		if err != nil {
			return Stats{}, err
		}
		st.Files++
		st.Bytes += fi.Size()
		st.Entries += entries[i]
		switch path.Ext(f.path) {
		case ".jar":
			st.Jars++
			st.JarBytes += fi.Size()
		case ".war":
			st.Wars++
			st.WarBytes += fi.Size()
		}
	}
	return st, nil
}

// makeRoot creates dir, which must not exist, and its parents.
func makeRoot(dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("benchgen: %s exists", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	return os.Mkdir(dir, 0o755)
}

// makeDirs creates the folders (relative, slash-separated) under root,
// parents first.
func makeDirs(root string, dirs map[string]bool) error {
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		if d != "." {
			sorted = append(sorted, d)
		}
	}
	sort.Strings(sorted)
	for _, d := range sorted {
		if err := os.Mkdir(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// bySize returns the order in which to write files: largest first, so that
// the workers finish together.
func bySize(files []fileSpec) []int {
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return files[order[a]].size > files[order[b]].size })
	return order
}

// parallel calls do for 0..n-1, in the given order if any, on workers
// goroutines, and returns their errors.
func parallel(workers, n int, order []int, do func(i int) error) error {
	jobs := make(chan int)
	errs := make([]error, max(min(workers, n), 1))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := range jobs {
				if errs[w] == nil {
					errs[w] = do(i)
				}
			}
		})
	}
	for k := range n {
		if order != nil {
			k = order[k]
		}
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	return errors.Join(errs...)
}

// fileMode is the mode of a generated file: scripts are executable.
func fileMode(name string) fs.FileMode {
	if path.Ext(name) == ".sh" {
		return 0o755
	}
	return 0o644
}

// writeFile writes f under root and returns its number of zip entries (0
// when it is not an archive).
func writeFile(root string, f fileSpec, seed int64) (entries int, err error) {
	name := filepath.Join(root, filepath.FromSlash(f.path))
	out, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode(f.path))
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(out, 256<<10)
	base, ext := path.Base(f.path), path.Ext(f.path)
	switch {
	case ext == ".jar":
		n, v := splitJarName(base)
		entries, err = writeJar(w, jarSpec{name: n, version: v, size: f.size, seed: f.seed}, seed)
	case ext == ".war":
		entries, err = writeWar(w, warSpec{name: strings.TrimSuffix(base, ext), size: f.size, seed: f.seed}, seed)
	case isBinary(f.path):
		_, err = w.Write(makeBinary(ext, int(f.size), f.seed))
	default:
		_, err = w.Write(makeText(ext, int(f.size), newRand(f.seed)))
	}
	if err != nil {
		return 0, fmt.Errorf("benchgen: writing %s: %w", f.path, err)
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	// The mode, whatever the umask.
	return entries, out.Chmod(fileMode(f.path))
}
