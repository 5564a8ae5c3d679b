package merge

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// This file generates TOML merges: a base document of about 60 settings
// in the shape of a product's deployment.toml, and two sides that each
// make random edits of it (change, add and remove settings, add and remove
// tables, reorder, edit comments and spacing).

// A tomlGenDoc is a generated TOML document: its tables in order, the
// first being the root table.
type tomlGenDoc struct {
	tables []*tomlGenTable
	crlf   bool
}

// A tomlGenTable is a table: the comment lines above its header, the
// header ("" for the root table) and its lines.
type tomlGenTable struct {
	comments []string
	header   string
	items    []tomlGenItem
}

// A tomlGenItem is a line of a table: a setting, or a comment when key is
// empty.
type tomlGenItem struct {
	comment  string
	key      string
	sep      string // " = ", "= ", "="
	value    string
	trailing string // a comment after the value
}

func (d *tomlGenDoc) clone() *tomlGenDoc {
	c := &tomlGenDoc{crlf: d.crlf}
	for _, t := range d.tables {
		c.tables = append(c.tables, &tomlGenTable{slices.Clone(t.comments), t.header, slices.Clone(t.items)})
	}
	return c
}

// render writes the document.
func (d *tomlGenDoc) render() []byte {
	var b strings.Builder
	for i, t := range d.tables {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, c := range t.comments {
			b.WriteString(c + "\n")
		}
		if t.header != "" {
			b.WriteString(t.header + "\n")
		}
		for _, it := range t.items {
			if it.key == "" {
				b.WriteString(it.comment + "\n")
				continue
			}
			b.WriteString(it.key + it.sep + it.value + it.trailing + "\n")
		}
	}
	s := b.String()
	if d.crlf {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	return []byte(s)
}

// tomlGenKeys and tomlGenHeaders are the names generated documents use;
// edits draw new names from the same lists, so both sides sometimes add
// the same setting or table.
var (
	tomlGenKeys    = []string{"enable", "url", "username", "password", "type", "port", "timeout", "pool.max", "pool.min", "hosts", "description", "expiry_time", "retries", "mode", "level", "path", "alias"}
	tomlGenHeaders = []string{"[server]", "[database.apim_db]", "[database.shared_db]", "[keystore.tls]", "[apim.cors]", "[apim.devportal]", "[apim.analytics]", "[apim.key_manager]", "[transport.http]", "[oauth.token]", "[apim.cache.resource]", "[[apim.gateway.environment]]", "[[event_handler]]", "[apim.gateway.environment.properties]"}
)

// tomlGenValue returns a random value, sometimes spanning lines.
func tomlGenValue(rng *rand.Rand) string {
	switch rng.IntN(40) {
	case 0, 1, 2:
		return fmt.Sprintf("%q", fmt.Sprintf("value-%d", rng.IntN(6)))
	case 3, 4:
		return fmt.Sprint(rng.IntN(100))
	case 5:
		return []string{"true", "false"}[rng.IntN(2)]
	case 6:
		return fmt.Sprintf(`["a%d", "b%d"]`, rng.IntN(3), rng.IntN(3))
	case 7:
		return fmt.Sprintf("[\n  \"x%d\",\n  # a comment in an array\n  \"y%d\",\n]", rng.IntN(3), rng.IntN(3))
	case 8:
		return fmt.Sprintf("\"\"\"\nline one %d\n[not.a.table]\n\"\"\"", rng.IntN(3))
	case 9:
		return fmt.Sprintf("{ a = %d, b = \"c\" }", rng.IntN(3))
	case 10:
		return fmt.Sprintf("'%d.%d'", rng.IntN(3), rng.IntN(3))
	case 11:
		return fmt.Sprintf("%d.5", rng.IntN(5))
	default:
		return fmt.Sprintf("%q", fmt.Sprintf("setting-%d", rng.IntN(50)))
	}
}

// tomlGenBase generates a base document of about 60 settings.
func tomlGenBase(rng *rand.Rand) *tomlGenDoc {
	d := &tomlGenDoc{}
	root := &tomlGenTable{comments: []string{"# Generated deployment.toml"}}
	root.items = append(root.items, tomlGenItem{key: "version", sep: " = ", value: `"1.0"`})
	d.tables = append(d.tables, root)
	envs := 0
	for len(d.tables) < 12 {
		h := tomlGenHeaders[rng.IntN(len(tomlGenHeaders))]
		if !strings.HasPrefix(h, "[[") && slices.ContainsFunc(d.tables, func(t *tomlGenTable) bool { return t.header == h }) {
			continue
		}
		if h == "[apim.gateway.environment.properties]" && d.tables[len(d.tables)-1].header != "[[apim.gateway.environment]]" {
			continue
		}
		t := &tomlGenTable{header: h}
		if rng.IntN(3) == 0 {
			t.comments = []string{fmt.Sprintf("# About %s", strings.Trim(h, "[]"))}
		}
		if h == "[[apim.gateway.environment]]" {
			t.items = append(t.items, tomlGenItem{key: "name", sep: " = ", value: fmt.Sprintf("%q", fmt.Sprintf("env%d", envs))})
			envs++
		}
		tomlGenFill(rng, t, 3+rng.IntN(5))
		d.tables = append(d.tables, t)
	}
	return d
}

// tomlGenFill adds n settings (and a few comments) to t.
func tomlGenFill(rng *rand.Rand, t *tomlGenTable, n int) {
	for range n {
		tomlGenAddKey(rng, t)
		if rng.IntN(5) == 0 {
			t.items = append(t.items, tomlGenItem{comment: fmt.Sprintf("#%s = %d", tomlGenKeys[rng.IntN(len(tomlGenKeys))], rng.IntN(9))})
		}
	}
}

// tomlGenAddKey adds a setting with a name t lacks at a random place of t,
// sometimes with a comment above it.
func tomlGenAddKey(rng *rand.Rand, t *tomlGenTable) {
	for range 10 {
		k := tomlGenKeys[rng.IntN(len(tomlGenKeys))]
		if slices.ContainsFunc(t.items, func(it tomlGenItem) bool {
			return it.key == k || strings.HasPrefix(it.key, k+".") || strings.HasPrefix(k, it.key+".")
		}) {
			continue
		}
		at := len(t.items)
		if rng.IntN(2) == 0 {
			at = rng.IntN(len(t.items) + 1)
		}
		items := []tomlGenItem{{key: k, sep: " = ", value: tomlGenValue(rng)}}
		if rng.IntN(3) == 0 {
			items = append([]tomlGenItem{{comment: "# " + k + " says how"}}, items...)
		}
		t.items = slices.Insert(t.items, at, items...)
		return
	}
}

// tomlGenEdit makes one random edit of d.
func tomlGenEdit(rng *rand.Rand, d *tomlGenDoc) {
	t := d.tables[rng.IntN(len(d.tables))]
	kvs := []int{}
	for i, it := range t.items {
		if it.key != "" {
			kvs = append(kvs, i)
		}
	}
	switch rng.IntN(11) {
	case 0, 1: // change a value
		if len(kvs) > 0 {
			t.items[kvs[rng.IntN(len(kvs))]].value = tomlGenValue(rng)
		}
	case 2: // add a setting
		tomlGenAddKey(rng, t)
	case 3: // remove a setting
		if len(kvs) > 0 {
			i := kvs[rng.IntN(len(kvs))]
			t.items = slices.Delete(t.items, i, i+1)
		}
	case 4: // comment a setting out
		if len(kvs) > 0 {
			i := kvs[rng.IntN(len(kvs))]
			it := t.items[i]
			if !strings.Contains(it.value, "\n") {
				t.items[i] = tomlGenItem{comment: "#" + it.key + it.sep + it.value}
			}
		}
	case 5: // add a table
		nt := &tomlGenTable{header: tomlGenHeaders[rng.IntN(len(tomlGenHeaders))]}
		if rng.IntN(2) == 0 {
			nt.comments = []string{"# a new table"}
		}
		if nt.header == "[[apim.gateway.environment]]" {
			// Mostly a name no element has: two elements of one
			// name make the merge fall back.
			nt.items = append(nt.items, tomlGenItem{key: "name", sep: " = ", value: fmt.Sprintf("%q", fmt.Sprintf("env%d", 5+rng.IntN(20)))})
		}
		tomlGenFill(rng, nt, 1+rng.IntN(3))
		at := len(d.tables)
		if rng.IntN(2) == 0 {
			at = 1 + rng.IntN(len(d.tables))
		}
		d.tables = slices.Insert(d.tables, at, nt)
	case 6: // remove a table
		if len(d.tables) > 1 {
			i := 1 + rng.IntN(len(d.tables)-1)
			d.tables = slices.Delete(d.tables, i, i+1)
		}
	case 7: // reorder two lines of a table, or two tables
		if rng.IntN(2) == 0 && len(t.items) > 1 {
			i := rng.IntN(len(t.items) - 1)
			t.items[i], t.items[i+1] = t.items[i+1], t.items[i]
		} else if len(d.tables) > 2 {
			i := 1 + rng.IntN(len(d.tables)-2)
			d.tables[i], d.tables[i+1] = d.tables[i+1], d.tables[i]
		}
	case 8: // edit, add or remove a comment
		switch {
		case len(t.comments) > 0 && rng.IntN(2) == 0:
			t.comments[0] += " (edited)"
		case rng.IntN(2) == 0:
			t.items = slices.Insert(t.items, rng.IntN(len(t.items)+1), tomlGenItem{comment: "# note " + fmt.Sprint(rng.IntN(9))})
		default:
			t.comments = nil
		}
	case 9: // reformat a setting
		if len(kvs) > 0 {
			i := kvs[rng.IntN(len(kvs))]
			t.items[i].sep = []string{" = ", "= ", "=", "  =  "}[rng.IntN(4)]
			if rng.IntN(2) == 0 {
				t.items[i].trailing = " # why"
			}
		}
	default: // change a value the other side may also change
		for _, tt := range d.tables {
			for i := range tt.items {
				if tt.items[i].key == "enable" {
					tt.items[i].value = []string{"true", "false"}[rng.IntN(2)]
				}
			}
		}
	}
}

// tomlGenSide returns base with up to six random edits that keep it valid
// TOML.
func tomlGenSide(rng *rand.Rand, base *tomlGenDoc) *tomlGenDoc {
	d := base.clone()
	for range rng.IntN(7) {
		next := d.clone()
		tomlGenEdit(rng, next)
		var v map[string]any
		if toml.Unmarshal(next.render(), &v) == nil {
			d = next
		}
	}
	return d
}

// tomlGenCase generates one merge: base, ours and theirs.
func tomlGenCase(seed uint64) (base, ours, theirs []byte) {
	rng := rand.New(rand.NewPCG(seed, 0x70a1))
	b := tomlGenBase(rng)
	o, t := tomlGenSide(rng, b), tomlGenSide(rng, b)
	if rng.IntN(8) == 0 {
		o.crlf = true // the customer's editor wrote CRLF
	}
	out := o.render()
	if rng.IntN(6) == 0 {
		out = []byte(strings.TrimRight(string(out), "\r\n")) // no final newline
	}
	return b.render(), out, t.render()
}

// TestTOMLGenerated merges generated cases and checks them setting by
// setting, as the corpus test does, and line by line; for some it checks
// the merges with one side equal to base, or both sides equal.
func TestTOMLGenerated(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	var clean, conflicting, fallbacks int
	reasons := map[string]int{}
	for seed := range uint64(n) {
		base, ours, theirs := tomlGenCase(seed)
		name := fmt.Sprintf("seed %d", seed)
		_, rep, fellBack := tomlTestMerge(t, name, base, ours, theirs)
		switch {
		case fellBack:
			fallbacks++
			_, _, err := mergeTOML(base, ours, theirs)
			reasons[tomlReasonKind(err.Error())]++
		case len(rep.Conflicts) > 0:
			conflicting++
		default:
			clean++
		}
		if seed%10 == 0 {
			tomlAssertKeeps(t, base, ours)
			tomlAssertTakes(t, "merge(base, base, theirs)", base, base, theirs, theirs)
			tomlAssertTakes(t, "merge(base, ours, ours)", base, ours, ours, ours)
		}
		if t.Failed() {
			t.Logf("base:\n%s\nours:\n%s\ntheirs:\n%s", base, ours, theirs)
			t.FailNow()
		}
	}
	t.Logf("%d generated cases: %d clean, %d with conflicts, %d fallbacks %v", n, clean, conflicting, fallbacks, reasons)
	if fallbacks > n/20 {
		t.Errorf("%d of %d generated cases fell back, want at most 5%%", fallbacks, n)
	}
}

// tomlReasonKind shortens a fallback message to its kind, for counting.
func tomlReasonKind(msg string) string {
	msg = strings.TrimPrefix(msg, ErrFallback.Error()+": toml: ")
	if i := strings.IndexAny(msg, ":"); i > 0 {
		msg = msg[:i]
	}
	fields := strings.Fields(msg)
	if len(fields) > 4 {
		fields = fields[:4]
	}
	return strings.Join(fields, " ")
}
