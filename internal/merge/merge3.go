package merge

import "bytes"

// This file combines two edit scripts, base→ours and base→theirs, into the
// merged file the way git's xdiff/xmerge.c does at its default level
// (XDL_MERGE_ZEALOUS_ALNUM, no diff3 style).

// Conflict markers, as git merge-file writes them with labels ours and theirs.
const (
	markerOurs   = "<<<<<<< ours"
	markerSep    = "======="
	markerTheirs = ">>>>>>> theirs"
)

// What a chunk of the merge takes.
type chunkMode int

const (
	conflicting chunkMode = 0 // both sides changed it differently
	takeOurs    chunkMode = 1 // only ours changed it
	takeTheirs  chunkMode = 2 // only theirs changed it
	sameChange  chunkMode = 4 // both sides made the same change, found by refine
)

// A chunk is a region of the merge where at least one side differs from
// base: ours[i1:i1+n1] against theirs[i2:i2+n2]. Between chunks, ours and
// theirs both equal base.
type chunk struct {
	mode   chunkMode
	i1, n1 int
	i2, n2 int
}

// merge3 merges the lines of ours and theirs, given the edit scripts that
// take base to each, and returns the merged bytes and the number of
// conflicting chunks.
func merge3(base, ours, theirs [][]byte, toOurs, toTheirs []edit) ([]byte, int) {
	chunks := combine(base, ours, theirs, toOurs, toTheirs)
	chunks = refine(chunks, ours, theirs)
	chunks = simplify(chunks, ours)
	return render(chunks, base, ours, theirs)
}

// combine walks both edit scripts in base order and turns them into chunks.
// Edits that overlap or abut in base become one conflicting chunk, unless
// they are the very same edit, which needs no chunk at all.
func combine(base, ours, theirs [][]byte, toOurs, toTheirs []edit) []chunk {
	var chunks []chunk
	x, y := 0, 0
	for x < len(toOurs) && y < len(toTheirs) {
		o, t := toOurs[x], toTheirs[y]
		if o.i1+o.n1 < t.i1 {
			chunks = addChunk(chunks, chunk{takeOurs, o.i2, o.n2, t.i2 - t.i1 + o.i1, o.n1})
			x++
			continue
		}
		if t.i1+t.n1 < o.i1 {
			chunks = addChunk(chunks, chunk{takeTheirs, o.i2 - o.i1 + t.i1, t.n1, t.i2, t.n2})
			y++
			continue
		}
		if o.i1 != t.i1 || o.n1 != t.n1 || o.n2 != t.n2 ||
			!equalLines(ours[o.i2:o.i2+o.n2], theirs[t.i2:t.i2+t.n2]) {
			// Widen both sides to cover the union of the two edits
			// in base.
			i1, i2 := o.i2, t.i2
			if start := o.i1 - t.i1; start > 0 {
				i1 -= start
			} else {
				i2 += start
			}
			n1 := o.i2 + o.n2 - i1
			n2 := t.i2 + t.n2 - i2
			if end := o.i1 + o.n1 - (t.i1 + t.n1); end < 0 {
				n1 -= end
			} else {
				n2 += end
			}
			chunks = addChunk(chunks, chunk{conflicting, i1, n1, i2, n2})
		}
		oEnd, tEnd := o.i1+o.n1, t.i1+t.n1
		if oEnd >= tEnd {
			y++
		}
		if tEnd >= oEnd {
			x++
		}
	}
	for ; x < len(toOurs); x++ {
		o := toOurs[x]
		chunks = addChunk(chunks, chunk{takeOurs, o.i2, o.n2, o.i1 + len(theirs) - len(base), o.n1})
	}
	for ; y < len(toTheirs); y++ {
		t := toTheirs[y]
		chunks = addChunk(chunks, chunk{takeTheirs, t.i1 + len(ours) - len(base), t.n1, t.i2, t.n2})
	}
	return chunks
}

// addChunk appends c, or folds it into the last chunk when the two overlap
// or touch on either side; a fold of different modes is a conflict.
func addChunk(chunks []chunk, c chunk) []chunk {
	if n := len(chunks); n > 0 {
		last := &chunks[n-1]
		if c.i1 <= last.i1+last.n1 || c.i2 <= last.i2+last.n2 {
			if c.mode != last.mode {
				last.mode = conflicting
			}
			last.n1 = c.i1 + c.n1 - last.i1
			last.n2 = c.i2 + c.n2 - last.i2
			return chunks
		}
	}
	return append(chunks, c)
}

// refine diffs the two sides of each conflicting chunk against each other
// and keeps only the lines where they differ as conflicts. A chunk whose
// sides turn out identical becomes a sameChange chunk.
func refine(chunks []chunk, ours, theirs [][]byte) []chunk {
	out := make([]chunk, 0, len(chunks))
	for _, c := range chunks {
		if c.mode != conflicting || c.n1 == 0 || c.n2 == 0 {
			out = append(out, c)
			continue
		}
		edits := diffLines(ours[c.i1:c.i1+c.n1], theirs[c.i2:c.i2+c.n2])
		if len(edits) == 0 {
			c.mode = sameChange
			out = append(out, c)
			continue
		}
		for _, e := range edits {
			out = append(out, chunk{conflicting, c.i1 + e.i1, e.n1, c.i2 + e.i2, e.n2})
		}
	}
	return out
}

// simplify joins neighbouring conflicts separated by at most three lines,
// or by any number of lines without a letter or digit: one larger conflict
// reads more easily than several small ones.
func simplify(chunks []chunk, ours [][]byte) []chunk {
	out := chunks[:0]
	for _, c := range chunks {
		if n := len(out); n > 0 {
			last := &out[n-1]
			begin, end := last.i1+last.n1, c.i1
			if last.mode == conflicting && c.mode == conflicting &&
				(end-begin <= 3 || !containsAlnum(ours[begin:end])) {
				last.n1 = c.i1 + c.n1 - last.i1
				last.n2 = c.i2 + c.n2 - last.i2
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// containsAlnum reports whether any of the lines has an ASCII letter or digit.
func containsAlnum(lines [][]byte) bool {
	for _, l := range lines {
		for _, c := range l {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				return true
			}
		}
	}
	return false
}

// render writes the merge out: ours between chunks, the winning side of
// each clean chunk and both sides of each conflict between markers. It
// returns the bytes and the number of conflicts.
func render(chunks []chunk, base, ours, theirs [][]byte) ([]byte, int) {
	var buf bytes.Buffer
	conflicts := 0
	next := 0 // first line of ours not yet written
	for _, c := range chunks {
		switch c.mode {
		case conflicting:
			conflicts++
			eol := "\n"
			if needsCR(c, base, ours, theirs) {
				eol = "\r\n"
			}
			writeLines(&buf, ours[next:c.i1])
			buf.WriteString(markerOurs + eol)
			writeTerminated(&buf, ours[c.i1:c.i1+c.n1], eol)
			buf.WriteString(markerSep + eol)
			writeTerminated(&buf, theirs[c.i2:c.i2+c.n2], eol)
			buf.WriteString(markerTheirs + eol)
		case takeOurs:
			writeLines(&buf, ours[next:c.i1+c.n1])
		case takeTheirs:
			writeLines(&buf, ours[next:c.i1])
			writeLines(&buf, theirs[c.i2:c.i2+c.n2])
		default:
			// sameChange: ours already holds the change.
			continue
		}
		next = c.i1 + c.n1
	}
	writeLines(&buf, ours[next:])
	return buf.Bytes(), conflicts
}

func writeLines(buf *bytes.Buffer, lines [][]byte) {
	for _, l := range lines {
		buf.Write(l)
	}
}

// writeTerminated writes lines, ending the last one with eol if it has no
// newline, so that a conflict marker after it starts a line of its own.
func writeTerminated(buf *bytes.Buffer, lines [][]byte, eol string) {
	writeLines(buf, lines)
	if n := len(lines); n > 0 && !bytes.HasSuffix(lines[n-1], []byte("\n")) {
		buf.WriteString(eol)
	}
}

// needsCR reports whether the markers of conflict c should end in CRLF:
// the line before the conflict in ours and in theirs, and the first line
// of base, must all end in CRLF, where their line ending is known.
func needsCR(c chunk, base, ours, theirs [][]byte) bool {
	crlf := endsInCRLF(ours, max(c.i1-1, 0))
	if crlf != 0 {
		crlf = endsInCRLF(theirs, max(c.i2-1, 0))
	}
	if crlf != 0 {
		crlf = endsInCRLF(base, 0)
	}
	return crlf > 0
}

// endsInCRLF tells whether line i of lines ends in CRLF: 1 if so, 0 if it
// ends in a bare LF, -1 if it cannot be told. A last line without newline
// takes the ending of the line before it.
func endsInCRLF(lines [][]byte, i int) int {
	n := len(lines)
	if n == 0 {
		return -1
	}
	if i == n-1 && !bytes.HasSuffix(lines[i], []byte("\n")) {
		if i == 0 {
			return -1
		}
		i--
	}
	if bytes.HasSuffix(lines[i], []byte("\r\n")) {
		return 1
	}
	return 0
}

func equalLines(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// splitLines splits data after each newline. A final line without a
// newline is kept as it is; empty data has no lines.
func splitLines(data []byte) [][]byte {
	lines := make([][]byte, 0, bytes.Count(data, []byte("\n"))+1)
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n') + 1
		if n == 0 {
			n = len(data)
		}
		lines = append(lines, data[:n:n])
		data = data[n:]
	}
	return lines
}
