package merge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// This file is the structure-aware merge of YAML files. A setting is a
// mapping key by its path (spring.datasource.url); a sequence is one
// setting compared whole, unless it is a sequence of mappings that all
// carry an identifying key (name, id or key) with a string or integer
// value, whose items are then matched by that key and merged like
// mappings (servers[name=a].port). Empty mappings are containers, not
// settings.
//
// The merge edits the customer's text by lines, as the properties merge
// does (properties_edit.go): yaml.v3 gives each node's line and column,
// and an entry spans the lines from its key to the last line indented
// deeper. What it cannot be sure of, it leaves to the line merge: anchors,
// aliases, merge keys, tags, keys that are not strings, several
// documents, duplicate keys, a root that is not a block mapping, and flow
// collections that both sides edited.

// mergeYAML merges three versions of a YAML file setting by setting.
func mergeYAML(base, ours, theirs []byte) ([]byte, *Report, error) {
	var docs [3]*yamlDoc
	for i, src := range [][]byte{base, ours, theirs} {
		d, err := yamlParse(src)
		if err != nil {
			return nil, nil, fallback("yaml: %v", err)
		}
		docs[i] = d
	}
	m := &yamlMerger{base: docs[0], ours: docs[1], theirs: docs[2], ids: make(map[string]string)}
	m.decideIDs(yamlPath{}, [3]*yaml.Node{m.base.root, m.ours.root, m.theirs.root})
	rep, want, err := m.report()
	if err != nil {
		return nil, nil, fallback("yaml: %v", err)
	}
	if len(rep.Conflicts) > 0 {
		return nil, rep, nil
	}
	merged, err := m.merge()
	if err != nil {
		return nil, nil, fallback("yaml: %v", err)
	}
	if err := m.check(merged, want); err != nil {
		return nil, nil, fallback("yaml: %v", err)
	}
	return merged, rep, nil
}

// yamlDoc is a parsed YAML file.
type yamlDoc struct {
	text *propText
	root *yaml.Node // a block mapping; nil when the document is empty
}

// yamlParse parses a single-document YAML file and refuses what the merge
// cannot be sure of.
func yamlParse(src []byte) (*yamlDoc, error) {
	for _, lb := range []string{"\u0085", "\u2028", "\u2029"} {
		if bytes.Contains(src, []byte(lb)) {
			return nil, errors.New("unicode line break")
		}
	}
	text, err := propSplit(src)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case err == io.EOF:
		return &yamlDoc{text: text}, nil
	case err != nil:
		return nil, err
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		return nil, errors.New("more than one document")
	}
	if err := yamlRefuse(&doc); err != nil {
		return nil, err
	}
	root, err := yamlRoot(&doc)
	return &yamlDoc{text: text, root: root}, err
}

// yamlRoot returns the block mapping at the root of a document, or nil
// when the document holds nothing.
func yamlRoot(doc *yaml.Node) (*yaml.Node, error) {
	if len(doc.Content) != 1 {
		return nil, nil
	}
	switch r := doc.Content[0]; {
	case r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null" && r.Value == "":
		return nil, nil
	case r.Kind != yaml.MappingNode || r.Style&yaml.FlowStyle != 0:
		return nil, errors.New("the document is not a block mapping")
	default:
		return r, nil
	}
}

// yamlRefuse returns an error for what the merge leaves to the line
// merge: anchors, aliases, merge keys, explicit tags, keys that are not
// strings, and duplicate keys.
func yamlRefuse(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode || n.Anchor != "":
		return fmt.Errorf("line %d: anchor or alias", n.Line)
	case n.Style&yaml.TaggedStyle != 0:
		return fmt.Errorf("line %d: tag %s", n.Line, n.Tag)
	}
	if n.Kind == yaml.MappingNode {
		// Settings are named by their keys' text, which names a key
		// only for strings: 0 and 0x0 are one integer key.
		seen := make(map[string]bool)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			switch {
			case k.Value == "<<":
				return fmt.Errorf("line %d: merge key", k.Line)
			case k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str":
				return fmt.Errorf("line %d: key is not a string", k.Line)
			case seen[k.Value]:
				return fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			seen[k.Value] = true
		}
	}
	for _, c := range n.Content {
		if err := yamlRefuse(c); err != nil {
			return err
		}
	}
	return nil
}

// yamlPath names a setting: id is unambiguous (segments joined by NUL),
// show is how reports print it.
type yamlPath struct{ id, show string }

// key returns the path of a mapping entry below p.
func (p yamlPath) key(k string) yamlPath {
	show := k
	if p.show != "" {
		show = p.show + "." + k
	}
	return yamlPath{id: p.id + "\x00" + k, show: show}
}

// item returns the path of the sequence item below p whose idKey is id.
func (p yamlPath) item(idKey, id string) yamlPath {
	show := id
	if s, err := strconv.Unquote(id); err == nil {
		show = s
	}
	return yamlPath{id: p.id + "\x01" + id, show: p.show + "[" + idKey + "=" + show + "]"}
}

// yamlIDKeys are the keys that identify the mappings of a sequence, in
// order of preference.
var yamlIDKeys = []string{"name", "id", "key"}

// yamlGet returns the value of key k in mapping n, or nil.
func yamlGet(n *yaml.Node, k string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlItemID returns the identifier of a sequence item: the canonical
// value of its idKey, when that is a string or an integer.
func yamlItemID(item *yaml.Node, idKey string) (string, bool) {
	v := yamlGet(item, idKey)
	if v == nil || v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!str" && v.ShortTag() != "!!int") {
		return "", false
	}
	s, err := yamlScalarText(v)
	return s, err == nil
}

// yamlItems returns the items of a sequence by identifier, or false when
// an item lacks one or two share one.
func yamlItems(seq *yaml.Node, idKey string) (map[string]*yaml.Node, bool) {
	items := make(map[string]*yaml.Node, len(seq.Content))
	for _, it := range seq.Content {
		id, ok := yamlItemID(it, idKey)
		if !ok || items[id] != nil {
			return nil, false
		}
		items[id] = it
	}
	return items, true
}

// yamlMerger merges one file.
type yamlMerger struct {
	base, ours, theirs *yamlDoc
	// ids holds, by path, the identifying key of each sequence whose
	// items are matched by key.
	ids       map[string]string
	theirsNew []bool
	edits     []propEdit
}

// decideIDs walks the three versions together and records which
// sequences are matched by key: those that are sequences in every version
// that has them, not all empty, whose items all carry the same
// identifying key with distinct values.
func (m *yamlMerger) decideIDs(p yamlPath, nodes [3]*yaml.Node) {
	kind, nonEmpty := yaml.Kind(0), false
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if kind != 0 && n.Kind != kind {
			return
		}
		kind = n.Kind
		nonEmpty = nonEmpty || len(n.Content) > 0
	}
	switch {
	case kind == yaml.MappingNode:
		for _, k := range yamlUnionKeys(nodes) {
			m.decideIDs(p.key(k), [3]*yaml.Node{yamlGet(nodes[0], k), yamlGet(nodes[1], k), yamlGet(nodes[2], k)})
		}
	case kind == yaml.SequenceNode && nonEmpty:
		m.decideSequence(p, nodes)
	}
}

// decideSequence records the identifying key of sequences nodes, if they
// have one, and decides the sequences within their items.
func (m *yamlMerger) decideSequence(p yamlPath, nodes [3]*yaml.Node) {
	for _, idKey := range yamlIDKeys {
		var items [3]map[string]*yaml.Node
		ok := true
		for i, n := range nodes {
			if n != nil && ok {
				items[i], ok = yamlItems(n, idKey)
			}
		}
		if !ok {
			continue
		}
		m.ids[p.id] = idKey
		for _, id := range yamlUnionIDs(nodes, idKey) {
			m.decideIDs(p.item(idKey, id), [3]*yaml.Node{items[0][id], items[1][id], items[2][id]})
		}
		return
	}
}

// yamlUnionKeys returns the keys of the mappings among nodes, each once,
// in order of first appearance.
func yamlUnionKeys(nodes [3]*yaml.Node) []string {
	var keys []string
	seen := make(map[string]bool)
	for _, n := range nodes {
		if n == nil || n.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i].Value; !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// yamlUnionIDs returns the identifiers of the items of the sequences
// among nodes, each once.
func yamlUnionIDs(nodes [3]*yaml.Node, idKey string) []string {
	var ids []string
	seen := make(map[string]bool)
	for _, n := range nodes {
		if n == nil {
			continue
		}
		for _, it := range n.Content {
			if id, _ := yamlItemID(it, idKey); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// yamlLeaf is one setting of a flattened document.
type yamlLeaf struct {
	show  string
	value string
}

// yamlFlat is a document flattened to its settings, in document order.
type yamlFlat struct {
	order  []string
	leaves map[string]yamlLeaf
}

// flatten returns the settings of node n at path p.
func (m *yamlMerger) flatten(p yamlPath, n *yaml.Node) (*yamlFlat, error) {
	f := &yamlFlat{leaves: make(map[string]yamlLeaf)}
	return f, m.flattenInto(f, p, n)
}

// flattenInto adds the settings of node n at path p to f.
func (m *yamlMerger) flattenInto(f *yamlFlat, p yamlPath, n *yaml.Node) error {
	if n == nil {
		return nil
	}
	switch idKey := m.ids[p.id]; {
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := m.flattenInto(f, p.key(n.Content[i].Value), n.Content[i+1]); err != nil {
				return err
			}
		}
		return nil
	case n.Kind == yaml.SequenceNode && idKey != "":
		for _, it := range n.Content {
			id, ok := yamlItemID(it, idKey)
			if !ok {
				return fmt.Errorf("%s: item without %s", p.show, idKey)
			}
			if err := m.flattenInto(f, p.item(idKey, id), it); err != nil {
				return err
			}
		}
		return nil
	}
	v, err := yamlCanon(n)
	if err != nil {
		return err
	}
	if _, dup := f.leaves[p.id]; dup {
		return fmt.Errorf("%s: duplicate", p.show)
	}
	f.order = append(f.order, p.id)
	f.leaves[p.id] = yamlLeaf{show: p.show, value: v}
	return nil
}

// value returns a setting's value in a flattened document.
func (f *yamlFlat) value(id string) Value {
	if l, ok := f.leaves[id]; ok {
		return Value{Present: true, Text: l.value}
	}
	return Value{}
}

// yamlCanon returns the canonical text of a node's meaning: scalars by
// type and value (strings quoted), sequences and mappings in flow form
// with mapping keys sorted.
func yamlCanon(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return yamlScalarText(n)
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			s, err := yamlCanon(c)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			s, err := yamlCanon(n.Content[i+1])
			if err != nil {
				return "", err
			}
			parts = append(parts, strconv.Quote(n.Content[i].Value)+": "+s)
		}
		slices.Sort(parts)
		return "{" + strings.Join(parts, ", ") + "}", nil
	}
	return "", fmt.Errorf("line %d: unexpected node", n.Line)
}

// yamlScalarText returns the canonical text of a scalar's value.
func yamlScalarText(n *yaml.Node) (string, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return "null", nil
	case string:
		return strconv.Quote(v), nil
	case float64:
		switch {
		case math.IsNaN(v):
			return ".nan", nil
		case math.IsInf(v, 0):
			return strconv.FormatFloat(v, 'g', -1, 64), nil
		case v == 0:
			return "0.0", nil // -0.0 too
		case v == math.Trunc(v) && math.Abs(v) < 1e15:
			return strconv.FormatFloat(v, 'f', 1, 64), nil
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case time.Time:
		return v.Format(time.RFC3339Nano), nil
	}
	return fmt.Sprint(v), nil
}

// report decides every setting and returns the report and the settings
// the merged file must hold.
func (m *yamlMerger) report() (*Report, map[string]string, error) {
	var flats [3]*yamlFlat
	for i, d := range []*yamlDoc{m.base, m.ours, m.theirs} {
		f, err := m.flatten(yamlPath{}, d.root)
		if err != nil {
			return nil, nil, err
		}
		flats[i] = f
	}
	return decideSettings("yaml", flats[0], flats[1], flats[2])
}

func (f *yamlFlat) ids() []string          { return f.order }
func (f *yamlFlat) shown(id string) string { return f.leaves[id].show }

// check parses the merged file and requires exactly the settings decided.
func (m *yamlMerger) check(merged []byte, want map[string]string) error {
	d, err := yamlParse(merged)
	if err != nil {
		return fmt.Errorf("merged file does not parse: %v", err)
	}
	f, err := m.flatten(yamlPath{}, d.root)
	if err != nil {
		return fmt.Errorf("merged file: %v", err)
	}
	got := make(map[string]string, len(f.leaves))
	for id, l := range f.leaves {
		got[id] = l.value
	}
	if !maps.Equal(got, want) {
		return errors.New("merged file does not hold the merged settings")
	}
	return nil
}

// equal reports whether two nodes at path p hold the same settings.
func (m *yamlMerger) equal(p yamlPath, a, b *yaml.Node) (bool, error) {
	fa, err := m.flatten(p, a)
	if err != nil {
		return false, err
	}
	fb, err := m.flatten(p, b)
	if err != nil {
		return false, err
	}
	return maps.Equal(fa.leaves, fb.leaves), nil
}

// merge edits ours; the report has no conflicts.
func (m *yamlMerger) merge() ([]byte, error) {
	m.theirsNew = propNewLines(m.base.text, m.theirs.text)
	o := m.ours
	if o.root == nil && m.theirs.root != nil {
		// Everything the update has is new to the customer's empty file.
		o.root = &yaml.Node{Kind: yaml.MappingNode}
	}
	if o.root != nil {
		ob, err := yamlMapBlock(o, o.root, 0)
		if err != nil {
			return nil, err
		}
		if _, err := m.mergeMapping(yamlPath{}, m.base.root, ob, m.theirs.root, 0); err != nil {
			return nil, err
		}
	}
	propFixFinalEOL(o.text, m.edits)
	out, err := propApply(o.text.src, m.edits)
	return propKeepNoFinalEOL(o.text, out), err
}

// yamlEntry is one entry of a block mapping, or one item of a block
// sequence, and the lines it spans.
type yamlEntry struct {
	key         string
	k, v        *yaml.Node // key (nil for an item) and value
	first, last int        // lines
	col         int        // column of the key or of the item's dash, in bytes
	colon       int        // offset just after the ':' that ends the key
}

// yamlBlock is a block mapping or a sequence matched by key, as the lines
// of one version.
type yamlBlock struct {
	*propBlock
	entries []yamlEntry
	col     int // column of the keys or dashes
}

// entry returns the entry for key k, or nil.
func (b *yamlBlock) entry(k string) *yamlEntry {
	if i, ok := b.index[k]; ok {
		return &b.entries[i]
	}
	return nil
}

// yamlIsComment reports a comment line.
func yamlIsComment(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte("#"))
}

// yamlIndent returns the number of spaces that start a line.
func yamlIndent(line []byte) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}

// yamlIsDash reports whether the line holds a sequence dash at column col.
func yamlIsDash(line []byte, col int) bool {
	return len(line) > col && line[col] == '-' && (len(line) == col+1 || line[col+1] == ' ' || line[col+1] == '\t')
}

// yamlExtent returns the last line of an entry that starts on line first
// at column col: the lines after it that are blank, comments, indented
// deeper, or (for a sequence written at the key's own column) dashes at
// that column belong to it; trailing blank lines and comments not
// indented deeper do not.
func yamlExtent(t *propText, first, col int, dashes bool) int {
	last := first
	for l := first + 1; l < len(t.lines); l++ {
		line := t.line(l)
		if t.isBlank(l) {
			continue
		}
		ind := yamlIndent(line)
		switch {
		case ind > col:
			last = l
		case yamlIsComment(line):
		case dashes && ind == col && yamlIsDash(line, col):
			last = l
		default:
			return last
		}
	}
	return last
}

// yamlMapBlock returns the entries of block mapping n of document d; lo
// is the first line of the gap before its first entry, the line after its
// parent's. A mapping that is a sequence item may start on the item's
// dash line: nothing can go before its first key then.
func yamlMapBlock(d *yamlDoc, n *yaml.Node, lo int) (*yamlBlock, error) {
	b := &yamlBlock{col: max(n.Column-1, 0)}
	var spans []propSpan
	for i := 0; i+1 < len(n.Content); i += 2 {
		e, err := yamlMapEntry(d.text, n.Content[i], n.Content[i+1])
		if err != nil {
			return nil, err
		}
		b.entries = append(b.entries, e)
		spans = append(spans, propSpan{key: e.key, first: e.first, last: e.last})
	}
	b.propBlock = propNewBlock(d.text, spans, lo, yamlIsComment)
	b.fixedFirst = len(spans) > 0 && spans[0].first < lo
	return b, nil
}

// yamlMapEntry locates one entry of a block mapping: its key must start
// its line, after the dash of a sequence item at most.
func yamlMapEntry(t *propText, k, v *yaml.Node) (yamlEntry, error) {
	e := yamlEntry{key: k.Value, k: k, v: v, first: k.Line - 1, col: k.Column - 1}
	line := t.line(e.first)
	if e.col >= len(line) || strings.Trim(string(line[:e.col]), " -") != "" ||
		strings.Contains(string(line[:e.col]), "--") {
		return e, fmt.Errorf("line %d: key %q not at the start of its line", k.Line, k.Value)
	}
	end, err := yamlKeyEnd(line, e.col, k.Style)
	if err != nil {
		return e, fmt.Errorf("line %d: %v", k.Line, err)
	}
	e.colon = t.lines[e.first].start + end
	dashes := v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && v.Column-1 == e.col
	e.last = yamlExtent(t, e.first, e.col, dashes)
	return e, nil
}

// yamlKeyEnd returns the offset in line just after the ':' that ends the
// key starting at col.
func yamlKeyEnd(line []byte, col int, style yaml.Style) (int, error) {
	i := col
	switch {
	case style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		n := yamlQuotedEnd(line[col:])
		if n < 0 {
			return 0, errors.New("quoted key does not end on its line")
		}
		i += n
	default:
		for i < len(line) && (line[i] != ':' || (i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t')) {
			i++
		}
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i >= len(line) || line[i] != ':' {
		return 0, errors.New("no ':' after the key on its line")
	}
	return i + 1, nil
}

// yamlSeqBlock returns the items of block sequence n, matched by idKey,
// of document d; lo is the first line of its gap.
func yamlSeqBlock(d *yamlDoc, n *yaml.Node, idKey string, lo int) (*yamlBlock, error) {
	t := d.text
	b := &yamlBlock{col: n.Column - 1}
	var spans []propSpan
	for _, it := range n.Content {
		id, ok := yamlItemID(it, idKey)
		if !ok {
			return nil, fmt.Errorf("line %d: item without %s", it.Line, idKey)
		}
		dash := it.Line - 1
		for dash >= 0 && !yamlIsDash(t.line(dash), b.col) {
			dash--
		}
		if dash < 0 || (len(spans) > 0 && dash <= spans[len(spans)-1].last) {
			return nil, fmt.Errorf("line %d: no dash for the item", it.Line)
		}
		e := yamlEntry{key: id, v: it, first: dash, col: b.col}
		e.last = yamlExtent(t, dash, b.col, false)
		b.entries = append(b.entries, e)
		spans = append(spans, propSpan{key: id, first: e.first, last: e.last})
	}
	b.propBlock = propNewBlock(t, spans, lo, yamlIsComment)
	return b, nil
}

// yamlIsBlock reports a block (not flow) mapping or sequence.
func yamlIsBlock(n *yaml.Node, kind yaml.Kind) bool {
	return n != nil && n.Kind == kind && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0
}

// mergeMapping merges the entries of ours' block mapping ob at path p
// with base's mapping b and theirs' t (either may be nil or not a
// mapping); tLo is the first line of theirs' mapping. It reports whether
// the customer's mapping ends up without entries.
func (m *yamlMerger) mergeMapping(p yamlPath, b *yaml.Node, ob *yamlBlock, t *yaml.Node, tLo int) (empty bool, err error) {
	bm := &propBlockMerge{ours: ob.propBlock, theirsNew: m.theirsNew, remove: make(map[string]bool), insert: make(map[string]bool)}
	if yamlIsBlock(b, yaml.MappingNode) {
		if bb, err := yamlMapBlock(m.base, b, 0); err == nil {
			bm.base = bb.propBlock
		}
	}
	for i := range ob.entries {
		oe := &ob.entries[i]
		remove, err := m.mergeEntry(p.key(oe.key), yamlGet(b, oe.key), oe, t)
		if err != nil {
			return false, err
		}
		bm.remove[oe.key] = remove
	}
	tb, err := m.theirsInserts(p, b, ob, t, tLo, bm)
	if err != nil {
		return false, err
	}
	return m.runBlockMerge(bm, ob, tb, p.id == "")
}

// theirsInserts marks the entries of theirs' mapping t that are new to
// ours, and returns theirs' mapping as lines.
func (m *yamlMerger) theirsInserts(p yamlPath, b *yaml.Node, ob *yamlBlock, t *yaml.Node, tLo int, bm *propBlockMerge) (*yamlBlock, error) {
	bm.theirs = propNewBlock(m.theirs.text, nil, 0, yamlIsComment)
	if t == nil || t.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(t.Content); i += 2 {
		k := t.Content[i].Value
		if ob.entry(k) != nil {
			continue
		}
		bv := yamlGet(b, k)
		if bv == nil {
			bm.insert[k] = true
			continue
		}
		// The customer removed it: the update must have left it alone,
		// or added to it, which the merge cannot place.
		if eq, err := m.equal(p.key(k), bv, t.Content[i+1]); err != nil || !eq {
			return nil, fmt.Errorf("%s: removed by the customer, added to by the update", p.key(k).show)
		}
	}
	if len(bm.insert) == 0 {
		return nil, nil
	}
	if !yamlIsBlock(t, yaml.MappingNode) {
		return nil, fmt.Errorf("%s: new entries in a flow mapping", p.show)
	}
	tb, err := yamlMapBlock(m.theirs, t, tLo)
	if err != nil {
		return nil, err
	}
	bm.theirs = tb.propBlock
	return tb, nil
}

// runBlockMerge adds the removals and insertions of one container to the
// edits. It reports whether the customer's container ends up empty; then
// it adds no edits unless the container is the document's root, since the
// caller replaces or removes the whole value (an empty block mapping would
// read as null).
func (m *yamlMerger) runBlockMerge(bm *propBlockMerge, ob, tb *yamlBlock, root bool) (bool, error) {
	kept := 0
	for _, e := range ob.entries {
		if !bm.remove[e.key] {
			kept++
		}
	}
	if kept == 0 && len(bm.insert) == 0 && !root {
		return true, nil
	}
	if tb != nil {
		shift := ob.col - tb.col
		bm.reindent = func(text []byte) []byte { return yamlShift(text, shift, true) }
	}
	edits, err := bm.edits()
	if err != nil {
		return false, err
	}
	m.edits = append(m.edits, edits...)
	return false, nil
}

// mergeEntry merges one entry oe of ours' mapping, at path p, with its
// value b in base and its counterpart in theirs' mapping t. It reports
// whether the entry is to be removed.
func (m *yamlMerger) mergeEntry(p yamlPath, b *yaml.Node, oe *yamlEntry, t *yaml.Node) (bool, error) {
	tv := yamlGet(t, oe.key)
	o := oe.v
	sameOB, err := m.equal(p, o, b)
	if err != nil {
		return false, err
	}
	if tv == nil {
		if b == nil {
			return false, nil // the customer's own
		}
		if sameOB {
			return true, nil
		}
		// The update removed what the customer changed: only the
		// customer's additions can be left, and they stay.
		return m.mergeValue(p, b, oe, nil, nil)
	}
	sameOT, err := m.equal(p, o, tv)
	if err != nil || sameOT {
		return false, err
	}
	sameTB, err := m.equal(p, tv, b)
	if err != nil || sameTB {
		return false, err
	}
	return m.mergeValue(p, b, oe, m.theirsEntry(t, oe.key), tv)
}

// theirsEntry locates the entry for key k in theirs' mapping t; nil when
// t is a flow mapping, whose entries have no lines of their own.
func (m *yamlMerger) theirsEntry(t *yaml.Node, k string) *yamlEntry {
	if t.Style&yaml.FlowStyle != 0 {
		return nil
	}
	for i := 0; i+1 < len(t.Content); i += 2 {
		if t.Content[i].Value == k {
			if e, err := yamlMapEntry(m.theirs.text, t.Content[i], t.Content[i+1]); err == nil {
				return &e
			}
		}
	}
	return nil
}

// mergeValue merges the value of ours' entry oe with b and theirs' tv
// (entry te, nil when tv is nil or in a flow mapping), both changed since
// base or tv removed: mappings and sequences matched by key merge entry
// by entry, anything else takes theirs' value when ours is base's. It
// reports whether the entry is to be removed.
func (m *yamlMerger) mergeValue(p yamlPath, b *yaml.Node, oe *yamlEntry, te *yamlEntry, tv *yaml.Node) (bool, error) {
	o := oe.v
	tLo := 0
	if te != nil {
		tLo = te.first + 1
	}
	var empty bool
	var err error
	switch idKey := m.ids[p.id]; {
	case yamlIsBlock(o, yaml.MappingNode) && (tv == nil || tv.Kind == yaml.MappingNode):
		var ob *yamlBlock
		if ob, err = yamlMapBlock(m.ours, o, oe.first+1); err == nil {
			empty, err = m.mergeMapping(p, b, ob, tv, tLo)
		}
	case idKey != "" && yamlIsBlock(o, yaml.SequenceNode) && (tv == nil || tv.Kind == yaml.SequenceNode):
		empty, err = m.mergeSequence(p, idKey, b, oe, tv, tLo)
	default:
		sameOB, err := m.equal(p, o, b)
		if err != nil || !sameOB || tv == nil {
			return false, fmt.Errorf("%s: changed on both sides", p.show)
		}
		return false, m.replaceValue(oe, te)
	}
	if err != nil || !empty {
		return false, err
	}
	if tv == nil {
		return true, nil
	}
	return false, m.replaceValue(oe, te)
}

// mergeSequence merges the items of ours' block sequence (the value of
// entry oe), matched by idKey, with base's b and theirs' t; tLo is the
// line after theirs' key.
func (m *yamlMerger) mergeSequence(p yamlPath, idKey string, b *yaml.Node, oe *yamlEntry, t *yaml.Node, tLo int) (bool, error) {
	ob, err := yamlSeqBlock(m.ours, oe.v, idKey, oe.first+1)
	if err != nil {
		return false, err
	}
	bItems, bb := m.seqItems(m.base, b, idKey, 0)
	tItems, tb := m.seqItems(m.theirs, t, idKey, tLo)
	bm := &propBlockMerge{ours: ob.propBlock, theirsNew: m.theirsNew, remove: make(map[string]bool), insert: make(map[string]bool),
		theirs: propNewBlock(m.theirs.text, nil, 0, yamlIsComment)}
	if bb != nil {
		bm.base = bb.propBlock
	}
	if tb != nil {
		bm.theirs = tb.propBlock
	}
	for i := range ob.entries {
		oe := &ob.entries[i]
		tLo := 0
		if tb != nil && tb.entry(oe.key) != nil {
			tLo = tb.entry(oe.key).first + 1
		}
		remove, err := m.mergeItem(p.item(idKey, oe.key), bItems[oe.key], oe, tItems[oe.key], tLo)
		if err != nil {
			return false, err
		}
		bm.remove[oe.key] = remove
	}
	if err := m.newItems(p, idKey, ob, bItems, tItems, bm); err != nil {
		return false, err
	}
	if len(bm.insert) > 0 && tb == nil {
		return false, fmt.Errorf("%s: new items in a flow sequence", p.show)
	}
	return m.runBlockMerge(bm, ob, tb, false)
}

// seqItems returns the items of sequence n of document d by identifier,
// and n as lines when it is a block sequence (else nil); lo is the line
// after its key.
func (m *yamlMerger) seqItems(d *yamlDoc, n *yaml.Node, idKey string, lo int) (map[string]*yaml.Node, *yamlBlock) {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, nil
	}
	items, _ := yamlItems(n, idKey)
	if !yamlIsBlock(n, yaml.SequenceNode) {
		return items, nil
	}
	b, err := yamlSeqBlock(d, n, idKey, lo)
	if err != nil {
		return items, nil
	}
	return items, b
}

// newItems marks the items of theirs that ours lacks and base too.
func (m *yamlMerger) newItems(p yamlPath, idKey string, ob *yamlBlock, bItems, tItems map[string]*yaml.Node, bm *propBlockMerge) error {
	for id, tv := range tItems {
		switch {
		case ob.entry(id) != nil:
		case bItems[id] == nil:
			bm.insert[id] = true
		default:
			// The customer removed it: the update must have left it
			// alone, or changed it, which the report calls a conflict.
			if eq, err := m.equal(p.item(idKey, id), bItems[id], tv); err != nil || !eq {
				return fmt.Errorf("%s: removed by the customer, changed by the update", p.item(idKey, id).show)
			}
		}
	}
	return nil
}

// mergeItem merges one item oe of a sequence matched by key, like an
// entry of a mapping, with base's b and theirs' tv (tLo the line after
// theirs' dash). It reports whether the item is to be removed.
func (m *yamlMerger) mergeItem(p yamlPath, b *yaml.Node, oe *yamlEntry, tv *yaml.Node, tLo int) (bool, error) {
	sameOB, err := m.equal(p, oe.v, b)
	if err != nil {
		return false, err
	}
	if tv == nil && (b == nil || sameOB) {
		return b != nil, nil
	}
	if tv != nil {
		if same, err := m.equal(p, oe.v, tv); err != nil || same {
			return false, err
		}
		if same, err := m.equal(p, tv, b); err != nil || same {
			return false, err
		}
	}
	// Merge the item's entries. When the update removed the item, it goes
	// if the customer only removed entries from it; an item left with
	// the customer's additions alone would lose its identifier.
	if !yamlIsBlock(oe.v, yaml.MappingNode) || (tv != nil && tv.Kind != yaml.MappingNode) {
		return false, fmt.Errorf("%s: item is not a block mapping", p.show)
	}
	ob, err := yamlMapBlock(m.ours, oe.v, oe.first+1)
	if err != nil {
		return false, err
	}
	empty, err := m.mergeMapping(p, b, ob, tv, tLo)
	switch {
	case err != nil:
		return false, err
	case tv == nil && !empty:
		return false, fmt.Errorf("%s: changed by the customer, removed by the update", p.show)
	}
	return empty, nil
}

// replaceValue writes theirs' value of entry te over ours' value of entry
// oe. A scalar on the key's line replaces just ours' scalar, so that the
// customer's comment after it stays; anything else replaces all that
// follows the key's ':' with what follows it in theirs, re-indented.
func (m *yamlMerger) replaceValue(oe, te *yamlEntry) error {
	if te == nil {
		return errors.New("the update's value is in a flow mapping")
	}
	o, t := m.ours.text, m.theirs.text
	if ostart, oend, ok := yamlInlineScalar(o, oe); ok {
		if tstart, tend, ok := yamlInlineScalar(t, te); ok {
			m.edits = append(m.edits, propEdit{start: ostart, end: oend, text: slices.Clone(t.src[tstart:tend])})
			return nil
		}
	}
	if te.k == nil || oe.k == nil {
		return errors.New("cannot replace a sequence item")
	}
	value := t.src[te.colon:t.lines[te.last].end]
	text := yamlShift(propWithEOL(value, o.eol), oe.col-te.col, false)
	m.edits = append(m.edits, propEdit{start: oe.colon, end: o.lines[oe.last].end, text: text})
	return nil
}

// yamlInlineScalar returns the offsets of a one-line scalar value written
// on its key's line, without the comment that may follow it.
func yamlInlineScalar(t *propText, e *yamlEntry) (start, end int, ok bool) {
	v := e.v
	if e.k == nil || v.Kind != yaml.ScalarNode || v.Line-1 != e.first || e.last != e.first ||
		v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 0, 0, false
	}
	line := t.line(e.first)
	col := yamlByteCol(line, v.Column-1)
	if col < 0 {
		return 0, 0, false
	}
	rest := line[col:]
	n := len(rest)
	switch {
	case v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		if n = yamlQuotedEnd(rest); n < 0 {
			return 0, 0, false
		}
	default:
		if i := bytes.Index(rest, []byte(" #")); i >= 0 {
			n = i
		}
		if i := bytes.Index(rest, []byte("\t#")); i >= 0 && i < n {
			n = i
		}
		n = len(bytes.TrimRight(rest[:n], " \t"))
	}
	start = t.lines[e.first].start + col
	return start, start + n, n > 0
}

// yamlQuotedEnd returns the length of the quoted scalar that starts b, or
// -1 when it does not end on the line.
func yamlQuotedEnd(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	q := b[0]
	for i := 1; i < len(b); i++ {
		switch {
		case q == '"' && b[i] == '\\':
			i++
		case b[i] == q && q == '\'' && i+1 < len(b) && b[i+1] == '\'':
			i++
		case b[i] == q:
			return i + 1
		}
	}
	return -1
}

// yamlByteCol returns the byte offset in line of the character at
// column col, or -1.
func yamlByteCol(line []byte, col int) int {
	for i := range string(line) {
		if col == 0 {
			return i
		}
		col--
	}
	return -1
}

// yamlShift indents each line of text by shift columns (less when
// negative, as far as there are spaces); the first line too when first is
// set. Blank lines stay blank.
func yamlShift(text []byte, shift int, first bool) []byte {
	if shift == 0 {
		return text
	}
	lines := bytes.SplitAfter(text, []byte("\n"))
	var out []byte
	for i, l := range lines {
		if (i > 0 || first) && len(bytes.TrimSpace(l)) > 0 {
			if shift > 0 {
				out = append(out, bytes.Repeat([]byte(" "), shift)...)
			} else {
				l = l[min(-shift, yamlIndent(l)):]
			}
		}
		out = append(out, l...)
	}
	return out
}
