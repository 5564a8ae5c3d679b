// Package dir stores blobs in a content-addressed folder: the blob with hash
// abcdef… is the file ROOT/ab/cdef…, written read-only.
//
// A blob is written to a temporary file in ROOT, synced, and renamed into
// place, so a crash never leaves a partial blob under a hash name. The
// package never rewrites or deletes a stored blob. Temporary files start
// with ".put-"; any left by a crash can be deleted safely.
package dir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"inplace/internal/blob"
	"inplace/internal/fsx"
)

// Store is a blob.Store on a local folder.
type Store struct {
	root string
}

var _ blob.Store = (*Store)(nil)

// New returns the store in folder root, creating the folder if needed.
func New(root string) (*Store, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create blob folder: %w", err)
	}
	return &Store{root: root}, nil
}

// Root returns the folder of the store.
func (s *Store) Root() string { return s.root }

// path returns where the blob named sum lives.
func (s *Store) path(sum string) string {
	return filepath.Join(s.root, sum[:2], sum[2:])
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, r io.Reader, want string) (string, int64, error) {
	if want != "" && !blob.ValidHash(want) {
		return "", 0, fmt.Errorf("put blob: %w %q", blob.ErrBadHash, want)
	}
	tmp, err := os.CreateTemp(s.root, ".put-*")
	if err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", 0, fmt.Errorf("put blob: %w: expected %s, read %s", blob.ErrHashMismatch, want, sum)
	}
	if err := tmp.Chmod(0o444); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}

	final := s.path(sum)
	if _, err := os.Lstat(final); err == nil {
		os.Remove(tmp.Name())
		done = true
		return sum, size, nil
	}
	sub := filepath.Dir(final)
	_, statErr := os.Stat(sub)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		if _, statErr := os.Lstat(final); statErr != nil {
			return "", 0, fmt.Errorf("put blob: %w", err)
		}
		// A concurrent Put stored the same blob first.
		os.Remove(tmp.Name())
	}
	done = true
	if err := fsx.SyncDir(sub); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	if statErr != nil {
		if err := fsx.SyncDir(s.root); err != nil {
			return "", 0, fmt.Errorf("put blob: %w", err)
		}
	}
	return sum, size, nil
}

// Open implements blob.Store.
func (s *Store) Open(ctx context.Context, sum string) (io.ReadSeekCloser, int64, error) {
	if !blob.ValidHash(sum) {
		return nil, 0, fmt.Errorf("open blob: %w %q", blob.ErrBadHash, sum)
	}
	f, err := os.Open(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("open blob %s: %w", sum, blob.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open blob: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("open blob: %w", err)
	}
	return f, fi.Size(), nil
}

// Has implements blob.Store.
func (s *Store) Has(ctx context.Context, sum string) (bool, error) {
	if !blob.ValidHash(sum) {
		return false, fmt.Errorf("has blob: %w %q", blob.ErrBadHash, sum)
	}
	_, err := os.Lstat(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("has blob: %w", err)
	}
	return true, nil
}

// ctxReader stops reading once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Ping implements blob.Store: the folder is there.
func (s *Store) Ping(ctx context.Context) error {
	fi, err := os.Stat(s.root)
	if err != nil {
		return fmt.Errorf("blob folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("blob folder %s is not a folder", s.root)
	}
	return nil
}
