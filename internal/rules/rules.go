// Package rules reads PRODUCT_HOME/updates/merge-rules: per-path choices of
// what the update tool does with a file that both the customer and the
// update changed. It parses and matches; it never touches files.
//
// The file has one rule a line, a glob and an action, separated by
// whitespace; blank lines and lines starting with # are ignored:
//
//	# site policy
//	repository/conf/deployment.toml   merge
//	repository/conf/security/*.xml     ours
//	**/log4j2.properties               theirs
//	bin/*.sh                           conflict
//
// Globs match slash-separated paths relative to PRODUCT_HOME, with the
// syntax of path.Match in each segment, and ** standing for any number of
// folders. The first rule that matches decides; without one, "merge".
package rules

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// Actions a rule can choose.
const (
	Merge    = "merge"    // merge as usual (the default)
	Ours     = "ours"     // keep the customer's file as it is
	Theirs   = "theirs"   // take the update's file (the customer's goes to the backup)
	Conflict = "conflict" // always leave it to the customer: F.old, F.updated, F.final
)

// Rule is one line of the file.
type Rule struct {
	Glob   string
	Action string
	Line   int
}

// Rules are the rules of a home, in order.
type Rules []Rule

// maxLine bounds a line, so a damaged file cannot fill memory.
const maxLine = 4096

// Parse reads rules; name is used in error messages.
func Parse(r io.Reader, name string) (Rules, error) {
	var rs Rules
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"GLOB ACTION\", got %q", name, n, line)
		}
		switch f[1] {
		case Merge, Ours, Theirs, Conflict:
		default:
			return nil, fmt.Errorf("%s:%d: unknown action %q: use merge, ours, theirs or conflict", name, n, f[1])
		}
		if err := checkGlob(f[0]); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		rs = append(rs, Rule{Glob: f[0], Action: f[1], Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, n+1, err)
	}
	return rs, nil
}

func checkGlob(g string) error {
	if strings.HasPrefix(g, "/") || strings.Contains(g, `\`) {
		return fmt.Errorf("glob %q: use a path relative to PRODUCT_HOME, with /", g)
	}
	for _, seg := range strings.Split(g, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("glob %q: %v", g, err)
		}
	}
	return nil
}

// Action returns the action for a path and the rule that chose it (nil:
// the default, merge).
func (rs Rules) Action(p string) (string, *Rule) {
	for i := range rs {
		if Match(rs[i].Glob, p) {
			return rs[i].Action, &rs[i]
		}
	}
	return Merge, nil
}

// Match reports whether a slash-separated path matches a glob.
func Match(glob, p string) bool {
	return matchSegs(strings.Split(glob, "/"), strings.Split(p, "/"))
}

func matchSegs(g, p []string) bool {
	for len(g) > 0 {
		if g[0] == "**" {
			for i := 0; i <= len(p); i++ {
				if matchSegs(g[1:], p[i:]) {
					return true
				}
			}
			return false
		}
		if len(p) == 0 {
			return false
		}
		if ok, _ := path.Match(g[0], p[0]); !ok {
			return false
		}
		g, p = g[1:], p[1:]
	}
	return len(p) == 0
}
