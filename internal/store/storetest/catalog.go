package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

// testAdminUsers: an admin account, which may have no subscription, keeps
// its flag; a customer's account has none.
func testAdminUsers(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	admin := store.User{Username: "vendor", PasswordHash: "$2a$04$hash", Created: at, Admin: true}
	if err := s.AddUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, "vendor")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Subscriptions) != 0 {
		t.Errorf("admin's subscriptions = %+v, want none", got.Subscriptions)
	}
	got.Subscriptions = nil // nil or empty, either will do
	if !reflect.DeepEqual(got, admin) {
		t.Errorf("User = %+v, want %+v", got, admin)
	}
	if got, err := s.User(ctx, "alice"); err != nil || got.Admin {
		t.Errorf("a customer's User = %+v, %v; want Admin false", got, err)
	}
}

func testSessions(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	// Given in another zone, returned in UTC.
	live := store.Session{Hash: hash("live"), Username: "alice",
		Created: at.In(time.FixedZone("UTC+2", 2*60*60)), Expires: at.Add(time.Hour)}
	old := store.Session{Hash: hash("old"), Username: "alice", Created: at.Add(-time.Hour), Expires: at}
	for _, sess := range []store.Session{live, old} {
		if err := s.AddSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddSession(ctx, live); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate AddSession: err = %v, want ErrExists", err)
	}
	nobody := store.Session{Hash: hash("nobody"), Username: "bob", Created: at, Expires: at.Add(time.Hour)}
	if err := s.AddSession(ctx, nobody); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddSession of an unknown user: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Session(ctx, nobody.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused AddSession stored the session: %v", err)
	}

	got, err := s.Session(ctx, live.Hash)
	if err != nil {
		t.Fatal(err)
	}
	want := live
	want.Created = at
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Session = %+v, want %+v", got, want)
	}
	if got.Created.Location() != time.UTC || got.Expires.Location() != time.UTC {
		t.Errorf("Session times %v, %v not in UTC", got.Created, got.Expires)
	}
	if got, err := s.Session(ctx, old.Hash); err != nil || !reflect.DeepEqual(got, old) {
		t.Errorf("an expired session must still be returned: %+v, %v", got, err)
	}
	if _, err := s.Session(ctx, hash("never")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session(unknown): err = %v, want ErrNotFound", err)
	}

	// Expired sessions go with expired tokens, and count with them; a
	// session that expires at now is expired.
	if err := s.AddToken(ctx, accessToken("a-old", "", at.Add(-time.Millisecond))); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredTokens(ctx, at)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredTokens = %d, %v; want 2 (a token and a session)", n, err)
	}
	if _, err := s.Session(ctx, old.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session still there: %v", err)
	}
	if _, err := s.Session(ctx, live.Hash); err != nil {
		t.Errorf("live session deleted: %v", err)
	}

	if err := s.DeleteSession(ctx, live.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, live.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session after DeleteSession: err = %v, want ErrNotFound", err)
	}
	for _, h := range []string{live.Hash, hash("never")} {
		if err := s.DeleteSession(ctx, h); err != nil {
			t.Errorf("DeleteSession of a missing session: %v", err)
		}
	}
}

// testReports: each installation's newest report is its state, every
// report is history, and the reports of one product stay with it.
func testReports(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	mustAddProduct(t, s, "q-1", file("a", "a"))
	mustAddProduct(t, s, "quiet-1", file("a", "a"))
	reports := []store.Report{
		0: {Installation: "inst-b", Product: "p-1", Channel: api.ChannelFull, Username: "alice",
			Level: 0, Result: store.ResultCurrent, Time: at},
		1: {Installation: "inst-a", Product: "p-1", Channel: api.ChannelSecurity, Username: "alice",
			Level: 1000, Result: store.ResultUpdated, Time: at.Add(2 * time.Minute)},
		// The same installation id under another product is another
		// installation.
		2: {Installation: "inst-a", Product: "q-1", Channel: api.ChannelFull, Username: "alice",
			Level: 500, Result: store.ResultFailed, Time: at.Add(time.Minute)},
		// inst-b reports again, at the same time as inst-a's report.
		3: {Installation: "inst-b", Product: "p-1", Channel: api.ChannelFull, Username: "alice",
			Level: 2000, Result: store.ResultConflicts, Time: at.Add(2 * time.Minute)},
		// Stored last with an earlier time: listed by time.
		4: {Installation: "inst-c", Product: "p-1", Channel: api.ChannelSecurity, Username: "alice",
			Level: 1000, Result: store.ResultReverted, Time: at.Add(time.Minute)},
	}
	for _, r := range reports {
		if err := s.AddReport(ctx, r); err != nil {
			t.Fatalf("AddReport(%s of %s): %v", r.Installation, r.Product, err)
		}
	}
	unknown := store.Report{Installation: "inst-z", Product: "nope-1", Channel: api.ChannelFull, Username: "alice",
		Result: store.ResultCurrent, Time: at}
	if err := s.AddReport(ctx, unknown); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddReport for an unknown product: err = %v, want ErrNotFound", err)
	}

	pick := func(is ...int) []store.Report {
		rs := []store.Report{}
		for _, i := range is {
			rs = append(rs, reports[i])
		}
		return rs
	}
	for _, tc := range []struct {
		product string
		want    []store.Report
	}{
		{"p-1", pick(1, 3, 4)},
		{"q-1", pick(2)},
		{"quiet-1", pick()},
	} {
		got, err := s.Installations(ctx, tc.product)
		if err != nil {
			t.Fatalf("Installations(%s): %v", tc.product, err)
		}
		if got == nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Installations(%s) = %+v\nwant %+v", tc.product, got, tc.want)
		}
	}
	for _, tc := range []struct {
		product string
		since   time.Time
		want    []store.Report
	}{
		{"p-1", time.Time{}, pick(0, 4, 1, 3)},
		{"p-1", at, pick(0, 4, 1, 3)},
		{"p-1", at.Add(time.Minute), pick(4, 1, 3)},
		{"p-1", at.Add(time.Minute + time.Millisecond), pick(1, 3)},
		{"p-1", at.Add(time.Hour), pick()},
		{"q-1", time.Time{}, pick(2)},
		{"quiet-1", time.Time{}, pick()},
	} {
		got, err := s.Reports(ctx, tc.product, tc.since)
		if err != nil {
			t.Fatalf("Reports(%s, %v): %v", tc.product, tc.since, err)
		}
		if got == nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Reports(%s, %v) = %+v\nwant %+v", tc.product, tc.since, got, tc.want)
		}
	}
	// Pruning before the last reports' time deletes inst-b's first report
	// and keeps every installation's newest, however old.
	n, err := s.PruneReports(ctx, at.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("PruneReports = %d, %v; want 1 (inst-b's first report)", n, err)
	}
	if got, err := s.Reports(ctx, "p-1", time.Time{}); err != nil || !reflect.DeepEqual(got, pick(4, 1, 3)) {
		t.Errorf("after PruneReports, Reports(p-1) = %+v, %v\nwant %+v", got, err, pick(4, 1, 3))
	}
	if n, err := s.PruneReports(ctx, at.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("PruneReports past every report = %d, %v; want 0: each is an installation's newest", n, err)
	}
	for product, want := range map[string][]store.Report{"p-1": pick(1, 3, 4), "q-1": pick(2)} {
		if got, err := s.Installations(ctx, product); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("after PruneReports, Installations(%s) = %+v, %v\nwant %+v", product, got, err, want)
		}
	}
}
