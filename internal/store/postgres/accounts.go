package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"inplace/internal/store"
)

// insertToken stores an access token, failing with ErrExists on a
// duplicate hash and with ErrNotFound when its user or product does not
// exist.
func insertToken(ctx context.Context, q querier, t store.Token) error {
	tag, err := q.Exec(ctx, `INSERT INTO tokens
		(hash, username, product, channel, family, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (hash) DO NOTHING`,
		t.Hash, t.Username, t.Product, t.Channel, t.Family, ms(t.Created), ms(t.Expires))
	return insertError(tag, err, t.Username, t.Product)
}

// insertRefreshToken stores an unused refresh token, failing like
// insertToken.
func insertRefreshToken(ctx context.Context, q querier, t store.RefreshToken) error {
	tag, err := q.Exec(ctx, `INSERT INTO refresh_tokens
		(hash, family, username, product, channel, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (hash) DO NOTHING`,
		t.Hash, t.Family, t.Username, t.Product, t.Channel, ms(t.Created), ms(t.Expires))
	return insertError(tag, err, t.Username, t.Product)
}

// insertError maps the outcome of storing a token of user for product.
func insertError(tag pgconn.CommandTag, err error, user, product string) error {
	switch {
	case isCode(err, foreignKeyViolation):
		return fmt.Errorf("user %s or product %s: %w", user, product, store.ErrNotFound)
	case err != nil:
		return err
	case tag.RowsAffected() == 0:
		return store.ErrExists
	}
	return nil
}

// AddToken implements store.Store.
func (s *Store) AddToken(ctx context.Context, t store.Token) error {
	if err := insertToken(ctx, s.pool, t); err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

// Token implements store.Store.
func (s *Store) Token(ctx context.Context, hash string) (store.Token, error) {
	t := store.Token{Hash: hash}
	var created, expires int64
	err := s.pool.QueryRow(ctx,
		"SELECT username, product, channel, family, created_ms, expires_ms FROM tokens WHERE hash = $1", hash).
		Scan(&t.Username, &t.Product, &t.Channel, &t.Family, &created, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("token: %w", err)
	}
	t.Created, t.Expires = fromMS(created), fromMS(expires)
	return t, nil
}

// DeleteExpiredTokens implements store.Store.
func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	n, err := s.deleteTokens(ctx, "expires_ms <= $1", ms(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	m, err := s.deleteExpiredSessions(ctx, now)
	if err != nil {
		return n, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n + m, nil
}

// AddRefreshToken implements store.Store.
func (s *Store) AddRefreshToken(ctx context.Context, t store.RefreshToken) error {
	if err := insertRefreshToken(ctx, s.pool, t); err != nil {
		return fmt.Errorf("add refresh token: %w", err)
	}
	return nil
}

// RefreshToken implements store.Store.
func (s *Store) RefreshToken(ctx context.Context, hash string) (store.RefreshToken, error) {
	t := store.RefreshToken{Hash: hash}
	var created, expires, used int64
	err := s.pool.QueryRow(ctx, `SELECT family, username, product, channel, created_ms, expires_ms, used_ms
		FROM refresh_tokens WHERE hash = $1`, hash).
		Scan(&t.Family, &t.Username, &t.Product, &t.Channel, &created, &expires, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.RefreshToken{}, fmt.Errorf("refresh token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.RefreshToken{}, fmt.Errorf("refresh token: %w", err)
	}
	t.Created, t.Expires = fromMS(created), fromMS(expires)
	if used != 0 {
		t.Used = fromMS(used)
	}
	return t, nil
}

// RotateRefreshToken implements store.Store.
func (s *Store) RotateRefreshToken(ctx context.Context, hash string, at time.Time, next store.RefreshToken, access store.Token) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Only an unused token is marked. Of two concurrent rotations,
		// the second waits for the first's row lock, then finds the row
		// used and marks nothing. A zero time would read back as unused.
		tag, err := tx.Exec(ctx, "UPDATE refresh_tokens SET used_ms = greatest($1::bigint, 1) WHERE hash = $2 AND used_ms = 0",
			ms(at), hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var found bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS(SELECT 1 FROM refresh_tokens WHERE hash = $1)", hash).Scan(&found); err != nil {
				return err
			}
			if !found {
				return store.ErrNotFound
			}
			return store.ErrUsed
		}
		if err := insertRefreshToken(ctx, tx, next); err != nil {
			return fmt.Errorf("next refresh token: %w", err)
		}
		if err := insertToken(ctx, tx, access); err != nil {
			return fmt.Errorf("access token: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return nil
}

// RevokeTokenFamily implements store.Store.
func (s *Store) RevokeTokenFamily(ctx context.Context, family string) (int, error) {
	if family == "" {
		return 0, nil
	}
	n, err := s.deleteTokens(ctx, "family = $1", family)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return n, nil
}

// deleteTokens deletes the access and refresh tokens matching the
// condition where (with its one argument $1), in one statement, and
// returns how many it deleted.
func (s *Store) deleteTokens(ctx context.Context, where string, arg any) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `WITH
		a AS (DELETE FROM tokens WHERE `+where+` RETURNING 1),
		r AS (DELETE FROM refresh_tokens WHERE `+where+` RETURNING 1)
		SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM r)`, arg).Scan(&n)
	return n, err
}

// AddAudit implements store.Store.
func (s *Store) AddAudit(ctx context.Context, e store.AuditEvent) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO audit
		(time_ms, action, ok, username, address, product, detail, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ms(e.Time), e.Action, e.OK, e.Username, e.Address, e.Product, e.Detail, e.Bytes)
	if err != nil {
		return fmt.Errorf("add audit event: %w", err)
	}
	return nil
}

// Audit implements store.Store.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !f.Since.IsZero() {
		arg("time_ms >= $%d", ms(f.Since))
	}
	if f.Username != "" {
		arg("username = $%d", f.Username)
	}
	if f.Action != "" {
		arg("action = $%d", f.Action)
	}
	q := "SELECT id, time_ms, action, ok, username, address, product, detail, bytes FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// Newest first to apply the limit; reversed below.
	q += " ORDER BY time_ms DESC, id DESC"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	var events []store.AuditEvent
	var e store.AuditEvent
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &at, &e.Action, &e.OK, &e.Username, &e.Address, &e.Product, &e.Detail, &e.Bytes}, func() error {
		e.Time = fromMS(at)
		events = append(events, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	slices.Reverse(events)
	return events, nil
}
