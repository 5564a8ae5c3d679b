package updater

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"syscall"

	"inplace/internal/api"
	"inplace/internal/fsx"
	"inplace/internal/home"
)

// kindOther marks a local path that is neither a file nor a link (a folder,
// say): it equals no vendor entry.
const kindOther = "other"

// localEntry describes what is at rel on disk now; nil when nothing is.
func localEntry(h *home.Home, rel string) (*api.Entry, error) {
	p := h.Path(rel)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// ENOTDIR: a file stands where a folder above rel should.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(p)
		if err != nil {
			return nil, err
		}
		return &api.Entry{Path: rel, Kind: api.KindSymlink, Target: filepath.ToSlash(t)}, nil
	case fi.Mode().IsRegular():
		sum, n, err := fsx.HashFile(p)
		if err != nil {
			return nil, err
		}
		return &api.Entry{Path: rel, Kind: api.KindFile, SHA256: sum, Size: n, Mode: uint32(fi.Mode().Perm())}, nil
	default:
		return &api.Entry{Path: rel, Kind: kindOther}, nil
	}
}

// localEntries describes the given paths, hashing files on a few workers.
func localEntries(ctx context.Context, h *home.Home, paths []string) (map[string]*api.Entry, error) {
	out := make(map[string]*api.Entry, len(paths))
	var mu sync.Mutex
	err := parallel(ctx, len(paths), 4, func(i int) error {
		e, err := localEntry(h, paths[i])
		if err != nil {
			return fmt.Errorf("read %s: %w", paths[i], err)
		}
		mu.Lock()
		out[paths[i]] = e
		mu.Unlock()
		return nil
	})
	return out, err
}

// parallel runs f(0..n-1) on up to workers goroutines and returns the
// first error, or the context's error when it is cancelled first.
func parallel(ctx context.Context, n, workers int, f func(i int) error) error {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-inner.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// stageName is where the new content of rel is prepared, beside it.
func stageName(rel, txn string) string {
	return path.Join(path.Dir(rel), "."+path.Base(rel)+"."+txn+".new")
}

// writeStage creates the new content of an entry at stage (a home-relative
// path): a file with data (mode from e), or a symbolic link.
func writeStage(h *home.Home, stage string, e *api.Entry, write func(f *os.File) error) error {
	p := h.Path(stage)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if e.Kind == api.KindSymlink {
		_ = os.Remove(p)
		return os.Symlink(filepath.FromSlash(e.Target), p)
	}
	mode := fs.FileMode(e.Mode).Perm()
	if mode == 0 {
		mode = 0o644
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}
