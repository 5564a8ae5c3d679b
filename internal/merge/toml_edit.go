package merge

import (
	"bytes"
	"slices"
	"sort"
	"strings"
)

// This file writes the update's changes into the customer's TOML text.
// Everything the update does not change stays byte for byte: the
// customer's comments, order, spacing, line endings and final newline.
//
//   - A changed value replaces the value's bytes only, keeping the key, the
//     spacing around '=' and a trailing comment.
//   - A removed setting loses its lines, and the comment lines directly
//     above it when the customer left them as they were and the update
//     dropped them; a table whose settings all go loses its header too.
//   - An added setting goes after the last setting of its table, with the
//     update's new comment lines directly above it; an added table goes
//     after the table that precedes it in the update (with that table's
//     sub-tables), or before the one that follows it, or at the end.

// A tomlEditor collects the edits of the customer's file.
type tomlEditor struct {
	b, o, t  *tomlDoc
	plan     tomlPlan
	eol      string            // the customer's line ending
	inBase   map[string]int    // base's lines, trimmed, counted
	inTheirs map[string]int    // theirs' lines, trimmed, counted
	deleted  []bool            // lines of ours to delete
	edits    []tomlEdit        // value changes
	inserts  map[int][]tomlAdd // text to insert, by offset in ours
	placed   map[string]int    // tables added, by path: where they were inserted
	seq      int               // count of insertions, to keep their order
}

// A tomlEdit replaces src[start:end] of the customer's file by text.
type tomlEdit struct {
	start, end int
	text       string
}

// A tomlAdd is text inserted into the customer's file: settings for an
// existing table, or a table (which wants blank lines around it).
type tomlAdd struct {
	text   string
	spaced bool // set apart by blank lines
	rank   int  // the order of additions at one place: tomlRank...
	seq    int
}

// The order of additions at one place. Settings belong to the table that
// ends there, so they come first. A [header] belongs to the last element
// of an array of tables before it, so tables of existing elements come
// before new elements.
const (
	tomlRankSettings = iota
	tomlRankElementTable
	tomlRankTable
)

// tomlApply writes plan into the customer's text.
func tomlApply(b, o, t *tomlDoc, plan tomlPlan) ([]byte, error) {
	e := &tomlEditor{
		b: b, o: o, t: t, plan: plan,
		eol:      o.eol(),
		inBase:   make(map[string]int),
		inTheirs: make(map[string]int),
		deleted:  make([]bool, o.lines()),
		inserts:  make(map[int][]tomlAdd),
		placed:   make(map[string]int),
	}
	for i := range b.lines() {
		e.inBase[b.text(i)]++
	}
	for i := range t.lines() {
		e.inTheirs[t.text(i)]++
	}
	e.changeValues()
	e.removeSettings()
	e.removeTables()
	if err := e.addSettings(); err != nil {
		return nil, err
	}
	return e.render()
}

// changeValues replaces the values the update changed.
func (e *tomlEditor) changeValues() {
	for path := range e.plan.change {
		okv, tkv := e.o.kvByPath[path], e.t.kvByPath[path]
		e.edits = append(e.edits, tomlEdit{okv.valStart, okv.valEnd, e.valueText(tkv)})
	}
}

// valueText is the update's value of kv written with the customer's line
// endings, except inside multi-line strings, where they are part of the
// value.
func (e *tomlEditor) valueText(kv *tomlKV) string {
	raw := string(e.t.src[kv.valStart:kv.valEnd])
	if e.t.keepEOL[kv.first] {
		return raw
	}
	return strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", e.eol)
}

// removeSettings deletes the lines of the settings the update removed.
func (e *tomlEditor) removeSettings() {
	for path := range e.plan.remove {
		okv := e.o.kvByPath[path]
		e.deleteLines(okv.first, okv.last)
		e.dropComments(okv.first, e.b.kvByPath[path].first)
	}
}

// removeTables deletes the headers of the tables the update removed once
// all their settings are gone.
func (e *tomlEditor) removeTables() {
	for _, s := range e.o.sections[1:] {
		bs := e.b.sectionByPath[s.path]
		if bs == nil || e.t.sectionByPath[s.path] != nil {
			continue
		}
		if slices.ContainsFunc(s.kvs, func(kv *tomlKV) bool { return !e.plan.remove[kv.path] }) {
			continue // the customer's settings keep the table
		}
		e.deleteLines(s.header, s.header)
		e.dropComments(s.header, bs.header)
	}
}

// deleteLines marks lines first to last of ours for deletion.
func (e *tomlEditor) deleteLines(first, last int) {
	for i := first; i <= last; i++ {
		e.deleted[i] = true
	}
}

// dropComments deletes the comment lines directly above line oLine of
// ours when they are those above line bLine of base (the customer left
// them alone), each that the update has fewer of than base: the update
// dropped it.
func (e *tomlEditor) dropComments(oLine, bLine int) {
	of, bf := e.o.commentsAbove(oLine), e.b.commentsAbove(bLine)
	if oLine-of != bLine-bf {
		return
	}
	for i := range oLine - of {
		if e.o.text(of+i) != e.b.text(bf+i) {
			return
		}
	}
	for i := of; i < oLine; i++ {
		if e.inTheirs[e.o.text(i)] < e.inBase[e.o.text(i)] {
			e.deleted[i] = true
		}
	}
}

// addSettings inserts the settings the update added, table by table in
// the update's order.
func (e *tomlEditor) addSettings() error {
	for j, ts := range e.t.sections {
		var added []*tomlKV
		for _, kv := range ts.kvs {
			if e.plan.add[kv.path] {
				added = append(added, kv)
			}
		}
		if len(added) == 0 {
			continue
		}
		if osec := e.o.sectionByPath[ts.path]; osec != nil {
			at, spaced := e.afterSettings(osec)
			e.insert(at, tomlAdd{text: e.settingsText(added), spaced: spaced, rank: tomlRankSettings})
			continue
		}
		if err := e.checkElements(ts, added); err != nil {
			return err
		}
		at := e.tableAnchor(j)
		e.placed[ts.path] = at
		rank := tomlRankTable
		if e.inExistingElement(ts) {
			rank = tomlRankElementTable
		}
		e.insert(at, tomlAdd{text: e.tableText(ts, added), spaced: true, rank: rank})
	}
	return nil
}

// checkElements falls back when the update adds settings to an element of
// an array of tables that the customer's file lacks (the customer removed
// it, say) and the addition would not recreate the element under its
// name: the settings would land in another element, or in one named
// otherwise.
func (e *tomlEditor) checkElements(s *tomlSection, added []*tomlKV) error {
	for i, seg := range s.segs {
		if seg.elem == nil {
			continue
		}
		path := tomlPath(s.segs[:i+1])
		_, placed := e.placed[path]
		switch {
		case e.o.sectionByPath[path] != nil || placed:
		case path != s.path:
			return fallback("toml: the update adds table %s to %s, which the customer's file lacks", s.path, path)
		case !tomlNamesElement(s, added):
			return fallback("toml: the update adds settings to %s, which the customer's file lacks", path)
		}
	}
	return nil
}

// tomlNamesElement reports whether the added settings of the element a
// [[header]] opens give it its label.
func tomlNamesElement(s *tomlSection, added []*tomlKV) bool {
	id, _, named := strings.Cut(strings.TrimPrefix(s.elem.label, "["), "=")
	if !named {
		return true // labelled by position
	}
	return slices.ContainsFunc(added, func(kv *tomlKV) bool {
		return len(kv.segs) == len(s.segs)+1 && kv.segs[len(s.segs)].key == id
	})
}

// inExistingElement reports whether table s lies in an element of an
// array of tables that ours has.
func (e *tomlEditor) inExistingElement(s *tomlSection) bool {
	for i, seg := range s.segs {
		if seg.elem != nil && e.o.sectionByPath[tomlPath(s.segs[:i+1])] != nil {
			return true
		}
	}
	return false
}

// afterSettings is where settings added to an existing table of ours go:
// after its last setting, else after its header. Settings for a root
// table without settings go before the first table (and its comments), set
// apart by blank lines as a table would be.
func (e *tomlEditor) afterSettings(s *tomlSection) (at int, spaced bool) {
	if s.header >= 0 || len(s.kvs) > 0 {
		return e.o.lineAt[s.end()+1], false
	}
	if len(e.o.sections) > 1 {
		return e.o.lineAt[e.o.commentsAbove(e.o.sections[1].header)], true
	}
	return len(e.o.src), true
}

// tableAnchor is where the table t.sections[j], new to ours, goes.
func (e *tomlEditor) tableAnchor(j int) int {
	if at, ok := e.elementAnchor(e.t.sections[j]); ok {
		return at
	}
	return e.neighbourAnchor(j)
}

// elementAnchor places a table in an array of tables, where a [header]
// belongs to the last element before it: a new element goes after the
// array's last table in ours, so that no table of ours changes element; a
// new sub-table of an element goes after the element's tables.
func (e *tomlEditor) elementAnchor(s *tomlSection) (int, bool) {
	i := slices.IndexFunc(s.segs, func(seg tomlSeg) bool { return seg.elem != nil })
	if i < 0 {
		return 0, false
	}
	array, elem := tomlPath(s.segs[:i]), tomlPath(s.segs[:i+1])
	if elem == s.path {
		last := -1
		for _, osec := range e.o.sections {
			if strings.HasPrefix(osec.path, array+"[") {
				last = osec.end()
			}
		}
		return e.o.lineAt[last+1], last >= 0
	}
	if at, ok := e.placed[elem]; ok {
		return at, true
	}
	if osec := e.o.sectionByPath[elem]; osec != nil {
		return e.o.lineAt[e.subtreeEnd(osec, s.path)+1], true
	}
	return 0, false
}

// neighbourAnchor places a table where the update has it relative to its
// neighbours: after the nearest table before it in the update that ours
// has (or that was just added), with that table's sub-tables; else after
// the root table's settings; else before the nearest table after it in
// the update that ours has, and that table's comments; else at the end.
func (e *tomlEditor) neighbourAnchor(j int) int {
	for i := j - 1; i > 0; i-- {
		path := e.t.sections[i].path
		if at, ok := e.placed[path]; ok {
			return at
		}
		if osec := e.o.sectionByPath[path]; osec != nil {
			return e.o.lineAt[e.subtreeEnd(osec, e.t.sections[j].path)+1]
		}
	}
	if root := e.o.sections[0]; len(root.kvs) > 0 {
		return e.o.lineAt[root.end()+1]
	}
	for _, ts := range e.t.sections[j+1:] {
		if osec := e.o.sectionByPath[ts.path]; osec != nil && osec.header >= 0 {
			return e.o.lineAt[e.o.commentsAbove(osec.header)]
		}
	}
	return len(e.o.src)
}

// subtreeEnd is the last line of table s of ours and of the sub-tables
// that follow it, for a new table at newPath to go after. When s lies in
// an element of an array of tables, the new table goes after the array's
// last element, unless it belongs in the array itself: the elements stay
// together.
func (e *tomlEditor) subtreeEnd(s *tomlSection, newPath string) int {
	scope := s.path
	if arr, ok := tomlArrayOf(s.segs); ok && !strings.HasPrefix(newPath, arr+"[") {
		scope = arr
	}
	end := s.end()
	i := slices.Index(e.o.sections, s)
	for _, sub := range e.o.sections[i+1:] {
		if !strings.HasPrefix(sub.path, scope+".") && !strings.HasPrefix(sub.path, scope+"[") {
			break
		}
		end = sub.end()
	}
	return end
}

// tomlArrayOf returns the path of the outermost array of tables a path goes
// through, if any.
func tomlArrayOf(segs []tomlSeg) (string, bool) {
	for i, s := range segs {
		if s.elem != nil {
			return tomlPath(segs[:i]), true
		}
	}
	return "", false
}

// insert queues text to insert at offset at of ours.
func (e *tomlEditor) insert(at int, a tomlAdd) {
	a.seq = e.seq
	e.seq++
	e.inserts[at] = append(e.inserts[at], a)
}

// settingsText is the text of added settings: each with the update's new
// comment lines directly above it.
func (e *tomlEditor) settingsText(kvs []*tomlKV) string {
	var sb strings.Builder
	for _, kv := range kvs {
		sb.WriteString(e.copyLines(e.newComments(kv.first), kv.last))
	}
	return sb.String()
}

// tableText is the text of a table new to ours: the update's new comment
// lines above its header, the header, and its added settings. A table all
// of whose settings are new is copied as the update wrote it.
func (e *tomlEditor) tableText(s *tomlSection, added []*tomlKV) string {
	from := e.newComments(s.header)
	if len(added) == len(s.kvs) {
		return e.copyLines(from, s.end())
	}
	return e.copyLines(from, s.header) + e.settingsText(added)
}

// newComments returns the first line of the comment lines directly above
// line i of theirs that base does not have: the update's comment on what
// it added. Comment lines base has (commented-out defaults, say) stay
// where they are.
func (e *tomlEditor) newComments(i int) int {
	for i > 0 && e.t.comment(i-1) && e.inBase[e.t.text(i-1)] == 0 {
		i--
	}
	return i
}

// copyLines returns lines from to to of theirs, ending in the customer's
// line ending (except inside multi-line strings).
func (e *tomlEditor) copyLines(from, to int) string {
	var sb strings.Builder
	for i := from; i <= to; i++ {
		line := e.t.line(i)
		if e.t.keepEOL[i] {
			sb.Write(line)
			continue
		}
		sb.Write(bytes.TrimRight(line, "\r\n"))
		sb.WriteString(e.eol)
	}
	return sb.String()
}

// render applies the edits to ours.
func (e *tomlEditor) render() ([]byte, error) {
	edits := slices.Clone(e.edits)
	edits = append(edits, e.deletions()...)
	for at, adds := range e.inserts {
		edits = append(edits, tomlEdit{at, at, e.insertText(at, adds)})
	}
	// By offset; at one offset an insertion comes before a deletion.
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	src := e.o.src
	var out bytes.Buffer
	cur := 0
	for _, ed := range edits {
		switch {
		case ed.start >= cur:
			out.Write(src[cur:ed.start])
			cur = ed.start
		case ed.end > ed.start:
			return nil, fallback("toml: overlapping edits at offset %d", ed.start)
		}
		// An insertion inside deleted lines goes where they were.
		out.WriteString(ed.text)
		cur = max(cur, ed.end)
	}
	out.Write(src[cur:])
	return e.finalNewline(out.Bytes()), nil
}

// deletions turns the lines marked deleted into edits. A run of deleted
// lines between blank lines takes one of them along, so that no double
// blank line is left where a table was.
func (e *tomlEditor) deletions() []tomlEdit {
	var edits []tomlEdit
	n := e.o.lines()
	for first := 0; first < n; first++ {
		if !e.deleted[first] {
			continue
		}
		last := first
		for last+1 < n && e.deleted[last+1] {
			last++
		}
		blankBefore := first == 0 || e.o.blank(first-1)
		if blankBefore && last+1 < n && e.o.blank(last+1) {
			last++
		}
		edits = append(edits, tomlEdit{e.o.lineAt[first], e.o.lineAt[last+1], ""})
		first = last
	}
	return edits
}

// insertText joins the additions at offset at of ours, in the order of
// their rank, then of the update; tables are set apart by blank lines.
func (e *tomlEditor) insertText(at int, adds []tomlAdd) string {
	slices.SortFunc(adds, func(a, b tomlAdd) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return a.seq - b.seq
	})
	src := e.o.src
	var sb strings.Builder
	if at == len(src) && at > 0 && src[at-1] != '\n' {
		sb.WriteString(e.eol) // end the customer's last line
	}
	blankBefore := at == 0 || e.o.blank(e.o.lineOf(at-1))
	for _, a := range adds {
		if a.spaced && !blankBefore {
			sb.WriteString(e.eol)
		}
		sb.WriteString(a.text)
		blankBefore = false
	}
	if adds[len(adds)-1].spaced && at < len(src) && !e.o.blank(e.o.lineOf(at)) {
		sb.WriteString(e.eol)
	}
	return sb.String()
}

// finalNewline gives merged the final line ending ours has, or lacks.
func (e *tomlEditor) finalNewline(merged []byte) []byte {
	src := e.o.src
	if len(src) == 0 || len(merged) == 0 {
		return merged
	}
	hasEOL := src[len(src)-1] == '\n'
	switch {
	case hasEOL && merged[len(merged)-1] != '\n':
		return append(merged, e.eol...)
	case !hasEOL && merged[len(merged)-1] == '\n':
		merged = merged[:len(merged)-1]
		return bytes.TrimSuffix(merged, []byte("\r"))
	}
	return merged
}
