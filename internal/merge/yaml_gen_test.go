package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file checks the YAML merge on generated files against what
// yaml.v3 makes of the four versions. The generated settings trees, and
// the flattening of decoded documents into settings, serve the JSON tests
// too (json_gen_test.go).

// yamlGenNode is a generated value: a scalar, a mapping, a list of
// scalars, or a list of mappings each with a unique "name".
type yamlGenNode struct {
	kind    int // yamlGenScalar ...
	value   any // a scalar's: string, int, bool or float64
	entries []*yamlGenEntry
	items   []*yamlGenNode
}

const (
	yamlGenScalar = iota
	yamlGenMap
	yamlGenList
	yamlGenKeyed
)

// yamlGenEntry is one entry of a generated mapping.
type yamlGenEntry struct {
	key     string
	comment string // a comment line above the entry (YAML only), or ""
	value   *yamlGenNode
}

// clone returns a deep copy.
func (n *yamlGenNode) clone() *yamlGenNode {
	c := *n
	c.entries = nil
	for _, e := range n.entries {
		ce := *e
		ce.value = e.value.clone()
		c.entries = append(c.entries, &ce)
	}
	c.items = nil
	for _, it := range n.items {
		c.items = append(c.items, it.clone())
	}
	return &c
}

var yamlGenWords = strings.Fields("server port host url user pool size timeout level logging datasource " +
	"cache store path enabled retries driver handler queue topic region zone")

// yamlGenScalarValue returns a random scalar; tag marks strings so that
// the two sides' changes differ.
func yamlGenScalarValue(r *rand.Rand, tag string) any {
	switch r.IntN(7) {
	case 0:
		return r.IntN(10000)
	case 1:
		return r.IntN(2) == 0
	case 2:
		return float64(r.IntN(100)) + 0.5
	case 3:
		return "first line " + tag + "\nsecond line\n"
	}
	return strings.TrimSpace(yamlGenWords[r.IntN(len(yamlGenWords))] + " " + tag)
}

// yamlGenValue returns a random value; deeper values are simpler.
func yamlGenValue(r *rand.Rand, depth int, tag string) *yamlGenNode {
	k := r.IntN(10)
	switch {
	case depth >= 3 || k < 5:
		return &yamlGenNode{kind: yamlGenScalar, value: yamlGenScalarValue(r, tag)}
	case k < 7:
		return yamlGenMapping(r, depth, 1+r.IntN(4), tag)
	case k < 8:
		n := &yamlGenNode{kind: yamlGenList}
		for range 1 + r.IntN(3) {
			n.items = append(n.items, &yamlGenNode{kind: yamlGenScalar, value: yamlGenScalarValue(r, tag)})
		}
		return n
	}
	n := &yamlGenNode{kind: yamlGenKeyed}
	for range 1 + r.IntN(3) {
		yamlGenAddItem(n, r, depth, tag)
	}
	return n
}

// yamlGenMapping returns a mapping of about size random entries.
func yamlGenMapping(r *rand.Rand, depth, size int, tag string) *yamlGenNode {
	n := &yamlGenNode{kind: yamlGenMap}
	for range size {
		yamlGenAddEntry(n, r, depth, tag)
	}
	return n
}

// yamlGenAddEntry adds an entry with a new key at a random place.
func yamlGenAddEntry(n *yamlGenNode, r *rand.Rand, depth int, tag string) {
	k := yamlGenWords[r.IntN(len(yamlGenWords))]
	if slices.ContainsFunc(n.entries, func(e *yamlGenEntry) bool { return e.key == k }) {
		return
	}
	e := &yamlGenEntry{key: k, value: yamlGenValue(r, depth+1, tag)}
	if r.IntN(3) == 0 {
		e.comment = strings.TrimSpace(tag + " about " + k)
	}
	n.entries = slices.Insert(n.entries, r.IntN(len(n.entries)+1), e)
}

// yamlGenAddItem adds an item with a new name to a keyed list.
func yamlGenAddItem(n *yamlGenNode, r *rand.Rand, depth int, tag string) {
	name := yamlGenWords[r.IntN(len(yamlGenWords))] + strconv.Itoa(r.IntN(10))
	for _, it := range n.items {
		if it.entries[0].value.value == name {
			return
		}
	}
	it := yamlGenMapping(r, depth+1, r.IntN(3), tag)
	it.entries = slices.DeleteFunc(it.entries, func(e *yamlGenEntry) bool { return e.key == "name" })
	it.entries = slices.Insert(it.entries, 0, &yamlGenEntry{key: "name", value: &yamlGenNode{kind: yamlGenScalar, value: name}})
	n.items = slices.Insert(n.items, r.IntN(len(n.items)+1), it)
}

// yamlGenMaps returns the mappings of a tree with their depth, items of
// keyed lists included.
func yamlGenMaps(n *yamlGenNode, depth int, out *[]*yamlGenNode, depths *[]int) {
	if n.kind == yamlGenMap {
		*out = append(*out, n)
		*depths = append(*depths, depth)
	}
	for _, e := range n.entries {
		yamlGenMaps(e.value, depth+1, out, depths)
	}
	for _, it := range n.items {
		yamlGenMaps(it, depth+1, out, depths)
	}
}

// yamlGenEdit returns a copy of root with random edits: values changed,
// entries added, removed and moved, lists and keyed lists changed,
// comments changed, types changed.
func yamlGenEdit(root *yamlGenNode, r *rand.Rand, tag string) *yamlGenNode {
	root = root.clone()
	for range r.IntN(7) {
		var maps []*yamlGenNode
		var depths []int
		yamlGenMaps(root, 0, &maps, &depths)
		i := r.IntN(len(maps))
		m, depth := maps[i], depths[i]
		if len(m.entries) == 0 || r.IntN(4) == 0 {
			yamlGenAddEntry(m, r, depth, tag)
			continue
		}
		j := r.IntN(len(m.entries))
		e := m.entries[j]
		if e.key == "name" && j == 0 && m != root {
			continue // an item's name identifies it
		}
		switch r.IntN(7) {
		case 0:
			m.entries = slices.Delete(m.entries, j, j+1)
		case 1:
			k := r.IntN(len(m.entries))
			m.entries[j], m.entries[k] = m.entries[k], m.entries[j]
		case 2:
			e.comment = tag + " comment"
			if r.IntN(3) == 0 {
				e.comment = ""
			}
		case 3:
			e.value = yamlGenValue(r, depth+1, tag)
		default:
			yamlGenEditValue(e.value, r, depth, tag)
		}
	}
	return root
}

// yamlGenEditValue changes a value in place, by its kind.
func yamlGenEditValue(v *yamlGenNode, r *rand.Rand, depth int, tag string) {
	switch v.kind {
	case yamlGenScalar:
		v.value = yamlGenScalarValue(r, tag)
	case yamlGenList:
		v.items = append(v.items, &yamlGenNode{kind: yamlGenScalar, value: yamlGenScalarValue(r, tag)})
	case yamlGenKeyed:
		if len(v.items) > 0 && r.IntN(2) == 0 {
			i := r.IntN(len(v.items))
			v.items = slices.Delete(v.items, i, i+1)
			return
		}
		yamlGenAddItem(v, r, depth, tag)
	case yamlGenMap:
		yamlGenAddEntry(v, r, depth, tag)
	}
}

// yamlGenStyle is how one version writes YAML.
type yamlGenStyle struct {
	indent     int  // 2 or 4
	sameColumn bool // sequence dashes at the parent key's column
	flowLists  bool // lists of scalars as [a, b]
	quote      int  // strings: 0 plain, 1 single-quoted, 2 double-quoted
	crlf       bool
	noFinal    bool
}

// yamlGenRandomStyle returns a random style.
func yamlGenRandomStyle(r *rand.Rand) yamlGenStyle {
	return yamlGenStyle{indent: 2 + 2*r.IntN(2), sameColumn: r.IntN(2) == 0, flowLists: r.IntN(3) == 0,
		quote: r.IntN(3), crlf: r.IntN(8) == 0, noFinal: r.IntN(8) == 0}
}

// yamlGenWrite renders a tree as YAML.
func yamlGenWrite(root *yamlGenNode, s yamlGenStyle) []byte {
	var lines []string
	yamlGenWriteMap(&lines, root, 0, s)
	if len(root.entries) == 0 {
		lines = []string{"{}"}
	}
	eol := "\n"
	if s.crlf {
		eol = "\r\n"
	}
	out := strings.Join(lines, eol)
	if !s.noFinal {
		out += eol
	}
	return []byte(out)
}

// yamlGenWriteMap writes the entries of a mapping at column col.
func yamlGenWriteMap(lines *[]string, m *yamlGenNode, col int, s yamlGenStyle) {
	pad := strings.Repeat(" ", col)
	for _, e := range m.entries {
		if e.comment != "" {
			*lines = append(*lines, pad+"# "+e.comment)
		}
		v := e.value
		head := pad + e.key + ":"
		switch {
		case v.kind == yamlGenScalar:
			if str, ok := v.value.(string); ok && strings.Contains(str, "\n") {
				*lines = append(*lines, head+" |")
				for _, l := range strings.Split(strings.TrimSuffix(str, "\n"), "\n") {
					*lines = append(*lines, pad+strings.Repeat(" ", s.indent)+l)
				}
				continue
			}
			*lines = append(*lines, head+" "+yamlGenScalarText(v.value, s))
		case v.kind == yamlGenMap && len(v.entries) == 0:
			*lines = append(*lines, head+" {}")
		case v.kind == yamlGenMap:
			*lines = append(*lines, head)
			yamlGenWriteMap(lines, v, col+s.indent, s)
		case len(v.items) == 0:
			*lines = append(*lines, head+" []")
		case v.kind == yamlGenList && s.flowLists:
			var parts []string
			for _, it := range v.items {
				parts = append(parts, yamlGenFlowText(it.value))
			}
			*lines = append(*lines, head+" ["+strings.Join(parts, ", ")+"]")
		default:
			*lines = append(*lines, head)
			yamlGenWriteItems(lines, v, col, s)
		}
	}
}

// yamlGenWriteItems writes the items of a list below a key at column col.
func yamlGenWriteItems(lines *[]string, v *yamlGenNode, col int, s yamlGenStyle) {
	dash := col + s.indent
	if s.sameColumn {
		dash = col
	}
	for _, it := range v.items {
		if v.kind == yamlGenList {
			*lines = append(*lines, strings.Repeat(" ", dash)+"- "+yamlGenFlowText(it.value))
			continue
		}
		var item []string
		bare := *it
		bare.entries = nil
		for i, e := range it.entries {
			ce := *e
			if i == 0 {
				ce.comment = "" // a comment there would come before the dash
			}
			bare.entries = append(bare.entries, &ce)
		}
		yamlGenWriteMap(&item, &bare, dash+2, s)
		item[0] = strings.Repeat(" ", dash) + "- " + item[0][dash+2:]
		*lines = append(*lines, item...)
	}
}

// yamlGenScalarText writes a scalar in the style's quoting.
func yamlGenScalarText(v any, s yamlGenStyle) string {
	str, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	switch s.quote {
	case 1:
		return "'" + str + "'"
	case 2:
		return strconv.Quote(str)
	}
	return str
}

// yamlGenFlowText writes a scalar inside a flow sequence.
func yamlGenFlowText(v any) string {
	if str, ok := v.(string); ok {
		return strconv.Quote(str)
	}
	return fmt.Sprint(v)
}

// yamlTestValue is a setting's value in one version.
type yamlTestValue struct {
	v  any
	ok bool
}

// yamlTestFlatten turns decoded documents (maps, slices and scalars, as
// yaml.v3 or encoding/json decode them) into settings, written apart from
// the merges: mapping keys joined with dots, lists compared whole unless
// every item of the list in each of the first three documents is a
// mapping with a string or number under the same one of name, id or key,
// unique in its list; then items are settings containers named
// list[key=value]. Empty mappings hold no setting.
func yamlTestFlatten(docs ...any) ([]map[string]any, error) {
	ids := make(map[string]string)
	vals := make([]yamlTestValue, min(len(docs), 3))
	for i := range vals {
		vals[i] = yamlTestValue{docs[i], docs[i] != nil}
	}
	yamlTestDecide("", vals, ids)
	out := make([]map[string]any, len(docs))
	for i, d := range docs {
		out[i] = make(map[string]any)
		if d != nil {
			if err := yamlTestFlattenInto(out[i], "", d, ids); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// yamlTestID returns an item's identifier under key k: a string, or an
// integer (yaml.v3 decodes int, int64 or uint64; encoding/json with
// UseNumber a json.Number without fraction or exponent).
func yamlTestID(item any, k string) (string, bool) {
	m, ok := item.(map[string]any)
	if !ok {
		return "", false
	}
	switch v := m[k].(type) {
	case string:
		return v, true
	case int, int64, uint64:
		return fmt.Sprint(v), true
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return "", false
		}
		if v == "-0" {
			return "0", true
		}
		return string(v), true
	}
	return "", false
}

// yamlTestNumbers replaces, in a value decoded with UseNumber, each
// number by its float64 value, as encoding/json would read it, but for
// integers of more than 15 digits, which float64 would round, and numbers
// beyond its range: those stay as written.
func yamlTestNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") && len(strings.TrimPrefix(s, "-")) > 15 {
			return x
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = yamlTestNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlTestNumbers(e)
		}
		return out
	}
	return v
}

// yamlTestKeyOf returns the identifying key of the lists vals, or "".
func yamlTestKeyOf(vals []yamlTestValue) string {
	nonEmpty := false
	for _, v := range vals {
		l, isList := v.v.([]any)
		if v.ok && !isList {
			return ""
		}
		nonEmpty = nonEmpty || len(l) > 0
	}
	if !nonEmpty {
		return ""
	}
next:
	for _, k := range []string{"name", "id", "key"} {
		for _, v := range vals {
			seen := make(map[string]bool)
			l, _ := v.v.([]any)
			for _, it := range l {
				id, ok := yamlTestID(it, k)
				if !ok || seen[id] {
					continue next
				}
				seen[id] = true
			}
		}
		return k
	}
	return ""
}

// yamlTestDecide records the identifying key of each list at or below
// path that is matched by key.
func yamlTestDecide(path string, vals []yamlTestValue, ids map[string]string) {
	allMaps, present := true, false
	for _, v := range vals {
		if v.ok {
			_, isMap := v.v.(map[string]any)
			allMaps = allMaps && isMap
			present = true
		}
	}
	if present && allMaps {
		keys := make(map[string]bool)
		for _, v := range vals {
			m, _ := v.v.(map[string]any)
			for k := range m {
				keys[k] = true
			}
		}
		for k := range keys {
			sub := make([]yamlTestValue, len(vals))
			for i, v := range vals {
				m, _ := v.v.(map[string]any)
				x, ok := m[k]
				sub[i] = yamlTestValue{x, ok}
			}
			yamlTestDecide(yamlTestJoin(path, k), sub, ids)
		}
		return
	}
	k := yamlTestKeyOf(vals)
	if !present || k == "" {
		return
	}
	ids[path] = k
	items := make(map[string][]yamlTestValue)
	for i, v := range vals {
		l, _ := v.v.([]any)
		for _, it := range l {
			id, _ := yamlTestID(it, k)
			if items[id] == nil {
				items[id] = make([]yamlTestValue, len(vals))
			}
			items[id][i] = yamlTestValue{it, true}
		}
	}
	for id, sub := range items {
		yamlTestDecide(path+"["+k+"="+id+"]", sub, ids)
	}
}

// yamlTestJoin returns the path of key k below path.
func yamlTestJoin(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// yamlTestFlattenInto adds the settings of v at path to out.
func yamlTestFlattenInto(out map[string]any, path string, v any, ids map[string]string) error {
	switch x := v.(type) {
	case map[any]any:
		return fmt.Errorf("%s: keys that are not strings", path)
	case map[string]any:
		for k, sub := range x {
			if err := yamlTestFlattenInto(out, yamlTestJoin(path, k), sub, ids); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if k := ids[path]; k != "" {
			for _, it := range x {
				id, ok := yamlTestID(it, k)
				if !ok {
					return fmt.Errorf("%s: item without %s", path, k)
				}
				if err := yamlTestFlattenInto(out, path+"["+k+"="+id+"]", it, ids); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if _, dup := out[path]; dup {
		return fmt.Errorf("two settings named %s", path)
	}
	out[path] = yamlTestNumbers(v)
	return nil
}

// yamlTestDecode decodes a single-document YAML file with yaml.v3; an
// empty document is an empty mapping.
func yamlTestDecode(src []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return map[string]any{}, nil
		}
		return nil, err
	}
	var more any
	if err := dec.Decode(&more); err == nil {
		return nil, fmt.Errorf("more than one document")
	}
	if v == nil {
		return map[string]any{}, nil
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("not a mapping of string keys: %T", v)
	}
	return v, nil
}

// yamlTestSettings reads YAML versions into their settings.
func yamlTestSettings(versions ...[]byte) ([]map[string]any, error) {
	docs := make([]any, len(versions))
	for i, src := range versions {
		v, err := yamlTestDecode(src)
		if err != nil {
			return nil, fmt.Errorf("version %d: %v", i, err)
		}
		docs[i] = v
	}
	return yamlTestFlatten(docs...)
}

func TestMergeYAMLGenerated(t *testing.T) {
	tally := propTally{}
	for seed := range uint64(600) {
		r := rand.New(rand.NewPCG(seed, 3))
		bt := yamlGenMapping(r, 0, 2+r.IntN(6), "")
		ot, tt := yamlGenEdit(bt, r, "customer"), yamlGenEdit(bt, r, "vendor")
		style := yamlGenRandomStyle(r)
		oursStyle := style
		if r.IntN(3) == 0 {
			oursStyle = yamlGenRandomStyle(r)
		}
		base, ours, theirs := yamlGenWrite(bt, style), yamlGenWrite(ot, oursStyle), yamlGenWrite(tt, style)
		outcome, err := propCheckMerge(mergeYAML, yamlTestSettings, base, ours, theirs)
		if err == nil && outcome == "clean" {
			err = yamlCheckComments(base, ours, theirs)
		}
		if err != nil {
			t.Fatalf("seed %d: %v\nbase:\n%s\nours:\n%s\ntheirs:\n%s", seed, err, base, ours, theirs)
		}
		tally[outcome]++
	}
	tally.log(t, "generated YAML merges")
	if n := tally.fallbacks(); n > 30 {
		t.Errorf("%d of 600 generated merges fell back", n)
	}
}

// yamlCheckComments requires every comment line of ours in the merge,
// unless the vendor removed it (base has it, theirs not).
func yamlCheckComments(base, ours, theirs []byte) error {
	merged, _, err := mergeYAML(base, ours, theirs)
	if err != nil {
		return err
	}
	return propCheckLinesKept(ours, merged, func(l string) bool {
		return !strings.HasPrefix(l, "#") || (propHasLine(base, l) && !propHasLine(theirs, l))
	})
}
