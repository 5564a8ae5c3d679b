package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

func addUser(t *testing.T, s store.Store, name, product string) {
	t.Helper()
	if err := s.AddUser(ctx, store.User{Username: name, PasswordHash: "x", Created: at,
		Subscriptions: []store.Subscription{{Product: product, Channel: api.ChannelFull}}}); err != nil {
		t.Fatal(err)
	}
}

func testHotfixes(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"), file("b", "b"))
	mustAddProduct(t, s, "q-1", file("a", "a"))
	addUser(t, s, "alice", "p-1")
	addUser(t, s, "bob", "p-1")
	addUser(t, s, "carol", "p-1")

	if got, err := s.Hotfixes(ctx, "p-1"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Hotfixes of a product without any = %v, %v; want an empty list", got, err)
	}
	if _, err := s.Hotfixes(ctx, "nope-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Hotfixes(unknown product): err = %v, want ErrNotFound", err)
	}

	h1 := store.Hotfix{Hotfix: api.Hotfix{
		Product: "p-1", ID: "HF-1", Description: "fix a", Instructions: "restart",
		BugFixes: []api.BugFix{{ID: "Z-9", Summary: "z"}, {ID: "A-1", Summary: "a"}},
		Files: []api.Change{
			{Entry: api.Entry{Path: "b"}, Remove: true},
			{Entry: file("a", "hot a")},
		},
		Published: at,
	}, Users: []string{"carol", "alice"}}
	if err := s.AddHotfix(ctx, h1); err != nil {
		t.Fatalf("AddHotfix: %v", err)
	}
	h2 := store.Hotfix{Hotfix: api.Hotfix{Product: "p-1", ID: "HF-2", Description: "fix c",
		Files: []api.Change{{Entry: file("c", "hot c")}}, Published: at.Add(time.Second)}, Users: []string{"bob"}}
	if err := s.AddHotfix(ctx, h2); err != nil {
		t.Fatalf("AddHotfix: %v", err)
	}

	got, err := s.Hotfixes(ctx, "p-1")
	if err != nil {
		t.Fatal(err)
	}
	w1 := h1
	w1.Files = []api.Change{h1.Files[1], h1.Files[0]} // sorted by path
	w1.Users = []string{"alice", "carol"}             // sorted
	want := []store.Hotfix{w1, h2}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Hotfixes = %+v\nwant %+v", got, want)
	}
	if got, err := s.Hotfixes(ctx, "q-1"); err != nil || len(got) != 0 {
		t.Fatalf("Hotfixes of another product = %v, %v", got, err)
	}

	// The same id again, even for other users, is refused; another
	// product may use it.
	dup := h2
	dup.ID, dup.Users = "HF-1", []string{"bob"}
	if err := s.AddHotfix(ctx, dup); !errors.Is(err, store.ErrExists) {
		t.Errorf("AddHotfix(same id): err = %v, want ErrExists", err)
	}
	other := dup
	other.Product, other.Users = "q-1", nil
	if err := s.AddHotfix(ctx, other); err != nil {
		t.Errorf("AddHotfix(same id, other product): %v", err)
	}
	// Unknown product or user: nothing is stored.
	bad := h2
	bad.ID, bad.Users = "HF-3", []string{"alice", "mallory"}
	if err := s.AddHotfix(ctx, bad); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddHotfix(unknown user): err = %v, want ErrNotFound", err)
	}
	bad.Product, bad.Users = "nope-1", []string{"alice"}
	if err := s.AddHotfix(ctx, bad); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddHotfix(unknown product): err = %v, want ErrNotFound", err)
	}
	if got, err := s.Hotfixes(ctx, "p-1"); err != nil || len(got) != 2 {
		t.Errorf("after refused AddHotfix: Hotfixes = %d, %v; want the 2 stored", len(got), err)
	}

	// Only the named users of the product see the hotfix's content.
	tests := []struct {
		sum, product, user string
		want               bool
	}{
		{hash("hot a"), "p-1", "alice", true},
		{hash("hot a"), "p-1", "carol", true},
		{hash("hot a"), "p-1", "bob", false},
		{hash("hot a"), "q-1", "alice", false},
		{hash("hot c"), "p-1", "bob", true},
		{hash("hot c"), "p-1", "alice", false},
		{hash("a"), "p-1", "alice", false}, // base content is BlobVisible's business
		{"", "p-1", "alice", false},
		{hash("hot a"), "p-1", "", false},
	}
	for _, tt := range tests {
		got, err := s.HotfixBlobVisible(ctx, tt.sum, tt.product, tt.user)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("HotfixBlobVisible(%.12s…, %s, %s) = %v, want %v", tt.sum, tt.product, tt.user, got, tt.want)
		}
	}
	// A hotfix is no update: its content is not visible by channel.
	if ok, err := s.BlobVisible(ctx, hash("hot a"), "p-1", api.ChannelFull); err != nil || ok {
		t.Errorf("BlobVisible(hotfix content) = %v, %v; want false", ok, err)
	}

	// An update keeps the hotfixes it names, in order.
	mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: 10, Files: []api.Change{{Entry: file("a", "u a")}},
		Hotfixes: []string{"HF-2", "HF-1"}})
	mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: 20, Files: []api.Change{{Entry: file("a", "u2 a")}}})
	us, err := s.Updates(ctx, "p-1", store.UpdateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || !reflect.DeepEqual(us[0].Hotfixes, []string{"HF-2", "HF-1"}) || us[1].Hotfixes != nil {
		t.Errorf("Updates: hotfixes = %q and %q, want [HF-2 HF-1] and nil", us[0].Hotfixes, us[1].Hotfixes)
	}
}
