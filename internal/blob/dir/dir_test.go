package dir

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/blob"
	"inplace/internal/blob/blobtest"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := New(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLayout(t *testing.T) {
	root := t.TempDir()
	s, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := s.Put(context.Background(), strings.NewReader("hello"), "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, sum[:2], sum[2:]))
	if err != nil {
		t.Fatalf("blob not at ROOT/ab/cdef…: %v", err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("blob is writable: %v", fi.Mode())
	}
	// A failed put leaves no temporary file behind.
	s.Put(context.Background(), bytes.NewReader([]byte("x")), strings.Repeat("0", 64))
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".put-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
