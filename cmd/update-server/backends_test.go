package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/repo"
	"inplace/internal/store"
	"inplace/internal/store/sqlite"
	"inplace/internal/testenv"
)

// TestBackends runs the admin commands and serve on a real PostgreSQL
// database and a real S3-compatible store: the data folder keeps only the
// keys, and a download is answered with a redirect to a pre-signed URL of
// the store, which serves the bytes.
func TestBackends(t *testing.T) {
	db, blobs := testenv.Postgres(t), testenv.S3(t)
	tmp := t.TempDir()
	data := filepath.Join(tmp, "keys")
	g := []string{"--data", data, "--db", db, "--blobs", blobs}
	args := func(a ...string) []string { return append(append([]string{}, a...), g...) }

	if out := ok(t, "", args("init")...); !strings.Contains(out, "initialized database postgres://") || strings.Contains(out, "secret") {
		t.Errorf("init printed %q", out)
	}
	if out := ok(t, "", args("init")...); !strings.Contains(out, "already initialized") {
		t.Errorf("second init printed %q", out)
	}
	base := writeFiles(t, filepath.Join(tmp, "base"), map[string]string{"bin/run.sh": "#!/bin/sh", "lib/a.jar": "jar a v1"})
	ok(t, "", args("product", "add", "--name", "acme", "--version", "1.0", base)...)
	upd := writeFiles(t, filepath.Join(tmp, "u1"), map[string]string{"update.yaml": "description: one\n", "files/lib/a.jar": "jar a v2"})
	ok(t, "", args("update", "publish", "--product", "acme-1.0", "--timestamp", "1000", upd)...)
	ok(t, "pw\n", args("user", "add", "--username", "alice", "--password-stdin", "--product", "acme-1.0", "--channel", "full")...)
	if out := ok(t, "", args("update", "list", "--product", "acme-1.0")...); !strings.Contains(out, "one") {
		t.Errorf("update list printed %q", out)
	}

	addrFile := filepath.Join(tmp, "addr")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code = run(ctx, args("serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile, "--redirect-blobs", "1m"),
			strings.NewReader(""), io.Discard, &lockedWriter{w: &stderr})
	}()
	url := "http://" + waitAddr(t, addrFile, done)

	body, _ := json.Marshal(api.TokenRequest{Username: "alice", Password: "pw", Product: "acme-1.0", Channel: "full"})
	resp, err := http.Post(url+"/v1/token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tr api.TokenResponse
	json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	h := sha256.Sum256([]byte("jar a v2"))
	sum := hex.EncodeToString(h[:])
	req, _ := http.NewRequest("GET", url+"/v1/blobs/"+sum, nil)
	req.Header.Set("Authorization", "Bearer "+tr.Token)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(loc, sum) || !strings.Contains(loc, "X-Amz-Signature=") {
		t.Fatalf("download with --redirect-blobs: %d, Location %q; want 302 to a pre-signed URL", resp.StatusCode, loc)
	}
	resp, err = http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "jar a v2" {
		t.Errorf("the pre-signed URL: %d %q", resp.StatusCode, b)
	}
	for _, path := range []string{"/readyz", "/metrics"} {
		resp, err := http.Get(url + path)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if code != 0 {
		t.Errorf("serve exited %d:\n%s", code, stderr.String())
	}
	if logs := stderr.String(); !strings.Contains(logs, "serving postgres://") || strings.Contains(logs, "secret") {
		t.Errorf("serve stderr:\n%s", logs)
	}
}

// TestMaintain: serve's scheduled work deletes expired tokens, and skips
// work that another process sharing the store is doing.
func TestMaintain(t *testing.T) {
	data := t.TempDir()
	ok(t, "", "init", "--data", data)
	base := writeFiles(t, filepath.Join(t.TempDir(), "base"), map[string]string{"a.txt": "a"})
	ok(t, "", "product", "add", "--data", data, "--name", "p", "--version", "1", base)
	ok(t, "pw\n", "user", "add", "--data", data, "--username", "u", "--password-stdin", "--product", "p-1", "--channel", "full")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(data, dbFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	past := time.Now().Add(-time.Hour)
	tok := store.Token{Hash: strings.Repeat("a", 64), Username: "u", Product: "p-1", Channel: "full", Created: past.Add(-time.Hour), Expires: past}
	if err := st.AddToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	// Two reports of one installation older than the retention: the
	// first is pruned, the newest stays.
	for _, days := range []int{3, 2} {
		err := st.AddReport(ctx, store.Report{Installation: "inst-1", Product: "p-1", Channel: "full", Username: "u",
			Result: store.ResultCurrent, Time: time.Now().Add(-time.Duration(days) * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	history := func() int {
		rs, err := st.Reports(ctx, "p-1", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	var logs bytes.Buffer
	log, _ := newLogger(&lockedWriter{w: &logs}, "text", "info")
	r := &repo.Repo{Store: st}

	// While "another replica" holds the cleanup, the token stays.
	held := make(chan struct{})
	release := make(chan struct{})
	go st.Exclusive(ctx, "cleanup", func(context.Context) error { close(held); <-release; return nil })
	<-held
	mctx, stop := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { maintain(mctx, st, r, data, 20*time.Millisecond, 24*time.Hour, log); close(finished) }()
	time.Sleep(200 * time.Millisecond)
	if _, err := st.Token(ctx, tok.Hash); err != nil {
		t.Fatalf("the token went while another process held the cleanup: %v", err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := st.Token(ctx, tok.Hash); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("maintain did not delete the expired token")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for history() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("maintain left %d reports in the history, want 1 (the installation's newest)", history())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if is, err := st.Installations(ctx, "p-1"); err != nil || len(is) != 1 {
		t.Errorf("after pruning, Installations = %+v, %v; want inst-1", is, err)
	}
	stop()
	<-finished
}
