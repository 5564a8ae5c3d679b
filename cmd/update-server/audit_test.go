package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"inplace/internal/api"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// serveInProcess runs serve on a loopback port until the test ends and
// returns its base URL.
func serveInProcess(t *testing.T, data string, args ...string) string {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx, append([]string{"serve", "--data=" + data, "--addr", "127.0.0.1:0", "--addr-file", addrFile}, args...),
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + waitAddr(t, addrFile, done)
}

// TestAudit: admin commands, logins and downloads land in the audit log,
// which audit list prints newest last, filtered, as text or JSON; an admin
// command whose action the log cannot record fails.
func TestAudit(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	d := "--data=" + data
	ok(t, "", "init", d)
	base := writeZip(t, filepath.Join(tmp, "p-1.zip"), "", map[string]string{"a.txt": "content of a"})
	ok(t, "", "product", "add", d, "--name", "p", "--version", "1", base)
	ok(t, "alice-pw\n", "user", "add", d, "--username", "alice", "--password-stdin", "--product", "p-1", "--channel", "full")
	tool := writeFiles(t, filepath.Join(tmp, "tool"), map[string]string{"update_linux": "tool binary"})
	ok(t, "", "tool", "publish", d, "--version", "1.0.0", "--os", "linux", "--arch", "amd64", filepath.Join(tool, "update_linux"))
	upd := writeFiles(t, filepath.Join(tmp, "update-1"), map[string]string{"update.yaml": "description: one\n", "files/b.txt": "b"})
	ok(t, "", "update", "publish", d, "--product", "p-1", "--timestamp", "1000", upd)

	url := serveInProcess(t, data)
	login := func(password string) api.TokenResponse {
		body, _ := json.Marshal(api.TokenRequest{Username: "alice", Password: password, Product: "p-1", Channel: "full"})
		resp, err := http.Post(url+"/v1/token", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr api.TokenResponse
		json.NewDecoder(resp.Body).Decode(&tr)
		return tr
	}
	login("wrong-pw")
	tr := login("alice-pw")
	req, _ := http.NewRequest("GET", url+"/v1/blobs/"+sum("content of a"), nil)
	req.Header.Set("Authorization", "Bearer "+tr.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download: %v %v", resp, err)
	}
	resp.Body.Close()

	out := ok(t, "", "audit", "list", d)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		`^TIME +ACTION +RESULT +USER +ADDRESS +PRODUCT +BYTES +DETAIL$`,
		`^\S+Z +product\.add +ok +\S+ +\S+ +p-1 +- +1 file\(s\) from .*p-1\.zip$`,
		`^\S+Z +user\.add +ok +\S+ +\S+ +p-1 +- +user alice, channel full$`,
		`^\S+Z +tool\.publish +ok +\S+ +\S+ +- +- +version 1\.0\.0 for linux/amd64, sha256 ` + sum("tool binary") + `$`,
		`^\S+Z +update\.publish +ok +\S+ +\S+ +p-1 +- +update 1, timestamp 1000, channel full, 1 change\(s\) from .*update-1$`,
		`^\S+Z +login +failed +alice +127\.0\.0\.1 +p-1 +- +invalid username or password$`,
		`^\S+Z +login +ok +alice +127\.0\.0\.1 +p-1 +- +channel full$`,
		`^\S+Z +download +ok +alice +127\.0\.0\.1 +p-1 +12 +` + sum("content of a") + `$`,
	}
	if len(lines) != len(want) {
		t.Fatalf("audit list printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("audit list line %d = %q, want %s", i, lines[i], re)
		}
	}
	for _, secret := range []string{"alice-pw", "wrong-pw", tr.Token, tr.RefreshToken} {
		if strings.Contains(out, secret) {
			t.Errorf("the audit log holds a secret:\n%s", out)
		}
	}

	var events []struct {
		ID       int64     `json:"id"`
		Time     time.Time `json:"time"`
		Action   string    `json:"action"`
		OK       bool      `json:"ok"`
		Username string    `json:"username"`
		Address  string    `json:"address"`
		Bytes    int64     `json:"bytes"`
	}
	if err := json.Unmarshal([]byte(ok(t, "", "audit", "list", d, "--user", "alice", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[0].Action != "login" || events[0].OK || !events[1].OK ||
		events[2].Action != "download" || events[2].Bytes != 12 || events[2].Address != "127.0.0.1" ||
		events[2].ID <= events[1].ID || time.Since(events[2].Time) > time.Hour {
		t.Errorf("audit list --user alice --json: %+v", events)
	}
	for _, tc := range []struct {
		args []string
		n    int // events printed
	}{
		{[]string{"--action", "login"}, 2},
		{[]string{"--action", "login", "--limit", "1"}, 1},
		{[]string{"--since", "1h"}, 7},
		{[]string{"--since", "2999-01-01"}, 0},
		{[]string{"--since", "2000-01-01T00:00:00Z", "--user", "nobody"}, 0},
	} {
		out := ok(t, "", append([]string{"audit", "list", d}, tc.args...)...)
		if n := strings.Count(out, "\n") - 1; n != tc.n {
			t.Errorf("audit list %v printed %d events, want %d:\n%s", tc.args, n, tc.n, out)
		}
	}
	fails(t, `--since "yesterday": give a duration back from now`, "", "audit", "list", d, "--since", "yesterday")
	fails(t, `--action "logout": the audit log records login, refresh, web.login, download`, "", "audit", "list", d, "--action", "logout")

	// The log cannot be written: the admin command fails and says so.
	db, err := sql.Open("sqlite", filepath.Join(data, dbFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DROP TABLE audit"); err != nil {
		t.Fatal(err)
	}
	fails(t, "user.add is done (user bob, channel full), but the audit log could not record it", "bob-pw\n",
		"user", "add", d, "--username", "bob", "--password-stdin", "--product", "p-1", "--channel", "full")
}

// TestAuditWebLogin: the web catalog's logins, refused and accepted, land
// in the audit log with the client's address, and the password does not.
func TestAuditWebLogin(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	d := "--data=" + data
	ok(t, "", "init", d)
	ok(t, "ops-pw\n", "user", "add", d, "--admin", "--username", "ops", "--password-stdin")
	url := serveInProcess(t, data)
	for _, pw := range []string{"wrong-pw", "ops-pw"} {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.PostForm(url+"/login", map[string][]string{"username": {"ops"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[string]int{"wrong-pw": 401, "ops-pw": 303}[pw]; resp.StatusCode != want {
			t.Fatalf("POST /login with %s: %s, want %d", pw, resp.Status, want)
		}
	}
	out := ok(t, "", "audit", "list", d, "--action", "web.login")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		`^TIME +ACTION +RESULT +USER +ADDRESS +PRODUCT +BYTES +DETAIL$`,
		`^\S+Z +web\.login +failed +ops +127\.0\.0\.1 +- +- +invalid username or password$`,
		`^\S+Z +web\.login +ok +ops +127\.0\.0\.1 +- +- +admin$`,
	}
	if len(lines) != len(want) {
		t.Fatalf("audit list printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("audit list line %d = %q, want %s", i, lines[i], re)
		}
	}
	if strings.Contains(out, "ops-pw") || strings.Contains(out, "wrong-pw") {
		t.Errorf("the audit log holds a password:\n%s", out)
	}
}
