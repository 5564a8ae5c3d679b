package api

import (
	"path"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	good := map[string]string{
		"a":               "a",
		"repository/conf": "repository/conf",
		"a//b/./c":        "a/b/c",
		"a/b/":            "a/b",
	}
	for in, want := range good {
		if got, err := CleanPath(in); err != nil || got != want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "/etc/passwd", "../x", "a/../../x", "a/..", `a\b`, "C:/x", "a\x00b"} {
		if got, err := CleanPath(in); err == nil {
			t.Errorf("CleanPath(%q) = %q, want an error", in, got)
		}
	}
}

func TestCheckLinkTarget(t *testing.T) {
	ok := [][2]string{{"lib/a.jar", "../repository/x.jar"}, {"a", "b"}, {"a/b/c", "../../d"}}
	for _, c := range ok {
		if err := CheckLinkTarget(c[0], c[1]); err != nil {
			t.Errorf("CheckLinkTarget(%q, %q) = %v", c[0], c[1], err)
		}
	}
	bad := [][2]string{{"lib/a.jar", "../../etc"}, {"a", "/etc/passwd"}, {"a", ""}, {"a", `..\x`}, {"a", ".."}}
	for _, c := range bad {
		if err := CheckLinkTarget(c[0], c[1]); err == nil {
			t.Errorf("CheckLinkTarget(%q, %q) accepted", c[0], c[1])
		}
	}
}

func TestToolPath(t *testing.T) {
	for p, want := range map[string]bool{
		"updates": true, "updates/product.txt": true, "bin/update_linux": true, "bin/update_windows.exe": true,
		"bin/update_darwin_arm64": true, "bin/update_notes.txt": false, "updatesx": false, "bin/server.sh": false,
	} {
		if ToolPath(p) != want {
			t.Errorf("ToolPath(%q) = %v", p, !want)
		}
	}
}

// FuzzCleanPath: whatever CleanPath accepts is relative, clean, and stays
// inside its root.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b", "../a", "a/./b//c", "/x", `a\b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, err := CleanPath(p)
		if err != nil {
			return
		}
		if strings.HasPrefix(c, "/") || c == ".." || strings.HasPrefix(c, "../") || path.Clean(c) != c || c == "." {
			t.Fatalf("CleanPath(%q) = %q", p, c)
		}
	})
}
