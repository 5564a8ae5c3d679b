package updater

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"inplace/internal/api"
	"inplace/internal/drift"
	"inplace/internal/fsx"
	"inplace/internal/overlay"
)

// checkExportDir returns the absolute path of dir, an overlay folder to
// write, once it is sure that dir is new (or an empty folder) and outside
// the home: an overlay inside the home would be one of the customisations
// it records.
func (u *Updater) checkExportDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(u.Home.Dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("--export %s is inside PRODUCT_HOME (%s): choose a folder outside it", dir, u.Home.Dir)
	}
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return abs, nil
	}
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("--export %s %w", dir, errNotEmpty)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return "", err
	}
	if len(entries) > 0 {
		return "", fmt.Errorf("--export %s %w", dir, errNotEmpty)
	}
	return abs, nil
}

// export writes diffs as an overlay at level into dir (see package
// overlay): everything goes into a new folder beside dir, which is renamed
// to dir only once complete, so a failed export leaves nothing behind. The
// folder is readable by its owner only: configuration files hold secrets.
func (u *Updater) export(ctx context.Context, level int64, diffs []drift.Diff, dir string) error {
	var bad []string
	for _, d := range diffs {
		if c, err := api.CleanPath(d.Path); err != nil || c != d.Path {
			bad = append(bad, d.Path)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("cannot export: these paths are not portable names (an overlay must apply on every system), rename or move them out of PRODUCT_HOME first:\n  %s",
			strings.Join(bad, "\n  "))
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	m := &overlay.Manifest{Format: overlay.Format, Product: u.Product, Level: level, Files: make([]overlay.File, 0, len(diffs))}
	var pristine []drift.Diff
	var total int64
	for _, d := range diffs {
		m.Files = append(m.Files, overlay.File{Path: d.Path, Kind: d.Kind, Pristine: drift.VersionOf(d.Pristine), Local: drift.VersionOf(d.Local)})
		if d.Local != nil {
			if err := copyLocal(u.Home.Path(d.Path), overlayPath(tmp, overlay.FilesDir, d.Path), d.Local); err != nil {
				return fmt.Errorf("export %s: %w", d.Path, err)
			}
		}
		if d.Kind == drift.Modified {
			pristine = append(pristine, d)
			total += d.Pristine.Size
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	var prog Progress
	if u.NewProgress != nil && total > 0 {
		prog = u.NewProgress(total, len(pristine))
	}
	for _, d := range pristine {
		var add func(int)
		if prog != nil {
			add = prog.Add
		}
		if err := u.writePristine(ctx, overlayPath(tmp, overlay.PristineDir, d.Path), d.Pristine, add); err != nil {
			return fmt.Errorf("export the vendor's %s: %w", d.Path, err)
		}
	}
	if prog != nil {
		prog.Done()
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := fsx.WriteFile(filepath.Join(tmp, overlay.ManifestFile), b, 0o644); err != nil {
		return err
	}
	if fi, err := os.Lstat(dir); err == nil && fi.IsDir() {
		if err := os.Remove(dir); err != nil { // empty, as checked
			return fmt.Errorf("--export %s %w", dir, errNotEmpty)
		}
	}
	if err := fsx.Rename(tmp, dir); err != nil {
		return err
	}
	done = true
	return fsx.SyncDir(filepath.Dir(dir))
}

// overlayPath is where an overlay folder keeps the version of rel in part
// (files or pristine).
func overlayPath(dir, part, rel string) string {
	return filepath.Join(dir, part, filepath.FromSlash(rel))
}

// copyLocal copies the local version of a path into an overlay: a link
// as a link, a file with its mode, checked against the hash --status
// found (a file that changes meanwhile fails the export).
func copyLocal(src, dst string, e *api.Entry) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if e.Kind == api.KindSymlink {
		return os.Symlink(filepath.FromSlash(e.Target), dst)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeChecked(dst, e, in)
}

// writeChecked writes r into the new file name with e's mode and fails
// unless the bytes have e's hash and size.
func writeChecked(name string, e *api.Entry, r io.Reader) error {
	mode := fs.FileMode(e.Mode).Perm()
	if mode == 0 {
		mode = 0o644
	}
	out, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	h := newHasher()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if sum := h.sum(); sum != e.SHA256 || n != e.Size {
		return fmt.Errorf("its content changed while it was read (sha256 %s, %d bytes; expected %s, %d bytes): run again", sum, n, e.SHA256, e.Size)
	}
	return os.Chmod(name, mode)
}

// writePristine writes the vendor's version of a path, from the update
// server, verified against its signed hash.
func (u *Updater) writePristine(ctx context.Context, dst string, e *api.Entry, progress func(int)) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if e.Kind == api.KindSymlink {
		return os.Symlink(filepath.FromSlash(e.Target), dst)
	}
	if err := u.Src.Fetch(ctx, e.SHA256, e.Size, dst, nil, progress); err != nil {
		return err
	}
	mode := fs.FileMode(e.Mode).Perm()
	if mode == 0 {
		mode = 0o644
	}
	return os.Chmod(dst, mode)
}

// hasher computes a SHA-256 as bytes are written to it.
type hasher struct{ hash.Hash }

func newHasher() hasher { return hasher{sha256.New()} }

// sum is the hex SHA-256 of what was written.
func (h hasher) sum() string { return hex.EncodeToString(h.Sum(nil)) }

// hashReader returns the hex SHA-256 of what r holds.
func hashReader(r io.Reader) (string, error) {
	h := newHasher()
	_, err := io.Copy(h, r)
	return h.sum(), err
}
