package rules

import (
	"strings"
	"testing"
)

func TestParseAndAction(t *testing.T) {
	rs, err := Parse(strings.NewReader(`
# site policy
repository/conf/deployment.toml   merge
repository/conf/security/*.xml    ours
**/log4j2.properties              theirs
bin/*.sh	conflict
`), "merge-rules")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		"repository/conf/deployment.toml":             Merge,
		"repository/conf/security/authenticators.xml": Ours,
		"repository/conf/security/x/y.xml":            Merge,
		"repository/conf/log4j2.properties":           Theirs,
		"log4j2.properties":                           Theirs,
		"bin/server.sh":                               Conflict,
		"bin/sub/server.sh":                           Merge,
		"README.txt":                                  Merge,
	} {
		if got, _ := rs.Action(p); got != want {
			t.Errorf("Action(%q) = %s, want %s", p, got, want)
		}
	}
	if _, r := rs.Action("bin/server.sh"); r == nil || r.Line != 6 {
		t.Errorf("rule of bin/server.sh = %+v, want line 6", r)
	}
}

func TestParseErrors(t *testing.T) {
	for in, msg := range map[string]string{
		"a/b keep\n":                          `merge-rules:1: unknown action "keep"`,
		"\n\na/b\n":                           "merge-rules:3: want",
		"a b c\n":                             "merge-rules:1: want",
		"/etc/x ours\n":                       "relative to PRODUCT_HOME",
		"a/[ ours\n":                          "syntax error",
		strings.Repeat("x", 5000) + " ours\n": "token too long",
	} {
		_, err := Parse(strings.NewReader(in), "merge-rules")
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse(%.30q) = %v, want %q", in, err, msg)
		}
	}
}

// FuzzParse: any input parses or gives an error naming a line; matching
// what parsed never panics.
func FuzzParse(f *testing.F) {
	f.Add("**/a.xml ours\n# c\nb/*.sh theirs\n", "x/a.xml")
	f.Add("[ merge", "a")
	f.Fuzz(func(t *testing.T, in, p string) {
		rs, err := Parse(strings.NewReader(in), "r")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "r:") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		a, _ := rs.Action(p)
		switch a {
		case Merge, Ours, Theirs, Conflict:
		default:
			t.Fatalf("action %q", a)
		}
	})
}
