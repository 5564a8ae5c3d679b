package benchgen

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// CopyTree copies the tree src to dst, which must not exist (its parent is
// created): real copies, since the baselines change files in place, made
// on several workers. Files keep their mode and modification time, as an
// installation unpacked from the vendor's archive keeps the vendor's times.
func CopyTree(src, dst string) error {
	return copyTree(src, dst, nil)
}

// copyTree is CopyTree without the files skip names (relative,
// slash-separated).
func copyTree(src, dst string, skip map[string]bool) error {
	if err := makeRoot(dst); err != nil {
		return err
	}
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		if skip[filepath.ToSlash(rel)] {
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return os.Mkdir(target, fi.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			files = append(files, rel)
			return nil
		}
		return fmt.Errorf("benchgen: %s is neither a file, a folder nor a link", p)
	})
	if err != nil {
		return err
	}
	// Four workers: copies wait on the disk more than on the processor.
	return parallel(4, len(files), nil, func(i int) error {
		return copyFile(filepath.Join(src, files[i]), filepath.Join(dst, files[i]))
	})
}

// copyFile copies a regular file to a new file, with its mode and times.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	// io.Copy between files is copy_file_range on Linux: no copy through
	// user space.
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Chmod(fi.Mode().Perm()); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}

// A scanned is a regular file of a tree.
type scanned struct {
	path string // relative, slash-separated
	size int64
	mode fs.FileMode
}

// scan lists the regular files of a tree, sorted by path.
func scan(root string) ([]scanned, error) {
	var out []scanned
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, scanned{path: filepath.ToSlash(rel), size: fi.Size(), mode: fi.Mode()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, err
}

// SyncFS writes out whatever the file system holding dir has not written
// yet, so that a timed step does not pay for an earlier one's writes.
func SyncFS(dir string) error { return syncFS(dir) }
