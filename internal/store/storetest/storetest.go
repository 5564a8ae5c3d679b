// Package storetest is the conformance suite every store.Store must pass. An
// implementation's tests call Run with a function returning a new, empty
// store. The suite uses only the store.Store interface.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

// Run runs the suite. newStore must return a new, empty store for each call;
// Run closes it.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Products", testProducts},
		{"ProductDuplicate", testProductDuplicate},
		{"ProductNotFound", testProductNotFound},
		{"Updates", testUpdates},
		{"UpdateNumbersAndTimestamps", testUpdateOrder},
		{"UpdateFilter", testUpdateFilter},
		{"UpdateOfUnknownProduct", testUpdateUnknownProduct},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"RefreshTokens", testRefreshTokens},
		{"RefreshRotation", testRefreshRotation},
		{"ConcurrentRotation", testConcurrentRotation},
		{"RevokeTokenFamily", testRevokeTokenFamily},
		{"Audit", testAudit},
		{"ToolReleases", testToolReleases},
		{"BlobVisible", testBlobVisible},
		{"Hotfixes", testHotfixes},
		{"Metadata", testMetadata},
		{"ConcurrentMetadata", testConcurrentMetadata},
		{"Packed", testPacked},
		{"AdminUsers", testAdminUsers},
		{"Sessions", testSessions},
		{"Reports", testReports},
		{"Exclusive", testExclusive},
		{"Ping", func(t *testing.T, s store.Store) {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

// hash returns a fake but well-formed content hash named after s.
func hash(s string) string {
	h := fmt.Sprintf("%x", s)
	return (h + strings.Repeat("0", 64))[:64]
}

func file(p, content string) api.Entry {
	return api.Entry{Path: p, Kind: api.KindFile, Mode: 0o644, SHA256: hash(content), Size: int64(len(content))}
}

// at is a fixed instant with millisecond precision, as stores keep times.
var at = time.Date(2024, 5, 1, 12, 0, 0, 123_000_000, time.UTC)

func product(key string) store.Product {
	name, version, _ := strings.Cut(key, "-")
	return store.Product{Key: key, Name: name, Version: version, Created: at}
}

func mustAddProduct(t *testing.T, s store.Store, key string, base ...api.Entry) {
	t.Helper()
	if err := s.AddProduct(ctx, product(key), base); err != nil {
		t.Fatalf("AddProduct(%s): %v", key, err)
	}
}

func mustAddUpdate(t *testing.T, s store.Store, u api.Update) int {
	t.Helper()
	if u.Published.IsZero() {
		u.Published = at
	}
	n, err := s.AddUpdate(ctx, u)
	if err != nil {
		t.Fatalf("AddUpdate(%s @%d): %v", u.Product, u.Timestamp, err)
	}
	return n
}

func testProducts(t *testing.T, s store.Store) {
	if ps, err := s.Products(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("Products of an empty store = %v, %v", ps, err)
	}
	base := []api.Entry{
		file("lib/b.jar", "b"),
		file("bin/run.sh", "#!/bin/sh"),
		{Path: "lib/link.jar", Kind: api.KindSymlink, Target: "b.jar"},
	}
	base[1].Mode = 0o755
	mustAddProduct(t, s, "wso2am-4.2.0", base...)
	mustAddProduct(t, s, "wso2am-4.1.0", file("a", "a"))
	mustAddUpdate(t, s, api.Update{Product: "wso2am-4.2.0", Timestamp: 1000, Files: []api.Change{{Entry: file("a", "x")}}})

	ps, err := s.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Key != "wso2am-4.1.0" || ps[1].Key != "wso2am-4.2.0" {
		t.Fatalf("Products = %+v, want 4.1.0 then 4.2.0", ps)
	}
	p, err := s.Product(ctx, "wso2am-4.2.0")
	if err != nil {
		t.Fatal(err)
	}
	want := store.Product{Key: "wso2am-4.2.0", Name: "wso2am", Version: "4.2.0", Created: at, Files: 3, Updates: 1, Level: 1000}
	if !p.Created.Equal(at) || p.Created.Location() != time.UTC {
		t.Errorf("Created = %v, want %v in UTC", p.Created, at)
	}
	p.Created = at
	if p != want {
		t.Errorf("Product = %+v, want %+v", p, want)
	}
	if ps[1] != p {
		t.Errorf("Products[1] = %+v, Product = %+v", ps[1], p)
	}

	got, err := s.Base(ctx, "wso2am-4.2.0")
	if err != nil {
		t.Fatal(err)
	}
	sorted := append([]api.Entry(nil), base...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	if !reflect.DeepEqual(got, sorted) {
		t.Errorf("Base = %+v\nwant %+v", got, sorted)
	}
	if got, err := s.Base(ctx, "wso2am-4.1.0"); err != nil || len(got) != 1 {
		t.Errorf("Base of the other product = %+v, %v", got, err)
	}
}

func testProductDuplicate(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"))
	err := s.AddProduct(ctx, product("p-1"), []api.Entry{file("b", "b")})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("AddProduct of a duplicate: err = %v, want ErrExists", err)
	}
	base, err := s.Base(ctx, "p-1")
	if err != nil || len(base) != 1 || base[0].Path != "a" {
		t.Fatalf("the duplicate changed the base: %+v, %v", base, err)
	}
	// All or nothing: duplicate paths fail the whole product.
	err = s.AddProduct(ctx, product("p-2"), []api.Entry{file("a", "a"), file("a", "b")})
	if err == nil {
		t.Fatal("AddProduct with duplicate paths succeeded")
	}
	if _, err := s.Product(ctx, "p-2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed AddProduct left the product: %v", err)
	}
}

func testProductNotFound(t *testing.T, s store.Store) {
	if _, err := s.Product(ctx, "nope-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Product: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Base(ctx, "nope-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Base: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Updates(ctx, "nope-1", store.UpdateFilter{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Updates: err = %v, want ErrNotFound", err)
	}
}

func testUpdates(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"), file("b", "b"))
	u := api.Update{
		Product:      "p-1",
		Timestamp:    1700000000000,
		Security:     true,
		Description:  "Fixes the login page",
		Instructions: "Restart the server.",
		BugFixes:     []api.BugFix{{ID: "Z-2", Summary: "second written first"}, {ID: "A-1", Summary: "first"}},
		Files: []api.Change{
			{Entry: api.Entry{Path: "b"}, Remove: true},
			{Entry: file("a", "new a")},
			{Entry: api.Entry{Path: "c", Kind: api.KindSymlink, Target: "a"}},
		},
		Published: at,
	}
	n := mustAddUpdate(t, s, u)
	if n != 1 {
		t.Fatalf("first update number = %d", n)
	}
	got, err := s.Updates(ctx, "p-1", store.UpdateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.Number = 1
	want.Files = []api.Change{u.Files[1], u.Files[0], u.Files[2]} // sorted by path
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("Updates = %+v\nwant %+v", got, want)
	}

	// An update without bug fixes has nil BugFixes and non-nil Files.
	mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: 1700000000001, Files: []api.Change{{Entry: file("d", "d")}}})
	got, err = s.Updates(ctx, "p-1", store.UpdateFilter{After: 1700000000000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Number != 2 || got[0].BugFixes != nil || len(got[0].Files) != 1 {
		t.Fatalf("second update = %+v", got)
	}
	if got, err := s.Updates(ctx, "p-1", store.UpdateFilter{After: 1800000000000}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no updates: got %#v, %v; want an empty non-nil list", got, err)
	}
}

func testUpdateOrder(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"))
	mustAddProduct(t, s, "q-1", file("a", "a"))
	for i, ts := range []int64{100, 200, 300} {
		if n := mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: ts}); n != i+1 {
			t.Fatalf("update @%d number = %d, want %d", ts, n, i+1)
		}
	}
	// Numbers and timestamps are per product.
	if n := mustAddUpdate(t, s, api.Update{Product: "q-1", Timestamp: 50}); n != 1 {
		t.Fatalf("first update of another product number = %d", n)
	}
	for _, ts := range []int64{300, 299, 1, 0, -5} {
		_, err := s.AddUpdate(ctx, api.Update{Product: "p-1", Timestamp: ts, Published: at})
		if !errors.Is(err, store.ErrOutOfOrder) {
			t.Errorf("AddUpdate @%d: err = %v, want ErrOutOfOrder", ts, err)
		}
	}
	if _, err := s.AddUpdate(ctx, api.Update{Product: "q-1", Timestamp: 0, Published: at}); !errors.Is(err, store.ErrOutOfOrder) {
		t.Errorf("AddUpdate @0: err = %v, want ErrOutOfOrder", err)
	}
	// All or nothing: duplicate paths fail the whole update.
	_, err := s.AddUpdate(ctx, api.Update{Product: "p-1", Timestamp: 400, Published: at,
		Files: []api.Change{{Entry: file("x", "1")}, {Entry: file("x", "2")}}})
	if err == nil {
		t.Fatal("AddUpdate with duplicate paths succeeded")
	}
	us, err := s.Updates(ctx, "p-1", store.UpdateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 3 {
		t.Fatalf("failed AddUpdates left updates: %+v", us)
	}
	if n := mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: 400}); n != 4 {
		t.Fatalf("number after failures = %d, want 4", n)
	}
}

func testUpdateFilter(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"))
	mustAddProduct(t, s, "q-1", file("a", "a"))
	for i := int64(1); i <= 6; i++ {
		mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: i * 10, Security: i%2 == 0,
			Files: []api.Change{{Entry: file(fmt.Sprintf("f%d", i), "x")}}})
	}
	mustAddUpdate(t, s, api.Update{Product: "q-1", Timestamp: 35, Security: true})
	tests := []struct {
		f    store.UpdateFilter
		want []int64
	}{
		{store.UpdateFilter{}, []int64{10, 20, 30, 40, 50, 60}},
		{store.UpdateFilter{After: 20}, []int64{30, 40, 50, 60}},
		{store.UpdateFilter{After: 20, Upto: 50}, []int64{30, 40, 50}},
		{store.UpdateFilter{Upto: 9}, nil},
		{store.UpdateFilter{SecurityOnly: true}, []int64{20, 40, 60}},
		{store.UpdateFilter{After: 20, Upto: 59, SecurityOnly: true}, []int64{40}},
	}
	for _, tt := range tests {
		us, err := s.Updates(ctx, "p-1", tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, u := range us {
			got = append(got, u.Timestamp)
			if u.Product != "p-1" || len(u.Files) != 1 || u.Files[0].Path != fmt.Sprintf("f%d", u.Timestamp/10) {
				t.Errorf("filter %+v: update %+v has wrong product or files", tt.f, u)
			}
			if tt.f.SecurityOnly && !u.Security {
				t.Errorf("filter %+v returned a non-security update", tt.f)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("filter %+v: timestamps %v, want %v", tt.f, got, tt.want)
		}
	}
}

func testUpdateUnknownProduct(t *testing.T, s store.Store) {
	_, err := s.AddUpdate(ctx, api.Update{Product: "nope-1", Timestamp: 10, Published: at})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AddUpdate to an unknown product: err = %v, want ErrNotFound", err)
	}
}

func testConcurrentUpdates(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"))
	const n = 20
	var wg sync.WaitGroup
	numbers := make(chan int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Distinct timestamps; some arrive out of order and fail.
			num, err := s.AddUpdate(ctx, api.Update{Product: "p-1", Timestamp: int64(1000 + i), Published: at})
			if err == nil {
				numbers <- num
			} else if !errors.Is(err, store.ErrOutOfOrder) {
				t.Errorf("concurrent AddUpdate: %v", err)
			}
		}()
	}
	wg.Wait()
	close(numbers)
	seen := map[int]bool{}
	for num := range numbers {
		if seen[num] {
			t.Errorf("number %d given twice", num)
		}
		seen[num] = true
	}
	us, err := s.Updates(ctx, "p-1", store.UpdateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != len(seen) || len(us) == 0 {
		t.Fatalf("%d updates stored, %d numbers returned", len(us), len(seen))
	}
	for i, u := range us {
		if u.Number != i+1 {
			t.Errorf("update %d in timestamp order has number %d", i+1, u.Number)
		}
		if i > 0 && u.Timestamp <= us[i-1].Timestamp {
			t.Errorf("timestamps not increasing: %d then %d", us[i-1].Timestamp, u.Timestamp)
		}
	}
}

func testUsers(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"))
	mustAddProduct(t, s, "q-1", file("a", "a"))
	u := store.User{
		Username:     "alice",
		PasswordHash: "$2a$04$hash",
		Created:      at,
		Subscriptions: []store.Subscription{
			{Product: "q-1", Channel: api.ChannelSecurity},
			{Product: "p-1", Channel: api.ChannelFull},
		},
	}
	if err := s.AddUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.Subscriptions = []store.Subscription{u.Subscriptions[1], u.Subscriptions[0]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("User = %+v, want %+v", got, want)
	}
	if err := s.AddUser(ctx, store.User{Username: "alice", PasswordHash: "x", Created: at}); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate AddUser: err = %v, want ErrExists", err)
	}
	if _, err := s.User(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User(unknown): err = %v, want ErrNotFound", err)
	}
	// All or nothing: a subscription to an unknown product stores no user.
	err = s.AddUser(ctx, store.User{Username: "carol", PasswordHash: "x", Created: at,
		Subscriptions: []store.Subscription{{Product: "nope-1", Channel: api.ChannelFull}}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddUser with an unknown product: err = %v, want ErrNotFound", err)
	}
	if _, err := s.User(ctx, "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed AddUser stored the user: %v", err)
	}
}

func testTokens(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("a", "a"))
	if err := s.AddUser(ctx, store.User{Username: "alice", PasswordHash: "x", Created: at,
		Subscriptions: []store.Subscription{{Product: "p-1", Channel: api.ChannelFull}}}); err != nil {
		t.Fatal(err)
	}
	live := store.Token{Hash: hash("live"), Username: "alice", Product: "p-1", Channel: api.ChannelSecurity,
		Created: at, Expires: at.Add(time.Hour)}
	old := live
	old.Hash, old.Expires = hash("old"), at.Add(-time.Millisecond)
	for _, tok := range []store.Token{live, old} {
		if err := s.AddToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddToken(ctx, live); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate AddToken: err = %v, want ErrExists", err)
	}
	got, err := s.Token(ctx, live.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, live) {
		t.Errorf("Token = %+v, want %+v", got, live)
	}
	if got, err := s.Token(ctx, old.Hash); err != nil || !got.Expires.Equal(old.Expires) {
		t.Errorf("an expired token must still be returned: %+v, %v", got, err)
	}
	if _, err := s.Token(ctx, hash("never")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token(unknown): err = %v, want ErrNotFound", err)
	}
	n, err := s.DeleteExpiredTokens(ctx, at)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredTokens = %d, %v; want 1", n, err)
	}
	if _, err := s.Token(ctx, old.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token still there: %v", err)
	}
	if _, err := s.Token(ctx, live.Hash); err != nil {
		t.Errorf("live token deleted: %v", err)
	}
}

func testToolReleases(t *testing.T, s store.Store) {
	rel := func(v, os, arch string) store.ToolRelease {
		return store.ToolRelease{ToolRelease: api.ToolRelease{Version: v, OS: os, Arch: arch,
			SHA256: hash(v + os + arch), Size: 42}, Published: at}
	}
	for _, r := range []store.ToolRelease{
		rel("1.0.0", "linux", "amd64"), rel("1.10.0", "linux", "amd64"),
		rel("1.0.0", "linux", "arm64"), rel("1.0.0", "windows", "amd64"),
	} {
		if err := s.AddToolRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddToolRelease(ctx, rel("1.0.0", "linux", "amd64")); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate AddToolRelease: err = %v, want ErrExists", err)
	}
	got, err := s.ToolReleases(ctx, "linux", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Version < got[j].Version })
	want := []store.ToolRelease{rel("1.0.0", "linux", "amd64"), rel("1.10.0", "linux", "amd64")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ToolReleases = %+v, want %+v", got, want)
	}
	if got, err := s.ToolReleases(ctx, "darwin", "arm64"); err != nil || len(got) != 0 {
		t.Errorf("ToolReleases(none) = %+v, %v", got, err)
	}
}

func testBlobVisible(t *testing.T, s store.Store) {
	mustAddProduct(t, s, "p-1", file("base", "base"), api.Entry{Path: "l", Kind: api.KindSymlink, Target: "base"})
	mustAddProduct(t, s, "q-1", file("other", "other"))
	mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: 10, Files: []api.Change{{Entry: file("a", "full")}}})
	mustAddUpdate(t, s, api.Update{Product: "p-1", Timestamp: 20, Security: true,
		Files: []api.Change{{Entry: file("b", "sec")}, {Entry: api.Entry{Path: "base"}, Remove: true}}})
	if err := s.AddToolRelease(ctx, store.ToolRelease{ToolRelease: api.ToolRelease{
		Version: "1.0.0", OS: "linux", Arch: "amd64", SHA256: hash("tool"), Size: 1}, Published: at}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sum, product, channel string
		want                  bool
	}{
		{hash("base"), "p-1", api.ChannelFull, true},
		{hash("base"), "p-1", api.ChannelSecurity, true},
		{hash("base"), "q-1", api.ChannelFull, false},
		{hash("full"), "p-1", api.ChannelFull, true},
		{hash("full"), "p-1", api.ChannelSecurity, false},
		{hash("sec"), "p-1", api.ChannelSecurity, true},
		{hash("sec"), "p-1", api.ChannelFull, true},
		{hash("sec"), "q-1", api.ChannelFull, false},
		{hash("other"), "p-1", api.ChannelFull, false},
		{hash("other"), "q-1", api.ChannelSecurity, true},
		{hash("tool"), "q-1", api.ChannelSecurity, true},
		{hash("never"), "p-1", api.ChannelFull, false},
		{"", "p-1", api.ChannelFull, false}, // symlinks and removals have no hash
	}
	for _, tt := range tests {
		got, err := s.BlobVisible(ctx, tt.sum, tt.product, tt.channel)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("BlobVisible(%.12s…, %s, %s) = %v, want %v", tt.sum, tt.product, tt.channel, got, tt.want)
		}
	}
}

func testMetadata(t *testing.T, s store.Store) {
	if _, err := s.Metadata(ctx, store.TimestampFile); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Metadata of an empty store: err = %v, want ErrNotFound", err)
	}
	v1 := map[string][]byte{"1.root.json": []byte("root 1"), "1.targets.json": []byte("targets 1"), store.TimestampFile: []byte("ts 1")}
	if err := s.PutMetadata(ctx, []byte("ts 0"), v1); !errors.Is(err, store.ErrChanged) {
		t.Errorf("PutMetadata with a wrong prev on an empty store: err = %v, want ErrChanged", err)
	}
	if err := s.PutMetadata(ctx, nil, v1); err != nil {
		t.Fatal(err)
	}
	for name, want := range v1 {
		if got, err := s.Metadata(ctx, name); err != nil || string(got) != string(want) {
			t.Errorf("Metadata(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if err := s.PutMetadata(ctx, nil, map[string][]byte{store.TimestampFile: []byte("ts x")}); !errors.Is(err, store.ErrChanged) {
		t.Errorf("PutMetadata(prev nil) over a stored timestamp: err = %v, want ErrChanged", err)
	}
	// A versioned file is written once; the same bytes again are fine.
	bad := map[string][]byte{"1.targets.json": []byte("targets 1 forged"), "2.targets.json": []byte("targets 2"), store.TimestampFile: []byte("ts 2")}
	if err := s.PutMetadata(ctx, []byte("ts 1"), bad); !errors.Is(err, store.ErrExists) {
		t.Errorf("PutMetadata rewriting 1.targets.json: err = %v, want ErrExists", err)
	}
	if _, err := s.Metadata(ctx, "2.targets.json"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused PutMetadata stored part of its files: %v", err)
	}
	if got, _ := s.Metadata(ctx, store.TimestampFile); string(got) != "ts 1" {
		t.Errorf("a refused PutMetadata changed the timestamp to %q", got)
	}
	v2 := map[string][]byte{"1.targets.json": []byte("targets 1"), "2.targets.json": []byte("targets 2"), store.TimestampFile: []byte("ts 2")}
	if err := s.PutMetadata(ctx, []byte("ts 1"), v2); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Metadata(ctx, store.TimestampFile); string(got) != "ts 2" {
		t.Errorf("timestamp = %q, want ts 2", got)
	}
}

// testConcurrentMetadata: of writers that read the same timestamp, exactly
// one stores its change.
func testConcurrentMetadata(t *testing.T, s store.Store) {
	if err := s.PutMetadata(ctx, nil, map[string][]byte{store.TimestampFile: []byte("ts 0")}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.PutMetadata(ctx, []byte("ts 0"), map[string][]byte{
				fmt.Sprintf("%d.snapshot.json", i+1): []byte("snapshot"), store.TimestampFile: fmt.Appendf(nil, "ts by %d", i)})
		}()
	}
	won := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrChanged):
			t.Errorf("PutMetadata: %v, want nil or ErrChanged", err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers won, want 1", won)
	}
}

// testPacked: packed forms are found by blob and origin, and the first one
// recorded stays.
func testPacked(t *testing.T, s store.Store) {
	a, b := hash("a"), hash("b")
	if _, err := s.Packed(ctx, a, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Packed of an empty store: err = %v, want ErrNotFound", err)
	}
	plain := store.Packed{SHA256: a, Encoding: api.EncodingZstd, Payload: hash("zstd of a"), Size: 10}
	delta := store.Packed{SHA256: a, From: b, Encoding: api.EncodingDelta, Payload: hash("a from b"), Size: 3}
	for _, p := range []store.Packed{plain, delta} {
		if err := s.PutPacked(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutPacked(ctx, store.Packed{SHA256: a, Encoding: api.EncodingIdentity, Payload: a, Size: 99}); err != nil {
		t.Fatalf("recording a packed form again: %v", err)
	}
	for _, want := range []store.Packed{plain, delta} {
		if got, err := s.Packed(ctx, want.SHA256, want.From); err != nil || got != want {
			t.Errorf("Packed(%s, %q) = %+v, %v; want %+v", want.SHA256[:8], want.From, got, err, want)
		}
	}
	if _, err := s.Packed(ctx, b, a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Packed of the reverse delta: err = %v, want ErrNotFound", err)
	}
}
