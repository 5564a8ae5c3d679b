package updater

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"inplace/internal/api"
	"inplace/internal/home"
)

// oneFileSource offers one update, at level 10, that adds lib/a.txt.
type oneFileSource struct{}

const oneFileData = "hello\n"

func oneFileSHA() string {
	s := sha256.Sum256([]byte(oneFileData))
	return hex.EncodeToString(s[:])
}

func (oneFileSource) Updates(ctx context.Context, product string, after, upto int64) ([]api.Update, error) {
	if after >= 10 {
		return nil, nil
	}
	return []api.Update{{Product: "p-1", Number: 1, Timestamp: 10, Files: []api.Change{
		{Entry: api.Entry{Path: "lib/a.txt", Kind: api.KindFile, Mode: 0o644, SHA256: oneFileSHA(), Size: int64(len(oneFileData))}},
	}}}, nil
}

func (oneFileSource) Pristine(ctx context.Context, product string, applied []api.Update, paths []string) (map[string]*api.Entry, error) {
	return map[string]*api.Entry{}, nil
}

func (oneFileSource) PristineTree(ctx context.Context, product string, applied []api.Update) ([]api.Entry, error) {
	return nil, nil
}

func (oneFileSource) Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error {
	_, err := io.WriteString(w, oneFileData)
	return err
}

func (oneFileSource) Fetch(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error {
	return os.WriteFile(name, []byte(oneFileData), 0o644)
}

func (oneFileSource) LatestTool(ctx context.Context, goos, goarch string) (*api.ToolRelease, error) {
	return nil, nil
}

// TestBeforeChange: an update calls BeforeChange once it is about to
// change the product, with the run's levels; its error stops the run with
// nothing changed. A dry run and an update with nothing to do never call it.
func TestBeforeChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(filepath.Join(dir, "updates"), 0o755)
	os.WriteFile(filepath.Join(dir, "updates", "product.txt"), []byte("p-1\n"), 0o644)
	h, err := home.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var calls []Report
	refuse := errors.New("not now")
	var answer error
	u := &Updater{Home: h, Product: "p-1", Src: oneFileSource{}, Channel: "security", Out: io.Discard, Log: io.Discard,
		BeforeChange: func(ctx context.Context, rep *Report) error {
			calls = append(calls, *rep)
			return answer
		}}
	ctx := context.Background()

	if _, err := u.Update(ctx, UpdateOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Fatalf("a dry run called BeforeChange: %+v", calls)
	}

	answer = refuse
	if _, err := u.Update(ctx, UpdateOptions{}); !errors.Is(err, refuse) {
		t.Fatalf("Update = %v; want BeforeChange's error", err)
	}
	if len(calls) != 1 {
		t.Fatalf("BeforeChange called %d times", len(calls))
	}
	if c := calls[0]; c.Action != "update" || c.From != 0 || c.To != 10 || c.Channel != "security" || c.Product != "p-1" {
		t.Errorf("BeforeChange saw %+v", c)
	}
	if _, err := os.Lstat(h.Path("lib/a.txt")); err == nil {
		t.Error("a refused update added lib/a.txt")
	}
	if st, err := h.LoadState(); err != nil || st.Level != 0 || len(st.Runs) != 0 {
		t.Errorf("state after a refused update: %+v, %v", st, err)
	}

	answer = nil
	if _, err := u.Update(ctx, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(h.Path("lib/a.txt")); err != nil || string(b) != oneFileData {
		t.Errorf("lib/a.txt after the update: %q, %v", b, err)
	}
	if _, err := u.Update(ctx, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Errorf("BeforeChange called %d times in all; want 2 (not when up to date)", len(calls))
	}
}
