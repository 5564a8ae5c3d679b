package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"inplace/internal/blob"
	"inplace/internal/blob/blobtest"
	"inplace/internal/testenv"
)

func open(t *testing.T, rawURL string) *Store {
	t.Helper()
	s, err := Open(context.Background(), rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		return open(t, testenv.S3(t))
	})
}

// The blob is the object PREFIX/ab/abcd…, typed application/octet-stream,
// and Put leaves no temporary file behind, whether it fails or not.
func TestLayout(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	u, err := url.Parse(testenv.S3(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path += "/some/prefix"
	s := open(t, u.String())
	ctx := context.Background()
	data := []byte("hello")
	if _, _, err := s.Put(ctx, bytes.NewReader(data), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Put(ctx, bytes.NewReader(data), sum([]byte("other"))); !errors.Is(err, blob.ErrHashMismatch) {
		t.Fatalf("Put with a wrong hash: %v", err)
	}
	h := sum(data)
	info, err := s.client.StatObject(ctx, s.bucket, "some/prefix/"+h[:2]+"/"+h, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("blob not at PREFIX/ab/abcd…: %v", err)
	}
	if info.ContentType != "application/octet-stream" {
		t.Errorf("Content-Type = %q", info.ContentType)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("Put left %s in the temporary folder", entries[0].Name())
	}
}

// Put relies on the server to refuse a PUT whose bytes do not hash to the
// SHA-256 it was signed with, and a PUT with If-None-Match: * of an object
// that exists.
func TestServerGuards(t *testing.T) {
	s := open(t, testenv.S3(t))
	ctx := context.Background()
	core := minio.Core{Client: s.client}
	data := []byte("the real bytes")
	h := sum(data)
	opts := minio.PutObjectOptions{DisableContentSha256: true}
	opts.SetMatchETagExcept("*")

	forged := []byte("other bytes!!!")
	_, err := core.PutObject(ctx, s.bucket, s.key(h), bytes.NewReader(forged), int64(len(forged)), "", h, opts)
	if errorCode(err) != "XAmzContentSHA256Mismatch" {
		t.Errorf("PUT of bytes that do not hash to the SHA-256 signed: %v, want XAmzContentSHA256Mismatch", err)
	}
	if ok, err := s.Has(ctx, h); err != nil || ok {
		t.Fatalf("Has after a refused PUT = %v, %v", ok, err)
	}
	if _, _, err := s.Put(ctx, bytes.NewReader(data), h); err != nil {
		t.Fatal(err)
	}
	_, err = core.PutObject(ctx, s.bucket, s.key(h), bytes.NewReader(data), int64(len(data)), "", h, opts)
	if !existsAlready(err) {
		t.Errorf("PUT with If-None-Match: * of a stored blob: %v, want 412 Precondition Failed", err)
	}
}

func TestPresign(t *testing.T) {
	s := open(t, testenv.S3(t))
	ctx := context.Background()
	data := []byte("fetched straight from the bucket")
	h, _, err := s.Put(ctx, bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := s.Put(ctx, strings.NewReader("another blob"), "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Presign(ctx, h, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	get := func(u *url.URL) (int, []byte) {
		t.Helper()
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	if code, b := get(u); code != http.StatusOK || !bytes.Equal(b, data) {
		t.Fatalf("GET presigned URL = %d %q, want 200 %q", code, b, data)
	}

	// The signature covers the object's name and the expiry.
	badSig := *u
	q := badSig.Query()
	sig := []byte(q.Get("X-Amz-Signature"))
	sig[0] ^= 1
	q.Set("X-Amz-Signature", string(sig))
	badSig.RawQuery = q.Encode()
	otherBlob := *u
	otherBlob.Path = strings.ReplaceAll(u.Path, h[:2]+"/"+h, other[:2]+"/"+other)
	longer := *u
	q = longer.Query()
	q.Set("X-Amz-Expires", "604800")
	longer.RawQuery = q.Encode()
	for name, u := range map[string]*url.URL{"signature": &badSig, "other blob": &otherBlob, "expiry": &longer} {
		if code, b := get(u); code != http.StatusForbidden {
			t.Errorf("presigned URL with its %s changed: GET = %d %q, want 403", name, code, b)
		}
	}

	if _, err := s.Presign(ctx, "../"+h[3:], time.Minute); !errors.Is(err, blob.ErrBadHash) {
		t.Errorf("Presign(bad hash): %v, want ErrBadHash", err)
	}
}

func TestURLs(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET")
	t.Setenv("AWS_SESSION_TOKEN", "")
	good := []struct {
		url  string
		want config
	}{
		{"s3://AK:SK@localhost:9000/bucket?tls=false", config{
			endpoint: "localhost:9000", bucket: "bucket", lookup: minio.BucketLookupPath,
			accessKey: "AK", secretKey: "SK", display: "s3://AK:xxxxx@localhost:9000/bucket?tls=false",
		}},
		{"s3://s3.example.com/blobs/a/b/?region=eu-west-1&lookup=dns&create=1", config{
			endpoint: "s3.example.com", bucket: "blobs", prefix: "a/b/", region: "eu-west-1",
			secure: true, lookup: minio.BucketLookupDNS, create: true,
			accessKey: "ENVKEY", secretKey: "ENVSECRET",
			display: "s3://s3.example.com/blobs/a/b/?region=eu-west-1&lookup=dns&create=1",
		}},
		{"s3://AK:a%2Fb+c@[::1]:7070/my.bucket/p?lookup=path&tls=1&create=0", config{
			endpoint: "[::1]:7070", bucket: "my.bucket", prefix: "p/", secure: true, lookup: minio.BucketLookupPath,
			accessKey: "AK", secretKey: "a/b+c", display: "s3://AK:xxxxx@[::1]:7070/my.bucket/p?lookup=path&tls=1&create=0",
		}},
	}
	for _, tt := range good {
		got, err := parseURL(tt.url)
		if err != nil {
			t.Errorf("parseURL(%s): %v", tt.url, err)
		} else if got != tt.want {
			t.Errorf("parseURL(%s) =\n%+v, want\n%+v", tt.url, got, tt.want)
		}
	}

	bad := []struct{ url, want string }{
		{"http://h/bucket", `scheme is "http"`},
		{"bucket", `scheme is ""`},
		{"s3:bucket", "no host"},
		{"s3:///bucket", "no host"},
		{"s3://h", "no bucket"},
		{"s3://h/", "no bucket"},
		{"s3://h/ab", `bucket "ab"`},
		{"s3://h/Bad_Bucket!", `bucket "Bad_Bucket!"`},
		{"s3://h/bucket/../x", "prefix"},
		{"s3://h/bucket/a//b", "prefix"},
		{"s3://h/bucket#x", "unexpected #x"},
		{"s3://h:port/bucket", "invalid port"},
		{"s3://h/bucket?tls=maybe", "tls=maybe: want true or false"},
		{"s3://h/bucket?lookup=vhost", "lookup=vhost: want path or dns"},
		{"s3://h/bucket?create=yes", "create=yes: want 1 or 0"},
		{"s3://h/bucket?regoin=x", `unknown option "regoin"`},
		{"s3://h/bucket?tls=false&tls=true", "tls given 2 times"},
		{"s3://h/bucket?a=%zz", "query"},
		{"s3://AK@h/bucket", "credentials must be ACCESS:SECRET"},
		{"s3://AK:@h/bucket", "credentials must be ACCESS:SECRET"},
		{"s3://AK:s3cr3t@h:bad/bucket", "invalid port"},
		{"s3://AK:s3cr3t@h/bucket?tls=maybe", "tls=maybe"},
	}
	for _, tt := range bad {
		// Open fails before any request: there is no server at h.
		_, err := Open(context.Background(), tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "s3 blob store URL: ") {
			t.Errorf("Open(%s): %v, want an error saying %q", tt.url, err, tt.want)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Open(%s): error shows the secret: %v", tt.url, err)
		}
	}
}

func TestMissingBucket(t *testing.T) {
	u, err := url.Parse(testenv.S3(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path += "-missing"
	ctx := context.Background()
	_, err = Open(ctx, u.String())
	if err == nil {
		t.Fatal("Open on a missing bucket succeeded")
	}
	bucket := strings.TrimPrefix(u.Path, "/")
	for _, want := range []string{`bucket "` + bucket + `" does not exist`, "create it, or add ?create=1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open on a missing bucket: %v, want it to say %q", err, want)
		}
	}
	secret, _ := u.User.Password()
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the secret: %v", err)
	}

	u.RawQuery += "&create=1"
	s := open(t, u.String())
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	h, _, err := s.Put(ctx, strings.NewReader("x"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.client.RemoveObject(ctx, bucket, s.key(h), minio.RemoveObjectOptions{})
		if err := s.client.RemoveBucket(ctx, bucket); err != nil {
			t.Errorf("remove bucket %s: %v", bucket, err)
		}
	})
	open(t, u.String()) // the bucket exists now: create=1 changes nothing
	if strings.Contains(s.String(), secret) {
		t.Errorf("String() shows the secret: %s", s)
	}
}

func TestLargeBlob(t *testing.T) {
	s := open(t, testenv.S3(t))
	ctx := context.Background()
	data := make([]byte, 20<<20)
	rand.NewChaCha8([32]byte{}).Read(data)
	h, size, err := s.Put(ctx, bytes.NewReader(data), sum(data))
	if err != nil || h != sum(data) || size != int64(len(data)) {
		t.Fatalf("Put = %s, %d, %v", h, size, err)
	}
	rc, size, err := s.Open(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if size != int64(len(data)) {
		t.Fatalf("Open size = %d, want %d", size, len(data))
	}
	for _, off := range []int64{15 << 20, 1, size - 10, 0} {
		if _, err := rc.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, min(1<<20, size-off))
		if _, err := io.ReadFull(rc, b); err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		if !bytes.Equal(b, data[off:off+int64(len(b))]) {
			t.Fatalf("bytes at %d differ", off)
		}
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(rc); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("read whole blob: %d bytes, %v", len(b), err)
	}
}
