package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is the structure-aware merge of JSON files. A setting is an
// object member by its path (a.b.c); an array is one setting compared
// whole, unless it is an array of objects that all carry an identifying
// member (name, id or key), whose items are then matched by it and merged
// like objects (filters[name=x].value); identifiers are strings or
// integers. Empty objects are containers, not settings. Member names may
// hold dots (WSO2's default.json is full of them): reports print paths
// with dots all the same, and the merge falls back when two settings
// would print alike ({"a.b": 1} beside {"a": {"b": 2}}).
//
// The merge writes the result from the customer's text: each object or
// array it changes is written member by member, with the customer's
// white space around every member it keeps, and the vendor's members and
// values re-indented to the customer's indentation.

// mergeJSON merges three versions of a JSON file setting by setting.
func mergeJSON(base, ours, theirs []byte) ([]byte, *Report, error) {
	var docs [3]*jsonDoc
	for i, src := range [][]byte{base, ours, theirs} {
		d, err := jsonParse(src)
		if err != nil {
			return nil, nil, fallback("json: %v", err)
		}
		docs[i] = d
	}
	m := &jsonMerger{base: docs[0], ours: docs[1], theirs: docs[2], ids: make(map[string]string)}
	m.decideIDs(jsonPath{}, [3]*jsonNode{m.base.root, m.ours.root, m.theirs.root})
	rep, want, err := m.report()
	if err != nil {
		return nil, nil, fallback("json: %v", err)
	}
	if len(rep.Conflicts) > 0 {
		return nil, rep, nil
	}
	merged, err := m.merge()
	if err != nil {
		return nil, nil, fallback("json: %v", err)
	}
	if err := m.check(merged, want); err != nil {
		return nil, nil, fallback("json: %v", err)
	}
	return merged, rep, nil
}

// jsonDoc is a parsed JSON file.
type jsonDoc struct {
	src  []byte
	root *jsonNode
	eol  string // the file's line ending, for text copied from another file
	unit []byte // one step of indentation, or nil
}

// jsonNode is one JSON value and where it is written.
type jsonNode struct {
	kind       byte // '{', '[', '"', '0' (number) or 'l' (true, false, null)
	start, end int  // src[start:end] is the value
	items      []jsonItem
}

// jsonItem is a member of an object or an element of an array.
type jsonItem struct {
	key   string // the member's name, decoded; "" for an element
	start int    // offset of the member's name, or of the element
	value *jsonNode
	comma int // offset of the ',' after the item, or -1 for the last
}

// get returns the value of member k of an object, or nil.
func (n *jsonNode) get(k string) *jsonNode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for _, it := range n.items {
		if it.key == k {
			return it.value
		}
	}
	return nil
}

// jsonParse parses a JSON file, refusing invalid JSON and duplicate
// member names (which member counts depends on the reader).
func jsonParse(src []byte) (*jsonDoc, error) {
	if !json.Valid(src) {
		return nil, errors.New("invalid JSON")
	}
	p := &jsonParser{src: src}
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	d := &jsonDoc{src: src, root: root, eol: "\n", unit: jsonIndentUnit(src)}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		d.eol = "\r\n"
	}
	return d, nil
}

// jsonIndentUnit returns the white space that starts the first indented
// line, the file's step of indentation when its root starts a line; nil
// when no line is indented.
func jsonIndentUnit(src []byte) []byte {
	for _, line := range bytes.Split(src, []byte("\n"))[1:] {
		rest := bytes.TrimLeft(line, " \t")
		if len(rest) > 0 && len(rest) < len(line) {
			return line[:len(line)-len(rest)]
		}
	}
	return nil
}

// jsonParser reads JSON that json.Valid accepted, recording offsets.
type jsonParser struct {
	src []byte
	pos int
}

// jsonErrSyntax should not happen after json.Valid; it keeps the parser
// from running off the input all the same.
var jsonErrSyntax = errors.New("unexpected JSON syntax")

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// value reads the value at the current offset, after white space.
func (p *jsonParser) value() (*jsonNode, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, jsonErrSyntax
	}
	n := &jsonNode{start: p.pos}
	var err error
	switch c := p.src[p.pos]; {
	case c == '{' || c == '[':
		n.kind = c
		err = p.container(n)
	case c == '"':
		n.kind = '"'
		err = p.str()
	case c == 't' || c == 'f' || c == 'n':
		n.kind = 'l'
		for p.pos < len(p.src) && p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z' {
			p.pos++
		}
	default:
		n.kind = '0'
		for p.pos < len(p.src) && strings.IndexByte("+-.0123456789eE", p.src[p.pos]) >= 0 {
			p.pos++
		}
	}
	n.end = p.pos
	return n, err
}

// str skips the string at the current offset.
func (p *jsonParser) str() error {
	for p.pos++; p.pos < len(p.src); p.pos++ {
		switch p.src[p.pos] {
		case '\\':
			p.pos++
		case '"':
			p.pos++
			return nil
		}
	}
	return jsonErrSyntax
}

// container reads the members of an object or the elements of an array.
func (p *jsonParser) container(n *jsonNode) error {
	closing := byte('}')
	if n.kind == '[' {
		closing = ']'
	}
	p.pos++
	seen := make(map[string]bool)
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return jsonErrSyntax
		}
		if p.src[p.pos] == closing {
			p.pos++
			return nil
		}
		it, err := p.item(n.kind == '{')
		if err != nil {
			return err
		}
		if n.kind == '{' {
			if seen[it.key] {
				return fmt.Errorf("duplicate member %q", it.key)
			}
			seen[it.key] = true
		}
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			it.comma = p.pos
			p.pos++
		}
		n.items = append(n.items, it)
	}
}

// item reads one member (name, ':' and value) or element.
func (p *jsonParser) item(member bool) (jsonItem, error) {
	it := jsonItem{start: p.pos, comma: -1}
	if member {
		if err := p.str(); err != nil {
			return it, err
		}
		if err := json.Unmarshal(p.src[it.start:p.pos], &it.key); err != nil {
			return it, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return it, jsonErrSyntax
		}
		p.pos++
	}
	v, err := p.value()
	it.value = v
	return it, err
}

// jsonPath names a setting: id is unambiguous, show is how reports print
// it.
type jsonPath struct{ id, show string }

// key returns the path of member k below p.
func (p jsonPath) key(k string) jsonPath {
	show := k
	if p.show != "" {
		show = p.show + "." + k
	}
	return jsonPath{id: p.id + "\x00" + k, show: show}
}

// item returns the path of the array element below p whose idKey is id.
func (p jsonPath) item(idKey, id string) jsonPath {
	show := id
	if s, err := strconv.Unquote(id); err == nil {
		show = s
	}
	return jsonPath{id: p.id + "\x01" + id, show: p.show + "[" + idKey + "=" + show + "]"}
}

// jsonIDKeys are the members that identify the objects of an array, in
// order of preference.
var jsonIDKeys = []string{"name", "id", "key"}

// jsonMerger merges one file.
type jsonMerger struct {
	base, ours, theirs *jsonDoc
	// ids holds, by path, the identifying member of each array whose
	// elements are matched by it.
	ids map[string]string
}

// itemID returns the identifier of an array element: the canonical value
// of its member idKey, when that is a string or an integer.
func (m *jsonMerger) itemID(d *jsonDoc, el *jsonNode, idKey string) (string, bool) {
	v := el.get(idKey)
	if v == nil || (v.kind != '"' && (v.kind != '0' || bytes.ContainsAny(d.src[v.start:v.end], ".eE"))) {
		return "", false
	}
	s, err := jsonScalarText(d.src[v.start:v.end], v.kind)
	return s, err == nil
}

// elements returns the elements of an array by identifier, or false when
// one lacks an identifier or two share one.
func (m *jsonMerger) elements(d *jsonDoc, arr *jsonNode, idKey string) (map[string]*jsonItem, bool) {
	els := make(map[string]*jsonItem, len(arr.items))
	for i := range arr.items {
		id, ok := m.itemID(d, arr.items[i].value, idKey)
		if !ok || els[id] != nil {
			return nil, false
		}
		els[id] = &arr.items[i]
	}
	return els, true
}

// decideIDs walks the three versions together and records which arrays
// are matched by key: those that are arrays in every version that has
// them, not all empty, whose elements all carry the same identifying
// member with distinct values.
func (m *jsonMerger) decideIDs(p jsonPath, nodes [3]*jsonNode) {
	kind, nonEmpty := byte(0), false
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if kind != 0 && n.kind != kind {
			return
		}
		kind = n.kind
		nonEmpty = nonEmpty || len(n.items) > 0
	}
	switch {
	case kind == '{':
		for _, k := range jsonUnion(nodes, func(_ int, it *jsonItem) string { return it.key }) {
			m.decideIDs(p.key(k), [3]*jsonNode{nodes[0].get(k), nodes[1].get(k), nodes[2].get(k)})
		}
	case kind == '[' && nonEmpty:
		m.decideArray(p, nodes)
	}
}

// decideArray records the identifying member of arrays nodes, if they
// have one, and decides the arrays within their elements.
func (m *jsonMerger) decideArray(p jsonPath, nodes [3]*jsonNode) {
	docs := [3]*jsonDoc{m.base, m.ours, m.theirs}
	for _, idKey := range jsonIDKeys {
		var els [3]map[string]*jsonItem
		ok := true
		for i, n := range nodes {
			if n != nil && ok {
				els[i], ok = m.elements(docs[i], n, idKey)
			}
		}
		if !ok {
			continue
		}
		m.ids[p.id] = idKey
		ids := jsonUnion(nodes, func(i int, it *jsonItem) string {
			id, _ := m.itemID(docs[i], it.value, idKey)
			return id
		})
		for _, id := range ids {
			var next [3]*jsonNode
			for i := range els {
				if it := els[i][id]; it != nil {
					next[i] = it.value
				}
			}
			m.decideIDs(p.item(idKey, id), next)
		}
		return
	}
}

// jsonUnion returns the names of the items of nodes, each once, in order
// of first appearance.
func jsonUnion(nodes [3]*jsonNode, name func(doc int, it *jsonItem) string) []string {
	var names []string
	seen := make(map[string]bool)
	for i, n := range nodes {
		if n == nil {
			continue
		}
		for j := range n.items {
			if k := name(i, &n.items[j]); !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	return names
}

// jsonFlat is a document flattened to its settings, in document order.
type jsonFlat struct {
	order  []string
	show   map[string]string
	values map[string]string
}

// flatten returns the settings of node n of document d at path p.
func (m *jsonMerger) flatten(d *jsonDoc, p jsonPath, n *jsonNode) (*jsonFlat, error) {
	f := &jsonFlat{show: make(map[string]string), values: make(map[string]string)}
	return f, m.flattenInto(f, d, p, n)
}

// flattenInto adds the settings of node n of document d at path p to f.
func (m *jsonMerger) flattenInto(f *jsonFlat, d *jsonDoc, p jsonPath, n *jsonNode) error {
	if n == nil {
		return nil
	}
	switch idKey := m.ids[p.id]; {
	case n.kind == '{':
		for _, it := range n.items {
			if err := m.flattenInto(f, d, p.key(it.key), it.value); err != nil {
				return err
			}
		}
		return nil
	case n.kind == '[' && idKey != "":
		for _, it := range n.items {
			id, ok := m.itemID(d, it.value, idKey)
			if !ok {
				return fmt.Errorf("%s: element without %s", p.show, idKey)
			}
			if err := m.flattenInto(f, d, p.item(idKey, id), it.value); err != nil {
				return err
			}
		}
		return nil
	}
	v, err := jsonCanon(d.src, n)
	if err != nil {
		return err
	}
	if _, dup := f.values[p.id]; dup {
		return fmt.Errorf("%s: duplicate", p.show)
	}
	f.order = append(f.order, p.id)
	f.show[p.id] = p.show
	f.values[p.id] = v
	return nil
}

// value returns a setting's value in a flattened document.
func (f *jsonFlat) value(id string) Value {
	if v, ok := f.values[id]; ok {
		return Value{Present: true, Text: v}
	}
	return Value{}
}

// jsonCanon returns the canonical text of a value's meaning: strings
// quoted, numbers normalised, objects with their members sorted.
func jsonCanon(src []byte, n *jsonNode) (string, error) {
	switch n.kind {
	case '[', '{':
		parts := make([]string, len(n.items))
		for i, it := range n.items {
			s, err := jsonCanon(src, it.value)
			if err != nil {
				return "", err
			}
			if n.kind == '{' {
				s = strconv.Quote(it.key) + ": " + s
			}
			parts[i] = s
		}
		if n.kind == '{' {
			slices.Sort(parts)
			return "{" + strings.Join(parts, ", ") + "}", nil
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return jsonScalarText(src[n.start:n.end], n.kind)
}

// jsonScalarText returns the canonical text of a string, number or
// literal. A number is its float64 value, as encoding/json reads it (1.0,
// 1e0 and 1 are one value), unless it is an integer of more than 15
// digits, which float64 would round: that one is its digits.
func jsonScalarText(b []byte, kind byte) (string, error) {
	switch kind {
	case '"':
		if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return strconv.Quote(string(inner)), nil // nothing to decode
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return strconv.Quote(s), nil
	case '0':
		digits := strings.TrimPrefix(string(b), "-")
		if !bytes.ContainsAny(b, ".eE") && len(digits) > 15 {
			return string(b), nil
		}
		f, err := strconv.ParseFloat(string(b), 64)
		switch {
		case err != nil:
			return string(b), nil // out of float64's range
		case f == 0:
			return "0", nil // -0 too
		case f == math.Trunc(f) && math.Abs(f) < 1e15:
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	return string(b), nil
}

// report decides every setting and returns the report and the settings
// the merged file must hold.
func (m *jsonMerger) report() (*Report, map[string]string, error) {
	var flats [3]*jsonFlat
	for i, d := range []*jsonDoc{m.base, m.ours, m.theirs} {
		f, err := m.flatten(d, jsonPath{}, d.root)
		if err != nil {
			return nil, nil, err
		}
		flats[i] = f
	}
	return decideSettings("json", flats[0], flats[1], flats[2])
}

func (f *jsonFlat) ids() []string          { return f.order }
func (f *jsonFlat) shown(id string) string { return f.show[id] }

// check parses the merged file and requires exactly the settings decided.
func (m *jsonMerger) check(merged []byte, want map[string]string) error {
	d, err := jsonParse(merged)
	if err != nil {
		return fmt.Errorf("merged file does not parse: %v", err)
	}
	f, err := m.flatten(d, jsonPath{}, d.root)
	if err != nil {
		return fmt.Errorf("merged file: %v", err)
	}
	if !maps.Equal(f.values, want) {
		return errors.New("merged file does not hold the merged settings")
	}
	return nil
}

// jsonSide is a value in one version: the document and the node.
type jsonSide struct {
	doc  *jsonDoc
	node *jsonNode
}

// equal reports whether two values at path p hold the same settings.
func (m *jsonMerger) equal(p jsonPath, a, b jsonSide) (bool, error) {
	fa, err := m.flatten(a.doc, p, a.node)
	if err != nil {
		return false, err
	}
	fb, err := m.flatten(b.doc, p, b.node)
	if err != nil {
		return false, err
	}
	return maps.Equal(fa.values, fb.values), nil
}

// merge writes the merged file: ours with its root value merged.
func (m *jsonMerger) merge() ([]byte, error) {
	o := m.ours
	text, drop, err := m.mergeValue(jsonPath{}, m.base.root, o.root, m.theirs.root)
	if err != nil {
		return nil, err
	}
	if drop {
		return nil, errors.New("the whole document removed")
	}
	out := slices.Clone(o.src[:o.root.start])
	out = append(out, text...)
	return append(out, o.src[o.root.end:]...), nil
}

// mergeValue returns the merged text of ours' value o at path p, given
// base's b and theirs' t (either may be nil). drop says the value is to
// go: the update removed it and the customer had not changed it.
func (m *jsonMerger) mergeValue(p jsonPath, b, o, t *jsonNode) (text []byte, drop bool, err error) {
	bSide, oSide, tSide := jsonSide{m.base, b}, jsonSide{m.ours, o}, jsonSide{m.theirs, t}
	keep := m.ours.src[o.start:o.end]
	sameOB, err := m.equal(p, oSide, bSide)
	if err != nil {
		return nil, false, err
	}
	if t == nil {
		if b == nil {
			return keep, false, nil // the customer's own
		}
		if sameOB {
			return nil, true, nil
		}
	} else {
		if same, err := m.equal(p, oSide, tSide); err != nil || same {
			return keep, false, err
		}
		if same, err := m.equal(p, tSide, bSide); err != nil || same {
			return keep, false, err
		}
	}
	idKey := m.ids[p.id]
	switch {
	case o.kind == '{' && (t == nil || t.kind == '{'):
		return m.mergeContainer(p, "", b, o, t)
	case o.kind == '[' && idKey != "" && (t == nil || t.kind == '['):
		return m.mergeContainer(p, idKey, b, o, t)
	case sameOB && t != nil:
		return m.theirsText(t, m.lineIndent(m.ours.src, o.start)), false, nil
	}
	return nil, false, fmt.Errorf("%s: changed on both sides", p.show)
}

// jsonOut is one item of a merged object or array: its leading white
// space and its text.
type jsonOut struct {
	name string // member name or element identifier
	lead []byte // white space after the comma before it; nil for the usual
	text []byte
}

// mergeContainer merges an object (idKey "") or an array matched by idKey
// item by item. The items of ours keep their place and the white space
// before them; new items of theirs go after the item that precedes them
// in theirs. drop says the container is to go: the update removed it and
// nothing of the customer's is left in it.
func (m *jsonMerger) mergeContainer(p jsonPath, idKey string, b, o, t *jsonNode) ([]byte, bool, error) {
	bItems, oItems, tItems := m.itemsOf(m.base, b, idKey), m.itemsOf(m.ours, o, idKey), m.itemsOf(m.theirs, t, idKey)
	var out []jsonOut
	for i, name := range oItems.names {
		cp := m.childPath(p, idKey, name)
		bv, tv := bItems.get(name), tItems.get(name)
		text, drop, err := m.mergeValue(cp, bv, o.items[i].value, tv)
		switch {
		case err != nil:
			return nil, false, err
		case drop:
			continue
		case idKey != "" && bv != nil && tv == nil:
			// Only the customer's additions are left of an element the
			// update removed: without its identifier.
			return nil, false, fmt.Errorf("%s: changed by the customer, removed by the update", cp.show)
		}
		out = append(out, m.keptItem(o, i, idKey, name, text))
	}
	if t == nil && len(out) == 0 {
		return nil, true, nil
	}
	out, err := m.insertNew(p, idKey, o, t, out, bItems, oItems, tItems)
	if err != nil {
		return nil, false, err
	}
	return m.render(o, t, out), false, nil
}

// keptItem returns item i of ours' container o with its merged value
// text: the customer's name and white space around the value, and the
// white space after the comma before it.
func (m *jsonMerger) keptItem(o *jsonNode, i int, idKey, name string, text []byte) jsonOut {
	src, it := m.ours.src, o.items[i]
	start := it.value.start
	if idKey == "" {
		start = it.start
	}
	end := it.value.end
	if it.comma >= 0 {
		end = it.comma
	}
	item := slices.Clone(src[start:it.value.start])
	item = append(item, text...)
	item = append(item, src[it.value.end:end]...)
	var lead []byte // the first item's is the container's
	if i > 0 {
		lead = src[o.items[i-1].comma+1 : start]
	}
	return jsonOut{name: name, lead: lead, text: item}
}

// jsonNames are the items of a container by name: member names, or
// element identifiers.
type jsonNames struct {
	names []string
	nodes map[string]*jsonNode
}

// get returns the item called name, or nil.
func (n jsonNames) get(name string) *jsonNode { return n.nodes[name] }

// itemsOf names the items of container n of document d (nil gives none).
func (m *jsonMerger) itemsOf(d *jsonDoc, n *jsonNode, idKey string) jsonNames {
	out := jsonNames{nodes: make(map[string]*jsonNode)}
	if n == nil || (idKey == "") != (n.kind == '{') {
		return out
	}
	for _, it := range n.items {
		name := it.key
		if idKey != "" {
			name, _ = m.itemID(d, it.value, idKey)
		}
		out.names = append(out.names, name)
		out.nodes[name] = it.value
	}
	return out
}

// childPath returns the path of the item called name.
func (m *jsonMerger) childPath(p jsonPath, idKey, name string) jsonPath {
	if idKey == "" {
		return p.key(name)
	}
	return p.item(idKey, name)
}

// insertNew adds to out the items of theirs that are new: each after the
// item that precedes it in theirs, else before the one that follows it,
// else at the end.
func (m *jsonMerger) insertNew(p jsonPath, idKey string, o, t *jsonNode, out []jsonOut, bItems, oItems, tItems jsonNames) ([]jsonOut, error) {
	for i, name := range tItems.names {
		if oItems.get(name) != nil {
			continue
		}
		tv := tItems.get(name)
		if bv := bItems.get(name); bv != nil {
			// The customer removed it: the update must have left it
			// alone, or changed it, which the report calls a conflict.
			if same, err := m.equal(m.childPath(p, idKey, name), jsonSide{m.base, bv}, jsonSide{m.theirs, tv}); err != nil || !same {
				return nil, fmt.Errorf("%s: removed by the customer, changed by the update", m.childPath(p, idKey, name).show)
			}
			continue
		}
		at := jsonPlace(out, tItems.names, i)
		it := t.items[i]
		text := m.theirsText(&jsonNode{start: it.start, end: it.value.end}, m.leadIndent(o, t))
		out = slices.Insert(out, at, jsonOut{name: name, text: text})
	}
	return out, nil
}

// jsonPlace returns the index in out at which theirs' item i goes.
func jsonPlace(out []jsonOut, theirs []string, i int) int {
	index := func(name string) int {
		return slices.IndexFunc(out, func(o jsonOut) bool { return o.name == name })
	}
	for j := i - 1; j >= 0; j-- {
		if k := index(theirs[j]); k >= 0 {
			return k + 1
		}
	}
	for j := i + 1; j < len(theirs); j++ {
		if k := index(theirs[j]); k >= 0 {
			return k
		}
	}
	return len(out)
}

// render writes a merged container: ours' brackets and the white space
// before its closing one, the items with their leading white space. The
// first item gets the white space ours has after the opening bracket, the
// others their own, or the usual white space after a comma when they are
// new or were first.
func (m *jsonMerger) render(o, t *jsonNode, out []jsonOut) []byte {
	src := m.ours.src
	first, usual, closing := m.leads(o, t)
	var b []byte
	b = append(b, src[o.start])
	for i, it := range out {
		switch {
		case i == 0:
			b = append(b, first...)
		case it.lead != nil:
			b = append(b, ',')
			b = append(b, it.lead...)
		default:
			b = append(b, ',')
			b = append(b, usual...)
		}
		b = append(b, it.text...)
	}
	if len(out) > 0 {
		b = append(b, closing...)
	}
	return append(b, src[o.end-1])
}

// leads returns the white space of ours' container o after its opening
// bracket, after a comma, and before its closing bracket: the customer's,
// taken from the items it has; for an empty one, theirs' re-indented.
func (m *jsonMerger) leads(o, t *jsonNode) (first, usual, closing []byte) {
	src := m.ours.src
	if n := len(o.items); n > 0 {
		first = src[o.start+1 : o.items[0].start]
		closing = src[o.items[n-1].value.end : o.end-1]
		switch {
		case n > 1:
			usual = src[o.items[0].comma+1 : o.items[1].start]
		case bytes.Contains(first, []byte("\n")):
			usual = first
		default:
			usual = []byte(" ")
		}
		return first, usual, closing
	}
	closing = src[o.start+1 : o.end-1]
	if t == nil || len(t.items) == 0 {
		return nil, []byte(" "), closing
	}
	ts := m.theirs.src
	usual = ts[t.start+1 : t.items[0].start]
	if !bytes.Contains(usual, []byte("\n")) {
		return usual, usual, closing
	}
	indent := m.lineIndent(src, o.start)
	unit := m.ours.unit
	if unit == nil {
		unit, _ = bytes.CutPrefix(m.lineIndent(ts, t.items[0].start), m.lineIndent(ts, t.start))
	}
	if !bytes.Contains(closing, []byte("\n")) {
		closing = append([]byte(m.ours.eol), indent...)
	}
	usual = append(append([]byte(m.ours.eol), indent...), unit...)
	return usual, usual, closing
}

// leadIndent returns the indentation a new item of ours' container o
// gets: that of the line its leading white space ends on.
func (m *jsonMerger) leadIndent(o, t *jsonNode) []byte {
	_, lead, _ := m.leads(o, t)
	if i := bytes.LastIndexByte(lead, '\n'); i >= 0 {
		return lead[i+1:]
	}
	return m.lineIndent(m.ours.src, o.start)
}

// lineIndent returns the white space that starts the line holding offset
// i of src.
func (m *jsonMerger) lineIndent(src []byte, i int) []byte {
	start := bytes.LastIndexByte(src[:i], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return src[start:end]
}

// theirsText returns theirs' text of n with theirs' line endings made
// ours' and each line after the first re-indented from the indentation of
// n's line in theirs to indent.
func (m *jsonMerger) theirsText(n *jsonNode, indent []byte) []byte {
	ts := m.theirs.src
	from := m.lineIndent(ts, n.start)
	lines := bytes.Split(ts[n.start:n.end], []byte("\n"))
	var out []byte
	for i, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if i > 0 {
			out = append(out, m.ours.eol...)
			if rest, ok := bytes.CutPrefix(l, from); ok {
				out = append(out, indent...)
				l = rest
			}
		}
		out = append(out, l...)
	}
	return out
}
