package fsx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/testenv"
)

func TestWritePrivateIsOwnerOnly(t *testing.T) {
	testenv.SkipUnderWine(t, "derives access lists from Unix modes and drops the ones programs set")
	dir := t.TempDir()
	secret := filepath.Join(dir, "session.json")
	if err := WritePrivate(secret, []byte("token")); err != nil {
		t.Fatal(err)
	}
	if err := Private(secret); err != nil {
		t.Errorf("WritePrivate's file is not private: %v", err)
	}
	if b, err := os.ReadFile(secret); err != nil || string(b) != "token" {
		t.Errorf("read back %q, %v", b, err)
	}
	plain := filepath.Join(dir, "state.json")
	if err := WriteFile(plain, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Private(plain); err == nil {
		t.Errorf("Private accepts a file others can read")
	}
	// Replacing keeps the new file private.
	if err := WritePrivate(plain, []byte("token 2")); err != nil {
		t.Fatal(err)
	}
	if err := Private(plain); err != nil {
		t.Errorf("rewritten file is not private: %v", err)
	}
}

// TestLongPaths moves and rewrites files whose full names are longer than
// Windows' historical 260-character limit.
func TestLongPaths(t *testing.T) {
	dir := t.TempDir()
	deep := dir
	for len(deep) < 400 {
		deep = filepath.Join(deep, strings.Repeat("d", 40))
	}
	src := filepath.Join(deep, "repository", "components", "plugins", strings.Repeat("p", 60)+".jar")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(src, []byte("jar"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(deep, "updates", "backup", "run", "update", "0")
	if err := Rename(src, dst); err != nil {
		t.Fatal(err)
	}
	if Exists(src) || !Exists(dst) {
		t.Fatalf("after Rename: source there %v, target there %v", Exists(src), Exists(dst))
	}
	if sum, n, err := HashFile(dst); err != nil || n != 3 || sum != HashBytes([]byte("jar")) {
		t.Errorf("HashFile = %s %d %v", sum, n, err)
	}
	if err := Writable(dst); err != nil {
		t.Errorf("Writable(long path) = %v", err)
	}
	if err := RemoveIfExists(dst); err != nil || Exists(dst) {
		t.Errorf("RemoveIfExists = %v", err)
	}
	if err := RemoveIfExists(dst); err != nil {
		t.Errorf("RemoveIfExists of a missing file = %v", err)
	}
}

// TestReadOnlyFilesMove shows that a read-only file (mode, or attribute on
// Windows) is moved into a backup and back with its mode, and that a folder
// holding one can be removed.
func TestReadOnlyFilesMove(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "conf", "vendor.properties")
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte("a=1\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "backup", "0")
	if err := Rename(f, b); err != nil {
		t.Fatalf("move a read-only file aside: %v", err)
	}
	if err := Rename(b, f); err != nil {
		t.Fatalf("move it back: %v", err)
	}
	fi, err := os.Stat(f)
	if err != nil || fi.Mode().Perm()&0o200 != 0 {
		t.Fatalf("after the round trip: %v, %v", fi.Mode(), err)
	}
	if err := Rename(f, b); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "backup")); err != nil {
		t.Errorf("remove a backup holding a read-only file: %v", err)
	}
}
