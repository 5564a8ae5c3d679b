package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"inplace/internal/api"
	"inplace/internal/blob/dir"
	"inplace/internal/publish"
	"inplace/internal/server"
	"inplace/internal/store/sqlite"
)

// clock is a settable time source for the server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// realServer starts update-server's API on a real SQLite store holding
// product p-1 (a.txt) with user alice (password alice-pw, channel full);
// access tokens live an hour of clk.
func realServer(t *testing.T) (url string, clk *clock) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(root, "inplace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bs, err := dir.New(filepath.Join(root, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	clk = &clock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	pub := &publish.Publisher{Store: st, Blobs: bs, Now: clk.Now, PasswordCost: bcrypt.MinCost}
	dist := filepath.Join(root, "dist")
	os.MkdirAll(dist, 0o755)
	if err := os.WriteFile(filepath.Join(dist, "a.txt"), []byte("content of a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.AddProduct(ctx, "p", "1", dist); err != nil {
		t.Fatal(err)
	}
	if err := pub.AddUser(ctx, "alice", "alice-pw", "p-1", api.ChannelFull); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Options{Store: st, Blobs: bs, Now: clk.Now, TokenTTL: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL, clk
}

func login(t *testing.T, c *Client) *api.TokenResponse {
	t.Helper()
	tr, err := c.Login(context.Background(), api.TokenRequest{Username: "alice", Password: "alice-pw", Product: "p-1", Channel: "full"})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestRefresh: a refresh token buys a new pair once; used again, the
// server refuses it and the client says so.
func TestRefresh(t *testing.T) {
	url, _ := realServer(t)
	c, _ := New(url)
	ctx := context.Background()
	first := login(t, c)
	next, err := c.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.Token == first.Token || next.RefreshToken == first.RefreshToken || next.Product != "p-1" || next.Channel != "full" {
		t.Errorf("refresh answer %+v", next)
	}
	c.Token = next.Token
	if _, err := c.Updates(ctx, "p-1", 0, 0); err != nil {
		t.Errorf("updates with the refreshed token: %v", err)
	}
	_, err = c.Refresh(ctx, first.RefreshToken)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "log in again with your password") {
		t.Errorf("reused refresh token: %v", err)
	}
}

// TestRenew: requests refused for an expired token are sent again with a
// renewed one; concurrent refusals renew once (a refresh token works
// once); a refused renewal leaves the first refusal and is not tried again.
func TestRenew(t *testing.T) {
	url, clk := realServer(t)
	c, _ := New(url)
	ctx := context.Background()
	tr := login(t, c)
	c.Token = tr.Token
	refresh := tr.RefreshToken
	var renewals atomic.Int32
	c.Renew = func(ctx context.Context) (string, error) {
		renewals.Add(1)
		next, err := c.Refresh(ctx, refresh)
		if err != nil {
			return "", err
		}
		refresh = next.RefreshToken
		return next.Token, nil
	}

	clk.Add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Updates(ctx, "p-1", 0, 0)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("updates after the token expired: %v", err)
		}
	}
	if n := renewals.Load(); n != 1 {
		t.Fatalf("%d renewals for one expired token, want 1", n)
	}

	// Downloads renew too, POST bodies are sent again.
	clk.Add(time.Hour)
	file := filepath.Join(t.TempDir(), "a")
	if err := c.Fetch(ctx, sum("content of a"), int64(len("content of a")), file, nil); err != nil {
		t.Fatalf("download after the token expired: %v", err)
	}
	clk.Add(time.Hour)
	if got, err := c.Pristine(ctx, "p-1", nil, []string{"a.txt"}); err != nil || got["a.txt"] == nil {
		t.Fatalf("pristine after the token expired: %v, %v", got, err)
	}
	if n := renewals.Load(); n != 3 {
		t.Fatalf("%d renewals, want 3", n)
	}

	// The login is revoked (its first refresh token is used again): the
	// renewal is refused, the request answers the first 401, and the
	// renewal is not tried again.
	if _, err := c.Refresh(ctx, tr.RefreshToken); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("reused refresh token: %v", err)
	}
	for range 2 {
		_, err := c.Updates(ctx, "p-1", 0, 0)
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "log in again") {
			t.Errorf("updates with a refused renewal: %v", err)
		}
	}
	if n := renewals.Load(); n != 4 {
		t.Errorf("%d renewals, want 4: a refused renewal is not tried again", n)
	}
}

// TestRenewFailure: a renewal that fails for another reason than the
// server's refusal is the request's error.
func TestRenewFailure(t *testing.T) {
	url, clk := realServer(t)
	c, _ := New(url)
	c.Token = login(t, c).Token
	c.Renew = func(ctx context.Context) (string, error) { return "", errors.New("save the session: disk full") }
	retryDelays = nil
	clk.Add(time.Hour)
	_, err := c.Updates(context.Background(), "p-1", 0, 0)
	if err == nil || errors.Is(err, ErrUnauthorized) || err.Error() != "save the session: disk full" {
		t.Errorf("updates with a failing renewal: %v", err)
	}
}
