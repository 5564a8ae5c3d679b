package server

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/publish"
	"inplace/internal/repo"
)

// TestHotfixVisibility: a hotfix's signed descriptor and its files are
// served to the accounts it names, for its product, and to nobody else
// (404, as anything not theirs); /v1/hotfixes lists an account's own.
func TestHotfixVisibility(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pub := &publish.Publisher{Store: f.store, Blobs: f.blobs, Now: f.clock.Now, PasswordCost: bcrypt.MinCost}
	if err := pub.AddUser(ctx, "dave", "dave-pw", "wso2am-4.2.0", api.ChannelFull); err != nil {
		t.Fatal(err)
	}
	if err := pub.AddUser(ctx, "carol2", "carol2-pw", "other-1.0", api.ChannelFull); err != nil {
		t.Fatal(err)
	}
	h, err := pub.PublishHotfix(ctx, publish.HotfixOptions{Product: "wso2am-4.2.0", ID: "HF-1", Users: []string{"alice", "bob"},
		Source: writeFiles(t, map[string]string{"update.yaml": "description: hot fix of a\n", "files/a.txt": "a, hot"})})
	if err != nil {
		t.Fatal(err)
	}
	// Sign, so that the descriptor is a target.
	dir := t.TempDir()
	var keys [4]*repo.Key
	for i, name := range []string{"root", "targets", "snapshot", "timestamp"} {
		if keys[i], err = repo.GenerateKey(filepath.Join(dir, name+".key")); err != nil {
			t.Fatal(err)
		}
	}
	r := &repo.Repo{Store: f.store, Now: f.clock.Now}
	if err := r.Init(ctx, []*repo.Key{keys[0]}, 1, keys[1], keys[2], keys[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Sign(ctx, publish.Keys{Targets: keys[1], Snapshot: keys[2], Timestamp: keys[3]}); err != nil {
		t.Fatal(err)
	}
	target := "/v1/targets/" + api.HotfixTarget("wso2am-4.2.0", "HF-1")
	blobPath := "/v1/blobs/" + sum("a, hot")

	alice := f.login("alice", "wso2am-4.2.0", api.ChannelFull)
	bob := f.login("bob", "wso2am-4.2.0", api.ChannelSecurity) // the channel does not matter
	dave := f.login("dave", "wso2am-4.2.0", api.ChannelFull)   // same product, not named
	carol := f.login("carol2", "other-1.0", api.ChannelFull)   // another product

	for _, tok := range []string{alice, bob} {
		status, b, _ := f.do("GET", target, tok, nil)
		if status != http.StatusOK {
			t.Fatalf("named account: GET target: %d %s", status, b)
		}
		var got api.Hotfix
		if err := json.Unmarshal(b, &got); err != nil || got.ID != "HF-1" || len(got.Files) != 1 {
			t.Errorf("descriptor = %+v, %v", got, err)
		}
		if len(got.Files) == 1 && got.Files[0].SHA256 != h.Files[0].SHA256 {
			t.Errorf("descriptor files = %+v", got.Files)
		}
		if status, b, _ := f.do("GET", blobPath, tok, nil); status != http.StatusOK || string(b) != "a, hot" {
			t.Errorf("named account: GET blob: %d %q", status, b)
		}
		if status, b, _ := f.do("GET", blobPath+"/packed", tok, nil); status != http.StatusOK {
			t.Errorf("named account: GET packed blob: %d %q", status, b)
		}
	}
	for name, tok := range map[string]string{"dave": dave, "carol2": carol} {
		for _, p := range []string{target, blobPath, blobPath + "/packed", "/v1/targets/" + api.HotfixTarget("wso2am-4.2.0", "HF-9")} {
			if status, b, _ := f.do("GET", p, tok, nil); status != http.StatusNotFound {
				t.Errorf("%s: GET %s: %d %s, want 404", name, p, status, b)
			}
		}
	}

	list := func(tok string) api.HotfixList {
		t.Helper()
		status, b, _ := f.do("GET", "/v1/hotfixes", tok, nil)
		if status != http.StatusOK {
			t.Fatalf("GET /v1/hotfixes: %d %s", status, b)
		}
		var l api.HotfixList
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := list(alice); len(l.Hotfixes) != 1 || l.Hotfixes[0].ID != "HF-1" || l.Hotfixes[0].Description != "hot fix of a" {
		t.Errorf("alice's hotfixes = %+v", l)
	}
	if l := list(dave); l.Hotfixes == nil || len(l.Hotfixes) != 0 {
		t.Errorf("dave's hotfixes = %+v, want an empty list", l)
	}
	if l := list(carol); len(l.Hotfixes) != 0 {
		t.Errorf("carol2's hotfixes = %+v, want an empty list", l)
	}
	if status, _, _ := f.do("GET", "/v1/hotfixes", "", nil); status != http.StatusUnauthorized {
		t.Errorf("GET /v1/hotfixes without a token: %d, want 401", status)
	}
}
