package merge

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// This file is the tests' own reading of the XML merge's contract, written
// apart from the merge code: a small reader (encoding/xml's namespace-
// aware Token for names, a second RawToken pass for the prefixes as
// written), the settings of a document as a flat map, and the expected
// outcome of a three-way merge computed on trees, not text. The merge's
// result is checked against it.

// xmlcNode is an element as the checker sees it.
type xmlcNode struct {
	name  xml.Name   // namespace URI and local name
	raw   string     // prefix:local as written
	attrs []xmlcAttr // not namespace declarations
	text  string     // character data, trimmed
	kids  []*xmlcNode
	outer string // canonical form of the element's settings
	key   string // identity among siblings (keyed), or "" (unnamed)
	step  string // path step as the merge's report names it
}

// xmlcAttr is an attribute as the checker sees it.
type xmlcAttr struct {
	name  xml.Name
	raw   string
	value string
}

// xmlcRead parses a document with encoding/xml, strictly.
func xmlcRead(src []byte) (*xmlcNode, error) {
	raws, err := xmlcRawNames(src)
	if err != nil {
		return nil, err
	}
	d := xmlcDecoder(src)
	var stack []*xmlcNode
	var root *xmlcNode
	hasText := map[*xmlcNode]bool{}
	for i := 0; ; {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlcNode{name: t.Name, raw: raws[i].raw}
			for k, a := range t.Attr {
				if a.Name.Space != "xmlns" && !(a.Name.Space == "" && a.Name.Local == "xmlns") {
					n.attrs = append(n.attrs, xmlcAttr{a.Name, raws[i].attrs[k], a.Value})
				}
			}
			i++
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("two roots")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
				p.text = ""
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n.text = strings.TrimSpace(n.text)
			if len(n.kids) > 0 && (n.text != "" || hasText[n]) {
				return nil, errors.New("mixed content")
			}
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				if len(n.kids) == 0 {
					n.text += string(t)
				}
				if strings.TrimSpace(string(t)) != "" {
					hasText[n] = true
				}
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside the root")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root")
	}
	if err := xmlcFinish(root); err != nil {
		return nil, err
	}
	root.step = root.raw
	return root, nil
}

// xmlcRaw holds the names of one start tag as written.
type xmlcRaw struct {
	raw   string
	attrs []string
}

// xmlcRawNames lists the start tags' names as written, in document order.
func xmlcRawNames(src []byte) ([]xmlcRaw, error) {
	d := xmlcDecoder(src)
	var out []xmlcRaw
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if t, ok := tok.(xml.StartElement); ok {
			r := xmlcRaw{raw: xmlcJoin(t.Name)}
			for _, a := range t.Attr {
				r.attrs = append(r.attrs, xmlcJoin(a.Name))
			}
			out = append(out, r)
		}
	}
}

// xmlcDecoder reads a document, taking an ASCII one in any declared
// encoding as UTF-8.
func xmlcDecoder(src []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(src, []byte(xmlBOM))))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if bytes.ContainsFunc(src, func(r rune) bool { return r >= 0x80 }) {
			return nil, errors.New("non-ASCII document in " + label)
		}
		return r, nil
	}
	return d
}

// xmlcJoin writes a raw name.
func xmlcJoin(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// xmlcFinish computes keys, steps and canonical forms bottom-up, and
// rejects siblings with the same key.
func xmlcFinish(n *xmlcNode) error {
	for _, k := range n.kids {
		if err := xmlcFinish(k); err != nil {
			return err
		}
	}
	counts := map[xml.Name]int{}
	for _, k := range n.kids {
		for _, id := range []string{"name", "id", "key"} {
			if v, ok := k.attr(xml.Name{Local: id}); ok {
				k.key = fmt.Sprintf("{%s}%s[@%s=%q]", k.name.Space, k.name.Local, id, v)
				q := "'" + v + "'"
				if strings.Contains(v, "'") {
					q = `"` + v + `"`
				}
				k.step = fmt.Sprintf("%s[@%s=%s]", k.raw, id, q)
				break
			}
		}
		if k.key == "" {
			counts[k.name]++
		}
	}
	keys := map[string]bool{}
	for _, k := range n.kids {
		if k.key != "" && keys[k.key] {
			return errors.New("duplicate key " + k.key)
		}
		keys[k.key] = true
	}
	seen := map[xml.Name]int{}
	for _, k := range n.kids {
		if k.key == "" {
			seen[k.name]++
			k.step = k.raw
			if counts[k.name] > 1 {
				k.step = fmt.Sprintf("%s[%d]", k.raw, seen[k.name])
			}
		}
	}
	var parts []string
	for _, a := range n.attrs {
		parts = append(parts, fmt.Sprintf("@{%s}%s=%q", a.name.Space, a.name.Local, a.value))
	}
	seen = map[xml.Name]int{}
	for _, k := range n.kids {
		if k.key != "" {
			parts = append(parts, "K"+k.outer)
		} else {
			seen[k.name]++
			parts = append(parts, fmt.Sprintf("U{%s}%s#%d%s", k.name.Space, k.name.Local, seen[k.name], k.outer))
		}
	}
	sort.Strings(parts)
	n.outer = fmt.Sprintf("<{%s}%s %q %s>", n.name.Space, n.name.Local, n.text, strings.Join(parts, " "))
	return nil
}

// attr returns an attribute's value.
func (n *xmlcNode) attr(name xml.Name) (string, bool) {
	for _, a := range n.attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

// xmlcSettings flattens a document into its settings, named by namespace
// URI, identifying attribute or position among unnamed same-named
// siblings: two documents have the same settings when these maps are
// equal.
func xmlcSettings(root *xmlcNode) map[string]string {
	out := map[string]string{}
	var walk func(n *xmlcNode, path string)
	walk = func(n *xmlcNode, path string) {
		out[path] = "(element)"
		for _, a := range n.attrs {
			out[fmt.Sprintf("%s/@{%s}%s", path, a.name.Space, a.name.Local)] = a.value
		}
		out[path+"/text()"] = n.text
		index := map[xml.Name]int{}
		for _, k := range n.kids {
			step := k.key
			if step == "" {
				index[k.name]++
				step = fmt.Sprintf("{%s}%s[%d]", k.name.Space, k.name.Local, index[k.name])
			}
			walk(k, path+"/"+step)
		}
	}
	walk(root, fmt.Sprintf("/{%s}%s", root.name.Space, root.name.Local))
	return out
}

// xmlcOutcome is what the checker expects of a merge.
type xmlcOutcome struct {
	ambiguous string    // why the merge must fall back, or ""
	merged    *xmlcNode // the expected settings, when clean
	taken     []string  // the keys the report must list as taken,
	kept      []string  // kept
	conflicts []string  // and conflicting
	mixed     bool      // an element of the result would have text and children
}

// xmlcExpect computes the expected outcome of merging three documents.
func xmlcExpect(base, ours, theirs []byte) *xmlcOutcome {
	out := &xmlcOutcome{}
	var roots [3]*xmlcNode
	for i, src := range [][]byte{base, ours, theirs} {
		r, err := xmlcRead(src)
		if err != nil {
			out.ambiguous = "cannot read: " + err.Error()
			return out
		}
		roots[i] = r
	}
	b, o, t := roots[0], roots[1], roots[2]
	if b.name != o.name || b.name != t.name {
		out.ambiguous = "roots differ"
		return out
	}
	out.merged = out.element(b, o, t, "/"+b.raw)
	if out.mixed && len(out.conflicts) == 0 && out.ambiguous == "" {
		out.ambiguous = "the merge would make mixed content"
	}
	return out
}

// note records a setting's outcome in the expected report and returns
// the value the merge keeps: ours' unless only theirs changed it.
func (x *xmlcOutcome) note(key string, b, o, t *string, noBase bool) *string {
	eq := func(p, q *string) bool { return (p == nil) == (q == nil) && (p == nil || *p == *q) }
	switch {
	case eq(o, t):
		if !eq(o, b) && !noBase {
			x.kept = append(x.kept, key)
		}
		return o
	case eq(o, b):
		x.taken = append(x.taken, key)
		return t
	case eq(t, b):
		x.kept = append(x.kept, key)
		return o
	}
	x.conflicts = append(x.conflicts, key)
	return o
}

// element merges an element present in ours and theirs (b nil: added by
// both).
func (x *xmlcOutcome) element(b, o, t *xmlcNode, path string) *xmlcNode {
	noBase := b == nil
	m := &xmlcNode{name: o.name, raw: o.raw, key: o.key}
	// Attributes, named as the first of base, ours, theirs writes them.
	var names []xml.Name
	raw := map[xml.Name]string{}
	for _, n := range []*xmlcNode{b, o, t} {
		if n == nil {
			continue
		}
		for _, a := range n.attrs {
			if _, ok := raw[a.name]; !ok {
				raw[a.name] = a.raw
				names = append(names, a.name)
			}
		}
	}
	for _, name := range names {
		v := x.note(path+"/@"+raw[name], xmlcAttrPtr(b, name), xmlcAttrPtr(o, name), xmlcAttrPtr(t, name), noBase)
		if v != nil {
			m.attrs = append(m.attrs, xmlcAttr{name: name, value: *v})
		}
	}
	var bt *string
	if b != nil {
		bt = &b.text
	}
	m.text = *x.note(path+"/text()", bt, &o.text, &t.text, noBase)
	m.kids = x.children(b, o, t, path)
	if m.text != "" && len(m.kids) > 0 {
		x.mixed = true
	}
	return m
}

// xmlcAttrPtr is an attribute's value, nil when absent.
func xmlcAttrPtr(n *xmlcNode, name xml.Name) *string {
	if n == nil {
		return nil
	}
	if v, ok := n.attr(name); ok {
		return &v
	}
	return nil
}

// children merges the children of an element: keyed ones by key, unnamed
// ones by group, aligned.
func (x *xmlcOutcome) children(b, o, t *xmlcNode, path string) []*xmlcNode {
	var bk []*xmlcNode
	if b != nil {
		bk = b.kids
	}
	var out []*xmlcNode
	for _, g := range xmlcGroupsOf(bk, o.kids, t.kids) {
		if g.keyed {
			out = append(out, x.child(xmlcFirst(g.lists[0]), xmlcFirst(g.lists[1]), xmlcFirst(g.lists[2]), path, b == nil)...)
			continue
		}
		out = append(out, x.group(g.lists[0], g.lists[1], g.lists[2], path, b == nil)...)
	}
	return out
}

// xmlcGroup is the versions of one keyed element or of one group of
// unnamed same-named siblings.
type xmlcGroup struct {
	keyed bool
	lists [3][]*xmlcNode
}

// xmlcGroupsOf groups three child lists.
func xmlcGroupsOf(b, o, t []*xmlcNode) []*xmlcGroup {
	var order []string
	groups := map[string]*xmlcGroup{}
	for v, list := range [][]*xmlcNode{b, o, t} {
		for _, k := range list {
			id := k.key
			if id == "" {
				id = fmt.Sprintf("unnamed {%s}%s", k.name.Space, k.name.Local)
			}
			g := groups[id]
			if g == nil {
				g = &xmlcGroup{keyed: k.key != ""}
				groups[id] = g
				order = append(order, id)
			}
			g.lists[v] = append(g.lists[v], k)
		}
	}
	out := make([]*xmlcGroup, len(order))
	for i, id := range order {
		out[i] = groups[id]
	}
	return out
}

// xmlcFirst is a list's only element, or nil.
func xmlcFirst(l []*xmlcNode) *xmlcNode {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// child merges one element given in the three versions and returns what
// the result holds of it.
func (x *xmlcOutcome) child(b, o, t *xmlcNode, parent string, noBase bool) []*xmlcNode {
	first := b
	for _, n := range []*xmlcNode{o, t} {
		if first == nil {
			first = n
		}
	}
	path := parent + "/" + first.step
	same := func(p, q *xmlcNode) bool { return p.outer == q.outer }
	switch {
	case o != nil && t != nil && b == nil && same(o, t):
		if !noBase {
			x.kept = append(x.kept, path)
		}
		return []*xmlcNode{o}
	case o != nil && t != nil:
		return []*xmlcNode{x.element(b, o, t, path)}
	case b == nil && t == nil:
		x.kept = append(x.kept, path)
		return []*xmlcNode{o}
	case b == nil:
		x.taken = append(x.taken, path)
		return []*xmlcNode{t}
	case o == nil && t == nil:
		if !noBase {
			x.kept = append(x.kept, path)
		}
		return nil
	case t == nil && same(b, o):
		x.taken = append(x.taken, path)
		return nil
	case o == nil && same(b, t):
		x.kept = append(x.kept, path)
		return nil
	case t == nil:
		x.conflicts = append(x.conflicts, x.differences(b, o, path)...)
		return []*xmlcNode{o}
	default:
		x.conflicts = append(x.conflicts, x.differences(b, t, path)...)
		return nil
	}
}

// differences lists the settings that differ between two versions of an
// element.
func (x *xmlcOutcome) differences(a, c *xmlcNode, path string) []string {
	var keys []string
	seen := map[xml.Name]bool{}
	for _, n := range []*xmlcNode{a, c} {
		for _, at := range n.attrs {
			if seen[at.name] {
				continue
			}
			seen[at.name] = true
			p, q := xmlcAttrPtr(a, at.name), xmlcAttrPtr(c, at.name)
			if (p == nil) != (q == nil) || (p != nil && *p != *q) {
				raw := at.raw
				if a.attrRaw(at.name) != "" {
					raw = a.attrRaw(at.name)
				}
				keys = append(keys, path+"/@"+raw)
			}
		}
	}
	if a.text != c.text {
		keys = append(keys, path+"/text()")
	}
	for _, g := range xmlcGroupsOf(a.kids, nil, c.kids) {
		as, cs := g.lists[0], g.lists[2]
		var at []int
		if g.keyed {
			at = []int{-1}
			if len(cs) > 0 {
				at[0] = 0
			}
			if len(as) == 0 {
				at = nil
			}
		} else {
			var why string
			if at, why = xmlcAlign(as, cs); why != "" {
				x.ambiguous = why
				return keys
			}
		}
		used := make([]bool, len(cs))
		for i, j := range at {
			switch {
			case j < 0:
				keys = append(keys, path+"/"+as[i].step)
			case as[i].outer != cs[j].outer:
				keys = append(keys, x.differences(as[i], cs[j], path+"/"+as[i].step)...)
			}
			if j >= 0 {
				used[j] = true
			}
		}
		for j, u := range used {
			if !u {
				keys = append(keys, path+"/"+cs[j].step)
			}
		}
	}
	return keys
}

// attrRaw is the raw name of an attribute, or "".
func (n *xmlcNode) attrRaw(name xml.Name) string {
	for _, a := range n.attrs {
		if a.name == name {
			return a.raw
		}
	}
	return ""
}

// group merges a group of unnamed same-named siblings. The result's
// order: base's slots in turn, each with what one side (or both alike)
// added there, then base's element as merged.
func (x *xmlcOutcome) group(bs, os, ts []*xmlcNode, parent string, noBase bool) []*xmlcNode {
	if len(bs) == 0 {
		return x.groupAdded(os, ts, parent, noBase)
	}
	mo, whyO := xmlcAlign(bs, os)
	mt, whyT := xmlcAlign(bs, ts)
	if why := whyO + whyT; why != "" {
		x.ambiguous = why
		return nil
	}
	return x.groupAligned(bs, os, ts, mo, mt, parent, noBase)
}

// groupAdded merges a group base does not have: ours' and theirs' lists
// pair as if one side added them and the other edited them. The result
// follows ours, theirs' unpaired elements after the paired one before
// them.
func (x *xmlcOutcome) groupAdded(os, ts []*xmlcNode, parent string, noBase bool) []*xmlcNode {
	at, why := xmlcAlign(os, ts)
	if why != "" {
		x.ambiguous = why
		return nil
	}
	var out []*xmlcNode
	paired := map[int]bool{}
	for _, j := range at {
		if j >= 0 {
			paired[j] = true
		}
	}
	next := 0 // theirs' next element to place
	flushTheirs := func(upTo int) {
		for ; next < upTo; next++ {
			if !paired[next] {
				out = append(out, x.child(nil, nil, ts[next], parent, noBase)...)
			}
		}
	}
	for i, j := range at {
		if j >= 0 {
			flushTheirs(j)
			out = append(out, x.child(nil, os[i], ts[j], parent, noBase)...)
			next = j + 1
			continue
		}
		out = append(out, x.child(nil, os[i], nil, parent, noBase)...)
	}
	flushTheirs(len(ts))
	return out
}

// groupAligned merges a group once both sides are aligned with base.
// Base elements both sides keep split the group into stretches; in each,
// what one side added (or both alike) comes before the stretch's end.
func (x *xmlcOutcome) groupAligned(bs, os, ts []*xmlcNode, mo, mt []int, parent string, noBase bool) []*xmlcNode {
	changed := func(xs []*xmlcNode) bool { return xmlcOuters(bs) != xmlcOuters(xs) }
	if changed(os) && changed(ts) && (xmlcSlides(bs, os, mo) || xmlcSlides(bs, ts, mt)) {
		x.ambiguous = "identical neighbours"
		return nil
	}
	oa, ta := xmlcAddedBySlot(bs, os, mo), xmlcAddedBySlot(bs, ts, mt)
	var out, oRun, tRun []*xmlcNode
	flush := func() {
		if len(oRun) > 0 && len(tRun) > 0 {
			if xmlcOuters(oRun) != xmlcOuters(tRun) {
				x.ambiguous = "both sides added in the same place"
			}
			for _, n := range oRun {
				out = append(out, x.child(nil, n, n, parent, noBase)...)
			}
		} else {
			for _, n := range oRun {
				out = append(out, x.child(nil, n, nil, parent, noBase)...)
			}
			for _, n := range tRun {
				out = append(out, x.child(nil, nil, n, parent, noBase)...)
			}
		}
		oRun, tRun = nil, nil
	}
	for i := 0; i <= len(bs); i++ {
		oRun = append(oRun, oa[i]...)
		tRun = append(tRun, ta[i]...)
		if i == len(bs) {
			break
		}
		var o, t *xmlcNode
		if mo[i] >= 0 {
			o = os[mo[i]]
		}
		if mt[i] >= 0 {
			t = ts[mt[i]]
		}
		if o == nil || t == nil {
			// Removed by a side: gone when clean, a conflict else.
			x.child(bs[i], o, t, parent, noBase)
			continue
		}
		flush()
		out = append(out, x.child(bs[i], o, t, parent, noBase)...)
	}
	flush()
	return out
}

// xmlcAddedBySlot lists a version's elements not in base by the base index
// they come before.
func xmlcAddedBySlot(bs, xs []*xmlcNode, m []int) [][]*xmlcNode {
	slots := make([][]*xmlcNode, len(bs)+1)
	slot := 0
	for j := range xs {
		found := false
		for i, mj := range m {
			if mj == j {
				slot, found = i+1, true
			}
		}
		if !found {
			slots[slot] = append(slots[slot], xs[j])
		}
	}
	return slots
}

// xmlcOuters joins the canonical forms of a list.
func xmlcOuters(l []*xmlcNode) string {
	var sb strings.Builder
	for _, n := range l {
		sb.WriteString(n.outer)
		sb.WriteByte(0)
	}
	return sb.String()
}

// xmlcSlides reports whether an element one side added or removed sits
// next to an identical one in base.
func xmlcSlides(bs, xs []*xmlcNode, m []int) bool {
	eq := func(i int, s string) bool { return i >= 0 && i < len(bs) && bs[i].outer == s }
	for i, j := range m {
		if j < 0 && (eq(i-1, bs[i].outer) || eq(i+1, bs[i].outer)) {
			return true
		}
	}
	slot := 0
	for j := range xs {
		found := false
		for i, mj := range m {
			if mj == j {
				slot, found = i+1, true
			}
		}
		if !found && (eq(slot-1, xs[j].outer) || eq(slot, xs[j].outer)) {
			return true
		}
	}
	return false
}

// xmlcAlign aligns unnamed siblings of base with another version: a longest
// common subsequence of identical elements (common ends first; ties
// resolved towards base's earlier elements), gaps paired by position when
// equal, as added or removed when one side is empty, else by mutual
// single best similarity, recursively. It returns why when ambiguous.
func xmlcAlign(a, b []*xmlcNode) ([]int, string) {
	at := make([]int, len(a))
	for i := range at {
		at[i] = -1
	}
	lo := 0
	for lo < len(a) && lo < len(b) && a[lo].outer == b[lo].outer {
		at[lo] = lo
		lo++
	}
	ea, eb := len(a), len(b)
	for ea > lo && eb > lo && a[ea-1].outer == b[eb-1].outer {
		ea, eb = ea-1, eb-1
		at[ea] = eb
	}
	// Classic LCS table over the middle.
	n, m := ea-lo, eb-lo
	l := make([][]int, n+1)
	for i := range l {
		l[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[lo+i].outer == b[lo+j].outer {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var anchors [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[lo+i].outer == b[lo+j].outer:
			anchors = append(anchors, [2]int{lo + i, lo + j})
			i, j = i+1, j+1
		case l[i+1][j] >= l[i][j+1]:
			i++
		default:
			j++
		}
	}
	for _, p := range anchors {
		at[p[0]] = p[1]
	}
	// Gaps between matches.
	pi, pj := 0, 0
	var bounds [][2]int
	for i := range a {
		if at[i] >= 0 {
			bounds = append(bounds, [2]int{i, at[i]})
		}
	}
	bounds = append(bounds, [2]int{len(a), len(b)})
	for _, p := range bounds {
		if why := xmlcGap(a, b, pi, p[0], pj, p[1], at); why != "" {
			return nil, why
		}
		pi, pj = p[0]+1, p[1]+1
	}
	return at, ""
}

// xmlcGap pairs a[ai:ae] with b[bi:be].
func xmlcGap(a, b []*xmlcNode, ai, ae, bi, be int, at []int) string {
	switch na, nb := ae-ai, be-bi; {
	case na == nb:
		for k := range na {
			at[ai+k] = bi + k
		}
		return ""
	case na == 0 || nb == 0:
		return ""
	}
	// Mutual single best by shared settings.
	score := func(i, j int) int { return xmlcShared(a[i], b[j]) }
	bestOf := func(i int) int {
		top, at := 0, -1
		for j := bi; j < be; j++ {
			if s := score(i, j); s > top {
				top, at = s, j
			} else if s == top && s > 0 {
				at = -2
			}
		}
		return at
	}
	bestFor := func(j int) int {
		top, at := 0, -1
		for i := ai; i < ae; i++ {
			if s := score(i, j); s > top {
				top, at = s, i
			} else if s == top && s > 0 {
				at = -2
			}
		}
		return at
	}
	var pairs [][2]int
	for i := ai; i < ae; i++ {
		if j := bestOf(i); j >= 0 && bestFor(j) == i {
			if len(pairs) > 0 && pairs[len(pairs)-1][1] >= j {
				return "crossing pairs"
			}
			pairs = append(pairs, [2]int{i, j})
		}
	}
	if len(pairs) == 0 {
		return "cannot pair edited elements"
	}
	pi, pj := ai, bi
	for _, p := range append(pairs, [2]int{ae, be}) {
		if why := xmlcGap(a, b, pi, p[0], pj, p[1], at); why != "" {
			return why
		}
		if p[0] < ae {
			at[p[0]] = p[1]
		}
		pi, pj = p[0]+1, p[1]+1
	}
	return ""
}

// xmlcShared counts shared settings: equal attributes, equal non-empty
// text, identical children.
func xmlcShared(a, b *xmlcNode) int {
	n := 0
	for _, at := range a.attrs {
		if v, ok := b.attr(at.name); ok && v == at.value {
			n++
		}
	}
	if a.text != "" && a.text == b.text {
		n++
	}
	count := map[string]int{}
	for _, k := range a.kids {
		count[k.outer]++
	}
	for _, k := range b.kids {
		if count[k.outer] > 0 {
			count[k.outer]--
			n++
		}
	}
	return n
}
