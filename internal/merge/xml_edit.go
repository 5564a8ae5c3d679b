package merge

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// This file turns the merge's decisions into edits of the customer's
// text: each edit replaces one span of ours, and everything between edits
// stays as the customer wrote it.

// xmlEdit replaces the bytes of span with text; an empty span inserts.
type xmlEdit struct {
	span xmlSpan
	text string
}

// edit asks for a change of ours.
func (m *xmlMerger) edit(start, end int, text string) {
	m.edits = append(m.edits, xmlEdit{xmlSpan{start, end}, text})
}

// xmlApply makes the edits to src. Insertions at one place keep the order
// they were asked in and come before a replacement starting there; edits
// must not overlap.
func xmlApply(src []byte, edits []xmlEdit) ([]byte, error) {
	edits = append([]xmlEdit(nil), edits...)
	sort.SliceStable(edits, func(i, j int) bool {
		a, b := edits[i].span, edits[j].span
		if a.start != b.start {
			return a.start < b.start
		}
		return a.end == a.start && b.end > b.start
	})
	var out bytes.Buffer
	pos := 0
	for _, e := range edits {
		if e.span.start < pos {
			return nil, errors.New("overlapping edits")
		}
		out.Write(src[pos:e.span.start])
		out.WriteString(e.text)
		pos = e.span.end
	}
	out.Write(src[pos:])
	return out.Bytes(), nil
}

// setAttr gives ours' element o the value theirs' t has for an attribute:
// changed, removed or added.
func (m *xmlMerger) setAttr(o, t *xmlNode, name xmlName) error {
	oa, ta := o.attr(name), t.attr(name)
	switch {
	case ta == nil:
		// Remove the attribute with the white space before it.
		start := oa.span.start
		for strings.IndexByte(xmlSpace, m.ours.src[start-1]) >= 0 {
			start--
		}
		m.edit(start, oa.span.end, "")
	case oa != nil:
		m.edit(oa.val.start, oa.val.end, m.attrValue(ta, oa.quote))
	default:
		return m.addAttr(o, ta)
	}
	return nil
}

// addAttr adds theirs' attribute ta to ours' o after its last attribute,
// separated the way that attribute is from the one before it.
func (m *xmlMerger) addAttr(o *xmlNode, ta *xmlAttr) error {
	prefix, decl, err := xmlPrefixFor(o, ta)
	if err != nil {
		return err
	}
	name := ta.name.local
	if prefix != "" {
		name = prefix + ":" + name
	}
	src := m.ours.src
	pos, sep, quote := o.start.start+1+len(o.raw), " ", byte('"')
	if n := len(o.attrs); n > 0 {
		last := o.attrs[n-1]
		pos, quote = last.span.end, last.quote
		ws := last.span.start
		for strings.IndexByte(xmlSpace, src[ws-1]) >= 0 {
			ws--
		}
		if bytes.ContainsRune(src[ws:last.span.start], '\n') {
			sep = string(src[ws:last.span.start])
		}
	}
	text := sep + name + "=" + string(quote) + m.attrValue(ta, quote) + string(quote)
	if decl != "" {
		text = sep + decl + text
	}
	m.edit(pos, pos, text)
	return nil
}

// attrValue writes theirs' attribute value for quoting with quote: as
// theirs wrote it if theirs quotes it alike, else escaped anew.
func (m *xmlMerger) attrValue(ta *xmlAttr, quote byte) string {
	if ta.quote == quote {
		return string(m.theirs.src[ta.val.start:ta.val.end])
	}
	return xmlEscape(ta.value, quote)
}

// xmlEscape escapes an attribute value for quoting with quote, keeping
// white space that a parser would otherwise normalise.
func xmlEscape(v string, quote byte) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
	v = r.Replace(v)
	if quote == '"' {
		return strings.ReplaceAll(v, `"`, "&quot;")
	}
	return strings.ReplaceAll(v, "'", "&apos;")
}

// xmlPrefixFor finds how ours' element o names the namespace of theirs'
// attribute ta: a prefix bound to it in o's scope, preferring theirs'
// own, or theirs' prefix with a declaration (decl) to add when that
// prefix is free.
func xmlPrefixFor(o *xmlNode, ta *xmlAttr) (prefix, decl string, err error) {
	uri := ta.name.space
	switch uri {
	case "":
		return "", "", nil
	case xmlNamespaceXML:
		return "xml", "", nil
	}
	want, _, _ := strings.Cut(ta.raw, ":")
	if o.ns[want] == uri {
		return want, "", nil
	}
	for _, p := range xmlSortedKeys(o.ns) {
		if p != "" && o.ns[p] == uri {
			return p, "", nil
		}
	}
	if _, taken := o.ns[want]; !taken {
		return want, "xmlns:" + want + `="` + xmlEscape(uri, '"') + `"`, nil
	}
	return "", "", fmt.Errorf("no prefix for namespace %s in <%s>", uri, o.raw)
}

// setText gives ours' leaf o the text theirs' t has, written as theirs
// writes it (CDATA sections and character references included).
func (m *xmlMerger) setText(o, t *xmlNode) {
	text := ""
	if t.hasCore {
		text = m.newlines(string(m.theirs.src[t.core.start:t.core.end]))
	}
	src := m.ours.src
	switch {
	case o.hasCore:
		m.edit(o.core.start, o.core.end, text)
	case text == "":
	case o.selfClosing():
		m.edit(o.start.end-2, o.start.end, ">"+text+"</"+o.raw+">")
	case xmlBlank(src, o.start.end, o.end.start):
		m.edit(o.start.end, o.end.start, text)
	default:
		m.edit(o.start.end, o.start.end, text)
	}
}

// remove cuts ours' element o out: its whole lines when it has them to
// itself, else just its bytes.
func (m *xmlMerger) remove(o *xmlNode) {
	m.removed[o] = true
	src := m.ours.src
	span := o.outer()
	start := bytes.LastIndexByte(src[:span.start], '\n') + 1
	end := span.end
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	switch {
	case end == len(src):
	case bytes.HasPrefix(src[end:], []byte("\r\n")):
		end += 2
	case src[end] == '\n':
		end++
	default:
		start, end = span.start, span.end
	}
	if !xmlBlank(src, start, span.start) {
		start, end = span.start, span.end
	}
	m.edit(start, end, "")
}

// insertAfter inserts theirs' elements after ours' element a, each on a
// line of its own indented like a when a has its line to itself, else
// run on after it.
func (m *xmlMerger) insertAfter(a *xmlNode, list []*xmlNode) error {
	src := m.ours.src
	pos, lineEnd := xmlLineEnd(src, a.end.end)
	indent, own := xmlIndent(src, a.start.start)
	text, err := m.fragments(list, a.parent, indent, own && lineEnd)
	if err != nil {
		return err
	}
	m.edit(pos, pos, text)
	return nil
}

// insertFirst inserts theirs' elements as the first children of ours'
// element p, opening p if it is self-closing.
func (m *xmlMerger) insertFirst(p *xmlNode, list []*xmlNode) error {
	src := m.ours.src
	// Indent like ours' first child; with none, one step deeper than p,
	// or run on when theirs runs its child on.
	pIndent, pOwn := xmlIndent(src, p.start.start)
	_, tOwn := xmlIndent(m.theirs.src, list[0].start.start)
	indent, own := pIndent+m.unit(list[0]), pOwn && tOwn
	if len(p.children) > 0 {
		indent, own = xmlIndent(src, p.children[0].start.start)
	}
	pos, lineEnd := xmlLineEnd(src, p.start.end)
	own = own && (lineEnd || len(p.children) == 0 && xmlBlank(src, p.start.end, p.end.start))
	text, err := m.fragments(list, p, indent, own)
	if err != nil {
		return err
	}
	closing := ""
	if own {
		closing = m.ours.nl + pIndent
	}
	switch {
	case p.selfClosing():
		m.edit(p.start.end-2, p.start.end, ">"+text+closing+"</"+p.raw+">")
	case len(p.children) == 0 && xmlBlank(src, p.start.end, p.end.start) &&
		!bytes.ContainsRune(src[p.start.end:p.end.start], '\n'):
		m.edit(p.start.end, p.end.start, text+closing)
	default:
		m.edit(pos, pos, text)
	}
	return nil
}

// fragments renders theirs' elements for insertion into ours' element
// parent: each on a new line with indent when own, else run on.
func (m *xmlMerger) fragments(list []*xmlNode, parent *xmlNode, indent string, own bool) (string, error) {
	var sb strings.Builder
	for _, c := range list {
		if own {
			sb.WriteString(m.ours.nl + indent)
		}
		f, err := m.fragment(c, parent, indent, own)
		if err != nil {
			return "", err
		}
		sb.WriteString(f)
	}
	return sb.String(), nil
}

// fragment is theirs' element c, with the comments directly before it,
// as text for ours: re-indented from theirs' indentation to indent
// (values untouched), with the namespace declarations its names need in
// ours' element parent, in ours' line endings.
func (m *xmlMerger) fragment(c, parent *xmlNode, indent string, own bool) (string, error) {
	src := m.theirs.src
	from := m.vendorComment(c)
	var edits []xmlEdit
	if tIndent, tOwn := xmlIndent(src, c.start.start); own && tOwn && tIndent != indent {
		for q := from; q < c.end.end; q++ {
			if src[q] != '\n' || m.theirs.inValue(q) {
				continue
			}
			line := src[q+1 : c.end.end]
			if len(line) > 0 && line[0] != '\n' && line[0] != '\r' && bytes.HasPrefix(line, []byte(tIndent)) {
				edits = append(edits, xmlEdit{xmlSpan{q + 1 - from, q + 1 + len(tIndent) - from}, indent})
			}
		}
	}
	if decls := xmlNamespaceDecls(c, parent); decls != "" {
		at := c.start.start + 1 + len(c.raw) - from
		edits = append(edits, xmlEdit{xmlSpan{at, at}, decls})
	}
	out, err := xmlApply(src[from:c.end.end], edits)
	if err != nil {
		return "", err
	}
	return m.newlines(string(out)), nil
}

// vendorComment returns where the comments directly before theirs'
// element c start, or c's start if there are none: comments on lines of
// their own between c and its previous sibling, that neither base nor
// ours has.
func (m *xmlMerger) vendorComment(c *xmlNode) int {
	src := m.theirs.src
	bound := c.parent.start.end
	for _, s := range c.parent.children {
		if s == c {
			break
		}
		bound = s.end.end
	}
	from := c.start.start
	for {
		j := from
		for j > bound && strings.IndexByte(xmlSpace, src[j-1]) >= 0 {
			j--
		}
		if j-bound < len("<!---->") || !bytes.HasSuffix(src[:j], []byte("-->")) {
			return from
		}
		k := bytes.LastIndex(src[bound:j-3], []byte("<!--"))
		if k < 0 {
			return from
		}
		k += bound
		comment := src[k:j]
		if _, own := xmlIndent(src, k); !own || bytes.Contains(m.base.src, comment) || bytes.Contains(m.ours.src, comment) {
			return from
		}
		from = k
	}
}

// xmlNamespaceDecls returns the declarations to add to theirs' element c
// so that the prefixes its subtree uses, bound outside it in theirs, mean
// the same where it lands in ours, inside ours' element parent.
func xmlNamespaceDecls(c, parent *xmlNode) string {
	need := map[string]string{}
	var walk func(n *xmlNode)
	walk = func(n *xmlNode) {
		use := func(prefix string) {
			for d := n; ; d = d.parent {
				if d.declares(prefix) {
					return
				}
				if d == c {
					break
				}
			}
			need[prefix] = n.ns[prefix]
		}
		prefix, _, found := strings.Cut(n.raw, ":")
		if !found {
			prefix = ""
		}
		use(prefix)
		for _, a := range n.attrs {
			if p, _, found := strings.Cut(a.raw, ":"); found && !a.decl && p != "xml" {
				use(p)
			}
		}
		for _, k := range n.children {
			walk(k)
		}
	}
	walk(c)
	var decls strings.Builder
	for _, p := range xmlSortedKeys(need) {
		if parent.ns[p] == need[p] {
			continue
		}
		name := "xmlns"
		if p != "" {
			name += ":" + p
		}
		decls.WriteString(" " + name + `="` + xmlEscape(need[p], '"') + `"`)
	}
	return decls.String()
}

// declares reports whether the element declares the prefix ("" for the
// default namespace).
func (n *xmlNode) declares(prefix string) bool {
	want := "xmlns"
	if prefix != "" {
		want += ":" + prefix
	}
	for _, a := range n.attrs {
		if a.decl && a.raw == want {
			return true
		}
	}
	return false
}

// unit is the indentation step of theirs at element c: how much deeper
// c is indented than its parent.
func (m *xmlMerger) unit(c *xmlNode) string {
	ci, cOwn := xmlIndent(m.theirs.src, c.start.start)
	pi, pOwn := xmlIndent(m.theirs.src, c.parent.start.start)
	if cOwn && pOwn && len(ci) > len(pi) && strings.HasPrefix(ci, pi) {
		return ci[len(pi):]
	}
	return "    "
}

// newlines writes text in ours' line endings.
func (m *xmlMerger) newlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if m.ours.nl == "\r\n" {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	return s
}

// inValue reports whether offset q lies in a value of the document.
func (d *xmlDoc) inValue(q int) bool {
	i := sort.Search(len(d.values), func(i int) bool { return d.values[i].start > q })
	return i > 0 && q < d.values[i-1].end
}

// xmlIndent returns the white space before pos on its line, and whether
// pos starts its line (only white space before it).
func xmlIndent(src []byte, pos int) (string, bool) {
	start := bytes.LastIndexByte(src[:pos], '\n') + 1
	ws := src[start:pos]
	if len(bytes.Trim(ws, " \t")) > 0 {
		return "", false
	}
	return string(ws), true
}

// xmlLineEnd returns where to insert after an element or tag ending at
// i: after the comments that follow it on its line, and true, if nothing
// else does; else i and false.
func xmlLineEnd(src []byte, i int) (int, bool) {
	j := i
	for {
		k := j
		for k < len(src) && (src[k] == ' ' || src[k] == '\t') {
			k++
		}
		if bytes.HasPrefix(src[k:], []byte("<!--")) {
			e := bytes.Index(src[k:], []byte("-->"))
			if e < 0 {
				return i, false
			}
			j = k + e + 3
			continue
		}
		if k == len(src) || src[k] == '\r' || src[k] == '\n' {
			return j, true
		}
		return i, false
	}
}
