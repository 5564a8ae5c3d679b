// Package blob defines the store of file contents: immutable blobs named by
// the hex SHA-256 of their bytes. Any number of servers, caches or a CDN can
// serve a blob because its name says exactly what it holds.
//
// A blob store never changes or deletes a blob once stored, never returns a
// blob under a name that is not its hash, and knows nothing about products,
// users or channels: who may read a blob is decided by the caller.
//
// Implementations: package dir (a content-addressed folder) and package s3
// (an S3-compatible object store, shared by replicas). The conformance
// suite every implementation must pass is package blobtest.
package blob

import (
	"context"
	"errors"
	"io"
	"net/url"
	"time"
)

// ErrNotFound is returned (possibly wrapped) by Open when the store holds no
// blob of that hash.
var ErrNotFound = errors.New("blob not found")

// ErrHashMismatch is returned (possibly wrapped) by Put when the bytes read do
// not hash to the expected value.
var ErrHashMismatch = errors.New("blob hash mismatch")

// ErrBadHash is returned (possibly wrapped) when a hash is not 64 lowercase
// hex digits.
var ErrBadHash = errors.New("bad blob hash")

// Store holds blobs. Implementations must be safe for concurrent use.
type Store interface {
	// Put reads r to its end and stores its bytes, returning their hex
	// SHA-256 and length. When want is not empty, Put fails with
	// ErrHashMismatch if the bytes do not hash to want, and stores nothing.
	// Storing a blob that already exists succeeds and changes nothing. A
	// failed or cancelled Put leaves no partial blob behind: a blob is
	// visible to Open and Has only once it is complete and durable.
	Put(ctx context.Context, r io.Reader, want string) (sum string, size int64, err error)

	// Open returns the bytes of the blob named sum, seekable so that HTTP
	// Range requests can be served, and its size. The caller closes it. It
	// fails with ErrNotFound when there is no such blob and with ErrBadHash
	// when sum is not a valid hash.
	Open(ctx context.Context, sum string) (io.ReadSeekCloser, int64, error)

	// Has reports whether the blob named sum is stored. It fails with
	// ErrBadHash when sum is not a valid hash.
	Has(ctx context.Context, sum string) (bool, error)

	// Ping reports whether the store answers; /readyz asks it.
	Ping(ctx context.Context) error
}

// Presigner is implemented by blob stores whose blobs can be fetched
// straight from the store, without the server, at a URL that expires.
type Presigner interface {
	// Presign returns a URL that serves the blob named sum with GET until
	// ttl has passed.
	Presign(ctx context.Context, sum string, ttl time.Duration) (*url.URL, error)
}

// ValidHash reports whether s is a hex SHA-256 as blobs are named: 64
// lowercase hex digits.
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
