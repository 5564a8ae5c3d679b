package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestUpgradeKeepsTokens: a database of schema 2 with an issued token
// upgrades in place; the token keeps working, of no family.
func TestUpgradeKeepsTokens(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "inplace.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:2] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	for _, q := range []string{
		"PRAGMA user_version = 2",
		"INSERT INTO products (key, name, version, created_ms) VALUES ('p-1', 'p', '1', 0)",
		"INSERT INTO users (username, password_hash, created_ms) VALUES ('alice', 'x', 0)",
		"INSERT INTO tokens (hash, username, product, channel, created_ms, expires_ms) VALUES ('h', 'alice', 'p-1', 'full', 0, 1000)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Version(ctx); err != nil || v != SchemaVersion() {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion())
	}
	tok, err := s.Token(ctx, "h")
	if err != nil || tok.Username != "alice" || tok.Family != "" || tok.Expires.UnixMilli() != 1000 {
		t.Errorf("Token after the upgrade = %+v, %v", tok, err)
	}
}
