package trust

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"inplace/internal/repo"
	"inplace/internal/store"
	"inplace/internal/store/sqlite"
)

// repository makes a real signed repository in a new store and serves its
// metadata, with timestamp.json replaced by whatever *served holds when it
// is not nil. It returns the server's metadata URL and the root.
func repository(t testing.TB, served *[]byte) (string, []byte) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := map[string]*repo.Key{}
	for _, role := range []string{repo.RoleRoot, repo.RoleTargets, repo.RoleSnapshot, repo.RoleTimestamp} {
		if keys[role], err = repo.GenerateKey(filepath.Join(dir, role+".key")); err != nil {
			t.Fatal(err)
		}
	}
	r := &repo.Repo{Store: st}
	if err := r.Init(ctx, []*repo.Key{keys[repo.RoleRoot]}, 1, keys[repo.RoleTargets], keys[repo.RoleSnapshot], keys[repo.RoleTimestamp]); err != nil {
		t.Fatal(err)
	}
	root, err := r.Root(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name := strings.TrimPrefix(req.URL.Path, "/")
		if name == store.TimestampFile && *served != nil {
			w.Write(*served)
			return
		}
		b, err := st.Metadata(req.Context(), name)
		if err != nil {
			http.NotFound(w, req)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", root
}

// FuzzTimestamp serves arbitrary bytes as timestamp.json to a client that
// trusts a real root: it must never panic, and whatever it accepts must
// carry a valid signature of the root's timestamp key.
func FuzzTimestamp(f *testing.F) {
	var served []byte
	url, root := repository(f, &served)
	served = nil
	genuine := func() []byte {
		resp, err := http.Get(url + "timestamp.json")
		if err != nil {
			f.Fatal(err)
		}
		defer resp.Body.Close()
		b := make([]byte, 16<<10)
		n, _ := resp.Body.Read(b)
		return b[:n]
	}()
	f.Add(genuine)
	f.Add([]byte(`{"signed":{"_type":"timestamp","version":2},"signatures":[]}`))
	f.Add([]byte(`{}`))
	rootMeta, err := metadata.Root().FromBytes(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		served = data
		_, err := Open(Options{MetadataURL: url, Root: root, CacheDir: t.TempDir(), HTTP: http.DefaultClient})
		if err != nil {
			return
		}
		ts, perr := metadata.Timestamp().FromBytes(data)
		if perr != nil || rootMeta.VerifyDelegate(metadata.TIMESTAMP, ts) != nil {
			t.Fatalf("accepted a timestamp the root does not vouch for: %q", data)
		}
	})
}
