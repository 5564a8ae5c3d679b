package merge

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// This file reads a TOML file for the merge: where each table header and
// each key/value line is, and which setting it holds.

// A tomlDoc is one TOML file cut into lines, with the position and meaning
// of every top-level expression (table header or key/value).
type tomlDoc struct {
	src      []byte
	lineAt   []int          // offset where each line starts, then len(src)
	kind     []tomlLineKind // what each line holds
	keepEOL  []bool         // the line ends inside a multi-line string: its line ending is part of the value
	sections []*tomlSection // in the order of the text; sections[0] is the root table
	kvs      []*tomlKV      // in the order of the text

	sectionByPath map[string]*tomlSection
	kvByPath      map[string]*tomlKV
	prefixes      map[string]bool // every proper prefix of a setting's path
}

// tomlLineKind says what a line of a TOML file holds.
type tomlLineKind uint8

const (
	tomlTrivia tomlLineKind = iota // blank or comment only
	tomlHeader                     // a [table] or [[array]] header
	tomlValue                      // part of a key/value expression
)

// A tomlSection is the root table or a table opened by a header: the
// key/value expressions that follow it up to the next header.
type tomlSection struct {
	path   string // the table's path, "" for the root table
	segs   []tomlSeg
	header int // line of the header; -1 for the root table
	kvs    []*tomlKV
	elem   *tomlElem // the element a [[header]] opens; nil for [header]
}

// A tomlKV is one key/value expression: one setting.
type tomlKV struct {
	path     string
	segs     []tomlSeg // the section's segments, then the (dotted) key's parts
	section  *tomlSection
	first    int // first line
	last     int // last line (later than first for multi-line values)
	valStart int // offset of the value's first byte
	valEnd   int // offset after the value's last byte
	value    string
	hasTable bool // the value is or holds an inline table
	parsed   any  // the parsed value
}

// A tomlSeg is one step of a path: a key, or an element of an array of
// tables.
type tomlSeg struct {
	key  string
	elem *tomlElem
}

// A tomlElem is one element of an array of tables.
type tomlElem struct {
	index int    // position in the array
	label string // "[name=Default]" when the element has an identifying key, else "[n]": the nth without one
}

// tomlIdentityKeys are the keys that name an element of an array of tables,
// in order of preference.
var tomlIdentityKeys = []string{"name", "id", "key"}

// tomlParse reads a TOML file. It fails on anything go-toml rejects
// (including duplicate keys and tables) and on files the merge cannot
// name settings in unambiguously.
func tomlParse(src []byte) (*tomlDoc, error) {
	var tree map[string]any
	if err := toml.Unmarshal(src, &tree); err != nil {
		return nil, err
	}
	d := &tomlDoc{
		src:           src,
		lineAt:        tomlLineStarts(src),
		sectionByPath: make(map[string]*tomlSection),
		kvByPath:      make(map[string]*tomlKV),
		prefixes:      make(map[string]bool),
	}
	d.kind = make([]tomlLineKind, d.lines())
	d.keepEOL = make([]bool, d.lines())
	if err := d.readExpressions(tree); err != nil {
		return nil, err
	}
	if err := d.labelElements(); err != nil {
		return nil, err
	}
	if err := d.index(); err != nil {
		return nil, err
	}
	return d, nil
}

// readExpressions walks the top-level expressions of d.src, building the
// sections and key/values; tree is the file as go-toml decodes it, where
// the values are looked up.
func (d *tomlDoc) readExpressions(tree map[string]any) error {
	var p unstable.Parser
	p.Reset(d.src)
	cur := &tomlSection{header: -1}
	d.sections = append(d.sections, cur)
	arrays := make(map[string][]*tomlElem) // elements of each array of tables, by positional path
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			cur = d.openSection(e, arrays)
			d.sections = append(d.sections, cur)
		case unstable.KeyValue:
			kv, err := d.readKV(e, cur, tree)
			if err != nil {
				return err
			}
			cur.kvs = append(cur.kvs, kv)
			d.kvs = append(d.kvs, kv)
		}
	}
	return p.Error()
}

// openSection makes the section a table header opens. A header that goes
// through an array of tables names its last element, as in TOML.
func (d *tomlDoc) openSection(e *unstable.Node, arrays map[string][]*tomlElem) *tomlSection {
	parts, offset := tomlKeyParts(e.Key())
	line := d.lineOf(offset)
	d.kind[line] = tomlHeader
	isArray := e.Kind == unstable.ArrayTable
	var segs []tomlSeg
	for i, k := range parts {
		segs = append(segs, tomlSeg{key: k})
		last := i == len(parts)-1
		if elems := arrays[tomlPositional(segs)]; len(elems) > 0 && !(last && isArray) {
			segs = append(segs, tomlSeg{elem: elems[len(elems)-1]})
		}
	}
	s := &tomlSection{header: line}
	if isArray {
		pos := tomlPositional(segs)
		s.elem = &tomlElem{index: len(arrays[pos])}
		arrays[pos] = append(arrays[pos], s.elem)
		segs = append(segs, tomlSeg{elem: s.elem})
	}
	s.segs = segs
	return s
}

// readKV reads one key/value expression of section s.
func (d *tomlDoc) readKV(e *unstable.Node, s *tomlSection, tree map[string]any) (*tomlKV, error) {
	parts, keyEnd := tomlKeyParts(e.Key())
	kv := &tomlKV{
		section: s,
		segs:    append(slices.Clone(s.segs), tomlKeySegs(parts)...),
		valEnd:  int(e.Raw.Offset + e.Raw.Length),
	}
	kv.valStart = tomlValueStart(d.src, keyEnd, kv.valEnd)
	kv.first = d.lineOf(int(e.Raw.Offset))
	kv.last = d.lineOf(kv.valEnd - 1)
	for l := kv.first; l <= kv.last; l++ {
		d.kind[l] = tomlValue
	}
	raw := d.src[kv.valStart:kv.valEnd]
	if bytes.Contains(raw, []byte(`"""`)) || bytes.Contains(raw, []byte(`'''`)) {
		for l := kv.first; l < kv.last; l++ {
			d.keepEOL[l] = true
		}
	}
	v, ok := tomlLookup(tree, kv.segs)
	if !ok {
		return nil, fmt.Errorf("cannot find the value of %s", tomlPositional(kv.segs))
	}
	kv.parsed = v
	kv.value = tomlRender(v)
	kv.hasTable = tomlHoldsTable(v)
	return kv, nil
}

// tomlKeyParts returns the decoded parts of a (dotted) key and the offset
// just after its last part.
func tomlKeyParts(it unstable.Iterator) ([]string, int) {
	var parts []string
	end := 0
	for it.Next() {
		n := it.Node()
		parts = append(parts, string(n.Data))
		end = int(n.Raw.Offset + n.Raw.Length)
	}
	return parts, end
}

// tomlKeySegs turns key parts into path segments.
func tomlKeySegs(parts []string) []tomlSeg {
	segs := make([]tomlSeg, len(parts))
	for i, k := range parts {
		segs[i] = tomlSeg{key: k}
	}
	return segs
}

// tomlValueStart finds where the value of a key/value starts: after the
// '=' that follows the key, and the blanks after it.
func tomlValueStart(src []byte, keyEnd, end int) int {
	i := keyEnd
	for i < end && src[i] != '=' {
		i++
	}
	i++
	for i < end && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

// tomlLookup finds the decoded value at a path in go-toml's tree.
func tomlLookup(tree map[string]any, segs []tomlSeg) (any, bool) {
	var cur any = tree
	for _, s := range segs {
		if s.elem != nil {
			arr, ok := cur.([]any)
			if !ok || s.elem.index >= len(arr) {
				return nil, false
			}
			cur = arr[s.elem.index]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[s.key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// labelElements names each element of an array of tables by its
// identifying key, or else by its position among the elements without one
// (so that adding a named element does not rename the others). Two
// elements of one array with the same name are ambiguous.
func (d *tomlDoc) labelElements() error {
	seen := make(map[string]bool)   // array's positional path + label
	unnamed := make(map[string]int) // elements without a name so far, by array
	for _, s := range d.sections {
		if s.elem == nil {
			continue
		}
		array := tomlPositional(s.segs[:len(s.segs)-1])
		label, ok := tomlElemName(s)
		if !ok {
			label = "[" + strconv.Itoa(unnamed[array]) + "]"
			unnamed[array]++
		}
		if seen[array+label] {
			return fmt.Errorf("two elements of array %s are %s", array, label)
		}
		seen[array+label] = true
		s.elem.label = label
	}
	return nil
}

// tomlElemName is the label of the element a [[header]] opens by its
// first identifying key, if it has one.
func tomlElemName(s *tomlSection) (string, bool) {
	for _, id := range tomlIdentityKeys {
		for _, kv := range s.kvs {
			if len(kv.segs) != len(s.segs)+1 || kv.segs[len(s.segs)].key != id {
				continue
			}
			switch v := kv.parsed.(type) {
			case string:
				return "[" + id + "=" + tomlPathKey(v) + "]", true
			case int64:
				return "[" + id + "=" + strconv.FormatInt(v, 10) + "]", true
			}
		}
	}
	return "", false
}

// index names the sections and settings by their paths, now that the
// elements have labels.
func (d *tomlDoc) index() error {
	for _, s := range d.sections {
		s.path = tomlPath(s.segs)
		if d.sectionByPath[s.path] != nil {
			return fmt.Errorf("table %s opened twice", s.path)
		}
		d.sectionByPath[s.path] = s
	}
	for _, kv := range d.kvs {
		kv.path = tomlPath(kv.segs)
		if d.kvByPath[kv.path] != nil {
			return fmt.Errorf("setting %s set twice", kv.path)
		}
		d.kvByPath[kv.path] = kv
		for i := 1; i < len(kv.segs); i++ {
			d.prefixes[tomlPath(kv.segs[:i])] = true
		}
	}
	return nil
}

// tomlPath renders a path: keys joined by dots (quoted unless bare) and
// elements by their labels, as in "apim.gateway.environment[name=Default].type".
func tomlPath(segs []tomlSeg) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case s.elem != nil:
			b.WriteString(s.elem.label)
		case i > 0:
			b.WriteByte('.')
			fallthrough
		default:
			b.WriteString(tomlPathKey(s.key))
		}
	}
	return b.String()
}

// tomlPositional renders a path with elements by position, which is known
// before the elements are labelled.
func tomlPositional(segs []tomlSeg) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case s.elem != nil:
			b.WriteString("[" + strconv.Itoa(s.elem.index) + "]")
		case i > 0:
			b.WriteByte('.')
			fallthrough
		default:
			b.WriteString(tomlPathKey(s.key))
		}
	}
	return b.String()
}

// tomlPathKey writes a key as a bare key when it is one, else quoted.
func tomlPathKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, c := range []byte(k) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return strconv.Quote(k)
		}
	}
	return k
}

// tomlRender writes a decoded value in one canonical form, so that values
// compare by what they mean, not by how they are written.
func tomlRender(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return tomlFloat(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = tomlRender(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = tomlPathKey(k) + " = " + tomlRender(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case toml.LocalTime:
		return tomlLocalTime(x)
	case toml.LocalDateTime:
		return x.LocalDate.String() + "T" + tomlLocalTime(x.LocalTime)
	default: // toml.LocalDate
		return fmt.Sprint(x)
	}
}

// tomlFloat writes a float so that it never reads as an integer.
func tomlFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// tomlLocalTime writes a local time whatever precision it was written with.
func tomlLocalTime(t toml.LocalTime) string {
	s := fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	if t.Nanosecond != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%09d", t.Nanosecond), "0")
	}
	return s
}

// tomlHoldsTable reports whether a value is or holds a table.
func tomlHoldsTable(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return true
	case []any:
		return slices.ContainsFunc(x, tomlHoldsTable)
	}
	return false
}

// tomlLineStarts returns the offset where each line starts, then len(src).
func tomlLineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	if len(src) == 0 {
		return starts
	}
	return append(starts, len(src))
}

// lines is the number of lines of d.
func (d *tomlDoc) lines() int { return len(d.lineAt) - 1 }

// line returns line i with its line ending.
func (d *tomlDoc) line(i int) []byte { return d.src[d.lineAt[i]:d.lineAt[i+1]] }

// text returns line i without line ending or surrounding blanks.
func (d *tomlDoc) text(i int) string { return string(bytes.TrimSpace(d.line(i))) }

// lineOf returns the line holding the byte at offset.
func (d *tomlDoc) lineOf(offset int) int {
	return sort.Search(d.lines(), func(i int) bool { return d.lineAt[i+1] > offset }) // first line ending after offset
}

// blank reports whether line i is empty or blanks only.
func (d *tomlDoc) blank(i int) bool { return d.text(i) == "" }

// comment reports whether line i holds a comment only.
func (d *tomlDoc) comment(i int) bool {
	return d.kind[i] == tomlTrivia && strings.HasPrefix(d.text(i), "#")
}

// commentsAbove returns the first line of the run of comment lines just
// above line i (no blank line between); i when there is none.
func (d *tomlDoc) commentsAbove(i int) int {
	for i > 0 && d.comment(i-1) {
		i--
	}
	return i
}

// end is the last line of section s: its last key/value, else its header.
func (s *tomlSection) end() int {
	if len(s.kvs) == 0 {
		return s.header
	}
	return s.kvs[len(s.kvs)-1].last
}

// eol is the line ending the customer's file uses: CRLF when its first
// line ends so, else LF.
func (d *tomlDoc) eol() string {
	if i := bytes.IndexByte(d.src, '\n'); i > 0 && d.src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}
