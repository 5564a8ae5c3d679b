package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"inplace/internal/api"
)

// TestUserAddAdmin: --admin adds a vendor's account that needs no
// subscription; without --admin, --product and --channel are still
// required.
func TestUserAddAdmin(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	d := "--data=" + data
	ok(t, "", "init", d)
	base := writeZip(t, filepath.Join(tmp, "p-1.zip"), "", map[string]string{"a.txt": "a"})
	ok(t, "", "product", "add", d, "--name", "p", "--version", "1", base)

	if out := ok(t, "root-pw\n", "user", "add", d, "--admin", "--username", "root", "--password-stdin"); out != "added admin user root, with no subscription\n" {
		t.Errorf("user add --admin printed %q", out)
	}
	if out := ok(t, "ops-pw\n", "user", "add", d, "--admin", "--username", "ops", "--password-stdin", "--product", "p-1", "--channel", "full"); out != "added admin user ops: product p-1, channel full\n" {
		t.Errorf("user add --admin with a subscription printed %q", out)
	}
	if out := ok(t, "alice-pw\n", "user", "add", d, "--username", "alice", "--password-stdin", "--product", "p-1", "--channel", "security"); out != "added user alice: product p-1, channel security\n" {
		t.Errorf("user add printed %q", out)
	}
	fails(t, "--product and --channel are required together (or --admin", "pw\n", "user", "add", d, "--username", "bob", "--password-stdin")
	fails(t, "--product and --channel are required together", "pw\n", "user", "add", d, "--username", "bob", "--password-stdin", "--product", "p-1")
	fails(t, "--product and --channel are required together", "pw\n", "user", "add", d, "--admin", "--username", "bob", "--password-stdin", "--channel", "full")
	fails(t, "user root already exists", "pw\n", "user", "add", d, "--admin", "--username", "root", "--password-stdin")
	fails(t, "password is empty", "\n", "user", "add", d, "--admin", "--username", "bob", "--password-stdin")
	fails(t, "--password-stdin is required", "pw\n", "user", "add", d, "--admin", "--username", "bob")
	fails(t, `required flag(s) "username" not set`, "pw\n", "user", "add", d, "--admin", "--password-stdin")

	st, err := openData(context.Background(), &globalOptions{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for name, want := range map[string]string{"root": "true []", "ops": "true [{p-1 full}]", "alice": "false [{p-1 security}]"} {
		u, err := st.store.User(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(u.Admin, u.Subscriptions); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if _, err := st.store.User(context.Background(), "bob"); err == nil {
		t.Error("a refused user was stored")
	}
	out := ok(t, "", "audit", "list", d, "--action", "user.add")
	if !regexp.MustCompile(`(?m)user\.add +ok +\S+ +\S+ +- +- +admin user root$`).MatchString(out) ||
		!strings.Contains(out, "admin user ops, channel full") || !strings.Contains(out, "user alice, channel security") {
		t.Errorf("audit list:\n%s", out)
	}
}

// TestInstallationsList: what installations report through the API is
// listed, one installation a line with its newest report.
func TestInstallationsList(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	d := "--data=" + data
	ok(t, "", "init", d)
	base := writeZip(t, filepath.Join(tmp, "p-1.zip"), "", map[string]string{"a.txt": "a"})
	ok(t, "", "product", "add", d, "--name", "p", "--version", "1", base)
	ok(t, "", "product", "add", d, "--name", "q", "--version", "2", base)
	ok(t, "alice-pw\n", "user", "add", d, "--username", "alice", "--password-stdin", "--product", "p-1", "--channel", "full")
	ok(t, "bob-pw\n", "user", "add", d, "--username", "bob", "--password-stdin", "--product", "p-1", "--channel", "security")

	if out := ok(t, "", "installations", "list", d, "--product", "p-1"); out != "INSTALLATION  ACCOUNT  CHANNEL  LEVEL  RESULT  TIME\n" {
		t.Errorf("no reports yet: %q", out)
	}
	fails(t, "product nope-1 is not known", "", "installations", "list", d, "--product", "nope-1")
	fails(t, `required flag(s) "product" not set`, "", "installations", "list", d)

	url := serveInProcess(t, data)
	report := func(user, channel string, r api.Report) {
		t.Helper()
		body, _ := json.Marshal(api.TokenRequest{Username: user, Password: user + "-pw", Product: "p-1", Channel: channel})
		resp, err := http.Post(url+"/v1/token", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var tr api.TokenResponse
		json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		body, _ = json.Marshal(r)
		req, _ := http.NewRequest("POST", url+"/v1/reports", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tr.Token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("report: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	report("alice", "full", api.Report{Installation: "bbbbbbbbbbbbbbbb", Level: 0, Result: api.ReportFailed})
	report("alice", "full", api.Report{Installation: "bbbbbbbbbbbbbbbb", Level: 1700000100000, Result: api.ReportUpdated})
	report("bob", "security", api.Report{Installation: "aaaaaaaaaaaaaaaa-1", Level: 0, Result: api.ReportCurrent})

	out := ok(t, "", "installations", "list", d, "--product", "p-1")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		`^INSTALLATION +ACCOUNT +CHANNEL +LEVEL +RESULT +TIME$`,
		`^aaaaaaaaaaaaaaaa-1 +bob +security +0 +current +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`,
		`^bbbbbbbbbbbbbbbb +alice +full +1700000100000 +updated +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`,
	}
	if len(lines) != len(want) {
		t.Fatalf("installations list printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %s", i, lines[i], re)
		}
	}
	if out := ok(t, "", "installations", "list", d, "--product", "q-2"); strings.Count(out, "\n") != 1 {
		t.Errorf("another product's installations:\n%s", out)
	}
}
