package merge

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the structure-aware merge of Java .properties files. A
// setting is a key, read by the rules of java.util.Properties.load: a
// logical line may continue over several natural lines, the key ends at
// the first unescaped '=', ':' or white space, and key and value compare
// after their escapes are resolved.

// mergeProperties merges three versions of a .properties file key by key,
// editing ours: a value the update changed is written in place of the
// customer's value, keeping the key and separator as the customer wrote
// them; keys the update removed go with their vendor comments; new keys go
// after the key that precedes them in theirs, with their comment lines.
func mergeProperties(base, ours, theirs []byte) ([]byte, *Report, error) {
	var docs [3]*propDoc
	for i, src := range [][]byte{base, ours, theirs} {
		d, err := propParse(src)
		if err != nil {
			return nil, nil, fallback("properties: %v", err)
		}
		docs[i] = d
	}
	b, o, t := docs[0], docs[1], docs[2]
	rep, want := propReport(b, o, t)
	if len(rep.Conflicts) > 0 {
		return nil, rep, nil
	}
	merged, err := propMerge(b, o, t)
	if err != nil {
		return nil, nil, fallback("properties: %v", err)
	}
	if err := propCheck(merged, want); err != nil {
		return nil, nil, fallback("properties: %v", err)
	}
	return merged, rep, nil
}

// propDoc is a parsed .properties file.
type propDoc struct {
	text    *propText
	entries []propEntry // in file order
	index   map[string]int
}

// propEntry is one key and its value, as read and where written.
type propEntry struct {
	key, value  string // escapes resolved
	first, last int    // natural lines the logical line spans
	keyEnd      int    // offset just after the key's text
	valueStart  int    // offset of the value's text
	valueEnd    int    // offset just after the value's text (end of the last line)
}

// value returns the setting's value in a version of the file.
func (d *propDoc) value(key string) Value {
	if i, ok := d.index[key]; ok {
		return Value{Present: true, Text: d.entries[i].value}
	}
	return Value{}
}

// propIsWhite reports the characters Properties.load takes for white space.
func propIsWhite(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// propIsComment reports whether a natural line is a comment line.
func propIsComment(line []byte) bool {
	i := 0
	for i < len(line) && propIsWhite(line[i]) {
		i++
	}
	return i < len(line) && (line[i] == '#' || line[i] == '!')
}

// propParse reads a .properties file as Properties.load does. Duplicate
// keys are an error: which one counts depends on the reader.
func propParse(src []byte) (*propDoc, error) {
	text, err := propSplit(src)
	if err != nil {
		return nil, err
	}
	d := &propDoc{text: text, index: make(map[string]int)}
	for i := 0; i < len(text.lines); {
		line := text.line(i)
		if propIsComment(line) || propIsBlankLine(line) {
			i++
			continue
		}
		e, err := propReadEntry(text, i)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if _, dup := d.index[e.key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", i+1, e.key)
		}
		d.index[e.key] = len(d.entries)
		d.entries = append(d.entries, e)
		i = e.last + 1
	}
	return d, nil
}

// propIsBlankLine reports a line of Properties white space only.
func propIsBlankLine(line []byte) bool {
	for _, c := range line {
		if !propIsWhite(c) {
			return false
		}
	}
	return true
}

// propReadEntry reads the logical line that starts on natural line first.
func propReadEntry(text *propText, first int) (propEntry, error) {
	buf, offs, last := propLogicalLine(text, first)
	keyLen, valueStart := propSplitKey(buf)
	e := propEntry{first: first, last: last, valueEnd: text.lines[last].end}
	e.keyEnd = e.valueEnd
	if keyLen < len(offs) {
		e.keyEnd = offs[keyLen]
	}
	e.valueStart = e.valueEnd
	if valueStart < len(offs) {
		e.valueStart = offs[valueStart]
	}
	var err error
	if e.key, err = propUnescape(buf[:keyLen]); err != nil {
		return e, err
	}
	if e.value, err = propUnescape(buf[valueStart:]); err != nil {
		return e, err
	}
	return e, nil
}

// propLogicalLine joins the natural lines of a logical line as
// Properties.load does: leading white space of each natural line is
// skipped, and a line ending in an odd number of backslashes continues on
// the next (the backslash dropped), unless that one is blank. It returns
// the logical line, the offset in the file of each of its bytes, and the
// last natural line.
func propLogicalLine(text *propText, first int) (buf []byte, offs []int, last int) {
	for i := first; i < len(text.lines); i++ {
		l := text.lines[i]
		start := l.start
		for start < l.end && propIsWhite(text.src[start]) {
			start++
		}
		last = i
		if i > first && start == l.end {
			break // an empty continuation line ends the logical line
		}
		for p := start; p < l.end; p++ {
			buf = append(buf, text.src[p])
			offs = append(offs, p)
		}
		if propTrailingBackslashes(text.src[start:l.end])%2 == 0 {
			break
		}
		buf, offs = buf[:len(buf)-1], offs[:len(offs)-1]
	}
	return buf, offs, last
}

// propTrailingBackslashes counts the backslashes that end b.
func propTrailingBackslashes(b []byte) int {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	return n
}

// propSplitKey finds where the key of a logical line ends and its value
// starts, as Properties.load does: the key ends at the first '=', ':' or
// white space not escaped; white space and one '=' or ':' after it are
// skipped.
func propSplitKey(buf []byte) (keyLen, valueStart int) {
	keyLen, valueStart = len(buf), len(buf)
	hasSep, escaped := false, false
	for i, c := range buf {
		if !escaped && (c == '=' || c == ':') {
			keyLen, valueStart, hasSep = i, i+1, true
			break
		}
		if !escaped && propIsWhite(c) {
			keyLen, valueStart = i, i+1
			break
		}
		escaped = c == '\\' && !escaped
	}
	for valueStart < len(buf) {
		c := buf[valueStart]
		if !propIsWhite(c) {
			if hasSep || (c != '=' && c != ':') {
				break
			}
			hasSep = true
		}
		valueStart++
	}
	return keyLen, valueStart
}

// propErrEscape reports a malformed \uXXXX escape, which Properties.load
// rejects.
var propErrEscape = errors.New("malformed \\uxxxx escape")

// propUnescape resolves the escapes of a key or value: \t \n \r \f,
// \uXXXX (UTF-16, surrogate pairs joined), and a backslash before any
// other character stands for that character.
func propUnescape(b []byte) (string, error) {
	var units []uint16 // the result in UTF-16, as Java holds it
	for i := 0; i < len(b); {
		if b[i] != '\\' {
			r, size := utf8.DecodeRune(b[i:])
			units = utf16.AppendRune(units, r)
			i += size
			continue
		}
		if i++; i == len(b) {
			break // a trailing lone backslash stands for nothing
		}
		if b[i] == 'u' {
			if i+5 > len(b) {
				return "", propErrEscape
			}
			u, err := strconv.ParseUint(string(b[i+1:i+5]), 16, 16)
			if err != nil {
				return "", propErrEscape
			}
			units = append(units, uint16(u))
			i += 5
			continue
		}
		r, size := propEscaped(b[i:])
		units = utf16.AppendRune(units, r)
		i += size
	}
	return propFromUTF16(units)
}

// propEscaped returns the character that a backslash before b stands for.
func propEscaped(b []byte) (rune, int) {
	switch b[0] {
	case 't':
		return '\t', 1
	case 'n':
		return '\n', 1
	case 'r':
		return '\r', 1
	case 'f':
		return '\f', 1
	}
	return utf8.DecodeRune(b)
}

// propFromUTF16 decodes UTF-16, refusing unpaired surrogates: they would
// all read as U+FFFD and so compare equal.
func propFromUTF16(units []uint16) (string, error) {
	for i := 0; i < len(units); i++ {
		switch u := rune(units[i]); {
		case utf16.IsSurrogate(u) && u < 0xdc00 && i+1 < len(units) && units[i+1] >= 0xdc00 && units[i+1] < 0xe000:
			i++
		case utf16.IsSurrogate(u):
			return "", errors.New("unpaired surrogate in \\u escape")
		}
	}
	return string(utf16.Decode(units)), nil
}

// propReport decides every key and returns the report and the merged
// key → value map the result must hold.
func propReport(b, o, t *propDoc) (*Report, map[string]string) {
	rep := &Report{Format: "properties"}
	want := make(map[string]string)
	seen := make(map[string]bool)
	for _, d := range []*propDoc{o, t, b} {
		for _, e := range d.entries {
			if seen[e.key] {
				continue
			}
			seen[e.key] = true
			s := Setting{Key: e.key, Base: b.value(e.key), Ours: o.value(e.key), Theirs: t.value(e.key)}
			propAddToReport(rep, s)
			v := s.Ours
			if propDecide(s.Base, s.Ours, s.Theirs) == propTake {
				v = s.Theirs
			}
			if v.Present {
				want[e.key] = v.Text
			}
		}
	}
	return rep, want
}

// propMerge edits ours: values the update alone changed, keys it removed
// and keys it added. The report has no conflicts.
func propMerge(b, o, t *propDoc) ([]byte, error) {
	m := &propBlockMerge{
		base:      propBlockOf(b),
		ours:      propBlockOf(o),
		theirs:    propBlockOf(t),
		theirsNew: propNewLines(b.text, t.text),
		remove:    make(map[string]bool),
		insert:    make(map[string]bool),
	}
	var edits []propEdit
	for _, e := range o.entries {
		switch bv, tv := b.value(e.key), t.value(e.key); {
		case propDecide(bv, Value{Present: true, Text: e.value}, tv) != propTake:
		case !tv.Present:
			m.remove[e.key] = true
		default:
			edits = append(edits, propReplaceValue(o, e, t, t.entries[t.index[e.key]]))
		}
	}
	for _, e := range t.entries {
		if _, inOurs := o.index[e.key]; !inOurs && !b.value(e.key).Present {
			m.insert[e.key] = true
		}
	}
	more, err := m.edits()
	if err != nil {
		return nil, err
	}
	edits = append(edits, more...)
	propFixFinalEOL(o.text, edits)
	out, err := propApply(o.text.src, edits)
	return propKeepNoFinalEOL(o.text, out), err
}

// propBlockOf returns the file as one container of settings.
func propBlockOf(d *propDoc) *propBlock {
	spans := make([]propSpan, len(d.entries))
	for i, e := range d.entries {
		spans[i] = propSpan{key: e.key, first: e.first, last: e.last}
	}
	return propNewBlock(d.text, spans, 0, propIsComment)
}

// propReplaceValue writes theirs' value over ours, keeping the customer's
// key and separator. When ours has no separator to keep, or theirs' value
// starts with a character that would read as one, the whole entry is
// theirs'.
func propReplaceValue(o *propDoc, oe propEntry, t *propDoc, te propEntry) propEdit {
	eol := o.text.eol
	value := t.text.src[te.valueStart:te.valueEnd]
	if oe.valueStart == oe.keyEnd || (len(value) > 0 && (value[0] == '=' || value[0] == ':')) {
		whole := t.text.src[t.text.lines[te.first].start:te.valueEnd]
		return propEdit{start: o.text.lines[oe.first].start, end: oe.valueEnd, text: propWithEOL(whole, eol)}
	}
	return propEdit{start: oe.valueStart, end: oe.valueEnd, text: propWithEOL(value, eol)}
}

// propWithEOL returns b with its line endings made eol.
func propWithEOL(b []byte, eol string) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
			out = append(out, eol...)
			i++
		case b[i] == '\n':
			out = append(out, eol...)
		default:
			out = append(out, b[i])
		}
	}
	return out
}

// propCheck parses the merged file and requires exactly the keys and
// values the merge decided.
func propCheck(merged []byte, want map[string]string) error {
	d, err := propParse(merged)
	if err != nil {
		return fmt.Errorf("merged file does not parse: %v", err)
	}
	if len(d.entries) != len(want) {
		return fmt.Errorf("merged file has %d keys, want %d", len(d.entries), len(want))
	}
	for _, e := range d.entries {
		if v, ok := want[e.key]; !ok || v != e.value {
			return fmt.Errorf("merged file has %q = %q, want %q", e.key, e.value, v)
		}
	}
	return nil
}
