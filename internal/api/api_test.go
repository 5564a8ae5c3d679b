package api

import (
	"errors"
	"path"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanPath(t *testing.T) {
	good := map[string]string{
		"a":                            "a",
		"repository/conf":              "repository/conf",
		"a//b/./c":                     "a/b/c",
		"a/b/":                         "a/b",
		".hidden":                      ".hidden",
		"lib/a.b.c.jar":                "lib/a.b.c.jar",
		"lib/console.jar":              "lib/console.jar",
		"lib/COM10.txt":                "lib/COM10.txt",
		"lib/LPT.txt":                  "lib/LPT.txt",
		"lib/nulls":                    "lib/nulls",
		"docs/résumé.txt":              "docs/résumé.txt",
		"a~b/x~1y":                     "a~b/x~1y",
		"lib/longer-name~1.jar":        "lib/longer-name~1.jar",
		"lib/ABC~1.tar.gz":             "lib/ABC~1.tar.gz",
		"repository/conf/a b/c d.toml": "repository/conf/a b/c d.toml",
	}
	for in, want := range good {
		if got, err := CleanPath(in); err != nil || got != want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{ // path -> what the error says
		"":                    "empty",
		".":                   "names the root",
		"./":                  "names the root",
		"/etc/passwd":         "absolute",
		"//server/share/x":    "absolute",
		"../x":                "contains ..",
		"a/../../x":           "contains ..",
		"a/..":                "contains ..",
		"..":                  "contains ..",
		`a\b`:                 "backslash",
		`\\server\share\x`:    "backslash",
		`..\x`:                "backslash",
		"C:/x":                "colon",
		"c:/x":                "colon",
		"C:foo":               "colon",
		"a/b:stream":          "colon",
		"a/b::$DATA":          "colon",
		"a\x00b":              "NUL",
		"a\x01b":              "control character",
		"a\nb":                "control character",
		"a\x7fb":              "control character",
		"a\u0085b":            "control character",
		"a\xffb":              "UTF-8",
		"up\u200cdates/x":     "invisible",
		"a\ufeffb":            "invisible",
		"a\u202eb":            "invisible",
		"a<b":                 "not allowed in Windows",
		"a>b":                 "not allowed in Windows",
		`a"b`:                 "not allowed in Windows",
		"a|b":                 "not allowed in Windows",
		"a?b":                 "not allowed in Windows",
		"a*b":                 "not allowed in Windows",
		"lib/a.jar.":          "ends in a dot or a space",
		"lib/a.jar ":          "ends in a dot or a space",
		"lib./a.jar":          "ends in a dot or a space",
		"lib /a.jar":          "ends in a dot or a space",
		"...":                 "ends in a dot or a space",
		"CON":                 "device name",
		"con":                 "device name",
		"lib/NUL":             "device name",
		"lib/nul.txt":         "device name",
		"lib/Nul.tar.gz":      "device name",
		"AUX/x":               "device name",
		"prn.log":             "device name",
		"lib/COM1":            "device name",
		"lib/com9.jar":        "device name",
		"lib/COM0":            "device name",
		"lib/LPT1":            "device name",
		"lib/lpt1.txt":        "device name",
		"lib/COM\u00b9":       "device name",
		"lib/LPT\u00b3.txt":   "device name",
		"lib/NUL .txt":        "device name",
		"CONIN$":              "device name",
		"conout$.log":         "device name",
		"lib/con.d/x":         "device name",
		"PROGRA~1/x":          "short name",
		"UPDATE~1/state.json": "short name",
		"lib/ABCDEF~1.JAR":    "short name",
		"lib/a~12":            "short name",
	}
	for in, want := range bad {
		got, err := CleanPath(in)
		if err == nil {
			t.Errorf("CleanPath(%q) = %q, want an error saying %q", in, got, want)
			continue
		}
		if !errors.Is(err, ErrBadPath) || !strings.Contains(err.Error(), want) {
			t.Errorf("CleanPath(%q): %v; want ErrBadPath saying %q", in, err, want)
		}
	}
}

func TestCheckLinkTarget(t *testing.T) {
	ok := [][2]string{
		{"lib/a.jar", "../repository/x.jar"}, {"a", "b"}, {"a/b/c", "../../d"}, {"a/b/c", "../.."},
		{"a/b", "./c"}, {"a/b", "c/d/e"}, {"a", "."}, {"a/b/c", "..//../x/./y"},
	}
	for _, c := range ok {
		if err := CheckLinkTarget(c[0], c[1]); err != nil {
			t.Errorf("CheckLinkTarget(%q, %q) = %v", c[0], c[1], err)
		}
	}
	bad := []struct{ path, target, msg string }{
		{"lib/a.jar", "../../etc", "points outside"},
		{"a", "..", "points outside"},
		{"a/b/c", "../../..", "points outside"},
		{"a", "/etc/passwd", "absolute"},
		{"a", "//server/share", "absolute"},
		{"a", "", "empty target"},
		{"a", `..\x`, "backslash"},
		{"a", `\\server\share`, "backslash"},
		{"a", "C:/Windows", "colon"},
		{"a", "c:x", "colon"},
		{"a", "x\x00y", "NUL"},
		{"a", "NUL", "device name"},
		{"a", "lib/com1.txt", "device name"},
		{"a", "b.", "ends in a dot"},
		{"a", "PROGRA~1", "short name"},
		// Through another link: with lib/up -> .. (the root), lib/up/.. is
		// the root's parent, although path.Clean makes it "lib".
		{"lib/x", "up/..", ".. after a folder name"},
		{"lib/x", "up/../..", ".. after a folder name"},
		{"a/b/c", "d/../../x", ".. after a folder name"},
		{"a/b/c", "../d/../x", ".. after a folder name"},
	}
	for _, c := range bad {
		err := CheckLinkTarget(c.path, c.target)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("CheckLinkTarget(%q, %q) = %v; want an error saying %q", c.path, c.target, err, c.msg)
		}
	}
}

func TestCaseCollisions(t *testing.T) {
	tests := []struct {
		paths []string
		want  [][2]string
	}{
		{[]string{"lib/a.jar", "lib/b.jar", "bin/x"}, nil},
		{[]string{"lib/A.jar", "lib/a.jar"}, [][2]string{{"lib/A.jar", "lib/a.jar"}}},
		{[]string{"LIB/x", "lib/y"}, [][2]string{{"LIB", "lib"}}},
		{[]string{"LIB/x", "lib/x"}, [][2]string{{"LIB", "lib"}, {"LIB/x", "lib/x"}}},
		{[]string{"a", "A", "a"}, [][2]string{{"A", "a"}}},
		{[]string{"docs/ÉTÉ.txt", "docs/été.txt"}, [][2]string{{"docs/ÉTÉ.txt", "docs/été.txt"}}},
		{[]string{"k", "\u212a"}, [][2]string{{"k", "\u212a"}}}, // the Kelvin sign folds to k
		{[]string{"updates", "updateſ"}, [][2]string{{"updates", "updateſ"}}},
		{[]string{"a/b", "a/b"}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		got := CaseCollisions(tt.paths)
		if !slices.Equal(got, tt.want) {
			t.Errorf("CaseCollisions(%q) = %q, want %q", tt.paths, got, tt.want)
		}
	}
	if !CaseInsensitive("windows") || !CaseInsensitive("darwin") || CaseInsensitive("linux") {
		t.Error("CaseInsensitive: want windows and darwin, not linux")
	}
}

func TestCheckUpdateSet(t *testing.T) {
	file := func(p string) Change { return Change{Entry: Entry{Path: p, Kind: KindFile}} }
	removed := func(p string) Change { return Change{Entry: Entry{Path: p}, Remove: true} }
	up := func(n int, ts int64, cs ...Change) Update { return Update{Number: n, Timestamp: ts, Files: cs} }
	link := func(p, target string) Change { return Change{Entry: Entry{Path: p, Kind: KindSymlink, Target: target}} }
	for name, us := range map[string][]Update{
		"the same path in two updates": {up(1, 10, file("lib/a.jar"), file("lib/b.jar")), up(2, 20, file("lib/a.jar"))},
		"a link replaced by a folder":  {up(1, 10, link("lib/x", "a")), up(2, 20, removed("lib/x"), file("lib/x/y"))},
		"a link replaced by a file":    {up(1, 10, link("lib/x", "a")), up(2, 20, file("lib/x"))},
		"a link beside files":          {up(1, 10, link("lib/x", "a"), file("lib/xy"), file("lib/a"))},
	} {
		for _, ci := range []bool{false, true} {
			if err := CheckUpdateSet(us, ci); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	inLink := []struct {
		name string
		us   []Update
		msg  string
	}{
		{"a file inside a link", []Update{up(1, 10, link("lib/up", ".."), file("lib/up/x"))}, "update 1 puts lib/up/x inside lib/up, a symbolic link that update 1 brings"},
		{"a link inside a link", []Update{up(1, 10, link("a", ".")), up(2, 20, link("a/l", ".."))}, "update 2 puts a/l inside a, a symbolic link that update 1 brings"},
		{"deep inside", []Update{up(4, 10, link("a", "b")), up(5, 20, file("a/c/d/e"))}, "inside a,"},
	}
	for _, tt := range inLink {
		err := CheckUpdateSet(tt.us, false)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v; want an error saying %q", tt.name, err, tt.msg)
		}
	}
	lower := []Update{up(1, 10, file("lib/A.jar"), file("lib/a.jar"))}
	if err := CheckUpdateSet(lower, false); err != nil {
		t.Errorf("names differing by case on a case-sensitive system: %v", err)
	}
	tests := []struct {
		name string
		us   []Update
		msg  string
	}{
		{"one update", []Update{up(1, 10, file("lib/A.jar"), file("lib/a.jar"))}, "update 1 touches both lib/A.jar and lib/a.jar"},
		{"a rename by case", []Update{up(3, 30, removed("lib/A.jar"), file("lib/a.jar"))}, "update 3 touches both"},
		{"two updates", []Update{up(1, 10, file("x")), up(2, 20, removed("lib/A.jar")), up(3, 30, file("lib/a.jar"))},
			"update 2 touches lib/A.jar and update 3 touches lib/a.jar, which differ only by case"},
		{"two updates, later first", []Update{up(1, 10, file("lib/b.jar")), up(2, 20, file("lib/B.jar"))}, "(-t 10)"},
		{"folders", []Update{up(1, 10, file("LIB/x")), up(2, 20, file("lib/y"))}, "update 1 touches LIB and update 2 touches lib"},
	}
	for _, tt := range tests {
		err := CheckUpdateSet(tt.us, true)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v; want an error saying %q", tt.name, err, tt.msg)
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

// FuzzCleanPath: whatever CleanPath accepts is relative, clean, stays
// inside its root, is accepted again unchanged, and holds nothing Windows
// or macOS would read differently.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b", "../a", "a/./b//c", "/x", `a\b`, "C:x", "//srv/share", "lib/CON.txt",
		"a.", "a ", "PROGRA~1", "up\u200cdates", "a:b", "COM\u00b9", "résumé"} {
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
		if again, err := CleanPath(c); err != nil || again != c {
			t.Fatalf("CleanPath(%q) = %q, but CleanPath(%q) = %q, %v", p, c, c, again, err)
		}
		if strings.ContainsAny(c, "\\:<>\"|?*\x00") || !utf8.ValidString(c) {
			t.Fatalf("CleanPath(%q) = %q: not portable", p, c)
		}
		for _, part := range strings.Split(c, "/") {
			base, _, _ := strings.Cut(strings.ToUpper(part), ".")
			base = strings.TrimRight(base, " ")
			if part == ".." || strings.HasSuffix(part, ".") || strings.HasSuffix(part, " ") ||
				slices.Contains([]string{"CON", "PRN", "AUX", "NUL", "COM1", "LPT1", "COM9", "LPT9", "CONIN$", "CONOUT$"}, base) {
				t.Fatalf("CleanPath(%q) = %q: element %q", p, c, part)
			}
			for _, r := range part {
				if r < 0x20 || unicode.Is(unicode.Cf, r) {
					t.Fatalf("CleanPath(%q) = %q: character %U", p, c, r)
				}
			}
		}
	})
}

// FuzzCheckLinkTarget: a target CheckLinkTarget accepts is relative, stays
// inside the root once joined to the link's folder, and resolves on a real
// system to the same place even when every folder name in it is a link to
// the root: no ".." follows a folder name.
func FuzzCheckLinkTarget(f *testing.F) {
	for _, s := range [][2]string{{"lib/x", "../a"}, {"lib/x", "up/../.."}, {"a/b/c", "../../d"}, {"a", "/etc"}, {"a", "b/./c"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, p, target string) {
		p, err := CleanPath(p)
		if err != nil || CheckLinkTarget(p, target) != nil {
			return
		}
		j := path.Join(path.Dir(p), target)
		if strings.HasPrefix(target, "/") || j == ".." || strings.HasPrefix(j, "../") || strings.ContainsAny(target, "\\:\x00") {
			t.Fatalf("accepted %s -> %s", p, target)
		}
		named := false
		for _, part := range strings.Split(target, "/") {
			if part == ".." && named {
				t.Fatalf("accepted %s -> %s: .. after a name", p, target)
			}
			named = named || part != "" && part != "." && part != ".."
		}
	})
}

// FuzzCaseCollisions: two paths are reported as a pair exactly when they
// differ and strings.EqualFold says they are equal.
func FuzzCaseCollisions(f *testing.F) {
	f.Add("lib/A.jar", "lib/a.jar")
	f.Add("k", "\u212a")
	f.Add("a", "b")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.Contains(a, "/") || strings.Contains(b, "/") {
			return
		}
		got := len(CaseCollisions([]string{a, b})) > 0
		if want := a != b && strings.EqualFold(a, b); got != want {
			t.Fatalf("CaseCollisions(%q, %q) found a pair: %v, want %v", a, b, got, want)
		}
	})
}
