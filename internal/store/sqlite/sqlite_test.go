package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/store"
	"inplace/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "inplace.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "inplace.db")
	s, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Version(ctx)
	if err != nil || v != SchemaVersion() || v < 1 {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion())
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	s.Close()

	// Opening again migrates nothing and keeps the data.
	s, err = Open(ctx, file)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s.Close()

	// A database from a newer program is refused.
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, file)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: err = %v", err)
	}
}
