package testenv

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Why a private PostgreSQL server cannot be started here.
var (
	errNoPostgres  = errors.New("no PostgreSQL server programs (initdb and postgres) in PATH or /usr/lib/postgresql/*/bin")
	errUnsupported = errors.New("the tests start a private PostgreSQL server only on Linux")
)

var private struct {
	once sync.Once
	url  string // admin URL of the server
	err  error
}

// Postgres returns the URL of a new, empty database on a real PostgreSQL
// server, for t alone, dropped when t ends.
//
// The server is the one whose admin URL is in the environment variable
// INPLACE_TEST_POSTGRES (its user must be allowed to create databases),
// or else a private server started once for the test process from the
// PostgreSQL programs installed here, on a free port of 127.0.0.1, which
// stops when the process exits. Without PostgreSQL the test is skipped,
// saying how to install it, except on CI (CI=true), where it fails: CI
// must not skip silently.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("INPLACE_TEST_POSTGRES")
	if admin == "" {
		private.once.Do(func() { private.url, private.err = startPostgres() })
		admin = private.url
		switch err := private.err; {
		case errors.Is(err, errUnsupported):
			t.Skipf("%v; set INPLACE_TEST_POSTGRES to the URL of a PostgreSQL server where the user may create databases", err)
		case errors.Is(err, errNoPostgres):
			msg := fmt.Sprintf("%v; install PostgreSQL: scripts/test-deps.sh does it", err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		case err != nil:
			t.Fatalf("start a PostgreSQL server for the tests: %v", err)
		}
	}

	name := "t_" + strings.ToLower(rand.Text())
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("INPLACE_TEST_POSTGRES: %v", err)
	}
	if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return dbURL
}

// adminExec runs one statement on the server of the admin URL.
func adminExec(admin, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns the admin URL (postgres://… or key=value form)
// naming database name instead.
func withDatabase(admin, name string) (string, error) {
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		return admin + " dbname=" + name, nil
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}
