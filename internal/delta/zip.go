package delta

import "encoding/binary"

// The zip transform makes the central directories of two versions of a jar
// look alike. Each central-directory entry records the offset of its local
// header; once one entry changes size, every later offset differs between the
// versions, and zstd pays for each. Storing instead the difference from the
// previous entry's offset gives the size of the previous local record, which
// is the same in both versions for every unchanged entry.
//
// The transform keeps the length of its input and changes only the offset
// fields. Deciding whether an input is a zip we can transform never reads
// those fields, so the inverse finds the same structure in the transformed
// bytes and undoes it exactly.

const (
	eocdSig     = 0x06054b50 // end of central directory record
	eocdLen     = 22         // fixed part of the EOCD record
	maxComment  = 0xffff     // longest archive comment
	cdSig       = 0x02014b50 // central directory file header
	cdLen       = 46         // fixed part of a central directory header
	cdOffsetPos = 42         // local header offset within a central directory header
)

// zipTransform returns a copy of b with each central-directory offset field
// replaced by its difference from the previous entry's offset. It reports
// false, and returns nil, when b is not a zip archive it can transform.
func zipTransform(b []byte) ([]byte, bool) {
	fields, ok := offsetFields(b)
	if !ok {
		return nil, false
	}
	out := append([]byte(nil), b...)
	prev := uint32(0)
	for _, f := range fields {
		off := binary.LittleEndian.Uint32(b[f:])
		binary.LittleEndian.PutUint32(out[f:], off-prev)
		prev = off
	}
	return out, true
}

// zipTransformInPlace is zipTransform overwriting b: from the last field
// back, each field still holds the original offset of the one before it.
func zipTransformInPlace(b []byte) bool {
	fields, ok := offsetFields(b)
	if !ok {
		return false
	}
	for i := len(fields) - 1; i > 0; i-- {
		off, prev := binary.LittleEndian.Uint32(b[fields[i]:]), binary.LittleEndian.Uint32(b[fields[i-1]:])
		binary.LittleEndian.PutUint32(b[fields[i]:], off-prev)
	}
	return true
}

// zipInverse undoes zipTransform in place: it restores the offset fields
// of b by a running sum. It reports false, leaving b as it was, when b does
// not have the structure zipTransform accepts.
func zipInverse(b []byte) bool {
	fields, ok := offsetFields(b)
	if !ok {
		return false
	}
	sum := uint32(0)
	for _, f := range fields {
		sum += binary.LittleEndian.Uint32(b[f:])
		binary.LittleEndian.PutUint32(b[f:], sum)
	}
	return true
}

// offsetFields returns the positions of the local-header offset fields of a
// zip archive's central directory, in directory order. It accepts only an
// archive without zip64 records whose end record, directory and entry count
// agree exactly, and whose directory has at least one entry. It never reads
// the offset fields themselves.
func offsetFields(b []byte) ([]int, bool) {
	eocd, ok := findEOCD(b)
	if !ok {
		return nil, false
	}
	le := binary.LittleEndian
	disk := le.Uint16(b[eocd+4:])
	cdDisk := le.Uint16(b[eocd+6:])
	diskEntries := le.Uint16(b[eocd+8:])
	entries := le.Uint16(b[eocd+10:])
	cdSize := le.Uint32(b[eocd+12:])
	cdOffset := le.Uint32(b[eocd+16:])
	switch {
	case disk != 0 || cdDisk != 0 || diskEntries != entries:
		return nil, false // split archive
	case entries == 0 || entries == 0xffff:
		return nil, false // nothing to do, or zip64
	case cdSize == 0xffffffff || cdOffset == 0xffffffff:
		return nil, false // zip64
	case uint64(cdOffset)+uint64(cdSize) != uint64(eocd):
		// The directory must end where the end record starts: this also
		// leaves no room for a zip64 end record and locator.
		return nil, false
	}
	return walkCD(b[:eocd], int(cdOffset), int(entries))
}

// findEOCD returns the position of the end-of-central-directory record. It
// takes the last signature whose comment length reaches exactly to the end of
// b, and does not look further back, so the answer depends only on the bytes
// from that position on.
func findEOCD(b []byte) (int, bool) {
	last := len(b) - eocdLen
	first := max(0, last-maxComment)
	for p := last; p >= first; p-- {
		if binary.LittleEndian.Uint32(b[p:]) != eocdSig {
			continue
		}
		if int(binary.LittleEndian.Uint16(b[p+20:])) == len(b)-p-eocdLen {
			return p, true
		}
	}
	return 0, false
}

// walkCD parses n central-directory headers starting at start and requires
// them to fill b[start:] exactly. It returns the offset field positions.
func walkCD(b []byte, start, n int) ([]int, bool) {
	le := binary.LittleEndian
	fields := make([]int, 0, n)
	p := start
	for range n {
		if len(b)-p < cdLen || le.Uint32(b[p:]) != cdSig {
			return nil, false
		}
		if le.Uint32(b[p+20:]) == 0xffffffff || le.Uint32(b[p+24:]) == 0xffffffff || le.Uint16(b[p+34:]) == 0xffff {
			return nil, false // zip64 sizes or disk number
		}
		size := cdLen + int(le.Uint16(b[p+28:])) + int(le.Uint16(b[p+30:])) + int(le.Uint16(b[p+32:]))
		if len(b)-p < size {
			return nil, false
		}
		fields = append(fields, p+cdOffsetPos)
		p += size
	}
	return fields, p == len(b)
}
