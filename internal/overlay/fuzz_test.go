package overlay

import (
	"os"
	"reflect"
	"testing"

	"inplace/internal/api"
)

// FuzzOverlay feeds Parse arbitrary manifests: it must never panic, and
// what it accepts must hold only clean paths inside the home, none of them
// the tool's, and must read back the same after Marshal.
func FuzzOverlay(f *testing.F) {
	if b, err := os.ReadFile("testdata/good.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(manifest(added("a"))))
	f.Add([]byte(manifest(added("../a"))))
	f.Add([]byte(manifest(added("updates/x"))))
	f.Add([]byte(manifest(`{"path":"l","kind":"added","local":{"type":"symlink","size":0,"target":"x"}},` + added("l/f"))))
	f.Add([]byte(manifest(`{"path":"a","kind":"modified","pristine":{"type":"symlink","size":0,"target":"b"},"local":{"type":"symlink","size":0,"target":"c"}}`)))
	f.Add([]byte(`{"format":1,"product":"p","level":0,"files":null}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if c, err := api.CleanPath(file.Path); err != nil || c != file.Path || api.ToolPath(file.Path) {
				t.Fatalf("accepted path %q", file.Path)
			}
			if file.Local != nil && file.Local.Type == api.KindSymlink {
				if err := api.CheckLinkTarget(file.Path, file.Local.Target); err != nil {
					t.Fatalf("accepted link %s -> %s: %v", file.Path, file.Local.Target, err)
				}
			}
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse of its own Marshal: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip differs:\n%+v\n%+v", again, m)
		}
	})
}
