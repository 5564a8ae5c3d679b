package benchgen

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Floor is the least any durable update must do: it copies the replaced
// and added files of the second release (dir2) over those of install,
// truncating them, fsyncs each, removes the removed files and fsyncs the
// folders whose entries changed. It returns how long that took.
//
// Before starting the clock it writes out what the file system holds
// unwritten (syncfs), so that the copy of the installation just made is
// not charged to it. It checks nothing and keeps no backup: no tool that
// can revert does less.
func Floor(install, dir2 string, ch Change) (time.Duration, error) {
	if err := syncFS(install); err != nil {
		return 0, err
	}
	start := time.Now()
	dirs := make(map[string]bool) // folders whose entries changed
	for _, p := range ch.Replaced {
		if err := overwrite(filepath.Join(dir2, filepath.FromSlash(p)), filepath.Join(install, filepath.FromSlash(p))); err != nil {
			return 0, err
		}
	}
	for _, p := range ch.Added {
		dst := filepath.Join(install, filepath.FromSlash(p))
		if err := mkdirs(filepath.Dir(dst), dirs); err != nil {
			return 0, err
		}
		if err := overwrite(filepath.Join(dir2, filepath.FromSlash(p)), dst); err != nil {
			return 0, err
		}
		dirs[filepath.Dir(dst)] = true
	}
	for _, p := range ch.Removed {
		dst := filepath.Join(install, filepath.FromSlash(p))
		if err := os.Remove(dst); err != nil {
			return 0, err
		}
		dirs[filepath.Dir(dst)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// overwrite writes src's content into dst (created with src's mode, or
// truncated) and fsyncs it.
func overwrite(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// mkdirs creates dir and its missing parents, and notes in synced the
// folders that gained an entry.
func mkdirs(dir string, synced map[string]bool) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := mkdirs(filepath.Dir(dir), synced); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	synced[filepath.Dir(dir)] = true
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
