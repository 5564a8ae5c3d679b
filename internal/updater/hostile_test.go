package updater

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inplace/internal/api"
	"inplace/internal/home"
)

// hostileSource answers the update list with the given body (decoded as
// the client decodes a server's answer), every pristine request with
// "absent" and every blob with other bytes, so that the updater's own
// checks are all that stands between a descriptor and the disk: the
// defence behind the signatures (internal/trust), for a descriptor the
// vendor's keys signed by mistake.
type hostileSource struct{ body string }

func (s hostileSource) Updates(ctx context.Context, product string, after, upto int64) ([]api.Update, error) {
	var l api.UpdateList
	if err := json.Unmarshal([]byte(s.body), &l); err != nil {
		return nil, fmt.Errorf("bad answer: %v", err)
	}
	return l.Updates, nil
}

func (hostileSource) Pristine(ctx context.Context, product string, applied []api.Update, paths []string) (map[string]*api.Entry, error) {
	return map[string]*api.Entry{}, nil
}

func (hostileSource) PristineTree(ctx context.Context, product string, applied []api.Update) ([]api.Entry, error) {
	return nil, nil
}

func (hostileSource) Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error {
	_, err := io.WriteString(w, "pwned")
	return err
}

func (hostileSource) Fetch(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error {
	return os.WriteFile(name, []byte("pwned"), 0o644)
}

func (hostileSource) LatestTool(ctx context.Context, goos, goarch string) (*api.ToolRelease, error) {
	return nil, nil
}

func TestUpdateRefusesHostileAnswers(t *testing.T) {
	const sha = "6a1f2b9b8e07b0d1f7c3ad2ee4b5f1d39a6c2d7e1bb2f2b0f41d2f0c6f0c9b7a"
	file := func(p string) string {
		return `{"path":"` + p + `","kind":"file","mode":420,"sha256":"` + sha + `","size":5}`
	}
	one := func(files string) string {
		return `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[` + files + `]}]}`
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
		{"a Windows device name", one(file("lib/CON.txt")), "bad path"},
		{"a device name with an extension", one(file("lib/com1.jar")), "bad path"},
		{"a drive letter", one(file("C:evil.txt")), "bad path"},
		{"a drive letter and slash", one(file("c:/evil.txt")), "bad path"},
		{"a UNC path", one(file("//server/share/evil.txt")), "bad path"},
		{"a backslash UNC path", one(file(`\\\\server\\share\\evil.txt`)), "bad path"},
		{"a backslash", one(file(`lib\\..\\..\\evil.txt`)), "bad path"},
		{"NUL in a path", one(file(`lib/a\u0000.jar`)), "bad path"},
		{"an alternate data stream", one(file("lib/a.jar:evil")), "bad path"},
		{"a trailing dot", one(file("lib/a.jar.")), "bad path"},
		{"a trailing space", one(file("lib /a.jar")), "bad path"},
		{"a short name for the tool's folder", one(file("UPDATE~1/state.json")), "bad path"},
		{"the tool's folder by case", one(file("Updates/state.json")), "bad path"},
		{"the tool's binary by case", one(file("bin/UPDATE_WINDOWS.EXE")), "bad path"},
		{"an invisible character", one(file(`up\u200cdates/state.json`)), "bad path"},
		{"a link to a device", one(`{"path":"lib/x","kind":"symlink","target":"NUL"}`), "bad link"},
		{"a link through a link", one(`{"path":"lib/up","kind":"symlink","target":".."},{"path":"lib/evil","kind":"symlink","target":"up/../.."}`), "bad link"},
		{"a file inside a link", one(`{"path":"lib/up","kind":"symlink","target":".."},` + file("lib/up/evil.txt")), "a symbolic link that update 1 brings"},
		{"a link inside a link of an earlier update", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[{"path":"a","kind":"symlink","target":"."}]},` +
			`{"product":"p-1","number":2,"timestamp":20,"files":[{"path":"a/l","kind":"symlink","target":".."}]}]}`, "update 2 puts a/l inside a"},
		{"names differing only by case", one(file("lib/A.jar") + "," + file("lib/a.jar")), "differ only by case"},
		{"names differing only by case in two updates", `{"updates":[{"product":"p-1","number":1,"timestamp":10,"files":[{"path":"lib/A.jar","remove":true}]},` +
			`{"product":"p-1","number":2,"timestamp":20,"files":[` + file("lib/a.jar") + `]}]}`, "update up to level 10 first (-t 10)"},
	}
	// As on Windows and macOS, where names that differ only by case are one file.
	defer func(was bool) { caseInsensitive = was }(caseInsensitive)
	caseInsensitive = true
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
			u := &Updater{Home: h, Product: "p-1", Src: hostileSource{tc.body}, Channel: "full", Out: io.Discard, Log: io.Discard}
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
