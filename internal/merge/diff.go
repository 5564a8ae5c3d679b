package merge

import "math"

// This file holds the line diff that the merge is built on. It follows the
// behaviour of libxdiff's Myers implementation as used by git (xprepare.c and
// xdiffi.c) step for step, because git merge-file's clean-or-conflict
// decision depends on exactly which lines each diff reports as changed:
//
//  1. lines are reduced to equivalence classes (equal bytes, newline included);
//  2. the common prefix and suffix are trimmed;
//  3. lines with no match in the other file, and runs of lines with very many
//     matches, are set aside as changed before the search;
//  4. the remaining lines are compared with Myers' O(ND) divide-and-conquer
//     search, which gives up on optimality when the edit cost grows large;
//  5. groups of changed lines are slid to their canonical positions.

const (
	maxEqLimit     = 1024 // cap on the match count that makes a line "common"
	simScanWindow  = 100  // how far discardMultimatch looks around a line
	keepDiscardRun = 4    // discardMultimatch wants unmatched lines to outnumber common ones about this many times
	maxCostMin     = 256  // lower bound of the cost at which split gives up; it bounds the time spent on huge inputs
	heurMinCost    = 256  // cost from which split looks for good snakes
	snakeCount     = 20   // length of a snake considered good
	kHeur          = 4    // weight of the edit cost in the snake heuristic
)

// An edit says that lines a[i1:i1+n1] of the old file became lines
// b[i2:i2+n2] of the new one. An edit script lists edits in file order.
type edit struct {
	i1, n1 int
	i2, n2 int
}

// A side is one file of a two-way diff.
type side struct {
	class   []int  // equivalence class of each line
	changed []bool // changed[i+1] is set when line i is not in the common subsequence
}

func newSide(class []int) *side {
	// The two extra entries are false sentinels before the first line
	// and after the last, which the group walks below rely on.
	return &side{class: class, changed: make([]bool, len(class)+2)}
}

func (s *side) len() int                 { return len(s.class) }
func (s *side) isChanged(i int) bool     { return s.changed[i+1] }
func (s *side) setChanged(i int, c bool) { s.changed[i+1] = c }

// diffLines returns the edit script that turns a into b.
func diffLines(a, b [][]byte) []edit {
	ca, cb, nclass := classify(a, b)
	sa, sb := newSide(ca), newSide(cb)

	start, enda, endb := trimEnds(ca, cb)
	countA, countB := make([]int, nclass), make([]int, nclass)
	for _, c := range ca {
		countA[c]++
	}
	for _, c := range cb {
		countB[c]++
	}
	keptA := discard(sa, start, enda, countB)
	keptB := discard(sb, start, endb, countA)

	m := newMyers(sa, sb, keptA, keptB)
	m.compare(0, len(keptA), 0, len(keptB), false)

	compact(sa, sb)
	compact(sb, sa)
	return script(sa, sb)
}

// classify maps every line of a and b to a small integer so that two lines
// get the same number exactly when their bytes are equal.
func classify(a, b [][]byte) (ca, cb []int, nclass int) {
	ids := make(map[string]int, len(a)+len(b))
	number := func(lines [][]byte) []int {
		class := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[string(l)]
			if !ok {
				id = len(ids)
				ids[string(l)] = id
			}
			class[i] = id
		}
		return class
	}
	ca = number(a)
	cb = number(b)
	return ca, cb, len(ids)
}

// trimEnds returns the length of the common prefix of a and b and the index
// of the last line of each that is not part of the common suffix.
func trimEnds(a, b []int) (start, enda, endb int) {
	lim := min(len(a), len(b))
	for start < lim && a[start] == b[start] {
		start++
	}
	suffix := 0
	for suffix < lim-start && a[len(a)-1-suffix] == b[len(b)-1-suffix] {
		suffix++
	}
	return start, len(a) - suffix - 1, len(b) - suffix - 1
}

// Match kinds of a line, as seen from the other file.
const (
	noMatch   = 0
	someMatch = 1
	manyMatch = 2
)

// discard marks as changed the lines s[start:end+1] that cannot or should
// not take part in the search, and returns the indexes of the others.
// A line with no match in the other file is certainly changed; a line with
// very many matches is set aside when it sits among such lines.
func discard(s *side, start, end int, otherCount []int) []int {
	if end < start {
		return nil
	}
	limit := min(bogosqrt(s.len()), maxEqLimit)
	kind := make([]byte, s.len())
	for i := start; i <= end; i++ {
		switch n := otherCount[s.class[i]]; {
		case n == 0:
			kind[i] = noMatch
		case n >= limit:
			kind[i] = manyMatch
		default:
			kind[i] = someMatch
		}
	}
	kept := make([]int, 0, end-start+1)
	for i := start; i <= end; i++ {
		if kind[i] == someMatch || kind[i] == manyMatch && !discardMultimatch(kind, i, start, end) {
			kept = append(kept, i)
		} else {
			s.setChanged(i, true)
		}
	}
	return kept
}

// discardMultimatch reports whether the many-matches line i lies in a run
// of unmatched and many-matches lines in which unmatched lines dominate.
func discardMultimatch(kind []byte, i, start, end int) bool {
	start = max(start, i-simScanWindow)
	end = min(end, i+simScanWindow)

	before, manyBefore := 0, 1
	for r := 1; i-r >= start; r++ {
		if kind[i-r] == noMatch {
			before++
		} else if kind[i-r] == manyMatch {
			manyBefore++
		} else {
			break
		}
	}
	if before == 0 {
		return false
	}
	after, manyAfter := 0, 1
	for r := 1; i+r <= end; r++ {
		if kind[i+r] == noMatch {
			after++
		} else if kind[i+r] == manyMatch {
			manyAfter++
		} else {
			break
		}
	}
	if after == 0 {
		return false
	}
	unmatched := before + after
	many := manyBefore + manyAfter
	return many*keepDiscardRun < many+unmatched
}

// bogosqrt approximates the square root of n by shifting, as xdiff does.
func bogosqrt(n int) int {
	i := 1
	for ; n > 0; n >>= 2 {
		i <<= 1
	}
	return i
}

// myers runs the search on the lines that survived discard.
type myers struct {
	sa, sb  *side
	a, b    []int // classes of the lines under comparison
	ia, ib  []int // their line numbers in sa and sb
	fwd     []int // furthest x reached on each diagonal, searching forward
	bwd     []int // furthest x reached on each diagonal, searching backward
	zero    int   // index of diagonal 0 in fwd and bwd
	maxCost int   // edit cost at which split settles for a good-enough split
}

func newMyers(sa, sb *side, ia, ib []int) *myers {
	m := &myers{sa: sa, sb: sb, ia: ia, ib: ib}
	m.a = make([]int, len(ia))
	for k, i := range ia {
		m.a[k] = sa.class[i]
	}
	m.b = make([]int, len(ib))
	for k, i := range ib {
		m.b[k] = sb.class[i]
	}
	ndiags := len(ia) + len(ib) + 3
	m.fwd = make([]int, ndiags)
	m.bwd = make([]int, ndiags)
	m.zero = len(ib) + 1
	m.maxCost = max(bogosqrt(ndiags), maxCostMin)
	return m
}

// compare marks the changed lines between a[off1:lim1] and b[off2:lim2]
// by splitting the box recursively until one of its sides is empty.
func (m *myers) compare(off1, lim1, off2, lim2 int, needMin bool) {
	for off1 < lim1 && off2 < lim2 && m.a[off1] == m.b[off2] {
		off1++
		off2++
	}
	for off1 < lim1 && off2 < lim2 && m.a[lim1-1] == m.b[lim2-1] {
		lim1--
		lim2--
	}
	switch {
	case off1 == lim1:
		for ; off2 < lim2; off2++ {
			m.sb.setChanged(m.ib[off2], true)
		}
	case off2 == lim2:
		for ; off1 < lim1; off1++ {
			m.sa.setChanged(m.ia[off1], true)
		}
	default:
		s := m.split(off1, lim1, off2, lim2, needMin)
		m.compare(off1, s.i1, off2, s.i2, s.minLo)
		m.compare(s.i1, lim1, s.i2, lim2, s.minHi)
	}
}

// A splitPoint divides a box in two; minLo and minHi say whether the halves
// must still be diffed minimally.
type splitPoint struct {
	i1, i2       int
	minLo, minHi bool
}

// split finds the middle snake of the box (off1, off2)-(lim1, lim2) by
// searching forward from its top-left and backward from its bottom-right
// corner until the two searches meet (Myers 1986, section 4b). Unless
// needMin is set it gives up early on expensive boxes, returning a point on
// a long snake or, past maxCost, the furthest point reached.
func (m *myers) split(off1, lim1, off2, lim2 int, needMin bool) splitPoint {
	a, b, fwd, bwd, z := m.a, m.b, m.fwd, m.bwd, m.zero
	dmin, dmax := off1-lim2, lim1-off2
	fmid, bmid := off1-off2, lim1-lim2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid

	fwd[z+fmid] = off1
	bwd[z+bmid] = lim1

	for ec := 1; ; ec++ {
		gotSnake := false

		// Widen the forward diagonal range by one, or shrink it
		// where it would leave the box; the outer diagonals get
		// values that never win.
		if fmin > dmin {
			fmin--
			fwd[z+fmin-1] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fwd[z+fmax+1] = -1
		} else {
			fmax--
		}
		for d := fmax; d >= fmin; d -= 2 {
			var i1 int
			if fwd[z+d-1] >= fwd[z+d+1] {
				i1 = fwd[z+d-1] + 1
			} else {
				i1 = fwd[z+d+1]
			}
			prev := i1
			i2 := i1 - d
			for i1 < lim1 && i2 < lim2 && a[i1] == b[i2] {
				i1++
				i2++
			}
			if i1-prev > snakeCount {
				gotSnake = true
			}
			fwd[z+d] = i1
			if odd && bmin <= d && d <= bmax && bwd[z+d] <= i1 {
				return splitPoint{i1, i2, true, true}
			}
		}

		if bmin > dmin {
			bmin--
			bwd[z+bmin-1] = math.MaxInt
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bwd[z+bmax+1] = math.MaxInt
		} else {
			bmax--
		}
		for d := bmax; d >= bmin; d -= 2 {
			var i1 int
			if bwd[z+d-1] < bwd[z+d+1] {
				i1 = bwd[z+d-1]
			} else {
				i1 = bwd[z+d+1] - 1
			}
			prev := i1
			i2 := i1 - d
			for i1 > off1 && i2 > off2 && a[i1-1] == b[i2-1] {
				i1--
				i2--
			}
			if prev-i1 > snakeCount {
				gotSnake = true
			}
			bwd[z+d] = i1
			if !odd && fmin <= d && d <= fmax && i1 <= fwd[z+d] {
				return splitPoint{i1, i2, true, true}
			}
		}

		if needMin {
			continue
		}

		// Past a certain cost, accept a diagonal that has come far
		// (measured from the corner, less its distance from the
		// middle diagonal) and ends in a long snake.
		if gotSnake && ec > heurMinCost {
			best := 0
			var s splitPoint
			for d := fmax; d >= fmin; d -= 2 {
				i1 := fwd[z+d]
				i2 := i1 - d
				v := (i1 - off1) + (i2 - off2) - abs(d-fmid)
				if v > kHeur*ec && v > best &&
					off1+snakeCount <= i1 && i1 < lim1 &&
					off2+snakeCount <= i2 && i2 < lim2 &&
					snakeBefore(a, b, i1, i2) {
					best = v
					s = splitPoint{i1, i2, true, false}
				}
			}
			if best > 0 {
				return s
			}
			for d := bmax; d >= bmin; d -= 2 {
				i1 := bwd[z+d]
				i2 := i1 - d
				v := (lim1 - i1) + (lim2 - i2) - abs(d-bmid)
				if v > kHeur*ec && v > best &&
					off1 < i1 && i1 <= lim1-snakeCount &&
					off2 < i2 && i2 <= lim2-snakeCount &&
					snakeAfter(a, b, i1, i2) {
					best = v
					s = splitPoint{i1, i2, false, true}
				}
			}
			if best > 0 {
				return s
			}
		}

		// Enough is enough: split at the furthest-reaching point of
		// either search.
		if ec >= m.maxCost {
			fbest, fbest1 := -1, -1
			for d := fmax; d >= fmin; d -= 2 {
				i1 := min(fwd[z+d], lim1)
				i2 := i1 - d
				if lim2 < i2 {
					i1, i2 = lim2+d, lim2
				}
				if fbest < i1+i2 {
					fbest, fbest1 = i1+i2, i1
				}
			}
			bbest, bbest1 := math.MaxInt, math.MaxInt
			for d := bmax; d >= bmin; d -= 2 {
				i1 := max(off1, bwd[z+d])
				i2 := i1 - d
				if i2 < off2 {
					i1, i2 = off2+d, off2
				}
				if i1+i2 < bbest {
					bbest, bbest1 = i1+i2, i1
				}
			}
			if (lim1+lim2)-bbest < fbest-(off1+off2) {
				return splitPoint{fbest1, fbest - fbest1, true, false}
			}
			return splitPoint{bbest1, bbest - bbest1, false, true}
		}
	}
}

// snakeBefore reports whether the snakeCount lines before (i1, i2) match.
func snakeBefore(a, b []int, i1, i2 int) bool {
	for k := 1; a[i1-k] == b[i2-k]; k++ {
		if k == snakeCount {
			return true
		}
	}
	return false
}

// snakeAfter reports whether the snakeCount lines from (i1, i2) on match.
func snakeAfter(a, b []int, i1, i2 int) bool {
	for k := 0; a[i1+k] == b[i2+k]; k++ {
		if k == snakeCount-1 {
			return true
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// A group is a run of changed lines [start, end) of a side, possibly
// empty; there is one before every unchanged line and one at the end.
type group struct {
	start, end int
}

func (s *side) firstGroup() group {
	g := group{}
	for s.isChanged(g.end) {
		g.end++
	}
	return g
}

// next moves g to the following group; it reports false at the end.
func (s *side) next(g *group) bool {
	if g.end == s.len() {
		return false
	}
	g.start = g.end + 1
	for g.end = g.start; s.isChanged(g.end); g.end++ {
	}
	return true
}

// previous moves g to the preceding group; it reports false at the start.
func (s *side) previous(g *group) bool {
	if g.start == 0 {
		return false
	}
	g.end = g.start - 1
	for g.start = g.end; s.isChanged(g.start - 1); g.start-- {
	}
	return true
}

// slideDown shifts g one line towards the end of the file, if the line
// after it equals its first line, joining any group it runs into.
func (s *side) slideDown(g *group) bool {
	if g.end >= s.len() || s.class[g.start] != s.class[g.end] {
		return false
	}
	s.setChanged(g.start, false)
	s.setChanged(g.end, true)
	g.start++
	g.end++
	for s.isChanged(g.end) {
		g.end++
	}
	return true
}

// slideUp shifts g one line towards the start of the file, if the line
// before it equals its last line, joining any group it runs into.
func (s *side) slideUp(g *group) bool {
	if g.start == 0 || s.class[g.start-1] != s.class[g.end-1] {
		return false
	}
	g.start--
	g.end--
	s.setChanged(g.start, true)
	s.setChanged(g.end, false)
	for s.isChanged(g.start - 1) {
		g.start--
	}
	return true
}

// compact moves each group of changed lines of s as far down as it can go,
// merging groups that touch, unless it can be lined up with a group of
// changed lines in the other side o, in which case the last such position
// wins. This is xdl_change_compact without the indent heuristic, which git
// merge-file does not enable.
func compact(s, o *side) {
	g, og := s.firstGroup(), o.firstGroup()
	for {
		if g.end != g.start {
			var earliestEnd, endMatchingOther int
			for {
				size := g.end - g.start
				endMatchingOther = -1
				for s.slideUp(&g) {
					mustMove(o.previous(&og))
				}
				earliestEnd = g.end
				if og.end > og.start {
					endMatchingOther = g.end
				}
				for s.slideDown(&g) {
					mustMove(o.next(&og))
					if og.end > og.start {
						endMatchingOther = g.end
					}
				}
				if size == g.end-g.start {
					break
				}
			}
			if g.end != earliestEnd && endMatchingOther != -1 {
				for og.end == og.start {
					mustMove(s.slideUp(&g))
					mustMove(o.previous(&og))
				}
			}
		}
		if !s.next(&g) {
			break
		}
		mustMove(o.next(&og))
	}
}

// mustMove panics when the groups of the two sides fall out of step,
// which would be a bug in this file.
func mustMove(ok bool) {
	if !ok {
		panic("merge: diff groups out of sync")
	}
}

// script collects the changed lines of a and b into an edit script.
func script(a, b *side) []edit {
	var rev []edit
	i1, i2 := a.len(), b.len()
	for i1 >= 0 || i2 >= 0 {
		if changedAt(a, i1-1) || changedAt(b, i2-1) {
			l1, l2 := i1, i2
			for changedAt(a, i1-1) {
				i1--
			}
			for changedAt(b, i2-1) {
				i2--
			}
			rev = append(rev, edit{i1: i1, n1: l1 - i1, i2: i2, n2: l2 - i2})
		}
		i1--
		i2--
	}
	edits := make([]edit, len(rev))
	for k, e := range rev {
		edits[len(rev)-1-k] = e
	}
	return edits
}

// changedAt is isChanged that treats any line outside the file as unchanged.
func changedAt(s *side, i int) bool {
	return i >= -1 && i <= s.len() && s.isChanged(i)
}
