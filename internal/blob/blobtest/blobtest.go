// Package blobtest is the conformance suite every blob.Store must pass. An
// implementation's tests call Run with a function returning a new, empty
// store. The suite only uses the blob.Store interface and never inspects how
// a store keeps its bytes.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"inplace/internal/blob"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"PutOpenRoundTrip", testPutOpen},
		{"PutEmpty", testPutEmpty},
		{"PutTwice", testPutTwice},
		{"PutVerifiesExpectedHash", testPutMismatch},
		{"PutReadErrorStoresNothing", testPutReadError},
		{"PutCancelled", testPutCancelled},
		{"OpenMissing", testOpenMissing},
		{"BadHashes", testBadHashes},
		{"OpenSeeks", testSeek},
		{"ConcurrentPuts", testConcurrent},
		{"Ping", func(t *testing.T, s blob.Store) {
			if err := s.Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func readAll(t *testing.T, s blob.Store, h string) []byte {
	t.Helper()
	rc, size, err := s.Open(context.Background(), h)
	if err != nil {
		t.Fatalf("Open(%s): %v", h, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", h, err)
	}
	if int64(len(b)) != size {
		t.Fatalf("Open(%s) size = %d, read %d bytes", h, size, len(b))
	}
	return b
}

func has(t *testing.T, s blob.Store, h string) bool {
	t.Helper()
	ok, err := s.Has(context.Background(), h)
	if err != nil {
		t.Fatalf("Has(%s): %v", h, err)
	}
	return ok
}

func testPutOpen(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("inplace blob "), 100000) // > 1 MB
	want := sum(data)
	if has(t, s, want) {
		t.Fatal("Has before Put = true")
	}
	got, size, err := s.Put(ctx, bytes.NewReader(data), "")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got != want || size != int64(len(data)) {
		t.Fatalf("Put = %s, %d; want %s, %d", got, size, want, len(data))
	}
	if !has(t, s, want) {
		t.Fatal("Has after Put = false")
	}
	if b := readAll(t, s, want); !bytes.Equal(b, data) {
		t.Fatal("Open returned other bytes than Put stored")
	}
	// With the expected hash given.
	data2 := []byte("second")
	if got, _, err := s.Put(ctx, bytes.NewReader(data2), sum(data2)); err != nil || got != sum(data2) {
		t.Fatalf("Put with expected hash = %s, %v", got, err)
	}
}

func testPutEmpty(t *testing.T, s blob.Store) {
	got, size, err := s.Put(context.Background(), strings.NewReader(""), "")
	if err != nil || got != sum(nil) || size != 0 {
		t.Fatalf("Put(empty) = %s, %d, %v", got, size, err)
	}
	if b := readAll(t, s, got); len(b) != 0 {
		t.Fatalf("empty blob reads %d bytes", len(b))
	}
}

func testPutTwice(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := []byte("twice")
	for i := 0; i < 2; i++ {
		if _, _, err := s.Put(ctx, bytes.NewReader(data), sum(data)); err != nil {
			t.Fatalf("Put #%d: %v", i+1, err)
		}
	}
	if b := readAll(t, s, sum(data)); !bytes.Equal(b, data) {
		t.Fatal("blob changed by a second Put")
	}
}

func testPutMismatch(t *testing.T, s blob.Store) {
	data := []byte("actual bytes")
	claimed := sum([]byte("other bytes"))
	_, _, err := s.Put(context.Background(), bytes.NewReader(data), claimed)
	if !errors.Is(err, blob.ErrHashMismatch) {
		t.Fatalf("Put with wrong hash: err = %v, want ErrHashMismatch", err)
	}
	if has(t, s, claimed) || has(t, s, sum(data)) {
		t.Fatal("a failed Put stored a blob")
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), f.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	f.n -= n
	return n, nil
}

func testPutReadError(t *testing.T, s blob.Store) {
	_, _, err := s.Put(context.Background(), &failingReader{n: 10}, "")
	if err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if has(t, s, sum(bytes.Repeat([]byte("x"), 10))) {
		t.Fatal("a failed Put stored the partial blob")
	}
}

func testPutCancelled(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := []byte("cancelled")
	if _, _, err := s.Put(ctx, bytes.NewReader(data), ""); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	if has(t, s, sum(data)) {
		t.Fatal("a cancelled Put stored the blob")
	}
}

func testOpenMissing(t *testing.T, s blob.Store) {
	_, _, err := s.Open(context.Background(), sum([]byte("never stored")))
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(missing): err = %v, want ErrNotFound", err)
	}
}

func testBadHashes(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, h := range []string{
		"", "abc", strings.Repeat("A", 64), strings.Repeat("g", 64),
		"../" + strings.Repeat("a", 61), strings.Repeat("a", 65),
	} {
		if _, _, err := s.Open(ctx, h); !errors.Is(err, blob.ErrBadHash) {
			t.Errorf("Open(%q): err = %v, want ErrBadHash", h, err)
		}
		if _, err := s.Has(ctx, h); !errors.Is(err, blob.ErrBadHash) {
			t.Errorf("Has(%q): err = %v, want ErrBadHash", h, err)
		}
		if h == "" {
			continue // an empty want means "no expectation"
		}
		if _, _, err := s.Put(ctx, strings.NewReader("x"), h); !errors.Is(err, blob.ErrBadHash) {
			t.Errorf("Put(want %q): err = %v, want ErrBadHash", h, err)
		}
	}
}

func testSeek(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := []byte("0123456789abcdef")
	h, _, err := s.Put(ctx, bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	rc, size, err := s.Open(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if size != int64(len(data)) {
		t.Fatalf("size = %d", size)
	}
	if _, err := rc.Seek(10, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 3)
	if _, err := io.ReadFull(rc, b); err != nil || string(b) != "abc" {
		t.Fatalf("read after seek = %q, %v", b, err)
	}
	end, err := rc.Seek(0, io.SeekEnd)
	if err != nil || end != size {
		t.Fatalf("Seek(end) = %d, %v", end, err)
	}
}

func testConcurrent(t *testing.T, s blob.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := []byte(fmt.Sprintf("blob %d", i%5)) // the same 5 blobs, 8 times each
			if _, _, err := s.Put(ctx, bytes.NewReader(data), sum(data)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Put: %v", err)
	}
	for i := range 5 {
		data := []byte(fmt.Sprintf("blob %d", i))
		if b := readAll(t, s, sum(data)); !bytes.Equal(b, data) {
			t.Errorf("blob %d holds %q", i, b)
		}
	}
}
