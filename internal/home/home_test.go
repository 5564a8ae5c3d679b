package home

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/fsx"
	"inplace/internal/testenv"
)

func newHome(t testing.TB) *Home {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "updates"), 0o755)
	os.WriteFile(filepath.Join(dir, ProductFile), []byte("p-1\n"), 0o644)
	h, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestOpenRefusesAFolderWithoutProduct(t *testing.T) {
	_, err := Open(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "--home") {
		t.Fatalf("Open = %v; want advice to use --home", err)
	}
}

func TestStateRoundTripAndDamage(t *testing.T) {
	h := newHome(t)
	st, err := h.LoadState()
	if err != nil || st.Level != 0 || st.Product != "p-1" {
		t.Fatalf("fresh state = %+v, %v", st, err)
	}
	st.Level, st.Runs = 42, []string{"r1"}
	if err := h.SaveState(st); err != nil {
		t.Fatal(err)
	}
	got, err := h.LoadState()
	if err != nil || got.Level != 42 || len(got.Runs) != 1 {
		t.Fatalf("LoadState = %+v, %v", got, err)
	}
	os.WriteFile(h.Path(StateFile), []byte(`{"level": 4`), 0o644)
	if _, err := h.LoadState(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated state: %v", err)
	}
	os.WriteFile(h.Path(StateFile), []byte(`{"product":"other-2"}`), 0o644)
	if _, err := h.LoadState(); err == nil || !strings.Contains(err.Error(), "other-2") {
		t.Fatalf("state of another product: %v", err)
	}
}

func TestSessionIsOwnerOnly(t *testing.T) {
	testenv.SkipUnderWine(t, "derives access lists from Unix modes and drops the ones programs set")
	h := newHome(t)
	saved := &Session{Token: "t", Server: "http://x", ExpiresAt: 100, RefreshToken: "r", RefreshExpiresAt: 200}
	if err := h.SaveSession(saved); err != nil {
		t.Fatal(err)
	}
	if err := fsx.Private(h.Path(SessionFile)); err != nil {
		t.Fatalf("session file: %v", err)
	}
	if s := h.LoadSession(); s == nil || *s != *saved {
		t.Fatalf("LoadSession = %+v, want %+v with the refresh token", s, saved)
	}
}

func TestLockRefusesASecondRun(t *testing.T) {
	h := newHome(t)
	l, err := h.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	h2, _ := Open(h.Dir)
	if _, err := h2.Lock(); err == nil || !strings.Contains(err.Error(), "another update run (pid") {
		t.Fatalf("second Lock = %v", err)
	}
}

func TestServerRunning(t *testing.T) {
	h := newHome(t)
	if _, ok := h.ServerRunning(); ok {
		t.Fatal("no pid file, yet running")
	}
	os.WriteFile(h.Path(PidFile), []byte(strings.Repeat("9", 7)+"\n"), 0o644)
	if _, ok := h.ServerRunning(); ok {
		t.Fatal("a dead pid counted as running")
	}
	os.WriteFile(h.Path(PidFile), []byte("not a pid"), 0o644)
	if _, ok := h.ServerRunning(); ok {
		t.Fatal("garbage counted as running")
	}
}

// FuzzLoadState: a damaged state file gives an error, never a panic.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"product":"p-1","level":5,"runs":["r"],"pending":{"run":"r","conflicts":[{"path":"a"}]}}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHome(t)
		os.WriteFile(h.Path(StateFile), data, 0o644)
		st, err := h.LoadState()
		if err == nil && st.Product != "p-1" {
			t.Fatalf("accepted a state of product %q", st.Product)
		}
	})
}
