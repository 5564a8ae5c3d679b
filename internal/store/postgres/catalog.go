package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"inplace/internal/store"
)

// AddSession implements store.Store.
func (s *Store) AddSession(ctx context.Context, sess store.Session) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO sessions (hash, username, created_ms, expires_ms) VALUES ($1, $2, $3, $4)
		ON CONFLICT (hash) DO NOTHING`, sess.Hash, sess.Username, ms(sess.Created), ms(sess.Expires))
	switch {
	case isCode(err, foreignKeyViolation):
		return fmt.Errorf("add session: user %s: %w", sess.Username, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("add session: %w", err)
	case tag.RowsAffected() == 0:
		return fmt.Errorf("add session: %w", store.ErrExists)
	}
	return nil
}

// Session implements store.Store.
func (s *Store) Session(ctx context.Context, hash string) (store.Session, error) {
	sess := store.Session{Hash: hash}
	var created, expires int64
	err := s.pool.QueryRow(ctx, "SELECT username, created_ms, expires_ms FROM sessions WHERE hash = $1", hash).
		Scan(&sess.Username, &created, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
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
	if _, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE hash = $1", hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// deleteExpiredSessions deletes the sessions expired at or before now and
// returns how many it deleted.
func (s *Store) deleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE expires_ms <= $1", ms(now))
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// AddReport implements store.Store. The report and the installation's
// current state are stored in one statement. Of two reports of one
// installation stored at once, the one stored last (the higher id) stays
// its current state, whichever transaction commits first.
func (s *Store) AddReport(ctx context.Context, r store.Report) error {
	_, err := s.pool.Exec(ctx, `WITH r AS (
			INSERT INTO reports (installation, product, channel, username, level, result, time_ms)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)
		INSERT INTO installations (product, installation, report_id) SELECT $2, $1, id FROM r
		ON CONFLICT (product, installation) DO UPDATE
			SET report_id = greatest(installations.report_id, excluded.report_id)`,
		r.Installation, r.Product, r.Channel, r.Username, r.Level, r.Result, ms(r.Time))
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("add report: product %s: %w", r.Product, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add report: %w", err)
	}
	return nil
}

const reportColumns = "r.installation, r.product, r.channel, r.username, r.level, r.result, r.time_ms"

// Installations implements store.Store.
func (s *Store) Installations(ctx context.Context, product string) ([]store.Report, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+reportColumns+`
		FROM installations i JOIN reports r ON r.id = i.report_id
		WHERE i.product = $1 ORDER BY i.installation`, product)
	if err != nil {
		return nil, fmt.Errorf("installations of %s: %w", product, err)
	}
	rs, err := collectReports(rows)
	if err != nil {
		return nil, fmt.Errorf("installations of %s: %w", product, err)
	}
	return rs, nil
}

// PruneReports implements store.Store.
func (s *Store) PruneReports(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM reports r WHERE r.time_ms < $1
		AND NOT EXISTS (SELECT 1 FROM installations i WHERE i.report_id = r.id)`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune reports: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Reports implements store.Store.
func (s *Store) Reports(ctx context.Context, product string, since time.Time) ([]store.Report, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+reportColumns+`
		FROM reports r WHERE r.product = $1 AND r.time_ms >= $2 ORDER BY r.time_ms, r.id`, product, ms(since))
	if err != nil {
		return nil, fmt.Errorf("reports of %s: %w", product, err)
	}
	rs, err := collectReports(rows)
	if err != nil {
		return nil, fmt.Errorf("reports of %s: %w", product, err)
	}
	return rs, nil
}

// collectReports reads rows of reportColumns; none is an empty list.
func collectReports(rows pgx.Rows) ([]store.Report, error) {
	rs := []store.Report{}
	var r store.Report
	var t int64
	_, err := pgx.ForEachRow(rows, []any{&r.Installation, &r.Product, &r.Channel, &r.Username, &r.Level, &r.Result, &t}, func() error {
		r.Time = fromMS(t)
		rs = append(rs, r)
		return nil
	})
	return rs, err
}
