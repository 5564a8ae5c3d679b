// Package postgres implements store.Store on a PostgreSQL database: the
// metadata store that several update-server replicas share. The schema is
// created and upgraded by the numbered migrations embedded from
// migrations/, recorded in the table schema_migrations; replicas starting
// at once take turns, so each migration runs once.
//
// It never creates or drops databases or roles (the operator provides the
// database), never opens a database whose schema is newer than it knows,
// and never changes a migration once released: a schema change is a new
// file.
package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"inplace/internal/api"
	"inplace/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// defaultConnectTimeout bounds each connection attempt when the URL does
// not set connect_timeout, so that a wrong host fails Open instead of
// hanging.
const defaultConnectTimeout = 10 * time.Second

// minConns is the smallest pool Open accepts: Exclusive holds a connection
// for as long as its work runs, and the work, or a nested Exclusive, needs
// others.
const minConns = 4

// Open connects to the database at url (postgres://user:password@host/db?…,
// with the parameters pgx accepts, such as connect_timeout, sslmode and
// pool_max_conns) and brings its schema up to date. Each connection attempt
// gives up after connect_timeout, 10 seconds if the URL does not say.
//
// Exclusive holds session-level advisory locks, so the store must reach
// PostgreSQL directly or through a pooler in session mode (PgBouncer's
// transaction mode would hand the lock's session to others).
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	where := fmt.Sprintf("postgres database %s on %s:%d", cfg.ConnConfig.Database, cfg.ConnConfig.Host, cfg.ConnConfig.Port)
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.MaxConns < minConns {
		return nil, fmt.Errorf("open %s: pool_max_conns is %d; it must be at least %d", where, cfg.MaxConns, minConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	return &Store{pool: pool}, nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// lockKey returns the key of the PostgreSQL advisory lock named name: the
// first 8 bytes of the SHA-256 of "inplace:" and the name.
func lockKey(name string) int64 {
	sum := sha256.Sum256([]byte("inplace:" + name))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// migrationLock is held by the transaction that migrates the schema. Its
// name holds a colon, which Exclusive refuses, so no work shares the key.
var migrationLock = lockKey("schema:migrate")

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
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// migrate applies the migrations the database lacks, all in one
// transaction that holds migrationLock: a replica starting meanwhile waits,
// then finds the schema up to date.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL
		)`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
			return err
		}
		if v > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this program knows (%d): upgrade update-server", v, len(ms))
		}
		for _, m := range ms[v:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())",
				m.version, m.name); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// PostgreSQL error codes the store gives a meaning.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// isCode reports whether err is a PostgreSQL error with this code.
func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// copyRows inserts n rows into table with COPY, the fast way to store the
// thousands of entries of a distribution.
func copyRows(ctx context.Context, tx pgx.Tx, table string, columns []string, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		return row(i), nil
	}))
	return err
}

// AddProduct implements store.Store.
func (s *Store) AddProduct(ctx context.Context, p store.Product, base []api.Entry) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO products (key, name, version, created_ms) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO NOTHING`, p.Key, p.Name, p.Version, ms(p.Created))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("product %s: %w", p.Key, store.ErrExists)
		}
		err = copyRows(ctx, tx, "base_entries", []string{"product", "path", "kind", "mode", "sha256", "size", "target"},
			len(base), func(i int) []any {
				e := base[i]
				return []any{p.Key, e.Path, e.Kind, int64(e.Mode), e.SHA256, e.Size, e.Target}
			})
		if isCode(err, uniqueViolation) {
			return fmt.Errorf("base entries: two have the same path: %w", err)
		}
		return err
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

func scanProduct(row pgx.Row) (store.Product, error) {
	var p store.Product
	var created int64
	err := row.Scan(&p.Key, &p.Name, &p.Version, &created, &p.Files, &p.Updates, &p.Level)
	p.Created = fromMS(created)
	return p, err
}

// Product implements store.Store.
func (s *Store) Product(ctx context.Context, key string) (store.Product, error) {
	p, err := scanProduct(s.pool.QueryRow(ctx, "SELECT "+productColumns+" FROM products p WHERE key = $1", key))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Product{}, fmt.Errorf("product %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return store.Product{}, fmt.Errorf("product %s: %w", key, err)
	}
	return p, nil
}

// Products implements store.Store.
func (s *Store) Products(ctx context.Context) ([]store.Product, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+productColumns+" FROM products p ORDER BY key")
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Product, error) { return scanProduct(row) })
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return ps, nil
}

// productExists returns ErrNotFound when there is no product with this key.
func productExists(ctx context.Context, q querier, key string) error {
	var found bool
	if err := q.QueryRow(ctx, "SELECT EXISTS(SELECT 1 FROM products WHERE key = $1)", key).Scan(&found); err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("product %s: %w", key, store.ErrNotFound)
	}
	return nil
}

// Base implements store.Store.
func (s *Store) Base(ctx context.Context, product string) ([]api.Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT path, kind, mode, sha256, size, target
		FROM base_entries WHERE product = $1 ORDER BY path`, product)
	if err != nil {
		return nil, fmt.Errorf("base of %s: %w", product, err)
	}
	entries := []api.Entry{}
	var e api.Entry
	_, err = pgx.ForEachRow(rows, []any{&e.Path, &e.Kind, &e.Mode, &e.SHA256, &e.Size, &e.Target}, func() error {
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("base of %s: %w", product, err)
	}
	if len(entries) == 0 {
		// Products are never deleted: no entries and no product now
		// means there was none when the entries were read either.
		if err := productExists(ctx, s.pool, product); err != nil {
			return nil, fmt.Errorf("base of %s: %w", product, err)
		}
	}
	return entries, nil
}

// AddUpdate implements store.Store.
func (s *Store) AddUpdate(ctx context.Context, u api.Update) (int, error) {
	var number int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The lock on the product's row makes the updates of one product
		// take turns, so each reads the number and timestamp of the one
		// before. FOR NO KEY UPDATE, unlike FOR UPDATE, lets other
		// transactions meanwhile store rows that refer to the product.
		var one int
		err := tx.QueryRow(ctx, "SELECT 1 FROM products WHERE key = $1 FOR NO KEY UPDATE", u.Product).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("product %s: %w", u.Product, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var newest int64
		if err := tx.QueryRow(ctx,
			"SELECT coalesce(max(number), 0), coalesce(max(timestamp), 0) FROM updates WHERE product = $1",
			u.Product).Scan(&number, &newest); err != nil {
			return err
		}
		if u.Timestamp <= newest {
			return fmt.Errorf("timestamp %d: %w %d", u.Timestamp, store.ErrOutOfOrder, newest)
		}
		number++
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO updates
			(product, number, timestamp, security, description, instructions, published_ms, hotfixes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			u.Product, number, u.Timestamp, u.Security, u.Description, u.Instructions, ms(u.Published),
			hotfixIDs(u.Hotfixes)).Scan(&id); err != nil {
			return err
		}
		if err := copyRows(ctx, tx, "bug_fixes", []string{"update_id", "position", "id", "summary"},
			len(u.BugFixes), func(i int) []any {
				b := u.BugFixes[i]
				return []any{id, i, b.ID, b.Summary}
			}); err != nil {
			return fmt.Errorf("bug fixes: %w", err)
		}
		err = copyRows(ctx, tx, "changes", []string{"update_id", "path", "remove", "kind", "mode", "sha256", "size", "target"},
			len(u.Files), func(i int) []any {
				c := u.Files[i]
				return []any{id, c.Path, c.Remove, c.Kind, int64(c.Mode), c.SHA256, c.Size, c.Target}
			})
		if isCode(err, uniqueViolation) {
			return fmt.Errorf("changes: two have the same path: %w", err)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add update to %s: %w", u.Product, err)
	}
	return number, nil
}

// Updates implements store.Store.
func (s *Store) Updates(ctx context.Context, product string, f store.UpdateFilter) ([]api.Update, error) {
	upto := f.Upto
	if upto == 0 {
		upto = 1<<63 - 1
	}
	where := "u.product = $1 AND u.timestamp > $2 AND u.timestamp <= $3 AND (u.security OR NOT $4)"
	args := []any{product, f.After, upto, f.SecurityOnly}
	updates := []api.Update{}

	// One snapshot for the three queries, so that they see the same
	// updates.
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		if err := productExists(ctx, tx, product); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT u.id, u.number, u.timestamp, u.security, u.description,
			u.instructions, u.published_ms, u.hotfixes FROM updates u WHERE `+where+` ORDER BY u.timestamp`, args...)
		if err != nil {
			return err
		}
		var id, published int64
		var u api.Update
		var ids []int64
		var hotfixes []string
		_, err = pgx.ForEachRow(rows, []any{&id, &u.Number, &u.Timestamp, &u.Security, &u.Description,
			&u.Instructions, &published, &hotfixes}, func() error {
			u.Product, u.Files, u.Published = product, []api.Change{}, fromMS(published)
			u.Hotfixes = nil
			if len(hotfixes) > 0 {
				u.Hotfixes = slices.Clone(hotfixes)
			}
			updates = append(updates, u)
			ids = append(ids, id)
			return nil
		})
		if err != nil || len(updates) == 0 {
			return err
		}
		byID := make(map[int64]*api.Update, len(ids))
		for i, id := range ids {
			byID[id] = &updates[i]
		}

		rows, err = tx.Query(ctx, `SELECT c.update_id, c.path, c.remove, c.kind, c.mode, c.sha256, c.size, c.target
			FROM changes c JOIN updates u ON u.id = c.update_id WHERE `+where+` ORDER BY c.update_id, c.path`, args...)
		if err != nil {
			return fmt.Errorf("changes: %w", err)
		}
		var c api.Change
		_, err = pgx.ForEachRow(rows, []any{&id, &c.Path, &c.Remove, &c.Kind, &c.Mode, &c.SHA256, &c.Size, &c.Target}, func() error {
			byID[id].Files = append(byID[id].Files, c)
			return nil
		})
		if err != nil {
			return fmt.Errorf("changes: %w", err)
		}

		rows, err = tx.Query(ctx, `SELECT b.update_id, b.id, b.summary
			FROM bug_fixes b JOIN updates u ON u.id = b.update_id WHERE `+where+` ORDER BY b.update_id, b.position`, args...)
		if err != nil {
			return fmt.Errorf("bug fixes: %w", err)
		}
		var b api.BugFix
		_, err = pgx.ForEachRow(rows, []any{&id, &b.ID, &b.Summary}, func() error {
			byID[id].BugFixes = append(byID[id].BugFixes, b)
			return nil
		})
		if err != nil {
			return fmt.Errorf("bug fixes: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("updates of %s: %w", product, err)
	}
	return updates, nil
}

// AddUser implements store.Store.
func (s *Store) AddUser(ctx context.Context, u store.User) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO users (username, password_hash, created_ms, admin) VALUES ($1, $2, $3, $4)
			ON CONFLICT (username) DO NOTHING`, u.Username, u.PasswordHash, ms(u.Created), u.Admin)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("user %s: %w", u.Username, store.ErrExists)
		}
		for _, sub := range u.Subscriptions {
			_, err := tx.Exec(ctx, "INSERT INTO subscriptions (username, product, channel) VALUES ($1, $2, $3)",
				u.Username, sub.Product, sub.Channel)
			if isCode(err, foreignKeyViolation) {
				return fmt.Errorf("product %s: %w", sub.Product, store.ErrNotFound)
			}
			if err != nil {
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
	var created int64
	err := s.pool.QueryRow(ctx,
		"SELECT password_hash, created_ms, admin FROM users WHERE username = $1", username).Scan(&u.PasswordHash, &created, &u.Admin)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("user %s: %w", username, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	u.Created = fromMS(created)
	rows, err := s.pool.Query(ctx,
		"SELECT product, channel FROM subscriptions WHERE username = $1 ORDER BY product", username)
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	var sub store.Subscription
	_, err = pgx.ForEachRow(rows, []any{&sub.Product, &sub.Channel}, func() error {
		u.Subscriptions = append(u.Subscriptions, sub)
		return nil
	})
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	return u, nil
}

// AddToolRelease implements store.Store.
func (s *Store) AddToolRelease(ctx context.Context, r store.ToolRelease) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO tool_releases
		(os, arch, version, sha256, size, published_ms) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (os, arch, version) DO NOTHING`,
		r.OS, r.Arch, r.Version, r.SHA256, r.Size, ms(r.Published))
	if err != nil {
		return fmt.Errorf("add tool release: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("add tool release: tool %s for %s/%s: %w", r.Version, r.OS, r.Arch, store.ErrExists)
	}
	return nil
}

// ToolReleases implements store.Store.
func (s *Store) ToolReleases(ctx context.Context, os, arch string) ([]store.ToolRelease, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, sha256, size, published_ms
		FROM tool_releases WHERE os = $1 AND arch = $2`, os, arch)
	if err != nil {
		return nil, fmt.Errorf("tool releases: %w", err)
	}
	var rs []store.ToolRelease
	r := store.ToolRelease{ToolRelease: api.ToolRelease{OS: os, Arch: arch}}
	var published int64
	_, err = pgx.ForEachRow(rows, []any{&r.Version, &r.SHA256, &r.Size, &published}, func() error {
		r.Published = fromMS(published)
		rs = append(rs, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tool releases: %w", err)
	}
	return rs, nil
}

// BlobVisible implements store.Store.
func (s *Store) BlobVisible(ctx context.Context, sum, product, channel string) (bool, error) {
	if sum == "" {
		return false, nil
	}
	var visible bool
	err := s.pool.QueryRow(ctx, `SELECT
		EXISTS(SELECT 1 FROM base_entries WHERE sha256 = $1 AND product = $2)
		OR EXISTS(SELECT 1 FROM changes c JOIN updates u ON u.id = c.update_id
			WHERE c.sha256 = $1 AND u.product = $2 AND (u.security OR NOT $3))
		OR EXISTS(SELECT 1 FROM tool_releases WHERE sha256 = $1)`,
		sum, product, channel != api.ChannelFull).Scan(&visible)
	if err != nil {
		return false, fmt.Errorf("blob visibility: %w", err)
	}
	return visible, nil
}

// Metadata implements store.Store.
func (s *Store) Metadata(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, "SELECT data FROM metadata WHERE name = $1", name).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("metadata %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", name, err)
	}
	return b, nil
}

// PutMetadata implements store.Store.
func (s *Store) PutMetadata(ctx context.Context, prev []byte, files map[string][]byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Writers take turns; readers are not held up (SHARE ROW
		// EXCLUSIVE conflicts with itself and with writes, not with
		// SELECT). The next statement sees what the writer before stored.
		if _, err := tx.Exec(ctx, "LOCK TABLE metadata IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return err
		}
		var cur []byte
		err := tx.QueryRow(ctx, "SELECT data FROM metadata WHERE name = $1", store.TimestampFile).Scan(&cur)
		found := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if found != (prev != nil) || !bytes.Equal(cur, prev) {
			return store.ErrChanged
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			data := files[name]
			if name == store.TimestampFile {
				if _, err := tx.Exec(ctx, `INSERT INTO metadata (name, data) VALUES ($1, $2)
					ON CONFLICT (name) DO UPDATE SET data = excluded.data`, name, data); err != nil {
					return err
				}
				continue
			}
			tag, err := tx.Exec(ctx, "INSERT INTO metadata (name, data) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, data)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 1 {
				continue
			}
			var old []byte
			if err := tx.QueryRow(ctx, "SELECT data FROM metadata WHERE name = $1", name).Scan(&old); err != nil {
				return err
			}
			if !bytes.Equal(old, data) {
				return fmt.Errorf("metadata %s: %w with other content", name, store.ErrExists)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put metadata: %w", err)
	}
	return nil
}

// Packed implements store.Store.
func (s *Store) Packed(ctx context.Context, sum, from string) (store.Packed, error) {
	p := store.Packed{SHA256: sum, From: from}
	err := s.pool.QueryRow(ctx, "SELECT encoding, payload, size FROM packed WHERE sha256 = $1 AND from_sha256 = $2",
		sum, from).Scan(&p.Encoding, &p.Payload, &p.Size)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Packed{}, fmt.Errorf("packed form of %s: %w", sum, store.ErrNotFound)
	}
	if err != nil {
		return store.Packed{}, fmt.Errorf("packed form of %s: %w", sum, err)
	}
	return p, nil
}

// PutPacked implements store.Store.
func (s *Store) PutPacked(ctx context.Context, p store.Packed) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO packed (sha256, from_sha256, encoding, payload, size) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (sha256, from_sha256) DO NOTHING`, p.SHA256, p.From, p.Encoding, p.Payload, p.Size)
	if err != nil {
		return fmt.Errorf("record packed form of %s: %w", p.SHA256, err)
	}
	return nil
}
