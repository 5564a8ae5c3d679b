package merge

import "testing"

func TestChanges(t *testing.T) {
	base := []byte("[server]\nhostname = \"localhost\"\nport = 9443\n\n[database]\ntype = \"h2\"\n")
	ours := []byte("[server]\nhostname = \"gw.example.com\"\nport = 9443\n\n[database]\ntype = \"mysql\"\ndriver = \"x\"\n")
	rep, ok := Changes("conf/deployment.toml", base, ours)
	if !ok {
		t.Fatal("Changes: not ok")
	}
	if rep.Format != "toml" || len(rep.Taken) != 0 || len(rep.Conflicts) != 0 {
		t.Fatalf("report %+v", rep)
	}
	got := map[string]string{}
	for _, s := range rep.Kept {
		if s.Theirs != s.Base {
			t.Errorf("%s: theirs %v, want base %v", s.Key, s.Theirs, s.Base)
		}
		got[s.Key] = s.Base.String() + " -> " + s.Ours.String()
	}
	want := map[string]string{
		"server.hostname": `"localhost" -> "gw.example.com"`,
		"database.type":   `"h2" -> "mysql"`,
		"database.driver": `(absent) -> "x"`,
	}
	if len(got) != len(want) {
		t.Errorf("settings %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}

	// Unknown formats, binary files and unreadable files have no report.
	for _, tc := range []struct {
		name       string
		base, ours string
	}{
		{"README.txt", "a\n", "b\n"},
		{"lib/x.jar", "a", "b"},
		{"conf/x.toml", "a = 1\n", "a = \x00\n"},
		{"conf/x.toml", "a = 1\n", "a = [\n"},
	} {
		if rep, ok := Changes(tc.name, []byte(tc.base), []byte(tc.ours)); ok {
			t.Errorf("Changes(%s, %q, %q) = %+v, want not ok", tc.name, tc.base, tc.ours, rep)
		}
	}
	// Unchanged: an empty report.
	if rep, ok := Changes("a.properties", []byte("a=1\n"), []byte("a = 1\n")); !ok || len(rep.Kept) != 0 {
		t.Errorf("same settings: %+v %v", rep, ok)
	}
}

func TestKnowsFormat(t *testing.T) {
	for name, want := range map[string]bool{"a.toml": true, "b/C.XML": true, "x.yml": true, "x.json": true,
		"p.properties": true, "a.txt": false, "a.toml.j2": false, "lib/x.jar": false, "noext": false} {
		if got := KnowsFormat(name); got != want {
			t.Errorf("KnowsFormat(%q) = %v", name, got)
		}
	}
}
