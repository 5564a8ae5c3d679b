package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"inplace/internal/store"
)

// insertToken stores an access token inside tx.
func insertToken(ctx context.Context, tx *sql.Tx, t store.Token) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tokens
		(hash, username, product, channel, family, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, t.Username, t.Product, t.Channel, t.Family, ms(t.Created), ms(t.Expires))
	return err
}

// insertRefreshToken stores an unused refresh token inside tx, failing with
// ErrExists on a duplicate hash.
func insertRefreshToken(ctx context.Context, tx *sql.Tx, t store.RefreshToken) error {
	found, err := exists(ctx, tx, "SELECT 1 FROM refresh_tokens WHERE hash = ?", t.Hash)
	if err != nil {
		return err
	}
	if found {
		return store.ErrExists
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO refresh_tokens
		(hash, family, username, product, channel, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, t.Family, t.Username, t.Product, t.Channel, ms(t.Created), ms(t.Expires))
	return err
}

// AddRefreshToken implements store.Store.
func (s *Store) AddRefreshToken(ctx context.Context, t store.RefreshToken) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return insertRefreshToken(ctx, tx, t) })
	if err != nil {
		return fmt.Errorf("add refresh token: %w", err)
	}
	return nil
}

// RefreshToken implements store.Store.
func (s *Store) RefreshToken(ctx context.Context, hash string) (store.RefreshToken, error) {
	t := store.RefreshToken{Hash: hash}
	var created, expires, used int64
	err := s.db.QueryRowContext(ctx, `SELECT family, username, product, channel, created_ms, expires_ms, used_ms
		FROM refresh_tokens WHERE hash = ?`, hash).
		Scan(&t.Family, &t.Username, &t.Product, &t.Channel, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var used int64
		err := tx.QueryRowContext(ctx, "SELECT used_ms FROM refresh_tokens WHERE hash = ?", hash).Scan(&used)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if used != 0 {
			return store.ErrUsed
		}
		// A zero time would read back as unused.
		if _, err := tx.ExecContext(ctx, "UPDATE refresh_tokens SET used_ms = max(?, 1) WHERE hash = ?", ms(at), hash); err != nil {
			return err
		}
		if err := insertRefreshToken(ctx, tx, next); err != nil {
			return err
		}
		return insertToken(ctx, tx, access)
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
	n, err := s.deleteTokens(ctx, "family = ?", family)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return n, nil
}

// deleteTokens deletes the access and refresh tokens matching the
// condition where (with its one argument), in one transaction, and returns
// how many it deleted.
func (s *Store) deleteTokens(ctx context.Context, where string, arg any) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"tokens", "refresh_tokens"} {
			res, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE "+where, arg)
			if err != nil {
				return err
			}
			d, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += d
		}
		return nil
	})
	return int(n), err
}

// AddAudit implements store.Store.
func (s *Store) AddAudit(ctx context.Context, e store.AuditEvent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit
		(time_ms, action, ok, username, address, product, detail, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ms(e.Time), e.Action, boolInt(e.OK), e.Username, e.Address, e.Product, e.Detail, e.Bytes)
	if err != nil {
		return fmt.Errorf("add audit event: %w", err)
	}
	return nil
}

// Audit implements store.Store.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where = append(where, "time_ms >= ?")
		args = append(args, ms(f.Since))
	}
	if f.Username != "" {
		where = append(where, "username = ?")
		args = append(args, f.Username)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	q := "SELECT id, time_ms, action, ok, username, address, product, detail, bytes FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// Newest first to apply the limit; reversed below.
	q += " ORDER BY time_ms DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var events []store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		var at int64
		var ok int
		if err := rows.Scan(&e.ID, &at, &e.Action, &ok, &e.Username, &e.Address, &e.Product, &e.Detail, &e.Bytes); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.Time, e.OK = fromMS(at), ok == 1
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return events, nil
}
