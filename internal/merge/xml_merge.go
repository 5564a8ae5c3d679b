package merge

import (
	"fmt"
	"sort"
)

// This file walks the three versions of a document element by element,
// decides each setting, records the decision in the report and asks for
// the edits of ours that take the vendor's changes in.

// xmlMerger holds the state of one merge.
type xmlMerger struct {
	base, ours, theirs *xmlDoc
	edits              []xmlEdit
	report             *Report
	removed            map[*xmlNode]bool // elements of ours the merge cuts out
}

// xmlOutcome is what the merge does with one setting.
type xmlOutcome int

const (
	xmlUnchanged xmlOutcome = iota // neither side changed it, or both alike
	xmlTake                        // only theirs changed it: take theirs
	xmlKeep                        // only ours changed it: keep ours
	xmlConflict                    // both changed it differently
)

// decide classifies a setting and records it in the report.
func (m *xmlMerger) decide(key string, b, o, t Value, noBase bool) xmlOutcome {
	out := xmlClassify(b, o, t)
	m.record(out, Setting{Key: key, Base: b, Ours: o, Theirs: t}, noBase)
	return out
}

// xmlClassify says what the merge does with a setting of these values.
func xmlClassify(b, o, t Value) xmlOutcome {
	switch {
	case o == t:
		return xmlUnchanged
	case o == b:
		return xmlTake
	case t == b:
		return xmlKeep
	}
	return xmlConflict
}

// record adds a setting to the report. A setting both sides changed
// alike goes with the kept ones, since the customer's value stays; inside
// an element both sides added (noBase) it is not reported at all, the
// element's presence having been.
func (m *xmlMerger) record(out xmlOutcome, s Setting, noBase bool) {
	r := m.report
	switch {
	case out == xmlTake:
		r.Taken = append(r.Taken, s)
	case out == xmlKeep, out == xmlUnchanged && s.Ours != s.Base && !noBase:
		r.Kept = append(r.Kept, s)
	case out == xmlConflict:
		r.Conflicts = append(r.Conflicts, s)
	}
}

// element merges an element present in ours and theirs; b is nil when
// both sides added it.
func (m *xmlMerger) element(b, o, t *xmlNode, path string) error {
	if b != nil && b.hash == o.hash && b.hash == t.hash {
		return nil
	}
	if err := m.attributes(b, o, t, path); err != nil {
		return err
	}
	if m.decide(path+"/text()", xmlTextValue(b), xmlTextValue(o), xmlTextValue(t), b == nil) == xmlTake {
		m.setText(o, t)
	}
	triples, err := xmlMatch(b, o, t)
	if err != nil {
		return err
	}
	for _, tr := range triples {
		if err := m.child(tr, path+"/"+tr.step(), b == nil); err != nil {
			return err
		}
	}
	return m.insertAdded(o, t, triples)
}

// attributes merges the attributes of an element.
func (m *xmlMerger) attributes(b, o, t *xmlNode, path string) error {
	for _, a := range xmlAttrUnion(o, t, b) {
		key := path + "/@" + a.raw
		if m.decide(key, xmlAttrValue(b, a.name), xmlAttrValue(o, a.name), xmlAttrValue(t, a.name), b == nil) != xmlTake {
			continue
		}
		if err := m.setAttr(o, t, a.name); err != nil {
			return err
		}
	}
	return nil
}

// xmlAttrUnion lists the attributes (not namespace declarations) of the
// versions of an element, each once: ours' in their order, then the
// others'. Each is named (raw) as base writes it, else as ours, else as
// theirs.
func xmlAttrUnion(o, t, b *xmlNode) []xmlAttr {
	var out []xmlAttr
	seen := map[xmlName]bool{}
	for _, n := range []*xmlNode{o, t, b} {
		if n == nil {
			continue
		}
		for _, a := range n.attrs {
			if a.decl || seen[a.name] {
				continue
			}
			seen[a.name] = true
			for _, first := range []*xmlNode{b, o, t} {
				if first != nil && first.attr(a.name) != nil {
					a.raw = first.attr(a.name).raw
					break
				}
			}
			out = append(out, a)
		}
	}
	return out
}

// xmlAttrValue is an attribute's value as a setting.
func xmlAttrValue(n *xmlNode, name xmlName) Value {
	if n == nil {
		return Value{}
	}
	if a := n.attr(name); a != nil {
		return Value{Present: true, Text: a.value}
	}
	return Value{}
}

// xmlTextValue is an element's text as a setting.
func xmlTextValue(n *xmlNode) Value {
	if n == nil {
		return Value{}
	}
	return Value{Present: true, Text: n.text}
}

// presence is an element's presence as a setting: its source in d, so
// that the report shows what came or went.
func xmlPresence(d *xmlDoc, n *xmlNode) Value {
	if n == nil {
		return Value{}
	}
	span := n.outer()
	return Value{Present: true, Text: string(d.src[span.start:span.end])}
}

// child merges one child element, given in the three versions. An
// element added or removed by one side is reported as one setting, its
// presence; an element one side removed and the other changed gives a
// conflict for each setting changed.
func (m *xmlMerger) child(tr xmlTriple, path string, noBase bool) error {
	b, o, t := tr.b, tr.o, tr.t
	s := Setting{Key: path, Base: xmlPresence(m.base, b), Ours: xmlPresence(m.ours, o), Theirs: xmlPresence(m.theirs, t)}
	switch {
	case o != nil && t != nil && b == nil && o.hash == t.hash:
		m.record(xmlUnchanged, s, noBase)
	case o != nil && t != nil:
		return m.element(b, o, t, path)
	case b == nil && t == nil:
		m.record(xmlKeep, s, noBase)
	case b == nil:
		m.record(xmlTake, s, noBase) // placed by insertAdded
	case o == nil && t == nil:
		m.record(xmlUnchanged, s, noBase)
	case t == nil && b.hash == o.hash:
		m.record(xmlTake, s, noBase)
		m.remove(o)
	case o == nil && b.hash == t.hash:
		m.record(xmlKeep, s, noBase)
	case t == nil:
		return xmlDiff(b, o, path, m.base, m.ours, func(key string, bv, ov Value) {
			m.record(xmlConflict, Setting{Key: key, Base: bv, Ours: ov}, false)
		})
	default:
		return xmlDiff(b, t, path, m.base, m.theirs, func(key string, bv, tv Value) {
			m.record(xmlConflict, Setting{Key: key, Base: bv, Theirs: tv}, false)
		})
	}
	return nil
}

// xmlDiff calls emit for each setting that differs between two versions
// of an element, a (in doc da) and x (in dx).
func xmlDiff(a, x *xmlNode, path string, da, dx *xmlDoc, emit func(key string, av, xv Value)) error {
	for _, at := range xmlAttrUnion(a, x, nil) {
		if av, xv := xmlAttrValue(a, at.name), xmlAttrValue(x, at.name); av != xv {
			emit(path+"/@"+at.raw, av, xv)
		}
	}
	if a.text != x.text {
		emit(path+"/text()", xmlTextValue(a), xmlTextValue(x))
	}
	pairs, err := xmlPairTwo(a, x)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		key := path + "/" + p.step()
		switch {
		case p.b == nil || p.t == nil:
			emit(key, xmlPresence(da, p.b), xmlPresence(dx, p.t))
		case p.b.hash != p.t.hash:
			if err := xmlDiff(p.b, p.t, key, da, dx, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertAdded copies into ours the children theirs added to t. Each goes
// after the sibling it follows in theirs, that sibling's counterpart in
// ours being the anchor; an unnamed element is kept in order among its
// same-named siblings, since that order is its identity.
func (m *xmlMerger) insertAdded(o, t *xmlNode, triples []xmlTriple) error {
	p := xmlPlacement{t: t, oIndex: map[*xmlNode]int{}, ofTheirs: map[*xmlNode]xmlTriple{}, slot: map[*xmlNode]int{}}
	for i, c := range o.children {
		p.oIndex[c] = i
	}
	for _, tr := range triples {
		if tr.t != nil {
			p.ofTheirs[tr.t] = tr
		}
	}
	for _, c := range t.children {
		if tr := p.ofTheirs[c]; tr.o != nil {
			p.slot[c] = p.oIndex[tr.o] + 1
		}
	}
	inserts := make([][]*xmlNode, len(o.children)+1)
	for k, c := range t.children {
		if tr := p.ofTheirs[c]; tr.o != nil || tr.b != nil {
			continue // not new
		}
		s, ok := p.place(k)
		if !ok {
			return fmt.Errorf("cannot place the new <%s> among its unnamed siblings", c.raw)
		}
		p.slot[c] = s
		inserts[s] = append(inserts[s], c)
	}
	for s, list := range inserts {
		if len(list) == 0 {
			continue
		}
		if err := m.insertAt(o, s, list); err != nil {
			return err
		}
	}
	return nil
}

// xmlPlacement places theirs' new children of t among ours' children. A
// slot is a place in ours: the number of ours' children before it.
type xmlPlacement struct {
	t        *xmlNode
	oIndex   map[*xmlNode]int       // ours' children's places
	ofTheirs map[*xmlNode]xmlTriple // theirs' children's triples
	slot     map[*xmlNode]int       // theirs' children's slots: after their counterpart in ours, or where placed
}

// place returns the slot of theirs' k-th child: after the nearest sibling
// before it in theirs that has a slot, else first; for an unnamed child,
// moved between the slots of its same-named neighbours in ours.
func (p *xmlPlacement) place(k int) (int, bool) {
	c := p.t.children[k]
	s := 0
	for j := k - 1; j >= 0; j-- {
		if at, ok := p.slot[p.t.children[j]]; ok {
			s = at
			break
		}
	}
	if c.keyed {
		return s, true
	}
	low, high := 0, len(p.oIndex)
	for j := k - 1; j >= 0; j-- {
		if n := p.t.children[j]; n.key == c.key {
			if at, ok := p.slot[n]; ok {
				low = at
				break
			}
		}
	}
	for _, n := range p.t.children[k+1:] {
		if tr := p.ofTheirs[n]; n.key == c.key && tr.o != nil {
			high = p.oIndex[tr.o]
			break
		}
	}
	return min(max(s, low), high), low <= high
}

// insertAt inserts theirs' elements into ours' element o so that they
// come after o's first s children.
func (m *xmlMerger) insertAt(o *xmlNode, s int, list []*xmlNode) error {
	anchor := s - 1
	for anchor >= 0 && m.removed[o.children[anchor]] {
		anchor--
	}
	if anchor >= 0 {
		return m.insertAfter(o.children[anchor], list)
	}
	return m.insertFirst(o, list)
}

// xmlSortedKeys returns the keys of a map in order.
func xmlSortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
