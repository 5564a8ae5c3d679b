package merge

import (
	"bytes"
	"errors"
	"slices"
)

// This file holds what the properties and YAML merges share: the decision
// for one setting, and editing the customer's text in place, line by line.
// Both formats keep one setting (a property, a YAML mapping entry) on whole
// lines with comment lines between, so the same rules place the vendor's
// new settings and drop the ones the vendor removed. Identifiers carry the
// prop prefix of the file they live in.

// propChange is what a three-way merge does with one setting.
type propChange int

const (
	propSame     propChange = iota // unchanged on both sides
	propTake                       // changed by the update only: take theirs
	propKeep                       // changed by the customer only, or the same way on both sides: keep ours
	propConflict                   // changed differently on both sides, or changed on one and removed on the other
)

// propDecide decides one setting from its values in the three versions.
func propDecide(b, o, t Value) propChange {
	switch {
	case o == t && o == b:
		return propSame
	case o == t, t == b:
		return propKeep
	case o == b:
		return propTake
	default:
		return propConflict
	}
}

// propAddToReport files a setting under what the merge did with it.
func propAddToReport(rep *Report, s Setting) {
	switch propDecide(s.Base, s.Ours, s.Theirs) {
	case propTake:
		rep.Taken = append(rep.Taken, s)
	case propKeep:
		rep.Kept = append(rep.Kept, s)
	case propConflict:
		rep.Conflicts = append(rep.Conflicts, s)
	}
}

// propText is a file split into lines, for editing it in place.
type propText struct {
	src   []byte
	lines []propLine
	eol   string // the line ending that lines inserted into this text get
}

// propLine is one line of a propText: src[start:end] is its text without
// the line ending, src[start:next] its text with it.
type propLine struct{ start, end, next int }

// propErrLoneCR reports a carriage return that does not end a CRLF: Java
// and YAML take it for a line break, line splitting here would not.
var propErrLoneCR = errors.New("carriage return without line feed")

// propSplit splits src into lines at "\n" and "\r\n".
func propSplit(src []byte) (*propText, error) {
	t := &propText{src: src, eol: "\n"}
	crlf, lf := 0, 0
	for start := 0; start < len(src); {
		i := bytes.IndexByte(src[start:], '\n')
		next := len(src)
		if i >= 0 {
			next = start + i + 1
		}
		end := next
		if i >= 0 {
			end--
			lf++
			if end > start && src[end-1] == '\r' {
				end--
				crlf++
			}
		}
		if bytes.IndexByte(src[start:end], '\r') >= 0 {
			return nil, propErrLoneCR
		}
		t.lines = append(t.lines, propLine{start, end, next})
		start = next
	}
	if crlf > 0 && crlf*2 >= lf {
		t.eol = "\r\n"
	}
	return t, nil
}

// line returns line i without its line ending.
func (t *propText) line(i int) []byte {
	return t.src[t.lines[i].start:t.lines[i].end]
}

// isBlank reports whether line i holds only white space.
func (t *propText) isBlank(i int) bool {
	return len(bytes.TrimSpace(t.line(i))) == 0
}

// trimmed returns line i without surrounding white space, for comparing
// lines whatever their indentation and line ending.
func (t *propText) trimmed(i int) string {
	return string(bytes.TrimSpace(t.line(i)))
}

// copyLines returns lines [from, to] with this text's line endings
// replaced by eol and a line ending after the last one.
func (t *propText) copyLines(from, to int, eol string) []byte {
	var b []byte
	for i := from; i <= to; i++ {
		b = append(b, t.line(i)...)
		b = append(b, eol...)
	}
	return b
}

// propNewLines marks the lines of theirs that the vendor added or changed
// since base, by a line diff that ignores surrounding white space. Comment
// lines of theirs that are not new belong to settings base already had.
func propNewLines(base, theirs *propText) []bool {
	norm := func(t *propText) [][]byte {
		out := make([][]byte, len(t.lines))
		for i := range t.lines {
			out[i] = bytes.TrimSpace(t.line(i))
		}
		return out
	}
	isNew := make([]bool, len(theirs.lines))
	for _, e := range diffLines(norm(base), norm(theirs)) {
		for i := e.i2; i < e.i2+e.n2; i++ {
			isNew[i] = true
		}
	}
	return isNew
}

// propEdit replaces src[start:end] with text; start == end inserts.
type propEdit struct {
	start, end int
	text       []byte
}

// propErrOverlap reports edits that touch the same bytes; it means the
// merge cannot be sure where a change goes.
var propErrOverlap = errors.New("overlapping edits")

// propErrFixedFirst reports a removal the line edits cannot make: the
// first entry of a YAML sequence item shares its line with the dash.
var propErrFixedFirst = errors.New("cannot remove the entry on a sequence item's dash line")

// propApply applies edits to src. Insertions at the same offset keep the
// order in which they were made; overlapping deletions merge; an
// insertion inside a deleted or replaced range is an error.
func propApply(src []byte, edits []propEdit) ([]byte, error) {
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b propEdit) int {
		if a.start != b.start {
			return a.start - b.start
		}
		// Insertions go before a deletion starting at the same offset.
		return (a.end - a.start) - (b.end - b.start)
	})
	out := make([]byte, 0, len(src))
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			if len(e.text) > 0 || e.start == e.end {
				return nil, propErrOverlap
			}
			pos = max(pos, e.end)
			continue
		}
		out = append(out, src[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, src[pos:]...), nil
}

// propSpan is one setting of a container, on lines [first, last].
type propSpan struct {
	key         string
	first, last int
}

// propBlock is one container of settings in one version: a properties
// file, a YAML block mapping, a YAML sequence matched by key.
type propBlock struct {
	text    *propText
	entries []propSpan // in file order
	index   map[string]int
	// lo is the first line of the container; the lines between it and the
	// first entry are that entry's gap.
	lo int
	// fixedFirst forbids putting anything before the first entry, whose
	// line the container shares with its parent ("- name: x").
	fixedFirst bool
	isComment  func(line []byte) bool
}

// propNewBlock indexes entries by key.
func propNewBlock(text *propText, entries []propSpan, lo int, isComment func([]byte) bool) *propBlock {
	b := &propBlock{text: text, entries: entries, lo: lo, isComment: isComment, index: make(map[string]int, len(entries))}
	for i, e := range entries {
		b.index[e.key] = i
	}
	return b
}

// gapStart returns the first line of the gap before entry i: the lines
// after the previous entry that are not part of any entry.
func (b *propBlock) gapStart(i int) int {
	if i == 0 {
		return b.lo
	}
	return b.entries[i-1].last + 1
}

// attached returns the first line of the comment lines directly above
// entry i (no blank line between), or entry i's first line if there are
// none.
func (b *propBlock) attached(i int) int {
	first := b.entries[i].first
	for first > b.gapStart(i) && b.isComment(b.text.line(first-1)) {
		first--
	}
	return first
}

// commentLines returns the trimmed lines [from, to).
func (b *propBlock) commentLines(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, b.text.trimmed(i))
	}
	return out
}

// hasAny reports whether the text holds any of lines, trimmed.
func (b *propBlock) hasAny(lines []string) bool {
	for i := range b.text.lines {
		if slices.Contains(lines, b.text.trimmed(i)) {
			return true
		}
	}
	return false
}

// propBlockMerge merges one container: it removes from ours the entries
// the update removed and inserts the entries the update added, each with
// the comment lines that belong to it. Value changes are the format's
// business.
type propBlockMerge struct {
	base, ours, theirs *propBlock // base may be nil: the container is new in ours
	theirsNew          []bool     // per line of theirs: new since base (propNewLines)
	remove, insert     map[string]bool
	// reindent adapts lines copied from theirs to ours' indentation; nil
	// copies them as they are.
	reindent func(text []byte) []byte
}

// edits returns the edits on ours' text.
func (m *propBlockMerge) edits() ([]propEdit, error) {
	var edits []propEdit
	var removed [][2]int // line ranges
	for i, e := range m.ours.entries {
		switch {
		case !m.remove[e.key]:
		case i == 0 && m.ours.fixedFirst:
			edit, err := m.dashRemoval()
			if err != nil {
				return nil, err
			}
			edits = append(edits, edit)
		default:
			removed = append(removed, m.removal(i))
		}
	}
	edits = append(edits, m.removeLines(removed)...)
	inserted := make(map[string]int) // key → offset in ours where it went
	for i, e := range m.theirs.entries {
		if !m.insert[e.key] {
			continue
		}
		at := m.position(i, inserted)
		inserted[e.key] = at
		edits = append(edits, propEdit{start: at, end: at, text: m.insertText(i)})
	}
	return edits, nil
}

// removal returns the lines of ours' entry i, with the comment lines
// directly above it when they are the vendor's own: the same in base, and
// no line of them left in theirs. Comments the customer wrote or changed
// stay.
func (m *propBlockMerge) removal(i int) [2]int {
	o := m.ours
	e := o.entries[i]
	first := e.first
	if a := o.attached(i); a < e.first && m.base != nil {
		if j, ok := m.base.index[e.key]; ok {
			ours := o.commentLines(a, e.first)
			base := m.base.commentLines(m.base.attached(j), m.base.entries[j].first)
			if slices.Equal(ours, base) && !m.theirs.hasAny(ours) {
				first = a
			}
		}
	}
	return [2]int{first, e.last}
}

// removeLines deletes line ranges of ours. A run of removed lines between
// two blank lines takes one of them along, so that no gap doubles.
func (m *propBlockMerge) removeLines(ranges [][2]int) []propEdit {
	t := m.ours.text
	slices.SortFunc(ranges, func(a, b [2]int) int { return a[0] - b[0] })
	var edits []propEdit
	for i := 0; i < len(ranges); i++ {
		first, last := ranges[i][0], ranges[i][1]
		for i+1 < len(ranges) && ranges[i+1][0] <= last+1 {
			i++
			last = max(last, ranges[i][1])
		}
		if (first == 0 || t.isBlank(first-1)) && last+1 < len(t.lines) && t.isBlank(last+1) {
			last++
		}
		edits = append(edits, propEdit{start: t.lines[first].start, end: t.lines[last].next})
	}
	return edits
}

// dashRemoval removes the first entry of ours, which shares its line with
// a sequence item's dash, by moving the first entry that stays up onto
// the dash line. The entries between must follow one another directly.
func (m *propBlockMerge) dashRemoval() (propEdit, error) {
	o := m.ours
	k := 1
	for k < len(o.entries) && m.remove[o.entries[k].key] {
		k++
	}
	if k == len(o.entries) {
		return propEdit{}, propErrFixedFirst
	}
	for j := 1; j <= k; j++ {
		if o.entries[j].first != o.entries[j-1].last+1 {
			return propEdit{}, propErrFixedFirst
		}
	}
	keyStart := func(line int, skip string) int {
		l := o.text.lines[line]
		return l.start + len(o.text.line(line)) - len(bytes.TrimLeft(o.text.line(line), skip))
	}
	return propEdit{start: keyStart(o.entries[0].first, " -"), end: keyStart(o.entries[k].first, " ")}, nil
}

// insertText returns theirs' entry i with the gap lines above it that are
// new since base, and the new blank lines below it when no inserted entry
// follows to carry them.
func (m *propBlockMerge) insertText(i int) []byte {
	t := m.theirs
	e := t.entries[i]
	from := min(t.gapStart(i), e.first)
	for l := from; l < e.first; l++ {
		if !m.theirsNew[l] {
			from = l + 1
		}
	}
	to := e.last
	if i+1 == len(t.entries) || !m.insert[t.entries[i+1].key] {
		limit := len(t.text.lines)
		if i+1 < len(t.entries) {
			limit = t.entries[i+1].first
		}
		for to+1 < limit && m.theirsNew[to+1] && t.text.isBlank(to+1) {
			to++
		}
	}
	text := t.text.copyLines(from, to, m.ours.text.eol)
	if i == 0 && t.fixedFirst {
		// The entry shares its first line with its container's dash:
		// the copy gets spaces in its place.
		dash := len(text) - len(bytes.TrimLeft(text, " -"))
		copy(text, bytes.Repeat([]byte(" "), dash))
	}
	if m.reindent != nil {
		text = m.reindent(text)
	}
	return text
}

// position returns the offset in ours where theirs' entry i goes: after
// the entry that precedes it in theirs; below the old comment line it sits
// under in theirs when ours has that line above the entry that follows;
// else before the entry that follows it, or after ours' last entry.
func (m *propBlockMerge) position(i int, inserted map[string]int) int {
	prev, next, chained := m.neighbours(i, inserted)
	if chained >= 0 {
		return chained
	}
	o := m.ours
	lines := o.text.lines
	at := m.belowOldLine(i, next)
	switch {
	case at >= 0:
	case prev >= 0:
		at = lines[o.entries[prev].last].next
	case next >= 0:
		at = lines[o.attached(next)].start
	case len(o.entries) > 0:
		at = lines[o.entries[len(o.entries)-1].last].next
	default:
		at = len(o.text.src)
	}
	if o.fixedFirst && len(o.entries) > 0 && at <= lines[o.entries[0].first].start {
		at = lines[o.entries[0].last].next
	}
	return at
}

// neighbours returns the entries of ours that precede and follow theirs'
// entry i in theirs (-1 for none); when an entry inserted before it
// precedes it, chained is where that one went, else -1.
func (m *propBlockMerge) neighbours(i int, inserted map[string]int) (prev, next, chained int) {
	t, o := m.theirs, m.ours
	prev, next, chained = -1, -1, -1
	for j := i - 1; j >= 0 && prev < 0; j-- {
		k := t.entries[j].key
		if at, ok := inserted[k]; ok {
			return -1, -1, at
		}
		if oi, ok := o.index[k]; ok && !m.remove[k] {
			prev = oi
		}
	}
	for j := i + 1; j < len(t.entries) && next < 0; j++ {
		if oi, ok := o.index[t.entries[j].key]; ok {
			next = oi
		}
	}
	return prev, next, -1
}

// belowOldLine returns the offset in ours just below the line that base
// had and that theirs' entry i sits under, when ours has that line among
// those above its entry next; else -1.
func (m *propBlockMerge) belowOldLine(i, next int) int {
	l := m.lastOldGapLine(i)
	if l < 0 || next < 0 {
		return -1
	}
	o, want := m.ours, m.theirs.text.trimmed(l)
	for g := o.gapStart(next); g < o.entries[next].first; g++ {
		if o.text.trimmed(g) == want {
			return o.text.lines[g].next
		}
	}
	return -1
}

// lastOldGapLine returns the last line of the gap above theirs' entry i
// that base already had, or -1.
func (m *propBlockMerge) lastOldGapLine(i int) int {
	t := m.theirs
	for l := t.entries[i].first - 1; l >= t.gapStart(i); l-- {
		if !m.theirsNew[l] {
			return l
		}
	}
	return -1
}

// propKeepNoFinalEOL removes the line ending that edits left at the end
// of out when the text had none: removing its last lines leaves the line
// ending of the one before.
func propKeepNoFinalEOL(t *propText, out []byte) []byte {
	if n := len(t.src); n > 0 && t.src[n-1] != '\n' {
		out = bytes.TrimSuffix(out, []byte(t.eol))
	}
	return out
}

// propFixFinalEOL adapts insertions at the very end of a text that does
// not end with a line ending: the inserted lines get a line ending before
// them instead of after, so the file keeps its unterminated last line.
func propFixFinalEOL(t *propText, edits []propEdit) {
	n := len(t.src)
	if n == 0 || t.src[n-1] == '\n' {
		return
	}
	for i := range edits {
		e := &edits[i]
		if e.start == n && e.end == n && bytes.HasSuffix(e.text, []byte(t.eol)) {
			e.text = append([]byte(t.eol), e.text[:len(e.text)-len(t.eol)]...)
		}
	}
}
