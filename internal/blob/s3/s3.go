// Package s3 stores blobs in a bucket of an S3-compatible object store, so
// that every replica of the update server shares one set of blobs and a CDN
// in front of the bucket, or a presigned URL, can serve them without the
// server. The blob with hash abcdef… is the object PREFIX/ab/abcdef….
//
// The package never overwrites or deletes an object, and never names an
// object other than by the SHA-256 of its bytes: Put hashes the bytes first
// and uploads them in one PUT, which S3 makes visible only once complete,
// signed with the same SHA-256, which the server checks, and refused by
// the server if the object exists already.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"inplace/internal/blob"
)

// Store is a blob.Store in an S3 bucket. It is safe for concurrent use.
type Store struct {
	client  *minio.Client
	bucket  string
	prefix  string // "" or ending in "/"
	display string
}

var (
	_ blob.Store     = (*Store)(nil)
	_ blob.Presigner = (*Store)(nil)
)

// maxSinglePut is the largest object S3 takes in one PUT. Larger blobs go
// up in parts, which S3 also shows only once all are there.
const maxSinglePut = 5 << 30

// Open returns the store at rawURL, which reads
//
//	s3://[ACCESS:SECRET@]host[:port]/bucket[/prefix][?option=value&…]
//
// with the options region (default: ask the server), tls (default true),
// lookup (path, the default, which self-hosted servers want; or dns, for
// bucket.host names) and create (1 to create the bucket if it is missing).
// Without credentials in the URL, Open takes them from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; with none at all, requests
// are anonymous. A / in a secret must be written %2F.
//
// Open fails if the server does not answer or the bucket does not exist.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	c, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(c.endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(c.accessKey, c.secretKey, c.sessionToken),
		Secure:       c.secure,
		Region:       c.region,
		BucketLookup: c.lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 blob store %s: %w", c.display, err)
	}
	s := &Store{client: client, bucket: c.bucket, prefix: c.prefix, display: c.display}

	ok, err := client.BucketExists(ctx, c.bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 blob store %s: %w", s, err)
	}
	if ok {
		return s, nil
	}
	if !c.create {
		return nil, fmt.Errorf("s3 blob store %s: bucket %q does not exist: create it, or add ?create=1 to the URL", s, c.bucket)
	}
	err = client.MakeBucket(ctx, c.bucket, minio.MakeBucketOptions{Region: c.region})
	if err != nil && errorCode(err) != minio.BucketAlreadyOwnedByYou {
		return nil, fmt.Errorf("s3 blob store %s: create bucket %q: %w", s, c.bucket, err)
	}
	return s, nil
}

// String returns the store's URL with the secret key masked.
func (s *Store) String() string { return s.display }

// key returns the name of the object holding the blob named sum.
func (s *Store) key(sum string) string {
	return s.prefix + sum[:2] + "/" + sum
}

// Put implements blob.Store. It keeps the bytes in a temporary file until
// they are hashed and uploaded.
func (s *Store) Put(ctx context.Context, r io.Reader, want string) (string, int64, error) {
	if want != "" && !blob.ValidHash(want) {
		return "", 0, fmt.Errorf("put blob: %w %q", blob.ErrBadHash, want)
	}
	tmp, err := os.CreateTemp("", "inplace-s3-put-*")
	if err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()

	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", 0, fmt.Errorf("put blob: %w: expected %s, read %s", blob.ErrHashMismatch, want, sum)
	}
	if ok, err := s.Has(ctx, sum); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	} else if ok {
		return sum, size, nil
	}
	if err := s.upload(ctx, tmp, sum, size); err != nil {
		return "", 0, fmt.Errorf("put blob %s in %s: %w", sum, s, err)
	}
	return sum, size, nil
}

// upload stores the bytes of f, which hash to sum, as the blob's object.
// If-None-Match: * makes the server refuse the PUT if another Put of the
// same blob got there since Has, which is success; while that other PUT is
// still going, AWS answers 409 ConditionalRequestConflict and asks for a
// retry.
func (s *Store) upload(ctx context.Context, f *os.File, sum string, size int64) error {
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*")
	for try := 1; ; try++ {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		var err error
		if size <= maxSinglePut {
			// One PUT, signed with the SHA-256 of its bytes: the server
			// refuses bytes that do not hash to the name.
			opts.DisableContentSha256 = true // no streaming signature
			_, err = minio.Core{Client: s.client}.PutObject(ctx, s.bucket, s.key(sum), f, size, "", sum, opts)
		} else {
			_, err = s.client.PutObject(ctx, s.bucket, s.key(sum), f, size, opts)
		}
		switch {
		case err == nil || existsAlready(err):
			return nil
		case errorCode(err) != "ConditionalRequestConflict" || try == 5:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(try) * 100 * time.Millisecond):
		}
	}
}

// existsAlready reports whether a PUT with If-None-Match: * failed because
// the object exists.
func existsAlready(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && resp.StatusCode == http.StatusPreconditionFailed
}

// Open implements blob.Store. Reading the blob uses ctx: it fails once ctx
// is done.
func (s *Store) Open(ctx context.Context, sum string) (io.ReadSeekCloser, int64, error) {
	if !blob.ValidHash(sum) {
		return nil, 0, fmt.Errorf("open blob: %w %q", blob.ErrBadHash, sum)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(sum), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("open blob %s in %s: %w", sum, s, err)
	}
	// The first Stat of an object is a HEAD; later reads and seeks use it.
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if isNotFound(err) {
			return nil, 0, fmt.Errorf("open blob %s: %w", sum, blob.ErrNotFound)
		}
		return nil, 0, fmt.Errorf("open blob %s in %s: %w", sum, s, err)
	}
	return obj, info.Size, nil
}

// Has implements blob.Store.
func (s *Store) Has(ctx context.Context, sum string) (bool, error) {
	if !blob.ValidHash(sum) {
		return false, fmt.Errorf("has blob: %w %q", blob.ErrBadHash, sum)
	}
	_, err := s.client.StatObject(ctx, s.bucket, s.key(sum), minio.StatObjectOptions{})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("has blob %s in %s: %w", sum, s, err)
	}
	return true, nil
}

// Ping implements blob.Store: the bucket is there.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3 blob store %s: %w", s, err)
	}
	if !ok {
		return fmt.Errorf("s3 blob store %s: bucket %q does not exist", s, s.bucket)
	}
	return nil
}

// Presign implements blob.Presigner. S3 takes a ttl from one second to
// seven days.
func (s *Store) Presign(ctx context.Context, sum string, ttl time.Duration) (*url.URL, error) {
	if !blob.ValidHash(sum) {
		return nil, fmt.Errorf("presign blob: %w %q", blob.ErrBadHash, sum)
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.key(sum), ttl, nil)
	if err != nil {
		return nil, fmt.Errorf("presign blob %s in %s: %w", sum, s, err)
	}
	return u, nil
}

// isNotFound reports whether err says the object is not there. (A HEAD
// request cannot tell a missing object from a missing bucket; Ping can.)
func isNotFound(err error) bool {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	return resp.Code == minio.NoSuchKey || resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket
}

// errorCode returns the S3 error code in err, or "".
func errorCode(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}

// ctxReader stops reading once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
