package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/delta"
	"inplace/internal/publish"
)

// jar builds a zip of n class-like entries; entries in changed get other
// content.
func jar(t *testing.T, n int, changed map[int]bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		w, err := zw.Create(fmt.Sprintf("org/example/C%04d.class", i))
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(i), 1))
		if changed[i] {
			r = rand.New(rand.NewPCG(uint64(i), 2))
		}
		for range 40 {
			fmt.Fprintf(w, "method%d(Ljava/lang/String;)V %x ", r.IntN(50), r.Uint64())
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPacked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	oldJar, newJar := jar(t, 400, nil), jar(t, 400, map[int]bool{7: true, 200: true})
	pub := &publish.Publisher{Store: f.store, Blobs: f.blobs, Now: f.clock.Now, PasswordCost: bcrypt.MinCost}
	for i, content := range [][]byte{oldJar, newJar} {
		src := t.TempDir()
		os.MkdirAll(filepath.Join(src, "files", "lib"), 0o755)
		os.WriteFile(filepath.Join(src, "update.yaml"), []byte("description: jar\n"), 0o644)
		os.WriteFile(filepath.Join(src, "files", "lib", "big.jar"), content, 0o644)
		if _, err := pub.PublishUpdate(ctx, publish.UpdateOptions{Product: "wso2am-4.2.0", Source: src, Timestamp: int64(4000 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	oldSum, newSum := sum(string(oldJar)), sum(string(newJar))
	alice := f.login("alice", "wso2am-4.2.0", "full")

	status, body, resp := f.do("GET", "/v1/blobs/"+newSum+"/packed?from="+oldSum, alice, nil)
	if status != 200 || resp.Header.Get(api.EncodingHeader) != api.EncodingDelta || resp.Header.Get(api.FromHeader) != oldSum {
		t.Fatalf("delta: %d %v", status, resp.Header)
	}
	got, err := delta.Decode(oldJar, body, int64(len(newJar)))
	if err != nil || !bytes.Equal(got, newJar) {
		t.Fatalf("the delta does not rebuild the new jar: %v", err)
	}
	if len(body)*10 > len(newJar) {
		t.Errorf("delta of 2 changed entries in 400: %d bytes for a %d-byte jar", len(body), len(newJar))
	}
	t.Logf("jar %d bytes, delta %d", len(newJar), len(body))
	etag := resp.Header.Get("ETag")
	if p, err := f.store.Packed(ctx, newSum, oldSum); err != nil || `"`+p.Payload+`"` != etag {
		t.Errorf("the delta is not kept: %+v, %v (ETag %s)", p, err, etag)
	}

	// A resumed download gets the rest of the same bytes; one whose bytes
	// changed gets them all.
	status, rest, _ := f.do("GET", "/v1/blobs/"+newSum+"/packed?from="+oldSum, alice, nil, "Range", "bytes=10-", "If-Range", etag)
	if status != 206 || !bytes.Equal(rest, body[10:]) {
		t.Errorf("resume: %d, %d bytes", status, len(rest))
	}
	status, all, _ := f.do("GET", "/v1/blobs/"+newSum+"/packed?from="+oldSum, alice, nil, "Range", "bytes=10-", "If-Range", `"other"`)
	if status != 200 || !bytes.Equal(all, body) {
		t.Errorf("resume of other bytes: %d, %d bytes", status, len(all))
	}

	// Without an origin: the compressed jar.
	status, body, resp = f.do("GET", "/v1/blobs/"+newSum+"/packed", alice, nil)
	if status != 200 || resp.Header.Get(api.EncodingHeader) != api.EncodingZstd || resp.Header.Get(api.FromHeader) != "" {
		t.Fatalf("plain: %d %v", status, resp.Header)
	}
	var out bytes.Buffer
	if err := delta.Decompress(&out, bytes.NewReader(body), int64(len(newJar))); err != nil || !bytes.Equal(out.Bytes(), newJar) {
		t.Errorf("the compressed form does not rebuild the jar: %v", err)
	}

	// Four bytes do not compress: sent as they are.
	status, body, resp = f.do("GET", "/v1/blobs/"+sum("a v1")+"/packed", alice, nil)
	if status != 200 || resp.Header.Get(api.EncodingHeader) != api.EncodingIdentity || string(body) != "a v1" {
		t.Errorf("identity: %d %v %q", status, resp.Header, body)
	}

	// Visibility: bob (security channel) may not read the jars, nor get a
	// delta from one.
	bob := f.login("bob", "wso2am-4.2.0", "security")
	if status, _, _ := f.do("GET", "/v1/blobs/"+newSum+"/packed?from="+oldSum, bob, nil); status != http.StatusNotFound {
		t.Errorf("bob reads a full-channel jar: %d", status)
	}
	status, body, resp = f.do("GET", "/v1/blobs/"+sum("sec")+"/packed?from="+oldSum, bob, nil)
	if status != 200 || resp.Header.Get(api.EncodingHeader) == api.EncodingDelta || resp.Header.Get(api.FromHeader) != "" {
		t.Errorf("a delta from a blob bob may not read: %d %v", status, resp.Header)
	}
	for _, bad := range []string{"from=xyz", "from=" + newSum} {
		status, _, resp := f.do("GET", "/v1/blobs/"+newSum+"/packed?"+bad, alice, nil)
		if status != 200 || resp.Header.Get(api.EncodingHeader) == api.EncodingDelta {
			t.Errorf("packed?%s: %d %v", bad, status, resp.Header)
		}
	}
	if status, _, _ := f.do("GET", "/v1/blobs/"+sum("never stored")+"/packed", alice, nil); status != http.StatusNotFound {
		t.Errorf("packed form of an unknown blob: %d", status)
	}
	if status, _, _ := f.do("GET", "/v1/blobs/"+newSum+"/packed", "", nil); status != http.StatusUnauthorized {
		t.Errorf("packed form without a token: %d", status)
	}
}
