package merge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// This file decides which element of one version is which element of
// another. An element with a name, id or key attribute is identified by
// it; the others by their place among their same-named siblings, found by
// aligning the sibling lists so that an element added or removed in the
// middle does not shift the identity of those after it.

// xmlKeyAttrs are the attributes that identify an element among its
// same-named siblings, in order of preference.
var xmlKeyAttrs = []string{"name", "id", "key"}

// xmlMaxAlign bounds the work of aligning one list of unnamed siblings.
const xmlMaxAlign = 1 << 20

// xmlIdentify fills key, step and hash of n's subtree and rejects two
// siblings with the same identifying attribute.
func xmlIdentify(n *xmlNode) error {
	if n.parent == nil {
		n.step = n.raw
	}
	for _, c := range n.children {
		if err := xmlIdentify(c); err != nil {
			return err
		}
	}
	if err := xmlKeyChildren(n.children); err != nil {
		return err
	}
	n.hash = xmlHash(n)
	return nil
}

// xmlKeyChildren sets the identity and path step of each child.
func xmlKeyChildren(children []*xmlNode) error {
	counts := map[xmlName]int{}
	for _, c := range children {
		if a := c.keyAttr(); a != nil {
			c.keyed = true
			c.key = strings.Join([]string{"k", c.name.space, c.name.local, a.raw, a.value}, "\x00")
			c.step = fmt.Sprintf("%s[@%s=%s]", c.raw, a.raw, xmlQuote(a.value))
		} else {
			counts[c.name]++
		}
	}
	index := map[xmlName]int{}
	seen := map[string]bool{}
	for _, c := range children {
		if !c.keyed {
			index[c.name]++
			c.key = strings.Join([]string{"u", c.name.space, c.name.local}, "\x00")
			c.step = c.raw
			if counts[c.name] > 1 {
				c.step += fmt.Sprintf("[%d]", index[c.name])
			}
			continue
		}
		if seen[c.key] {
			return fmt.Errorf("two <%s> siblings with the same identifying attribute: %s", c.raw, c.step)
		}
		seen[c.key] = true
	}
	return nil
}

// keyAttr returns the attribute identifying the element, or nil.
func (n *xmlNode) keyAttr() *xmlAttr {
	for _, k := range xmlKeyAttrs {
		if a := n.attr(xmlName{"", k}); a != nil {
			return a
		}
	}
	return nil
}

// xmlQuote quotes a value for a path step the way XPath does.
func xmlQuote(v string) string {
	if strings.Contains(v, "'") {
		return `"` + v + `"`
	}
	return "'" + v + "'"
}

// xmlHash digests the element's settings: its name, attributes (not the
// namespace declarations or prefixes), text and children, where keyed
// children count in any order and unnamed ones in their order among their
// same-named siblings. Equal digests mean no setting differs.
func xmlHash(n *xmlNode) [16]byte {
	h := fnv.New128a()
	write := func(s string) {
		var l [8]byte
		binary.LittleEndian.PutUint64(l[:], uint64(len(s)))
		h.Write(l[:])
		h.Write([]byte(s))
	}
	write(n.name.space)
	write(n.name.local)
	var attrs []string
	for _, a := range n.attrs {
		if !a.decl {
			attrs = append(attrs, a.name.space+"\x00"+a.name.local+"\x00"+a.value)
		}
	}
	sort.Strings(attrs)
	for _, a := range attrs {
		write(a)
	}
	write(n.text)
	var children []string
	index := map[xmlName]int{}
	for _, c := range n.children {
		entry := string(c.hash[:])
		if !c.keyed {
			index[c.name]++
			entry = fmt.Sprintf("%s\x00%s\x00%d\x00%s", c.name.space, c.name.local, index[c.name], entry)
		}
		children = append(children, entry)
	}
	sort.Strings(children)
	for _, c := range children {
		write(c)
	}
	var sum [16]byte
	h.Sum(sum[:0])
	return sum
}

// xmlTriple is one element in base, ours and theirs; nil where absent.
type xmlTriple struct{ b, o, t *xmlNode }

// step is the path step naming the element in a report: as base names it,
// else as the version that added it.
func (tr xmlTriple) step() string {
	switch {
	case tr.b != nil:
		return tr.b.step
	case tr.o != nil:
		return tr.o.step
	}
	return tr.t.step
}

// xmlChildren returns n's children; none for an absent element.
func xmlChildren(n *xmlNode) []*xmlNode {
	if n == nil {
		return nil
	}
	return n.children
}

// xmlGroups splits children by identity: one group per key for keyed
// children, one per element name for the others. It returns the groups
// in order of first appearance.
func xmlGroups(lists ...[]*xmlNode) (keys []string, groups map[string][][]*xmlNode) {
	groups = map[string][][]*xmlNode{}
	for v, list := range lists {
		for _, c := range list {
			g, ok := groups[c.key]
			if !ok {
				g = make([][]*xmlNode, len(lists))
				keys = append(keys, c.key)
			}
			g[v] = append(g[v], c)
			groups[c.key] = g
		}
	}
	return keys, groups
}

// xmlMatch pairs the children of the three versions of an element (b may
// be nil: an element both sides added). It fails where the pairing is
// ambiguous: an unnamed sibling list that both sides changed in ways whose
// relative order, or whose element, cannot be told.
func xmlMatch(b, o, t *xmlNode) ([]xmlTriple, error) {
	keys, groups := xmlGroups(xmlChildren(b), o.children, t.children)
	var triples []xmlTriple
	for _, k := range keys {
		g := groups[k]
		var add []xmlTriple
		var err error
		if strings.HasPrefix(k, "k\x00") {
			add = []xmlTriple{{xmlFirst(g[0]), xmlFirst(g[1]), xmlFirst(g[2])}}
		} else {
			add, err = xmlMatchGroup(g[0], g[1], g[2])
		}
		if err != nil {
			return nil, err
		}
		triples = append(triples, add...)
	}
	return triples, nil
}

// xmlFirst is the only element of a keyed group, or nil.
func xmlFirst(list []*xmlNode) *xmlNode {
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// xmlMatchGroup pairs three versions of a list of same-named unnamed
// siblings.
func xmlMatchGroup(bs, os, ts []*xmlNode) ([]xmlTriple, error) {
	if len(bs) == 0 {
		return xmlMatchAdded(os, ts)
	}
	mo, err := xmlAlign(bs, os)
	if err != nil {
		return nil, err
	}
	mt, err := xmlAlign(bs, ts)
	if err != nil {
		return nil, err
	}
	oChanged, tChanged := !xmlSameList(bs, os), !xmlSameList(bs, ts)
	if oChanged && tChanged && (xmlSlides(bs, os, mo) || xmlSlides(bs, ts, mt)) {
		return nil, errors.New("unnamed siblings changed on both sides next to identical ones")
	}
	var triples []xmlTriple
	for i, b := range bs {
		tr := xmlTriple{b: b}
		if mo[i] >= 0 {
			tr.o = os[mo[i]]
		}
		if mt[i] >= 0 {
			tr.t = ts[mt[i]]
		}
		triples = append(triples, tr)
	}
	// Additions between two elements both sides kept: from one side
	// alone, or the same from both, else their order is ambiguous.
	survives := func(i int) bool { return mo[i] >= 0 && mt[i] >= 0 }
	oAdded, tAdded := xmlAdded(mo, len(os), survives), xmlAdded(mt, len(ts), survives)
	for gap := range oAdded {
		ol, tl := oAdded[gap], tAdded[gap]
		if len(ol) > 0 && len(tl) > 0 && !xmlSameList(xmlPick(os, ol), xmlPick(ts, tl)) {
			return nil, fmt.Errorf("both sides added unnamed <%s> elements at the same place", os[ol[0]].raw)
		}
		if len(ol) > 0 && len(tl) > 0 {
			for k := range ol {
				triples = append(triples, xmlTriple{o: os[ol[k]], t: ts[tl[k]]})
			}
			continue
		}
		for _, i := range ol {
			triples = append(triples, xmlTriple{o: os[i]})
		}
		for _, j := range tl {
			triples = append(triples, xmlTriple{t: ts[j]})
		}
	}
	return triples, nil
}

// xmlMatchAdded pairs the lists of same-named unnamed siblings that ours
// and theirs have where base has none: by place, as if added in one
// version and edited in the other.
func xmlMatchAdded(os, ts []*xmlNode) ([]xmlTriple, error) {
	at, err := xmlAlign(os, ts)
	if err != nil {
		return nil, err
	}
	var triples []xmlTriple
	paired := make([]bool, len(ts))
	for i, j := range at {
		tr := xmlTriple{o: os[i]}
		if j >= 0 {
			tr.t, paired[j] = ts[j], true
		}
		triples = append(triples, tr)
	}
	for j, t := range ts {
		if !paired[j] {
			triples = append(triples, xmlTriple{t: t})
		}
	}
	return triples, nil
}

// xmlAdded lists, for each stretch between two base elements that
// survive on both sides, the indices of the version's elements not in
// base. m maps base indices to the version's (-1: removed).
func xmlAdded(m []int, n int, survives func(int) bool) [][]int {
	inBase := make([]bool, n)
	for _, j := range m {
		if j >= 0 {
			inBase[j] = true
		}
	}
	gaps := make([][]int, 1)
	next := 0 // the next version index to place
	for i, j := range m {
		if j < 0 {
			continue
		}
		for ; next < j; next++ {
			if !inBase[next] {
				gaps[len(gaps)-1] = append(gaps[len(gaps)-1], next)
			}
		}
		next = j + 1
		if survives(i) {
			gaps = append(gaps, nil)
		}
	}
	for ; next < n; next++ {
		if !inBase[next] {
			gaps[len(gaps)-1] = append(gaps[len(gaps)-1], next)
		}
	}
	return gaps
}

// xmlPick returns the elements at the indices.
func xmlPick(list []*xmlNode, at []int) []*xmlNode {
	out := make([]*xmlNode, len(at))
	for k, i := range at {
		out[k] = list[i]
	}
	return out
}

// xmlSameList reports whether two lists hold the same elements in order.
func xmlSameList(a, b []*xmlNode) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].hash != b[i].hash {
			return false
		}
	}
	return true
}

// xmlSlides reports whether an element added or removed in xs sits next
// to an identical one, so that which element it was cannot be told.
func xmlSlides(bs, xs []*xmlNode, m []int) bool {
	same := func(i int, h [16]byte) bool { return i >= 0 && i < len(bs) && bs[i].hash == h }
	for i, j := range m {
		if j < 0 && (same(i-1, bs[i].hash) || same(i+1, bs[i].hash)) {
			return true
		}
	}
	slot := 0 // base elements passed
	matched := make([]int, len(xs))
	for j := range matched {
		matched[j] = -1
	}
	for i, j := range m {
		if j >= 0 {
			matched[j] = i
		}
	}
	for j, i := range matched {
		if i >= 0 {
			slot = i + 1
			continue
		}
		if same(slot-1, xs[j].hash) || same(slot, xs[j].hash) {
			return true
		}
	}
	return false
}

// xmlAlign pairs a list of same-named unnamed siblings with another
// version of it: at[i] is the index in b of a's i-th element, or -1. It
// matches identical elements along a longest common subsequence, then
// pairs what lies between two matches by xmlAlignGap.
func xmlAlign(a, b []*xmlNode) ([]int, error) {
	at := make([]int, len(a))
	for i := range at {
		at[i] = -1
	}
	pairs, err := xmlCommon(a, b)
	if err != nil {
		return nil, err
	}
	pi, pj := 0, 0
	for _, p := range append(pairs, [2]int{len(a), len(b)}) {
		if err := xmlAlignGap(a[pi:p[0]], b[pj:p[1]], at[pi:p[0]], pj); err != nil {
			return nil, err
		}
		if p[0] < len(a) {
			at[p[0]] = p[1]
		}
		pi, pj = p[0]+1, p[1]+1
	}
	return at, nil
}

// xmlAlignGap pairs the edited elements a and b of a gap between two
// identical ones, setting at[i] to off plus the index in b of a[i]'s
// partner. Gaps of the same length pair by position; when one side is
// empty its elements were added or removed. Otherwise elements pair when
// each is the other's single most similar one, in order, and what lies
// between such pairs is a gap again; a gap left with elements on both
// sides in unequal numbers is ambiguous.
func xmlAlignGap(a, b []*xmlNode, at []int, off int) error {
	switch {
	case len(a) == len(b):
		for k := range a {
			at[k] = off + k
		}
		return nil
	case len(a) == 0 || len(b) == 0:
		return nil
	}
	pairs := xmlSimilarPairs(a, b)
	if len(pairs) == 0 {
		return fmt.Errorf("cannot tell which unnamed <%s> elements were edited and which removed", a[0].raw)
	}
	pi, pj := 0, 0
	for _, p := range append(pairs, [2]int{len(a), len(b)}) {
		if err := xmlAlignGap(a[pi:p[0]], b[pj:p[1]], at[pi:p[0]], off+pj); err != nil {
			return err
		}
		if p[0] < len(a) {
			at[p[0]] = off + p[1]
		}
		pi, pj = p[0]+1, p[1]+1
	}
	return nil
}

// xmlSimilarPairs pairs the elements of a and b that are each other's
// single most similar one, sharing at least one setting. It returns no
// pairs when they would cross.
func xmlSimilarPairs(a, b []*xmlNode) [][2]int {
	score := make([][]int, len(a))
	for i := range a {
		score[i] = make([]int, len(b))
		for j := range b {
			score[i][j] = xmlSimilarity(a[i], b[j])
		}
	}
	best := func(row func(int) int, n int) int {
		top, at := 0, -1
		for k := range n {
			switch s := row(k); {
			case s > top:
				top, at = s, k
			case s == top && s > 0:
				at = -2 // a tie: no single best
			}
		}
		return at
	}
	var pairs [][2]int
	for i := range a {
		j := best(func(j int) int { return score[i][j] }, len(b))
		if j < 0 || best(func(i int) int { return score[i][j] }, len(a)) != i {
			continue
		}
		if n := len(pairs); n > 0 && pairs[n-1][1] >= j {
			return nil
		}
		pairs = append(pairs, [2]int{i, j})
	}
	return pairs
}

// xmlSimilarity counts the settings two elements share: attributes with
// the same value, a non-empty text, identical children.
func xmlSimilarity(a, b *xmlNode) int {
	n := 0
	for _, x := range a.attrs {
		if y := b.attr(x.name); !x.decl && y != nil && y.value == x.value {
			n++
		}
	}
	if a.text != "" && a.text == b.text {
		n++
	}
	children := map[[16]byte]int{}
	for _, c := range a.children {
		children[c.hash]++
	}
	for _, c := range b.children {
		if children[c.hash] > 0 {
			children[c.hash]--
			n++
		}
	}
	return n
}

// xmlCommon returns the index pairs of a longest common subsequence of
// identical elements.
func xmlCommon(a, b []*xmlNode) ([][2]int, error) {
	var pairs [][2]int
	lo := 0
	for lo < len(a) && lo < len(b) && a[lo].hash == b[lo].hash {
		pairs = append(pairs, [2]int{lo, lo})
		lo++
	}
	ea, eb := len(a), len(b)
	var tail [][2]int
	for ea > lo && eb > lo && a[ea-1].hash == b[eb-1].hash {
		ea, eb = ea-1, eb-1
		tail = append(tail, [2]int{ea, eb})
	}
	n, m := ea-lo, eb-lo
	if n*m > xmlMaxAlign {
		return nil, errors.New("too many unnamed siblings to align")
	}
	// lcs[i][j] is the length of a common subsequence of a[lo+i:ea]
	// and b[lo+j:eb].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[lo+i].hash == b[lo+j].hash:
				lcs[i][j] = lcs[i+1][j+1] + 1
			case lcs[i+1][j] >= lcs[i][j+1]:
				lcs[i][j] = lcs[i+1][j]
			default:
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[lo+i].hash == b[lo+j].hash:
			pairs = append(pairs, [2]int{lo + i, lo + j})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	for k := len(tail) - 1; k >= 0; k-- {
		pairs = append(pairs, tail[k])
	}
	return pairs, nil
}

// xmlPairTwo pairs the children of two versions of an element, for
// listing what differs between them.
func xmlPairTwo(a, b *xmlNode) ([]xmlTriple, error) {
	keys, groups := xmlGroups(a.children, b.children)
	var pairs []xmlTriple
	for _, k := range keys {
		g := groups[k]
		if strings.HasPrefix(k, "k\x00") {
			pairs = append(pairs, xmlTriple{b: xmlFirst(g[0]), t: xmlFirst(g[1])})
			continue
		}
		at, err := xmlAlign(g[0], g[1])
		if err != nil {
			return nil, err
		}
		used := make([]bool, len(g[1]))
		for i, j := range at {
			tr := xmlTriple{b: g[0][i]}
			if j >= 0 {
				tr.t, used[j] = g[1][j], true
			}
			pairs = append(pairs, tr)
		}
		for j, u := range used {
			if !u {
				pairs = append(pairs, xmlTriple{t: g[1][j]})
			}
		}
	}
	return pairs, nil
}

// xmlBlank reports whether src[from:to] is only white space.
func xmlBlank(src []byte, from, to int) bool {
	return len(bytes.Trim(src[from:to], xmlSpace)) == 0
}
