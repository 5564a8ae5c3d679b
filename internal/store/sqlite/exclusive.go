package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/gofrs/flock"
)

// Exclusive implements store.Store with a lock file beside the database
// (the database's name, ".lock-" and the work's name), which keeps out the
// other processes and goroutines that use the same file.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	if name == "" || strings.ContainsAny(name, `/\:`) {
		return false, fmt.Errorf("exclusive work %q: the name must be a plain word", name)
	}
	l := flock.New(s.file + ".lock-" + name)
	ok, err := l.TryLock()
	if err != nil {
		return false, fmt.Errorf("exclusive work %s: %w", name, err)
	}
	if !ok {
		return false, nil
	}
	defer l.Unlock()
	return true, fn(ctx)
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
