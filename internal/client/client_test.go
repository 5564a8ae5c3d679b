package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func sum(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

// TestBlobVerifies: a download is checked against its hash and length
// before anyone uses it; a longer, shorter or different body is refused.
func TestBlobVerifies(t *testing.T) {
	body := "the right bytes"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/blobs/" + sum(body):
			io.WriteString(w, body)
		case "/v1/blobs/" + sum("short"):
			io.WriteString(w, "sho")
		case "/v1/blobs/" + sum("long"):
			io.WriteString(w, strings.Repeat("long", 1000))
		case "/v1/blobs/" + sum("announced"):
			io.WriteString(w, "long!")
		default:
			io.WriteString(w, "other bytes, same length!")
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var b bytes.Buffer
	if err := c.Blob(ctx, sum(body), int64(len(body)), &b, nil); err != nil || b.String() != body {
		t.Fatalf("good blob: %v %q", err, b.String())
	}
	for name, tc := range map[string]struct {
		sha  string
		size int64
		msg  string
	}{
		"short":     {sum("short"), 5, "got 3 bytes, want 5"},
		"long":      {sum("long"), 4, "the server sent more than the blob holds (more than 4 bytes)"},
		"announced": {sum("announced"), 4, "the server sent more than the blob holds (5 bytes announced for 4)"},
		"different": {sum("x"), int64(len("other bytes, same length!")), "does not match its hash"},
	} {
		err := c.Blob(ctx, tc.sha, tc.size, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v; want %q", name, err, tc.msg)
		}
	}
}

// TestErrors: the server's JSON errors reach the person; a refused token
// is recognisable; a server that is not there is named.
func TestErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"log in again"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":"user bob is subscribed to the security channel"}`)
	}))
	c, _ := New(srv.URL)
	_, err := c.Updates(context.Background(), "p-1", 0, 0)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "log in again") {
		t.Errorf("401: %v", err)
	}
	c.Token = "t"
	_, err = c.Updates(context.Background(), "p-1", 0, 0)
	var e *Error
	if !errors.As(err, &e) || e.Status != 403 || !strings.Contains(err.Error(), "security channel") {
		t.Errorf("403: %v", err)
	}
	srv.Close()
	retryDelays = nil
	if _, err := c.Updates(context.Background(), "p-1", 0, 0); err == nil || !strings.Contains(err.Error(), "cannot reach the update server") {
		t.Errorf("closed server: %v", err)
	}
	if _, err := New("ftp://x"); err == nil {
		t.Error("New accepted ftp://")
	}
}
