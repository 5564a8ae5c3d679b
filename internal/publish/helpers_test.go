package publish

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/blob/dir"
	"inplace/internal/store/sqlite"
)

var ctx = context.Background()

// env is a publisher on a real SQLite store and blob folder.
type env struct {
	*Publisher
	dbFile string
	blobs  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	dbFile := filepath.Join(root, "inplace.db")
	st, err := sqlite.Open(ctx, dbFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bs, err := dir.New(filepath.Join(root, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return &env{
		Publisher: &Publisher{Store: st, Blobs: bs, PasswordCost: bcrypt.MinCost,
			Now: func() time.Time { now = now.Add(time.Second); return now }},
		dbFile: dbFile,
		blobs:  filepath.Join(root, "blobs"),
	}
}

// counts returns the number of rows of every table and of blob files.
func (e *env) counts(t *testing.T) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", e.dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	counts := map[string]int{}
	for _, name := range tables {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[name] = n
	}
	filepath.WalkDir(e.blobs, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			counts["blob files"]++
		}
		return nil
	})
	return counts
}

// checkNothingStored fails when counts differ from before.
func (e *env) checkNothingStored(t *testing.T, before map[string]int) {
	t.Helper()
	after := e.counts(t)
	for k, v := range after {
		if before[k] != v {
			t.Errorf("%s: %d before, %d after: something was stored", k, before[k], v)
		}
	}
}

// writeTree creates files under root: "path": "content". A content starting
// with "->" makes a symlink, "#!" an executable.
func writeTree(t *testing.T, root string, files map[string]string) string {
	t.Helper()
	for p, content := range files {
		file := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, file); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := fs.FileMode(0o644)
		if strings.HasPrefix(content, "#!") {
			mode = 0o755
		}
		if err := os.WriteFile(file, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// zipBytes builds a zip of files, as writeTree, with names prefixed by top.
func zipBytes(t testing.TB, top string, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for p, content := range files {
		h := &zip.FileHeader{Name: top + p, Method: zip.Deflate}
		switch {
		case strings.HasPrefix(content, "->"):
			h.SetMode(fs.ModeSymlink | 0o777)
			content = strings.TrimPrefix(content, "->")
		case strings.HasPrefix(content, "#!"):
			h.SetMode(0o755)
		default:
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeZip(t *testing.T, top string, files map[string]string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "in.zip")
	if err := os.WriteFile(file, zipBytes(t, top, files), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
