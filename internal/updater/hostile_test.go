package updater

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/client"
	"inplace/internal/home"
)

// hostileServer answers the update list with the given body, and every
// pristine request with "absent", so that a bad answer is the only thing
// standing between the tool and the disk.
func hostileServer(t *testing.T, updates string) *client.Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/products/{p}/updates", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, updates)
	})
	mux.HandleFunc("POST /v1/products/{p}/pristine", func(w http.ResponseWriter, r *http.Request) {
		var req api.PristineRequest
		json.NewDecoder(r.Body).Decode(&req)
		resp := api.PristineResponse{Entries: map[string]*api.Entry{}}
		for _, p := range req.Paths {
			resp.Entries[p] = nil
		}
		json.NewEncoder(w).Encode(resp)
	})
	mux.HandleFunc("GET /v1/blobs/{sha}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "pwned")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUpdateRefusesHostileAnswers(t *testing.T) {
	const sha = "6a1f2b9b8e07b0d1f7c3ad2ee4b5f1d39a6c2d7e1bb2f2b0f41d2f0c6f0c9b7a"
	file := func(p string) string {
		return `{"path":"` + p + `","kind":"file","mode":420,"sha256":"` + sha + `","size":5}`
	}
	tests := []struct{ name, body, msg string }{
		{"path climbing out", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[` + file("../outside.txt") + `]}]}`, "bad path"},
		{"absolute path", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[` + file("/etc/outside.txt") + `]}]}`, "bad path"},
		{"the tool's own files", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[` + file("updates/state.json") + `]}]}`, "bad path"},
		{"link out of the product", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[{"path":"lib/x","kind":"symlink","target":"../../etc"}]}]}`, "bad link"},
		{"another product", `{"updates":[{"product":"q-1","number":1,"timestamp":10,"files":[` + file("a") + `]}]}`, "of product"},
		{"an older level", `{"updates":[{"product":"p-1","number":1,"timestamp":0,"files":[` + file("a") + `]}]}`, "outside"},
		{"not JSON", `<html>`, "bad answer"},
		{"unknown kind", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[{"path":"a","kind":"device"}]}]}`, "unknown kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "home")
			os.MkdirAll(filepath.Join(dir, "updates"), 0o755)
			os.WriteFile(filepath.Join(dir, "updates", "product.txt"), []byte("p-1\n"), 0o644)
			h, err := home.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			u := &Updater{Home: h, Product: "p-1", Src: hostileServer(t, tc.body), Channel: "full", Out: io.Discard, Log: io.Discard}
			_, err = u.Update(context.Background(), UpdateOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Update = %v; want an error saying %q", err, tc.msg)
			}
			var names []string
			filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { names = append(names, p); return nil })
			if len(names) != 4 { // root, home, updates, product.txt
				t.Errorf("files appeared: %v", names)
			}
		})
	}
}

// FuzzCheckUpdates decodes arbitrary update lists as the client would and
// checks that whatever checkUpdates accepts names only clean paths inside
// the product, outside the tool's own files, and links that stay inside.
func FuzzCheckUpdates(f *testing.F) {
	f.Add([]byte(`{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[{"path":"a/b","kind":"file","sha256":"00","size":1}]}]}`))
	f.Add([]byte(`{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[{"path":"lib/x","kind":"symlink","target":"../a"}]}]}`))
	f.Add([]byte(`{"updates":[{"product":"p-1","number":2,"timestamp":5,"files":[{"path":"../x","remove":true}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var l api.UpdateList
		if json.Unmarshal(data, &l) != nil {
			return
		}
		if checkUpdates("p-1", 0, 0, l.Updates) != nil {
			return
		}
		for _, u := range l.Updates {
			for _, c := range u.Files {
				if p, err := api.CleanPath(c.Path); err != nil || p != c.Path || api.ToolPath(p) {
					t.Fatalf("accepted path %q", c.Path)
				}
				if !c.Remove && c.Kind == api.KindSymlink && api.CheckLinkTarget(c.Path, c.Target) != nil {
					t.Fatalf("accepted link %q -> %q", c.Path, c.Target)
				}
			}
		}
	})
}
