// Package sqlite implements store.Store on an embedded SQLite database
// (modernc.org/sqlite: pure Go, no cgo) in WAL mode. The schema is created
// and upgraded by the numbered migrations embedded from migrations/, tracked
// in the database's user_version.
//
// It never opens a database whose schema is newer than it knows, and never
// changes a migration once released: a schema change is a new file.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"inplace/internal/api"
	"inplace/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store on a SQLite database file.
type Store struct {
	db   *sql.DB
	file string
}

var _ store.Store = (*Store)(nil)

// Open opens the database file at path, creating it if it does not exist,
// and brings its schema up to date.
func Open(ctx context.Context, file string) (*Store, error) {
	if strings.ContainsAny(file, "?#") {
		return nil, fmt.Errorf("open database %s: the path must not contain ? or #", file)
	}
	dsn := file + "?_busy_timeout=10000&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	return &Store{db: db, file: file}, nil
}

// Close implements store.Store.
func (s *Store) Close() error { return s.db.Close() }

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Their file names
// start with the schema version they bring: 0001_init.sql, 0002_….sql.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version", base)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this package creates.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// Version returns the schema version of the open database.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with the bump of user_version.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			tx.Rollback()
			return err
		}
		if v > len(ms) {
			tx.Rollback()
			return fmt.Errorf("database schema version %d is newer than this program knows (%d): upgrade update-server", v, len(ms))
		}
		if v == len(ms) {
			return tx.Rollback()
		}
		m := ms[v]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inTx runs fn in a write transaction and commits it when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS("+query+")", args...).Scan(&n); err != nil {
		return false, err
	}
	return n == 1, nil
}

// AddProduct implements store.Store.
func (s *Store) AddProduct(ctx context.Context, p store.Product, base []api.Entry) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		found, err := exists(ctx, tx, "SELECT 1 FROM products WHERE key = ?", p.Key)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("product %s: %w", p.Key, store.ErrExists)
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO products (key, name, version, created_ms) VALUES (?, ?, ?, ?)",
			p.Key, p.Name, p.Version, ms(p.Created)); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO base_entries
			(product, path, kind, mode, sha256, size, target) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, e := range base {
			if _, err := stmt.ExecContext(ctx, p.Key, e.Path, e.Kind, e.Mode, e.SHA256, e.Size, e.Target); err != nil {
				return fmt.Errorf("entry %s: %w", e.Path, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add product: %w", err)
	}
	return nil
}

const productColumns = `key, name, version, created_ms,
	(SELECT count(*) FROM base_entries b WHERE b.product = p.key),
	(SELECT count(*) FROM updates u WHERE u.product = p.key),
	(SELECT coalesce(max(timestamp), 0) FROM updates u WHERE u.product = p.key)`

func scanProduct(sc interface{ Scan(...any) error }) (store.Product, error) {
	var p store.Product
	var created int64
	err := sc.Scan(&p.Key, &p.Name, &p.Version, &created, &p.Files, &p.Updates, &p.Level)
	p.Created = fromMS(created)
	return p, err
}

// Product implements store.Store.
func (s *Store) Product(ctx context.Context, key string) (store.Product, error) {
	p, err := scanProduct(s.db.QueryRowContext(ctx,
		"SELECT "+productColumns+" FROM products p WHERE key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Product{}, fmt.Errorf("product %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return store.Product{}, fmt.Errorf("product %s: %w", key, err)
	}
	return p, nil
}

// Products implements store.Store.
func (s *Store) Products(ctx context.Context) ([]store.Product, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+productColumns+" FROM products p ORDER BY key")
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var ps []store.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return ps, nil
}

func (s *Store) productExists(ctx context.Context, key string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT EXISTS(SELECT 1 FROM products WHERE key = ?)", key).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("product %s: %w", key, store.ErrNotFound)
	}
	return nil
}

// Base implements store.Store.
func (s *Store) Base(ctx context.Context, product string) ([]api.Entry, error) {
	if err := s.productExists(ctx, product); err != nil {
		return nil, fmt.Errorf("base of %s: %w", product, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT path, kind, mode, sha256, size, target
		FROM base_entries WHERE product = ? ORDER BY path`, product)
	if err != nil {
		return nil, fmt.Errorf("base of %s: %w", product, err)
	}
	defer rows.Close()
	entries := []api.Entry{}
	for rows.Next() {
		var e api.Entry
		if err := rows.Scan(&e.Path, &e.Kind, &e.Mode, &e.SHA256, &e.Size, &e.Target); err != nil {
			return nil, fmt.Errorf("base of %s: %w", product, err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("base of %s: %w", product, err)
	}
	return entries, nil
}

// AddUpdate implements store.Store.
func (s *Store) AddUpdate(ctx context.Context, u api.Update) (int, error) {
	var number int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		found, err := exists(ctx, tx, "SELECT 1 FROM products WHERE key = ?", u.Product)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("product %s: %w", u.Product, store.ErrNotFound)
		}
		var newest int64
		if err := tx.QueryRowContext(ctx,
			"SELECT coalesce(max(number), 0), coalesce(max(timestamp), 0) FROM updates WHERE product = ?",
			u.Product).Scan(&number, &newest); err != nil {
			return err
		}
		if u.Timestamp <= newest {
			return fmt.Errorf("timestamp %d: %w %d", u.Timestamp, store.ErrOutOfOrder, newest)
		}
		number++
		res, err := tx.ExecContext(ctx, `INSERT INTO updates
			(product, number, timestamp, security, description, instructions, published_ms, hotfixes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Product, number, u.Timestamp, boolInt(u.Security), u.Description, u.Instructions, ms(u.Published),
			encodeHotfixIDs(u.Hotfixes))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i, b := range u.BugFixes {
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO bug_fixes (update_id, position, id, summary) VALUES (?, ?, ?, ?)",
				id, i, b.ID, b.Summary); err != nil {
				return fmt.Errorf("bug fix %s: %w", b.ID, err)
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO changes
			(update_id, path, remove, kind, mode, sha256, size, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range u.Files {
			if _, err := stmt.ExecContext(ctx, id, c.Path, boolInt(c.Remove), c.Kind, c.Mode, c.SHA256, c.Size, c.Target); err != nil {
				return fmt.Errorf("change %s: %w", c.Path, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add update to %s: %w", u.Product, err)
	}
	return number, nil
}

// Updates implements store.Store.
func (s *Store) Updates(ctx context.Context, product string, f store.UpdateFilter) ([]api.Update, error) {
	if err := s.productExists(ctx, product); err != nil {
		return nil, fmt.Errorf("updates of %s: %w", product, err)
	}
	upto := f.Upto
	if upto == 0 {
		upto = 1<<63 - 1
	}
	where := "u.product = ? AND u.timestamp > ? AND u.timestamp <= ? AND (u.security = 1 OR ? = 0)"
	args := []any{product, f.After, upto, boolInt(f.SecurityOnly)}

	rows, err := s.db.QueryContext(ctx, `SELECT u.id, u.number, u.timestamp, u.security, u.description,
		u.instructions, u.published_ms, u.hotfixes FROM updates u WHERE `+where+` ORDER BY u.timestamp`, args...)
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", product, err)
	}
	updates := []api.Update{}
	byID := map[int64]*api.Update{}
	var ids []int64
	for rows.Next() {
		u := api.Update{Product: product, Files: []api.Change{}}
		var id, published int64
		var security int
		var hotfixes string
		if err := rows.Scan(&id, &u.Number, &u.Timestamp, &security, &u.Description, &u.Instructions, &published, &hotfixes); err != nil {
			rows.Close()
			return nil, fmt.Errorf("updates of %s: %w", product, err)
		}
		if u.Hotfixes, err = decodeHotfixIDs(hotfixes); err != nil {
			rows.Close()
			return nil, fmt.Errorf("updates of %s: hotfixes of update %d: %w", product, u.Number, err)
		}
		u.Security = security == 1
		u.Published = fromMS(published)
		updates = append(updates, u)
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("updates of %s: %w", product, err)
	}
	for i, id := range ids {
		byID[id] = &updates[i]
	}
	if len(updates) == 0 {
		return updates, nil
	}

	// Changes and bug fixes of the same selection. An update added since
	// the query above is not in byID and is skipped.
	rows, err = s.db.QueryContext(ctx, `SELECT c.update_id, c.path, c.remove, c.kind, c.mode, c.sha256, c.size, c.target
		FROM changes c JOIN updates u ON u.id = c.update_id WHERE `+where+` ORDER BY c.update_id, c.path`, args...)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", product, err)
	}
	for rows.Next() {
		var id int64
		var c api.Change
		var remove int
		if err := rows.Scan(&id, &c.Path, &remove, &c.Kind, &c.Mode, &c.SHA256, &c.Size, &c.Target); err != nil {
			rows.Close()
			return nil, fmt.Errorf("changes of %s: %w", product, err)
		}
		c.Remove = remove == 1
		if u := byID[id]; u != nil {
			u.Files = append(u.Files, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes of %s: %w", product, err)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT b.update_id, b.id, b.summary
		FROM bug_fixes b JOIN updates u ON u.id = b.update_id WHERE `+where+` ORDER BY b.update_id, b.position`, args...)
	if err != nil {
		return nil, fmt.Errorf("bug fixes of %s: %w", product, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var b api.BugFix
		if err := rows.Scan(&id, &b.ID, &b.Summary); err != nil {
			return nil, fmt.Errorf("bug fixes of %s: %w", product, err)
		}
		if u := byID[id]; u != nil {
			u.BugFixes = append(u.BugFixes, b)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bug fixes of %s: %w", product, err)
	}
	return updates, nil
}

// AddUser implements store.Store.
func (s *Store) AddUser(ctx context.Context, u store.User) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		found, err := exists(ctx, tx, "SELECT 1 FROM users WHERE username = ?", u.Username)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("user %s: %w", u.Username, store.ErrExists)
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO users (username, password_hash, created_ms, admin) VALUES (?, ?, ?, ?)",
			u.Username, u.PasswordHash, ms(u.Created), boolInt(u.Admin)); err != nil {
			return err
		}
		for _, sub := range u.Subscriptions {
			found, err := exists(ctx, tx, "SELECT 1 FROM products WHERE key = ?", sub.Product)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("product %s: %w", sub.Product, store.ErrNotFound)
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO subscriptions (username, product, channel) VALUES (?, ?, ?)",
				u.Username, sub.Product, sub.Channel); err != nil {
				return fmt.Errorf("subscription to %s: %w", sub.Product, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	return nil
}

// User implements store.Store.
func (s *Store) User(ctx context.Context, username string) (store.User, error) {
	u := store.User{Username: username}
	var created, admin int64
	err := s.db.QueryRowContext(ctx,
		"SELECT password_hash, created_ms, admin FROM users WHERE username = ?", username).Scan(&u.PasswordHash, &created, &admin)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("user %s: %w", username, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	u.Created, u.Admin = fromMS(created), admin != 0
	rows, err := s.db.QueryContext(ctx,
		"SELECT product, channel FROM subscriptions WHERE username = ? ORDER BY product", username)
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sub store.Subscription
		if err := rows.Scan(&sub.Product, &sub.Channel); err != nil {
			return store.User{}, fmt.Errorf("user %s: %w", username, err)
		}
		u.Subscriptions = append(u.Subscriptions, sub)
	}
	if err := rows.Err(); err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	return u, nil
}

// AddToken implements store.Store.
func (s *Store) AddToken(ctx context.Context, t store.Token) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		found, err := exists(ctx, tx, "SELECT 1 FROM tokens WHERE hash = ?", t.Hash)
		if err != nil {
			return err
		}
		if found {
			return store.ErrExists
		}
		return insertToken(ctx, tx, t)
	})
	if err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

// Token implements store.Store.
func (s *Store) Token(ctx context.Context, hash string) (store.Token, error) {
	t := store.Token{Hash: hash}
	var created, expires int64
	err := s.db.QueryRowContext(ctx,
		"SELECT username, product, channel, family, created_ms, expires_ms FROM tokens WHERE hash = ?", hash).
		Scan(&t.Username, &t.Product, &t.Channel, &t.Family, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
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
	n, err := s.deleteTokens(ctx, "expires_ms <= ?", ms(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	m, err := s.deleteExpiredSessions(ctx, now)
	if err != nil {
		return n, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n + m, nil
}

// AddToolRelease implements store.Store.
func (s *Store) AddToolRelease(ctx context.Context, r store.ToolRelease) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		found, err := exists(ctx, tx, "SELECT 1 FROM tool_releases WHERE os = ? AND arch = ? AND version = ?",
			r.OS, r.Arch, r.Version)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("tool %s for %s/%s: %w", r.Version, r.OS, r.Arch, store.ErrExists)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tool_releases
			(os, arch, version, sha256, size, published_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			r.OS, r.Arch, r.Version, r.SHA256, r.Size, ms(r.Published))
		return err
	})
	if err != nil {
		return fmt.Errorf("add tool release: %w", err)
	}
	return nil
}

// ToolReleases implements store.Store.
func (s *Store) ToolReleases(ctx context.Context, os, arch string) ([]store.ToolRelease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version, sha256, size, published_ms
		FROM tool_releases WHERE os = ? AND arch = ?`, os, arch)
	if err != nil {
		return nil, fmt.Errorf("tool releases: %w", err)
	}
	defer rows.Close()
	var rs []store.ToolRelease
	for rows.Next() {
		r := store.ToolRelease{ToolRelease: api.ToolRelease{OS: os, Arch: arch}}
		var published int64
		if err := rows.Scan(&r.Version, &r.SHA256, &r.Size, &published); err != nil {
			return nil, fmt.Errorf("tool releases: %w", err)
		}
		r.Published = fromMS(published)
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tool releases: %w", err)
	}
	return rs, nil
}

// BlobVisible implements store.Store.
func (s *Store) BlobVisible(ctx context.Context, sum, product, channel string) (bool, error) {
	if sum == "" {
		return false, nil
	}
	securityOnly := boolInt(channel != api.ChannelFull)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT
		EXISTS(SELECT 1 FROM base_entries WHERE sha256 = ? AND product = ?)
		OR EXISTS(SELECT 1 FROM changes c JOIN updates u ON u.id = c.update_id
			WHERE c.sha256 = ? AND u.product = ? AND (u.security = 1 OR ? = 0))
		OR EXISTS(SELECT 1 FROM tool_releases WHERE sha256 = ?)`,
		sum, product, sum, product, securityOnly, sum).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("blob visibility: %w", err)
	}
	return n == 1, nil
}

// Metadata implements store.Store.
func (s *Store) Metadata(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM metadata WHERE name = ?", name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("metadata %s: %w", name, store.ErrNotFound)
	}
	return b, err
}

// PutMetadata implements store.Store.
func (s *Store) PutMetadata(ctx context.Context, prev []byte, files map[string][]byte) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var cur []byte
		err := tx.QueryRowContext(ctx, "SELECT data FROM metadata WHERE name = ?", store.TimestampFile).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !bytes.Equal(cur, prev) || (cur == nil) != (prev == nil) {
			return store.ErrChanged
		}
		for name, data := range files {
			if name == store.TimestampFile {
				if _, err := tx.ExecContext(ctx, "INSERT INTO metadata (name, data) VALUES (?, ?) "+
					"ON CONFLICT (name) DO UPDATE SET data = excluded.data", name, data); err != nil {
					return err
				}
				continue
			}
			var old []byte
			err := tx.QueryRowContext(ctx, "SELECT data FROM metadata WHERE name = ?", name).Scan(&old)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, "INSERT INTO metadata (name, data) VALUES (?, ?)", name, data); err != nil {
					return err
				}
			case err != nil:
				return err
			case !bytes.Equal(old, data):
				return fmt.Errorf("metadata %s: %w with other content", name, store.ErrExists)
			}
		}
		return nil
	})
}

// Packed implements store.Store.
func (s *Store) Packed(ctx context.Context, sum, from string) (store.Packed, error) {
	p := store.Packed{SHA256: sum, From: from}
	err := s.db.QueryRowContext(ctx, "SELECT encoding, payload, size FROM packed WHERE sha256 = ? AND from_sha256 = ?",
		sum, from).Scan(&p.Encoding, &p.Payload, &p.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Packed{}, fmt.Errorf("packed form of %s: %w", sum, store.ErrNotFound)
	}
	return p, err
}

// PutPacked implements store.Store.
func (s *Store) PutPacked(ctx context.Context, p store.Packed) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO packed (sha256, from_sha256, encoding, payload, size) VALUES (?, ?, ?, ?, ?) "+
		"ON CONFLICT (sha256, from_sha256) DO NOTHING", p.SHA256, p.From, p.Encoding, p.Payload, p.Size)
	return err
}
