package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// While work runs, Exclusive checks every lockCheckInterval that the
// connection holding its lock is alive, each check bounded by
// lockCheckTimeout. Variables so that tests can shorten them.
var (
	lockCheckInterval = time.Second
	lockCheckTimeout  = 5 * time.Second
)

// Exclusive implements store.Store with a PostgreSQL advisory lock keyed by
// the work's name (lockKey), held by a connection taken from the pool for
// as long as fn runs. The lock belongs to that connection's session: a
// nested or concurrent Exclusive of the same name, in this process or in
// another replica, asks on another session and is refused. If the
// connection drops, the server releases the lock, and fn's context is
// cancelled with the reason (context.Cause).
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	if name == "" || strings.ContainsAny(name, `/\:`) {
		return false, fmt.Errorf("exclusive work %q: the name must be a plain word", name)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("exclusive work %s: %w", name, err)
	}
	key := lockKey(name)
	var locked bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&locked); err != nil {
		// Whether the server took the lock is unknown: end the session,
		// which ends its locks.
		discard(conn)
		return false, fmt.Errorf("exclusive work %s: %w", name, err)
	}
	if !locked {
		conn.Release()
		return false, nil
	}
	defer unlock(conn, key)

	workCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		if err := watch(conn, stop); err != nil {
			cancel(fmt.Errorf("exclusive work %s: lost the database connection holding the lock: %w", name, err))
		}
	}()
	// Deferred, like the unlock, so that a panicking fn leaves no lock
	// behind; the watch ends before the unlock uses the connection.
	defer func() {
		close(stop)
		<-stopped
	}()
	return true, fn(workCtx)
}

// watch pings conn every lockCheckInterval until stop is closed, and
// returns the error of the first ping that fails.
func watch(conn *pgxpool.Conn, stop <-chan struct{}) error {
	tick := time.NewTicker(lockCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), lockCheckTimeout)
		err := conn.Ping(ctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// unlock releases the advisory lock key and returns conn to the pool. A
// connection that cannot release it is closed instead, which releases it
// too: a connection back in the pool must hold no lock.
func unlock(conn *pgxpool.Conn, key int64) {
	ctx, cancel := context.WithTimeout(context.Background(), lockCheckTimeout)
	defer cancel()
	var unlocked bool
	if err := conn.QueryRow(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&unlocked); err != nil || !unlocked {
		discard(conn)
		return
	}
	conn.Release()
}

// discard takes conn out of the pool and closes it.
func discard(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Hijack().Close(ctx)
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }
