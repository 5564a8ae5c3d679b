package merge

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlFuzz is the YAML format for the shared fuzz checks
// (properties_fuzz_test.go).
var yamlFuzz = propFuzzFormat{
	merge: mergeYAML,
	read:  yamlTestSettings,
	parses: func(b []byte) error {
		var v any
		return yaml.Unmarshal(b, &v)
	},
	spans: yamlTestSpans,
	// A key may move up onto its item's dash line.
	pieces:    func(l string) []string { return []string{strings.TrimLeft(l, "- ")} },
	isComment: func(l string) bool { return strings.HasPrefix(l, "#") },
}

func FuzzMergeYAML(f *testing.F) {
	var cases [][3]string
	for _, tt := range yamlTests {
		cases = append(cases, [3]string{tt.base, tt.ours, tt.theirs})
	}
	propFuzzSeeds(f, "yaml", cases, func(r *rand.Rand) [3][]byte {
		b := yamlGenMapping(r, 0, 2+r.IntN(6), "")
		s := yamlGenRandomStyle(r)
		return [3][]byte{yamlGenWrite(b, s), yamlGenWrite(yamlGenEdit(b, r, "customer"), s), yamlGenWrite(yamlGenEdit(b, r, "vendor"), s)}
	})
	f.Fuzz(func(t *testing.T, base, x, y []byte) {
		propFuzzCheck(t, yamlFuzz, base, x, y)
	})
}

// yamlTestSpans returns the lines (from 0) of each entry and matched item
// of ours, named as yamlTestFlatten names settings: from its key's line to
// the line before the next key or item that does not belong to it.
func yamlTestSpans(base, ours, theirs []byte) (map[string][2]int, error) {
	var vals []yamlTestValue
	for _, src := range [][]byte{base, ours, theirs} {
		v, err := yamlTestDecode(src)
		if err != nil {
			return nil, err
		}
		vals = append(vals, yamlTestValue{v, true})
	}
	ids := make(map[string]string)
	yamlTestDecide("", vals, ids)
	var doc yaml.Node
	if err := yaml.Unmarshal(ours, &doc); err != nil {
		return nil, err
	}
	w := &yamlTestSpanWalk{ids: ids, spans: make(map[string][2]int), last: len(propTrimmedLines(ours)) - 1}
	w.starts(&doc)
	if len(doc.Content) > 0 {
		if err := w.walk("", doc.Content[0]); err != nil {
			return nil, err
		}
	}
	return w.spans, nil
}

// yamlTestSpanWalk computes yamlTestSpans.
type yamlTestSpanWalk struct {
	ids    map[string]string
	spans  map[string][2]int
	begins []int // lines (from 0) on which a key or an item starts
	last   int   // the last line
}

// starts records the lines of all keys and items.
func (w *yamlTestSpanWalk) starts(n *yaml.Node) {
	for i, c := range n.Content {
		if n.Kind == yaml.SequenceNode || (n.Kind == yaml.MappingNode && i%2 == 0) {
			w.begins = append(w.begins, c.Line-1)
		}
		w.starts(c)
	}
}

// end returns the last line of something whose nodes end on line last:
// the line before the next key or item.
func (w *yamlTestSpanWalk) end(last int) int {
	end := w.last
	for _, b := range w.begins {
		if b > last && b-1 < end {
			end = b - 1
		}
	}
	return end
}

// maxLine returns the last line (from 0) of a node of n.
func yamlTestMaxLine(n *yaml.Node) int {
	m := n.Line - 1
	for _, c := range n.Content {
		m = max(m, yamlTestMaxLine(c))
	}
	return m
}

// walk records the spans of the entries and items below n at path.
func (w *yamlTestSpanWalk) walk(path string, n *yaml.Node) error {
	switch {
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := yamlTestJoin(path, k.Value)
			w.spans[p] = [2]int{k.Line - 1, w.end(yamlTestMaxLine(v))}
			if err := w.walk(p, v); err != nil {
				return err
			}
		}
	case n.Kind == yaml.SequenceNode && w.ids[path] != "":
		for _, it := range n.Content {
			var v any
			if err := it.Decode(&v); err != nil {
				return err
			}
			id, ok := yamlTestID(v, w.ids[path])
			if !ok {
				return fmt.Errorf("%s: item without id", path)
			}
			p := path + "[" + w.ids[path] + "=" + id + "]"
			w.spans[p] = [2]int{it.Line - 1, w.end(yamlTestMaxLine(it))}
			if err := w.walk(p, it); err != nil {
				return err
			}
		}
	}
	return nil
}
