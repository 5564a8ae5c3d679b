package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"inplace/internal/api"
	"inplace/internal/store"
)

// AddHotfix implements store.Store.
func (s *Store) AddHotfix(ctx context.Context, h store.Hotfix) error {
	d, err := hotfixDescriptor(h.Hotfix)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := productExists(ctx, tx, h.Product); err != nil {
			return err
		}
		var seq int64
		err := tx.QueryRow(ctx, `INSERT INTO hotfixes (product, id, descriptor, published_ms)
			VALUES ($1, $2, $3, $4) ON CONFLICT (product, id) DO NOTHING RETURNING seq`,
			h.Product, h.ID, d, ms(h.Published)).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("hotfix %s: %w", h.ID, store.ErrExists)
		}
		if err != nil {
			return err
		}
		for _, u := range h.Users {
			var found bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS(SELECT 1 FROM users WHERE username = $1)", u).Scan(&found); err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("user %s: %w", u, store.ErrNotFound)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO hotfix_users (hotfix, username) VALUES ($1, $2) ON CONFLICT DO NOTHING", seq, u); err != nil {
				return err
			}
		}
		for _, c := range h.Files {
			if c.Remove || c.SHA256 == "" {
				continue
			}
			if _, err := tx.Exec(ctx, "INSERT INTO hotfix_blobs (hotfix, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING", seq, c.SHA256); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add hotfix to %s: %w", h.Product, err)
	}
	return nil
}

// hotfixDescriptor encodes a hotfix's descriptor with its files sorted,
// refusing two changes of one path.
func hotfixDescriptor(h api.Hotfix) (string, error) {
	h.Files = append([]api.Change{}, h.Files...)
	sort.Slice(h.Files, func(i, j int) bool { return h.Files[i].Path < h.Files[j].Path })
	for i := 1; i < len(h.Files); i++ {
		if h.Files[i].Path == h.Files[i-1].Path {
			return "", fmt.Errorf("add hotfix %s: two changes of %s", h.ID, h.Files[i].Path)
		}
	}
	h.Published = h.Published.UTC().Truncate(1e6)
	b, err := json.Marshal(h)
	return string(b), err
}

// Hotfixes implements store.Store.
func (s *Store) Hotfixes(ctx context.Context, product string) ([]store.Hotfix, error) {
	out := []store.Hotfix{}
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		if err := productExists(ctx, tx, product); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT h.seq, h.descriptor, h.published_ms, coalesce(u.username, '')
			FROM hotfixes h LEFT JOIN hotfix_users u ON u.hotfix = h.seq
			WHERE h.product = $1 ORDER BY h.published_ms, h.id, u.username`, product)
		if err != nil {
			return err
		}
		var seq, published int64
		var d, user string
		last := int64(-1)
		_, err = pgx.ForEachRow(rows, []any{&seq, &d, &published, &user}, func() error {
			if seq != last {
				var h store.Hotfix
				if err := json.Unmarshal([]byte(d), &h.Hotfix); err != nil {
					return fmt.Errorf("stored hotfix descriptor: %w", err)
				}
				if h.Files == nil {
					h.Files = []api.Change{}
				}
				h.Published = fromMS(published)
				out = append(out, h)
				last = seq
			}
			if user != "" {
				out[len(out)-1].Users = append(out[len(out)-1].Users, user)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hotfixes of %s: %w", product, err)
	}
	return out, nil
}

// HotfixBlobVisible implements store.Store.
func (s *Store) HotfixBlobVisible(ctx context.Context, sum, product, username string) (bool, error) {
	if sum == "" || username == "" {
		return false, nil
	}
	var visible bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM hotfix_blobs b
		JOIN hotfixes h ON h.seq = b.hotfix
		JOIN hotfix_users u ON u.hotfix = h.seq
		WHERE b.sha256 = $1 AND h.product = $2 AND u.username = $3)`, sum, product, username).Scan(&visible)
	if err != nil {
		return false, fmt.Errorf("hotfix blob visibility: %w", err)
	}
	return visible, nil
}

// hotfixIDs is the updates.hotfixes column of an update: never NULL.
func hotfixIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
