package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// jsonFuzz is the JSON format for the shared fuzz checks
// (properties_fuzz_test.go).
var jsonFuzz = propFuzzFormat{
	merge: mergeJSON,
	read:  jsonTestSettings,
	parses: func(b []byte) error {
		if !json.Valid(b) {
			return fmt.Errorf("invalid JSON")
		}
		return nil
	},
	spans:     jsonTestSpans,
	pieces:    jsonTestPieces,
	isComment: func(string) bool { return false },
}

func FuzzMergeJSON(f *testing.F) {
	var cases [][3]string
	for _, tt := range jsonTests {
		cases = append(cases, [3]string{tt.base, tt.ours, tt.theirs})
	}
	propFuzzSeeds(f, "json", cases, func(r *rand.Rand) [3][]byte {
		b := yamlGenMapping(r, 0, 2+r.IntN(6), "")
		s := jsonGenRandomStyle(r)
		return [3][]byte{jsonGenWrite(b, s), jsonGenWrite(yamlGenEdit(b, r, "customer"), s), jsonGenWrite(yamlGenEdit(b, r, "vendor"), s)}
	})
	f.Fuzz(func(t *testing.T, base, x, y []byte) {
		propFuzzCheck(t, jsonFuzz, base, x, y)
	})
}

// jsonTestPieces splits a line of JSON at brackets and commas outside
// strings: a member keeps its text when its neighbours or its comma
// change, or when its object gets a new member on the same line.
func jsonTestPieces(line string) []string {
	var out []string
	start, inString := 0, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && strings.IndexByte("{}[],", c) >= 0:
			out = append(out, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(line[start:]))
}

// jsonTestSpans returns the lines (from 0) of each member and matched
// element of ours, named as yamlTestFlatten names settings, read with
// encoding/json's token stream.
func jsonTestSpans(base, ours, theirs []byte) (map[string][2]int, error) {
	var vals []yamlTestValue
	var decoded any
	for i, src := range [][]byte{base, ours, theirs} {
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if i == 1 {
			decoded = v
		}
		vals = append(vals, yamlTestValue{v, true})
	}
	w := &jsonTestSpanWalk{src: ours, ids: make(map[string]string), spans: make(map[string][2]int)}
	yamlTestDecide("", vals, w.ids)
	w.dec = json.NewDecoder(bytes.NewReader(ours))
	w.dec.UseNumber()
	return w.spans, w.value("", decoded)
}

// jsonTestSpanWalk computes jsonTestSpans.
type jsonTestSpanWalk struct {
	src   []byte
	dec   *json.Decoder
	ids   map[string]string
	spans map[string][2]int
}

// line returns the line (from 0) of offset off.
func (w *jsonTestSpanWalk) line(off int64) int {
	return bytes.Count(w.src[:off], []byte("\n"))
}

// next returns the offset of the next token.
func (w *jsonTestSpanWalk) next() int64 {
	off := w.dec.InputOffset()
	for off < int64(len(w.src)) && strings.IndexByte(" \t\r\n,:", w.src[off]) >= 0 {
		off++
	}
	return off
}

// value walks the value at path, whose decoded form is v.
func (w *jsonTestSpanWalk) value(path string, v any) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		obj, _ := v.(map[string]any)
		for w.dec.More() {
			start := w.next()
			k, err := w.dec.Token()
			if err != nil {
				return err
			}
			name, _ := k.(string)
			p := yamlTestJoin(path, name)
			if err := w.value(p, obj[name]); err != nil {
				return err
			}
			w.spans[p] = [2]int{w.line(start), w.line(w.dec.InputOffset() - 1)}
		}
	case json.Delim('['):
		arr, _ := v.([]any)
		for i := 0; w.dec.More(); i++ {
			start := w.next()
			p := path + "[]"
			if k := w.ids[path]; k != "" && i < len(arr) {
				id, _ := yamlTestID(arr[i], k)
				p = path + "[" + k + "=" + id + "]"
			}
			var el any
			if i < len(arr) {
				el = arr[i]
			}
			if err := w.value(p, el); err != nil {
				return err
			}
			w.spans[p] = [2]int{w.line(start), w.line(w.dec.InputOffset() - 1)}
		}
	default:
		return nil
	}
	_, err = w.dec.Token() // the closing delimiter
	return err
}
