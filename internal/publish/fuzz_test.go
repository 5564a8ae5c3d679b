package publish

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"inplace/internal/api"
)

func FuzzParseDescriptor(f *testing.F) {
	seed, err := os.ReadFile("testdata/update.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(""))
	f.Add([]byte("security: true\n"))
	f.Add([]byte("bug_fixes:\n  A: &x y\n  B: *x\n"))
	f.Add([]byte("removed_files: [a, a]\n"))
	f.Add([]byte("description: x\n---\ndescription: y\n"))
	f.Add([]byte("bug_fixes: {A: [1, 2]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDescriptor(b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range d.RemovedFiles {
			if c, err := api.CleanPath(p); err != nil || c != p || api.ToolPath(p) || seen[p] {
				t.Fatalf("accepted removed path %q", p)
			}
			seen[p] = true
		}
		ids := map[string]bool{}
		for _, b := range d.BugFixes {
			if strings.TrimSpace(b.ID) == "" || ids[b.ID] {
				t.Fatalf("accepted bug id %q", b.ID)
			}
			ids[b.ID] = true
		}
	})
}

func FuzzReadZip(f *testing.F) {
	f.Add(zipBytes(f, "wso2am-4.2.0/", baseFiles))
	f.Add(zipBytes(f, "", map[string]string{"update.yaml": "description: x\n", "files/a/b": "b", "files/a/l": "->b"}))
	f.Add(zipBytes(f, "", map[string]string{"a": "->../../x"}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add(lyingZip(f, rawEntry{"a", make([]byte, 1000), 10}))
	f.Add(lyingZip(f, rawEntry{"lib/A", []byte("A"), 1}, rawEntry{"lib/a", []byte("a"), 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		nodes, err := readZip(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		paths := map[string]bool{}
		for _, n := range nodes {
			if c, err := api.CleanPath(n.path); err != nil || c != n.path {
				t.Fatalf("accepted path %q", n.path)
			}
			if paths[n.path] {
				t.Fatalf("path %q twice", n.path)
			}
			paths[n.path] = true
			switch n.kind {
			case api.KindSymlink:
				if err := api.CheckLinkTarget(n.path, n.target); err != nil {
					t.Fatalf("accepted link: %v", err)
				}
			case api.KindFile:
				if n.mode != 0o644 && n.mode != 0o755 {
					t.Fatalf("mode %o", n.mode)
				}
				hashNode(n) // may fail on a corrupt entry, must not panic
			default:
				t.Fatalf("kind %q", n.kind)
			}
		}
	})
}
