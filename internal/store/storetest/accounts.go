package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"inplace/internal/api"
	"inplace/internal/store"
)

// mustAddAccount stores product p-1 and user alice subscribed to it.
func mustAddAccount(t *testing.T, s store.Store) {
	t.Helper()
	mustAddProduct(t, s, "p-1", file("a", "a"))
	if err := s.AddUser(ctx, store.User{Username: "alice", PasswordHash: "x", Created: at,
		Subscriptions: []store.Subscription{{Product: "p-1", Channel: api.ChannelFull}}}); err != nil {
		t.Fatal(err)
	}
}

func refreshToken(name, family string, expires time.Time) store.RefreshToken {
	return store.RefreshToken{Hash: hash(name), Family: family, Username: "alice", Product: "p-1",
		Channel: api.ChannelSecurity, Created: at, Expires: expires}
}

func accessToken(name, family string, expires time.Time) store.Token {
	return store.Token{Hash: hash(name), Family: family, Username: "alice", Product: "p-1",
		Channel: api.ChannelSecurity, Created: at, Expires: expires}
}

func testRefreshTokens(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	r1 := refreshToken("r1", "fam", at.Add(time.Hour))
	r1.Used = at // ignored
	if err := s.AddRefreshToken(ctx, r1); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRefreshToken(ctx, r1); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate AddRefreshToken: err = %v, want ErrExists", err)
	}
	got, err := s.RefreshToken(ctx, r1.Hash)
	if err != nil {
		t.Fatal(err)
	}
	want := r1
	want.Used = time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RefreshToken = %+v, want %+v", got, want)
	}
	if _, err := s.RefreshToken(ctx, hash("never")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RefreshToken(unknown): err = %v, want ErrNotFound", err)
	}
	a := accessToken("a1", "fam", at.Add(time.Minute))
	if err := s.AddToken(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Token(ctx, a.Hash); err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("Token = %+v, %v; want %+v with its family", got, err, a)
	}

	// Expired refresh tokens go with expired access tokens.
	old := refreshToken("r-old", "fam", at.Add(-time.Millisecond))
	if err := s.AddRefreshToken(ctx, old); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredTokens(ctx, at)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredTokens = %d, %v; want 1", n, err)
	}
	if _, err := s.RefreshToken(ctx, old.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired refresh token still there: %v", err)
	}
	if _, err := s.RefreshToken(ctx, r1.Hash); err != nil {
		t.Errorf("live refresh token deleted: %v", err)
	}
}

func testRefreshRotation(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	r1 := refreshToken("r1", "fam", at.Add(time.Hour))
	if err := s.AddRefreshToken(ctx, r1); err != nil {
		t.Fatal(err)
	}
	used := at.Add(time.Minute)
	r2, a2 := refreshToken("r2", "fam", at.Add(2*time.Hour)), accessToken("a2", "fam", at.Add(time.Hour))
	if err := s.RotateRefreshToken(ctx, r1.Hash, used, r2, a2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.RefreshToken(ctx, r1.Hash); err != nil || !got.Used.Equal(used) {
		t.Errorf("rotated token: Used = %v, %v; want %v", got.Used, err, used)
	}
	if got, err := s.RefreshToken(ctx, r2.Hash); err != nil || !got.Used.IsZero() || got.Family != "fam" {
		t.Errorf("successor = %+v, %v; want unused, of family fam", got, err)
	}
	if _, err := s.Token(ctx, a2.Hash); err != nil {
		t.Errorf("the access token of the rotation is missing: %v", err)
	}

	// Used already: nothing is stored.
	r3, a3 := refreshToken("r3", "fam", at.Add(2*time.Hour)), accessToken("a3", "fam", at.Add(time.Hour))
	if err := s.RotateRefreshToken(ctx, r1.Hash, used, r3, a3); !errors.Is(err, store.ErrUsed) {
		t.Errorf("second rotation: err = %v, want ErrUsed", err)
	}
	if _, err := s.RefreshToken(ctx, r3.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused rotation stored its refresh token: %v", err)
	}
	if _, err := s.Token(ctx, a3.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused rotation stored its access token: %v", err)
	}
	if err := s.RotateRefreshToken(ctx, hash("never"), used, r3, a3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotation of an unknown token: err = %v, want ErrNotFound", err)
	}
	// A successor that collides stores nothing and leaves the token unused.
	if err := s.RotateRefreshToken(ctx, r2.Hash, used, r1, a3); !errors.Is(err, store.ErrExists) {
		t.Errorf("rotation into an existing hash: err = %v, want ErrExists", err)
	}
	if got, err := s.RefreshToken(ctx, r2.Hash); err != nil || !got.Used.IsZero() {
		t.Errorf("a failed rotation used the token: %+v, %v", got, err)
	}
}

// testConcurrentRotation: of concurrent rotations of one refresh token,
// exactly one succeeds.
func testConcurrentRotation(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	if err := s.AddRefreshToken(ctx, refreshToken("r", "fam", at.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.RotateRefreshToken(ctx, hash("r"), at,
				refreshToken(fmt.Sprint("next", i), "fam", at.Add(time.Hour)),
				accessToken(fmt.Sprint("access", i), "fam", at.Add(time.Hour)))
		}()
	}
	won := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrUsed):
			t.Errorf("RotateRefreshToken: %v, want nil or ErrUsed", err)
		}
	}
	if won != 1 {
		t.Errorf("%d rotations won, want 1", won)
	}
}

func testRevokeTokenFamily(t *testing.T, s store.Store) {
	mustAddAccount(t, s)
	later := at.Add(time.Hour)
	for _, tok := range []store.RefreshToken{refreshToken("r1", "fam", later), refreshToken("r2", "fam", later), refreshToken("other-r", "other", later)} {
		if err := s.AddRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []store.Token{accessToken("a1", "fam", later), accessToken("other-a", "other", later), accessToken("none", "", later)} {
		if err := s.AddToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.RevokeTokenFamily(ctx, ""); err != nil || n != 0 {
		t.Errorf("RevokeTokenFamily(\"\") = %d, %v; want 0", n, err)
	}
	if n, err := s.RevokeTokenFamily(ctx, "fam"); err != nil || n != 3 {
		t.Fatalf("RevokeTokenFamily = %d, %v; want 3", n, err)
	}
	for _, name := range []string{"r1", "r2"} {
		if _, err := s.RefreshToken(ctx, hash(name)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refresh token %s of the revoked family: %v", name, err)
		}
	}
	if _, err := s.Token(ctx, hash("a1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("access token of the revoked family: %v", err)
	}
	if _, err := s.RefreshToken(ctx, hash("other-r")); err != nil {
		t.Errorf("another family's refresh token was revoked: %v", err)
	}
	for _, name := range []string{"other-a", "none"} {
		if _, err := s.Token(ctx, hash(name)); err != nil {
			t.Errorf("access token %s of another family was revoked: %v", name, err)
		}
	}
}

func testAudit(t *testing.T, s store.Store) {
	if got, err := s.Audit(ctx, store.AuditFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("Audit of an empty store = %+v, %v", got, err)
	}
	events := []store.AuditEvent{
		{Time: at, Action: store.AuditProductAdd, OK: true, Username: "root", Address: "build-host", Product: "p-1", Detail: "3 files"},
		{Time: at.Add(time.Second), Action: store.AuditLogin, OK: false, Username: "mallory", Address: "192.0.2.1", Product: "p-1", Detail: "invalid username or password"},
		{Time: at.Add(2 * time.Second), Action: store.AuditLogin, OK: true, Username: "alice", Address: "192.0.2.7", Product: "p-1"},
		{Time: at.Add(3 * time.Second), Action: store.AuditDownload, OK: true, Username: "alice", Address: "192.0.2.7", Product: "p-1", Detail: hash("blob"), Bytes: 1 << 40},
		// Stored later with an earlier time: listed by time.
		{Time: at.Add(1500 * time.Millisecond), Action: store.AuditRefresh, OK: true, Username: "alice", Address: "192.0.2.7", Product: "p-1"},
	}
	for _, e := range events {
		e.ID = 99 // ignored
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	byTime := []store.AuditEvent{events[0], events[1], events[4], events[2], events[3]}
	got, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(byTime) {
		t.Fatalf("Audit returned %d events, want %d", len(got), len(byTime))
	}
	ids := map[int64]bool{}
	for i := range got {
		if ids[got[i].ID] || got[i].ID == 99 {
			t.Errorf("event %d: ID %d is not a new, distinct ID", i, got[i].ID)
		}
		ids[got[i].ID] = true
		if got[i].Time.Location() != time.UTC {
			t.Errorf("event %d: time %v not in UTC", i, got[i].Time)
		}
		want := byTime[i]
		want.ID = got[i].ID
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("event %d = %+v\nwant %+v", i, got[i], want)
		}
	}
	// IDs follow the order stored: the refresh, listed third, came last.
	for i, e := range got {
		if i != 2 && e.ID >= got[2].ID {
			t.Errorf("event %s has ID %d, not below %d of the event stored after it", e.Action, e.ID, got[2].ID)
		}
	}

	count := func(f store.AuditFilter) []string {
		t.Helper()
		got, err := s.Audit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range got {
			actions = append(actions, e.Action+"/"+e.Username)
		}
		return actions
	}
	for _, tc := range []struct {
		f    store.AuditFilter
		want string
	}{
		{store.AuditFilter{Username: "alice"}, "[refresh/alice login/alice download/alice]"},
		{store.AuditFilter{Action: store.AuditLogin}, "[login/mallory login/alice]"},
		{store.AuditFilter{Action: store.AuditLogin, Username: "alice"}, "[login/alice]"},
		{store.AuditFilter{Since: at.Add(1500 * time.Millisecond)}, "[refresh/alice login/alice download/alice]"},
		{store.AuditFilter{Limit: 2}, "[login/alice download/alice]"},
		{store.AuditFilter{Username: "alice", Limit: 1}, "[download/alice]"},
		{store.AuditFilter{Username: "nobody"}, "[]"},
	} {
		if got := fmt.Sprint(count(tc.f)); got != tc.want {
			t.Errorf("Audit(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
