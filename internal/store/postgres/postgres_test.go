package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inplace/internal/api"
	"inplace/internal/store"
	"inplace/internal/store/storetest"
	"inplace/internal/testenv"
)

func TestMain(m *testing.M) {
	// Notice a dropped connection within the tests' patience.
	lockCheckInterval = 50 * time.Millisecond
	m.Run()
}

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// query runs one statement on its own connection, outside any Store.
func query(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), testenv.Postgres(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	url := testenv.Postgres(t)
	s := open(t, url)
	v, err := s.Version(ctx)
	if err != nil || v != SchemaVersion() || v < 1 {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion())
	}
	applied := func() string {
		t.Helper()
		rows, err := s.pool.Query(ctx, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		var version int
		var name string
		var at time.Time
		if _, err := pgx.ForEachRow(rows, []any{&version, &name, &at}, func() error {
			fmt.Fprintf(&b, "%d %s %s\n", version, name, at)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	first := applied()
	if n := strings.Count(first, "\n"); n != SchemaVersion() {
		t.Fatalf("schema_migrations has %d rows, want %d:\n%s", n, SchemaVersion(), first)
	}

	// Opening again migrates nothing and keeps the data.
	if err := s.AddProduct(ctx, store.Product{Key: "p-1", Name: "p", Version: "1"}, nil); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, url)
	if _, err := s2.Product(ctx, "p-1"); err != nil {
		t.Errorf("the product is gone after reopening: %v", err)
	}
	if again := applied(); again != first {
		t.Errorf("reopening changed schema_migrations:\n%s\nwas\n%s", again, first)
	}

	// A database from a newer program is refused.
	query(t, url, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future.sql', now())",
		SchemaVersion()+1)
	_, err = Open(ctx, url)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "upgrade update-server") {
		t.Fatalf("Open of a newer schema: err = %v", err)
	}
}

// TestConcurrentOpen: replicas starting at once on a new database all
// start, and the schema is made once.
func TestConcurrentOpen(t *testing.T) {
	url := testenv.Postgres(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 4)
	for i := range stores {
		wg.Go(func() {
			s, err := Open(context.Background(), url)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		return
	}
	var n int
	if err := stores[0].pool.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != SchemaVersion() {
		t.Errorf("schema_migrations has %d rows, %v; want %d", n, err, SchemaVersion())
	}
}

// TestExclusiveAcrossStores: two stores on one database, as two replicas
// have, run work of one name one at a time.
func TestExclusiveAcrossStores(t *testing.T) {
	ctx := context.Background()
	url := testenv.Postgres(t)
	a, b := open(t, url), open(t, url)
	ran, err := a.Exclusive(ctx, "resign", func(context.Context) error {
		ran, err := b.Exclusive(ctx, "resign", func(context.Context) error { return nil })
		if err != nil || ran {
			t.Errorf("the other replica's Exclusive(resign) = %v, %v; want false, nil", ran, err)
		}
		ran, err = b.Exclusive(ctx, "cleanup", func(context.Context) error { return nil })
		if err != nil || !ran {
			t.Errorf("the other replica's Exclusive(cleanup) = %v, %v; want true, nil", ran, err)
		}
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("Exclusive(resign) = %v, %v; want true, nil", ran, err)
	}
	ran, err = b.Exclusive(ctx, "resign", func(context.Context) error { return nil })
	if err != nil || !ran {
		t.Errorf("the other replica's Exclusive(resign) afterwards = %v, %v; want true, nil", ran, err)
	}
	if _, err := a.Exclusive(ctx, "a/b", func(context.Context) error { return nil }); err == nil {
		t.Error("Exclusive accepted a name with a slash")
	}
}

// TestExclusiveConnectionLost: when the connection holding the lock drops,
// the work's context is cancelled, the other replica may take the lock,
// and the store goes on working.
func TestExclusiveConnectionLost(t *testing.T) {
	ctx := context.Background()
	url := testenv.Postgres(t)
	a, b := open(t, url), open(t, url)
	ran, err := a.Exclusive(ctx, "resign", func(ctx context.Context) error {
		query(t, url, `SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
			WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the work's context was not cancelled when its connection dropped")
		}
		if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "lost the database connection") {
			t.Errorf("cause = %v", cause)
		}
		ran, err := b.Exclusive(context.Background(), "resign", func(context.Context) error { return nil })
		if err != nil || !ran {
			t.Errorf("the other replica's Exclusive(resign) after the drop = %v, %v; want true, nil", ran, err)
		}
		return ctx.Err()
	})
	if !ran || !errors.Is(err, context.Canceled) {
		t.Errorf("Exclusive = %v, %v; want true, context.Canceled", ran, err)
	}
	if ran, err := a.Exclusive(ctx, "resign", func(context.Context) error { return nil }); err != nil || !ran {
		t.Errorf("Exclusive after the drop = %v, %v; want true, nil", ran, err)
	}
}

// TestSortOrderIgnoresLocale: paths, product keys and usernames sort as Go
// sorts strings, byte by byte, also in a database whose collation sorts
// otherwise (as en-US does: "a-b" and "a/b" ignoring punctuation, "B"
// with "b").
func TestSortOrderIgnoresLocale(t *testing.T) {
	ctx := context.Background()
	admin := testenv.Postgres(t)
	name := "icu_" + strings.ToLower(rand.Text())
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"); err != nil {
		t.Skipf("this server cannot make a database with an ICU collation: %v", err)
	}
	t.Cleanup(func() { query(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil || u.Scheme == "" {
		t.Skipf("INPLACE_TEST_POSTGRES is not a postgres:// URL")
	}
	u.Path = "/" + name
	s := open(t, u.String())

	paths := []string{"B", "a", "a-c", "a/b", "ab", "é"} // byte order
	var base []api.Entry
	for i := len(paths) - 1; i >= 0; i-- {
		base = append(base, api.Entry{Path: paths[i], Kind: api.KindFile, SHA256: strings.Repeat("0", 64)})
	}
	for _, key := range []string{"p-b", "P-a", "p-B"} {
		if err := s.AddProduct(ctx, store.Product{Key: key, Created: time.Now()}, base); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Base(ctx, "p-b")
	if err != nil {
		t.Fatal(err)
	}
	var gotPaths []string
	for _, e := range got {
		gotPaths = append(gotPaths, e.Path)
	}
	if fmt.Sprint(gotPaths) != fmt.Sprint(paths) {
		t.Errorf("Base paths = %q, want %q", gotPaths, paths)
	}
	ps, err := s.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	if want := "[P-a p-B p-b]"; fmt.Sprint(keys) != want {
		t.Errorf("Products = %v, want %v", keys, want)
	}
	err = s.AddUser(ctx, store.User{Username: "u", Subscriptions: []store.Subscription{
		{Product: "p-b", Channel: api.ChannelFull}, {Product: "P-a", Channel: api.ChannelFull}, {Product: "p-B", Channel: api.ChannelFull}}})
	if err != nil {
		t.Fatal(err)
	}
	user, err := s.User(ctx, "u")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(user.Subscriptions); got != "[{P-a full} {p-B full} {p-b full}]" {
		t.Errorf("subscriptions = %s, want by key byte order", got)
	}
}

// TestAddProductLarge: a product of 200,000 files is stored with COPY, in
// seconds, and read back whole.
func TestAddProductLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 200,000 entries")
	}
	ctx := context.Background()
	s := open(t, testenv.Postgres(t))
	const n = 200_000
	base := make([]api.Entry, n)
	for i := range base {
		base[i] = api.Entry{Path: fmt.Sprintf("lib/%06d.jar", i), Kind: api.KindFile, Mode: 0o644,
			SHA256: fmt.Sprintf("%064x", i), Size: int64(i)}
	}
	start := time.Now()
	if err := s.AddProduct(ctx, store.Product{Key: "big-1", Name: "big", Version: "1"}, base); err != nil {
		t.Fatal(err)
	}
	t.Logf("AddProduct of %d entries: %v", n, time.Since(start))
	changes := make([]api.Change, n)
	for i := range changes {
		changes[i] = api.Change{Entry: base[i]}
	}
	start = time.Now()
	if _, err := s.AddUpdate(ctx, api.Update{Product: "big-1", Timestamp: 1, Files: changes}); err != nil {
		t.Fatal(err)
	}
	t.Logf("AddUpdate of %d changes: %v", n, time.Since(start))
	got, err := s.Base(ctx, "big-1")
	if err != nil || len(got) != n || got[n-1] != base[n-1] {
		t.Fatalf("Base = %d entries, %v", len(got), err)
	}
	p, err := s.Product(ctx, "big-1")
	if err != nil || p.Files != n {
		t.Errorf("Product = %+v, %v; want %d files", p, err, n)
	}
}

// TestOpenFails: a malformed URL, or a server that does not answer, fails
// Open quickly with an error that says what was opened.
func TestOpenFails(t *testing.T) {
	// A server that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // open and silent until the test ends
		}
	}()
	for _, tt := range []struct {
		url, want string
	}{
		{"postgres://u@localhost:notaport/db", "cannot parse"},
		{"postgres://u:secret@127.0.0.1:1/db", "127.0.0.1:1"},
		{"postgres://u@" + silent.Addr().String() + "/db?connect_timeout=1", silent.Addr().String()},
		{"postgres://u@127.0.0.1/db?pool_max_conns=2", "pool_max_conns"},
	} {
		start := time.Now()
		s, err := Open(context.Background(), tt.url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", tt.url)
			continue
		}
		t.Logf("Open(%s): %v", tt.url, err)
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%s): err = %v; want it to mention %q and no password", tt.url, err, tt.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Open(%s) took %v", tt.url, d)
		}
	}
}

func TestLockKey(t *testing.T) {
	if lockKey("resign") == lockKey("cleanup") || lockKey("resign") != lockKey("resign") {
		t.Error("lockKey is not a function of the name")
	}
	if migrationLock == lockKey("resign") {
		t.Error("the migration lock shares a key with work")
	}
}
