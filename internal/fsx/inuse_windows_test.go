package fsx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inplace/internal/testenv"
)

func TestFileInUse(t *testing.T) {
	dir := t.TempDir()
	jar := filepath.Join(dir, "lib", "server.jar")
	if err := os.MkdirAll(filepath.Dir(jar), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jar, []byte("jar"), 0o644); err != nil {
		t.Fatal(err)
	}
	release := testenv.HoldOpen(t, jar)
	if err := Writable(jar); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("Writable(held jar) = %v, want in use", err)
	}
	start := time.Now()
	err := Rename(jar, filepath.Join(dir, "backup", "0"))
	if err == nil {
		t.Fatal("renamed a file another program holds")
	}
	if waited := time.Since(start); waited < renameFor {
		t.Errorf("gave up after %v, want %v of retries", waited, renameFor)
	}
	if !Exists(jar) {
		t.Fatal("the held file is gone")
	}

	// A file held for a moment (a virus scanner) is renamed once let go.
	time.AfterFunc(300*time.Millisecond, release)
	if err := Rename(jar, filepath.Join(dir, "backup", "0")); err != nil {
		t.Fatalf("rename after the holder let go: %v", err)
	}
	if err := Writable(filepath.Join(dir, "backup", "0")); err != nil {
		t.Errorf("Writable(free file) = %v", err)
	}
}

func TestReadOnlyAttributeIsReported(t *testing.T) {
	f := filepath.Join(t.TempDir(), "deployment.toml")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := Writable(f); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Writable(read-only file) = %v", err)
	}
}
