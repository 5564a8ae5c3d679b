package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// This file checks the JSON merge on generated and real files against
// what encoding/json makes of the four versions, flattened into settings
// by yamlTestFlatten (yaml_gen_test.go).

// jsonGenStyle is how one version writes JSON.
type jsonGenStyle struct {
	indent  string // one level
	inline  bool   // small objects of scalars on one line
	colon   string // between a member's name and value
	crlf    bool
	noFinal bool
}

// jsonGenRandomStyle returns a random style.
func jsonGenRandomStyle(r *rand.Rand) jsonGenStyle {
	return jsonGenStyle{indent: []string{"  ", "    ", "\t"}[r.IntN(3)], inline: r.IntN(2) == 0,
		colon: []string{": ", " : ", ":"}[r.IntN(3)], crlf: r.IntN(8) == 0, noFinal: r.IntN(4) == 0}
}

// jsonGenWrite renders a generated tree as JSON; comments are dropped.
func jsonGenWrite(root *yamlGenNode, s jsonGenStyle) []byte {
	var b strings.Builder
	jsonGenWriteValue(&b, root, 0, s)
	out := b.String()
	if !s.noFinal {
		out += "\n"
	}
	if s.crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	return []byte(out)
}

// jsonGenWriteValue writes a value whose line is indented level times.
func jsonGenWriteValue(b *strings.Builder, v *yamlGenNode, level int, s jsonGenStyle) {
	switch v.kind {
	case yamlGenScalar:
		text, _ := json.Marshal(v.value)
		b.Write(text)
		return
	case yamlGenMap:
		if len(v.entries) == 0 {
			b.WriteString("{}")
			return
		}
		inline := s.inline && len(v.entries) <= 3
		for _, e := range v.entries {
			inline = inline && e.value.kind == yamlGenScalar
		}
		jsonGenWriteItems(b, '{', len(v.entries), level, inline, s, func(i int) {
			name, _ := json.Marshal(v.entries[i].key)
			b.Write(name)
			b.WriteString(s.colon)
			jsonGenWriteValue(b, v.entries[i].value, level+1, s)
		})
	default:
		jsonGenWriteItems(b, '[', len(v.items), level, v.kind == yamlGenList, s, func(i int) {
			jsonGenWriteValue(b, v.items[i], level+1, s)
		})
	}
}

// jsonGenWriteItems writes the brackets of an object or array and its n
// items, on one line or one item a line.
func jsonGenWriteItems(b *strings.Builder, open byte, n, level int, inline bool, s jsonGenStyle, item func(int)) {
	closing := map[byte]string{'{': "}", '[': "]"}[open]
	b.WriteByte(open)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if inline {
			if i > 0 {
				b.WriteByte(' ')
			}
		} else {
			b.WriteString("\n" + strings.Repeat(s.indent, level+1))
		}
		item(i)
	}
	if !inline && n > 0 {
		b.WriteString("\n" + strings.Repeat(s.indent, level))
	}
	b.WriteString(closing)
}

// jsonTestDuplicates returns an error for an object with two members of
// one name, which encoding/json reads without a word.
func jsonTestDuplicates(src []byte) error {
	dec := json.NewDecoder(bytes.NewReader(src))
	type frame struct {
		object bool
		names  map[string]bool
		name   bool // the next string token in the object is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.name = true
				}
				stack = append(stack, &frame{object: t == '{', names: make(map[string]bool), name: true})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.name {
				if top.names[t] {
					return fmt.Errorf("duplicate member %q", t)
				}
				top.names[t] = true
				top.name = false
				continue
			}
			if top != nil && top.object {
				top.name = true
			}
		default:
			if top != nil && top.object {
				top.name = true
			}
		}
	}
}

// jsonTestSettings reads JSON versions into their settings.
func jsonTestSettings(versions ...[]byte) ([]map[string]any, error) {
	docs := make([]any, len(versions))
	for i, src := range versions {
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.UseNumber()
		if err := dec.Decode(&docs[i]); err != nil {
			return nil, fmt.Errorf("version %d: %v", i, err)
		}
		if !json.Valid(src) {
			return nil, fmt.Errorf("version %d: invalid JSON", i)
		}
		if err := jsonTestDuplicates(src); err != nil {
			return nil, fmt.Errorf("version %d: %v", i, err)
		}
	}
	return yamlTestFlatten(docs...)
}

func TestMergeJSONGenerated(t *testing.T) {
	tally := propTally{}
	for seed := range uint64(600) {
		r := rand.New(rand.NewPCG(seed, 4))
		bt := yamlGenMapping(r, 0, 2+r.IntN(6), "")
		ot, tt := yamlGenEdit(bt, r, "customer"), yamlGenEdit(bt, r, "vendor")
		style := jsonGenRandomStyle(r)
		oursStyle := style
		if r.IntN(3) == 0 {
			oursStyle = jsonGenRandomStyle(r)
		}
		base, ours, theirs := jsonGenWrite(bt, style), jsonGenWrite(ot, oursStyle), jsonGenWrite(tt, style)
		outcome, err := propCheckMerge(mergeJSON, jsonTestSettings, base, ours, theirs)
		if err != nil {
			t.Fatalf("seed %d: %v\nbase:\n%s\nours:\n%s\ntheirs:\n%s", seed, err, base, ours, theirs)
		}
		tally[outcome]++
	}
	tally.log(t, "generated JSON merges")
	if n := tally.fallbacks(); n > 30 {
		t.Errorf("%d of 600 generated merges fell back", n)
	}
}

// jsonCorpusMember matches a line holding one member with a scalar value.
var jsonCorpusMember = regexp.MustCompile(`^(\s*)("(?:[^"\\]|\\.)*")\s*:\s*("(?:[^"\\]|\\.)*"|true|false|null|-?[0-9.eE+-]+)(\s*,?)\s*$`)

// jsonCorpusEdit returns the customer's version of a real file: values
// of one-line members changed, members removed and added, spacing
// changed, by editing its lines. It returns nil when the edits made the
// file invalid.
func jsonCorpusEdit(src []byte, r *rand.Rand) []byte {
	lines := strings.Split(string(src), "\n")
	var members []int
	for i, l := range lines {
		if jsonCorpusMember.MatchString(l) {
			members = append(members, i)
		}
	}
	drop := make(map[int]bool)
	after := make(map[int][]string)
	for range 1 + r.IntN(6) {
		if len(members) == 0 {
			break
		}
		i := members[r.IntN(len(members))]
		m := jsonCorpusMember.FindStringSubmatch(strings.TrimRight(lines[i], "\r"))
		if m == nil || drop[i] {
			continue
		}
		indent, name, value, comma := m[1], m[2], m[3], m[4]
		switch r.IntN(4) {
		case 0:
			lines[i] = indent + name + ": " + strconv.Quote("customer "+strconv.Itoa(r.IntN(100))) + comma
		case 1:
			if strings.Contains(comma, ",") {
				drop[i] = true
			}
		case 2:
			if strings.Contains(comma, ",") {
				after[i] = append(after[i], indent+`"customer.setting`+strconv.Itoa(r.IntN(100))+`": true,`)
			}
		case 3:
			lines[i] = indent + name + " :  " + value + comma
		}
	}
	var out []string
	for i, l := range lines {
		if !drop[i] {
			out = append(out, l)
		}
		out = append(out, after[i]...)
	}
	edited := []byte(strings.Join(out, "\n"))
	if !json.Valid(edited) || jsonTestDuplicates(edited) != nil {
		return nil
	}
	return edited
}

func TestMergeJSONCorpus(t *testing.T) {
	pairs := propCorpusPairs(t, ".json")
	tally := propTally{}
	for _, p := range pairs {
		base, err := os.ReadFile(p[1])
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(p[2])
		if err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(propCorpusVersions) {
			ours := jsonCorpusEdit(base, rand.New(rand.NewPCG(seed, 5)))
			if ours == nil {
				tally["edit invalid, skipped"]++
				continue
			}
			outcome, err := propCheckMerge(mergeJSON, jsonTestSettings, base, ours, theirs)
			if err != nil {
				t.Fatalf("%s, seed %d: %v", p[0], seed, err)
			}
			tally[outcome]++
		}
	}
	tally.log(t, fmt.Sprintf("%d corpus file pairs, %d customer versions each", len(pairs), propCorpusVersions))
	if n := tally.fallbacks(); n > 0 {
		t.Errorf("%d corpus merges fell back on input the reader takes", n)
	}
}
