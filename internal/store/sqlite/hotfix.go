package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"

	"inplace/internal/api"
	"inplace/internal/store"
)

// AddHotfix implements store.Store.
func (s *Store) AddHotfix(ctx context.Context, h store.Hotfix) error {
	d, err := hotfixDescriptor(h.Hotfix)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		found, err := exists(ctx, tx, "SELECT 1 FROM products WHERE key = ?", h.Product)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("product %s: %w", h.Product, store.ErrNotFound)
		}
		found, err = exists(ctx, tx, "SELECT 1 FROM hotfixes WHERE product = ? AND id = ?", h.Product, h.ID)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("hotfix %s: %w", h.ID, store.ErrExists)
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO hotfixes (product, id, descriptor, published_ms) VALUES (?, ?, ?, ?)",
			h.Product, h.ID, d, ms(h.Published))
		if err != nil {
			return err
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, u := range h.Users {
			found, err := exists(ctx, tx, "SELECT 1 FROM users WHERE username = ?", u)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("user %s: %w", u, store.ErrNotFound)
			}
			if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO hotfix_users (hotfix, username) VALUES (?, ?)", seq, u); err != nil {
				return err
			}
		}
		for _, c := range h.Files {
			if c.Remove || c.SHA256 == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO hotfix_blobs (hotfix, sha256) VALUES (?, ?)", seq, c.SHA256); err != nil {
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
	if err := s.productExists(ctx, product); err != nil {
		return nil, fmt.Errorf("hotfixes of %s: %w", product, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT h.seq, h.descriptor, h.published_ms, coalesce(u.username, '')
		FROM hotfixes h LEFT JOIN hotfix_users u ON u.hotfix = h.seq
		WHERE h.product = ? ORDER BY h.published_ms, h.id, u.username`, product)
	if err != nil {
		return nil, fmt.Errorf("hotfixes of %s: %w", product, err)
	}
	defer rows.Close()
	out := []store.Hotfix{}
	last := int64(-1)
	for rows.Next() {
		var seq, published int64
		var d, user string
		if err := rows.Scan(&seq, &d, &published, &user); err != nil {
			return nil, fmt.Errorf("hotfixes of %s: %w", product, err)
		}
		if seq != last {
			h, err := decodeHotfix(d, published)
			if err != nil {
				return nil, fmt.Errorf("hotfixes of %s: %w", product, err)
			}
			out = append(out, h)
			last = seq
		}
		if user != "" {
			out[len(out)-1].Users = append(out[len(out)-1].Users, user)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hotfixes of %s: %w", product, err)
	}
	return out, nil
}

func decodeHotfix(d string, published int64) (store.Hotfix, error) {
	var h store.Hotfix
	if err := json.Unmarshal([]byte(d), &h.Hotfix); err != nil {
		return h, fmt.Errorf("stored hotfix descriptor: %w", err)
	}
	if h.Files == nil {
		h.Files = []api.Change{}
	}
	h.Published = fromMS(published)
	return h, nil
}

// HotfixBlobVisible implements store.Store.
func (s *Store) HotfixBlobVisible(ctx context.Context, sum, product, username string) (bool, error) {
	if sum == "" || username == "" {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM hotfix_blobs b
		JOIN hotfixes h ON h.seq = b.hotfix
		JOIN hotfix_users u ON u.hotfix = h.seq
		WHERE b.sha256 = ? AND h.product = ? AND u.username = ?)`, sum, product, username).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("hotfix blob visibility: %w", err)
	}
	return n == 1, nil
}

// encodeHotfixIDs is the updates.hotfixes column of an update.
func encodeHotfixIDs(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

func decodeHotfixIDs(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	var ids []string
	err := json.Unmarshal([]byte(v), &ids)
	return ids, err
}
