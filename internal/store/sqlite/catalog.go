package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"inplace/internal/store"
)

// AddSession implements store.Store.
func (s *Store) AddSession(ctx context.Context, sess store.Session) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if found, err := exists(ctx, tx, "SELECT 1 FROM sessions WHERE hash = ?", sess.Hash); err != nil {
			return err
		} else if found {
			return store.ErrExists
		}
		if found, err := exists(ctx, tx, "SELECT 1 FROM users WHERE username = ?", sess.Username); err != nil {
			return err
		} else if !found {
			return fmt.Errorf("user %s: %w", sess.Username, store.ErrNotFound)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO sessions (hash, username, created_ms, expires_ms) VALUES (?, ?, ?, ?)",
			sess.Hash, sess.Username, ms(sess.Created), ms(sess.Expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

// Session implements store.Store.
func (s *Store) Session(ctx context.Context, hash string) (store.Session, error) {
	sess := store.Session{Hash: hash}
	var created, expires int64
	err := s.db.QueryRowContext(ctx, "SELECT username, created_ms, expires_ms FROM sessions WHERE hash = ?", hash).
		Scan(&sess.Username, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	sess.Created, sess.Expires = fromMS(created), fromMS(expires)
	return sess, nil
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE hash = ?", hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// deleteExpiredSessions deletes the sessions expired at or before now.
func (s *Store) deleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_ms <= ?", ms(now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// AddReport implements store.Store.
func (s *Store) AddReport(ctx context.Context, r store.Report) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if found, err := exists(ctx, tx, "SELECT 1 FROM products WHERE key = ?", r.Product); err != nil {
			return err
		} else if !found {
			return fmt.Errorf("product %s: %w", r.Product, store.ErrNotFound)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO reports
			(installation, product, channel, username, level, result, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.Installation, r.Product, r.Channel, r.Username, r.Level, r.Result, ms(r.Time))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO installations (installation, product, report_id) VALUES (?, ?, ?)
			ON CONFLICT (product, installation) DO UPDATE SET report_id = excluded.report_id`, r.Installation, r.Product, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("add report: %w", err)
	}
	return nil
}

// Installations implements store.Store.
func (s *Store) Installations(ctx context.Context, product string) ([]store.Report, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.installation, r.product, r.channel, r.username, r.level, r.result, r.time_ms
		FROM installations i JOIN reports r ON r.id = i.report_id
		WHERE i.product = ? ORDER BY i.installation`, product)
	if err != nil {
		return nil, fmt.Errorf("installations of %s: %w", product, err)
	}
	return scanReports(rows)
}

// Reports implements store.Store.
func (s *Store) Reports(ctx context.Context, product string, since time.Time) ([]store.Report, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT installation, product, channel, username, level, result, time_ms
		FROM reports WHERE product = ? AND time_ms >= ? ORDER BY time_ms, id`, product, ms(since))
	if err != nil {
		return nil, fmt.Errorf("reports of %s: %w", product, err)
	}
	return scanReports(rows)
}

// PruneReports implements store.Store.
func (s *Store) PruneReports(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM reports WHERE time_ms < ?
		AND id NOT IN (SELECT report_id FROM installations)`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune reports: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func scanReports(rows *sql.Rows) ([]store.Report, error) {
	defer rows.Close()
	out := []store.Report{}
	for rows.Next() {
		var r store.Report
		var t int64
		if err := rows.Scan(&r.Installation, &r.Product, &r.Channel, &r.Username, &r.Level, &r.Result, &t); err != nil {
			return nil, err
		}
		r.Time = fromMS(t)
		out = append(out, r)
	}
	return out, rows.Err()
}
