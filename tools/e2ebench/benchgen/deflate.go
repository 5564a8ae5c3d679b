package benchgen

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// A deflater writes a deflate stream (RFC 1951) from tokens it is given,
// instead of searching for matches: the caller says which bytes are
// literals and which repeat earlier bytes, as a compressor would have found
// them. The tokens are then coded as a compressor codes them, in one block
// with Huffman codes made for their frequencies, so the stream is as dense
// as a real compressor's: another compressor gains next to nothing on it,
// as on a real jar. The deflater keeps the uncompressed bytes beside the
// stream, for the entry's CRC-32 and size.
//
// This is why generating a product is fast: compress/flate reaches about
// 60 MB/s a core on class-like data, and a product holds gigabytes of
// uncompressed classes.
type deflater struct {
	raw    []byte   // the uncompressed bytes so far
	tokens []uint32 // a literal byte, or matchFlag | (length-3)<<16 | (distance-1)

	out   []byte // the stream
	acc   uint64 // bits not yet in out, the first in the low bits
	nbits uint

	litFreq  [286]int32
	distFreq [30]int32
	litLen   [286]uint8
	distLen  [30]uint8
	litCode  [286]uint16
	distCode [30]uint16
	huff     huffman
	ops      []uint16 // the run-length coded code lengths of a header
}

const (
	matchFlag   = 1 << 31
	minMatch    = 3
	maxMatch    = 258
	maxDistance = 32768
	endOfBlock  = 256
)

// A symbol is a length or distance symbol with its extra bits.
type symbol struct {
	sym    uint16
	nextra uint8
	extra  uint16
}

var (
	lenSymbols  [maxMatch + 1]symbol
	distSymbols [maxDistance + 1]symbol
)

func init() {
	// Length symbols 257..284 cover 3..257 with 0 to 5 extra bits; 285
	// is 258.
	length := minMatch
	for sym := 257; sym <= 284; sym++ {
		var n uint8
		if sym >= 265 {
			n = uint8((sym - 261) / 4)
		}
		for e := 0; e < 1<<n && length < maxMatch; e++ {
			lenSymbols[length] = symbol{uint16(sym), n, uint16(e)}
			length++
		}
	}
	lenSymbols[maxMatch] = symbol{285, 0, 0}
	// Distance symbols 0..29 cover 1..32768 with 0 to 13 extra bits.
	dist := 1
	for sym := range 30 {
		var n uint8
		if sym >= 4 {
			n = uint8(sym/2 - 1)
		}
		for e := range 1 << n {
			distSymbols[dist] = symbol{uint16(sym), n, uint16(e)}
			dist++
		}
	}
}

// reset starts a new stream, keeping the buffers.
func (d *deflater) reset() {
	d.raw, d.tokens, d.out, d.acc, d.nbits = d.raw[:0], d.tokens[:0], d.out[:0], 0, 0
	clear(d.litFreq[:])
	clear(d.distFreq[:])
}

// literal appends p as literals.
func (d *deflater) literal(p []byte) {
	d.raw = append(d.raw, p...)
	for _, b := range p {
		d.tokens = append(d.tokens, uint32(b))
		d.litFreq[b]++
	}
}

// match appends length bytes that repeat the bytes dist back. The caller
// keeps dist within 1..32768 and the bytes so far.
func (d *deflater) match(dist, length int) {
	for length > 0 {
		n := min(length, maxMatch)
		if length-n > 0 && length-n < minMatch {
			n = length - minMatch // leave a last piece long enough
		}
		start := len(d.raw) - dist
		if dist >= n {
			d.raw = append(d.raw, d.raw[start:start+n]...)
		} else {
			for i := range n {
				d.raw = append(d.raw, d.raw[start+i])
			}
		}
		d.tokens = append(d.tokens, matchFlag|uint32(n-minMatch)<<16|uint32(dist-1))
		d.litFreq[lenSymbols[n].sym]++
		d.distFreq[distSymbols[dist].sym]++
		length -= n
	}
}

// finish codes the tokens as one final block with dynamic Huffman codes
// and returns the stream.
func (d *deflater) finish() []byte {
	d.litFreq[endOfBlock] = 1
	atLeastTwo(d.distFreq[:])
	d.huff.lengths(d.litFreq[:], 15, d.litLen[:])
	d.huff.lengths(d.distFreq[:], 15, d.distLen[:])
	canonical(d.litLen[:], d.litCode[:])
	canonical(d.distLen[:], d.distCode[:])

	d.put(1|2<<1, 3) // BFINAL, BTYPE 10: dynamic codes
	d.header()
	// The tokens, with the bit buffer in locals: this loop is most of the
	// time a class takes.
	acc, nbits, out := d.acc, d.nbits, d.out
	for _, t := range d.tokens {
		if t&matchFlag == 0 {
			acc |= uint64(d.litCode[t]) << nbits
			nbits += uint(d.litLen[t])
		} else {
			l := lenSymbols[(t>>16&0xff)+minMatch]
			acc |= (uint64(d.litCode[l.sym]) | uint64(l.extra)<<d.litLen[l.sym]) << nbits
			nbits += uint(d.litLen[l.sym] + l.nextra)
			if nbits >= 32 {
				out = binary.LittleEndian.AppendUint32(out, uint32(acc))
				acc >>= 32
				nbits -= 32
			}
			s := distSymbols[(t&0xffff)+1]
			acc |= (uint64(d.distCode[s.sym]) | uint64(s.extra)<<d.distLen[s.sym]) << nbits
			nbits += uint(d.distLen[s.sym] + s.nextra)
		}
		if nbits >= 32 {
			out = binary.LittleEndian.AppendUint32(out, uint32(acc))
			acc >>= 32
			nbits -= 32
		}
	}
	d.acc, d.nbits, d.out = acc, nbits, out
	d.put(uint64(d.litCode[endOfBlock]), uint(d.litLen[endOfBlock]))
	for d.nbits > 0 {
		d.out = append(d.out, byte(d.acc))
		d.acc >>= 8
		d.nbits -= min(d.nbits, 8)
	}
	return d.out
}

// codeLengthOrder is the order in which a block header gives the lengths of
// the code-length code.
var codeLengthOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// header writes the code lengths of the block, run-length coded and
// Huffman coded themselves.
func (d *deflater) header() {
	nlit := 257
	for i := 285; i >= 257; i-- {
		if d.litLen[i] != 0 {
			nlit = i + 1
			break
		}
	}
	ndist := 1
	for i := 29; i >= 1; i-- {
		if d.distLen[i] != 0 {
			ndist = i + 1
			break
		}
	}
	var lens [286 + 30]uint8
	n := copy(lens[:], d.litLen[:nlit])
	n += copy(lens[n:], d.distLen[:ndist])

	// Runs: 16 repeats the previous length 3 to 6 times, 17 and 18 give 3
	// to 10 and 11 to 138 zeros. Each op is symbol | extra<<8.
	ops := d.ops[:0]
	for i := 0; i < n; {
		v, run := lens[i], 1
		for i+run < n && lens[i+run] == v {
			run++
		}
		i += run
		if v == 0 {
			for run >= 11 {
				k := min(run, 138)
				ops = append(ops, 18|uint16(k-11)<<8)
				run -= k
			}
			if run >= 3 {
				ops = append(ops, 17|uint16(run-3)<<8)
				run = 0
			}
		} else {
			ops = append(ops, uint16(v))
			run--
			for run >= 3 {
				k := min(run, 6)
				ops = append(ops, 16|uint16(k-3)<<8)
				run -= k
			}
		}
		for ; run > 0; run-- {
			ops = append(ops, uint16(v))
		}
	}
	d.ops = ops
	var freq [19]int32
	for _, op := range ops {
		freq[op&0xff]++
	}
	atLeastTwo(freq[:])
	var clLen [19]uint8
	var clCode [19]uint16
	d.huff.lengths(freq[:], 7, clLen[:])
	canonical(clLen[:], clCode[:])
	nclen := 4
	for i := 18; i >= 4; i-- {
		if clLen[codeLengthOrder[i]] != 0 {
			nclen = i + 1
			break
		}
	}
	d.put(uint64(nlit-257), 5)
	d.put(uint64(ndist-1), 5)
	d.put(uint64(nclen-4), 4)
	for _, s := range codeLengthOrder[:nclen] {
		d.put(uint64(clLen[s]), 3)
	}
	extraBits := [19]uint{16: 2, 17: 3, 18: 7}
	for _, op := range ops {
		s := op & 0xff
		d.put(uint64(clCode[s]), uint(clLen[s]))
		d.put(uint64(op>>8), extraBits[s])
	}
}

func (d *deflater) put(v uint64, n uint) {
	d.acc |= v << d.nbits
	d.nbits += n
	if d.nbits >= 32 {
		d.out = binary.LittleEndian.AppendUint32(d.out, uint32(d.acc))
		d.acc >>= 32
		d.nbits -= 32
	}
}

// atLeastTwo makes sure two symbols have a frequency, so that the code is
// complete: inflaters refuse most incomplete codes.
func atLeastTwo(freq []int32) {
	used := 0
	for _, f := range freq {
		if f > 0 {
			used++
		}
	}
	for i := 0; used < 2; i++ {
		if freq[i] == 0 {
			freq[i] = 1
			used++
		}
	}
}

// canonical assigns the canonical Huffman codes of RFC 1951 3.2.2 to the
// lengths, bit-reversed as deflate writes them.
func canonical(lengths []uint8, codes []uint16) {
	var count [16]uint16
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	var next [16]uint16
	code := uint16(0)
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for s, l := range lengths {
		if l != 0 {
			codes[s] = bits.Reverse16(next[l]) >> (16 - l)
			next[l]++
		}
	}
}

// huffman builds code lengths; it keeps its buffers between blocks.
type huffman struct {
	syms   []int64 // symbols with a frequency, by frequency
	freq   []int64 // of the leaves, then of the internal nodes
	parent []int32
	depth  []uint8
	scaled []int32
	count  []int32
}

// sortSymbols sets syms to the symbols that have a frequency, as
// frequency<<16 | symbol, by frequency then by symbol. Frequencies are
// mostly small: a counting sort is then faster than comparisons.
func (h *huffman) sortSymbols() {
	h.syms = h.syms[:0]
	var most int32
	for _, f := range h.scaled {
		most = max(most, f)
	}
	if most > 4096 {
		for s, f := range h.scaled {
			if f > 0 {
				h.syms = append(h.syms, int64(f)<<16|int64(s))
			}
		}
		slices.Sort(h.syms)
		return
	}
	h.count = slices.Grow(h.count[:0], int(most)+2)[:most+2]
	clear(h.count)
	n := 0
	for _, f := range h.scaled {
		if f > 0 {
			h.count[f+1]++
			n++
		}
	}
	for f := 1; f < len(h.count); f++ {
		h.count[f] += h.count[f-1]
	}
	h.syms = slices.Grow(h.syms, n)[:n]
	for s, f := range h.scaled {
		if f > 0 {
			h.syms[h.count[f]] = int64(f)<<16 | int64(s)
			h.count[f]++
		}
	}
}

// lengths sets the length of each symbol's code, at most limit bits, from
// the symbols' frequencies (0: no code). At least two symbols have one.
func (h *huffman) lengths(freq []int32, limit uint8, out []uint8) {
	clear(out)
	h.scaled = append(h.scaled[:0], freq...)
	for {
		h.sortSymbols()
		n := len(h.syms)
		h.freq = h.freq[:0]
		for _, k := range h.syms {
			h.freq = append(h.freq, k>>16)
		}
		h.parent = slices.Grow(h.parent[:0], 2*n)[:2*n-1]
		// Two queues: the leaves by frequency, and the internal nodes,
		// which are made in order of frequency.
		leaf, node := 0, n
		for len(h.freq) < 2*n-1 {
			var pair [2]int
			for k := range pair {
				if leaf < n && (node >= len(h.freq) || h.freq[leaf] <= h.freq[node]) {
					pair[k] = leaf
					leaf++
				} else {
					pair[k] = node
					node++
				}
			}
			h.parent[pair[0]], h.parent[pair[1]] = int32(len(h.freq)), int32(len(h.freq))
			h.freq = append(h.freq, h.freq[pair[0]]+h.freq[pair[1]])
		}
		h.depth = slices.Grow(h.depth[:0], 2*n)[:2*n-1]
		h.depth[2*n-2] = 0
		deepest := uint8(0)
		for i := 2*n - 3; i >= 0; i-- {
			h.depth[i] = h.depth[h.parent[i]] + 1
			deepest = max(deepest, h.depth[i])
		}
		if deepest <= limit {
			for i, k := range h.syms {
				out[k&0xffff] = h.depth[i]
			}
			return
		}
		// Too deep: flatten the frequencies and build again.
		for s, f := range h.scaled {
			if f > 0 {
				h.scaled[s] = f/2 + 1
			}
		}
	}
}
