// Package delta encodes a new version of a file as a delta against the
// version a customer already has, and compresses files that get no delta.
//
// A delta is the 4 bytes "IPD1", one flags byte, and one zstd frame that
// uses the old file as a raw dictionary. Flag bit 0 says the zip transform
// was applied to both files (see zip.go): jars then cost little more than
// their changed entries.
//
// Decode and Decompress take untrusted input: they must never panic and
// never use memory beyond the size the signed metadata promises. They do not
// prove that the output is the file the server meant: the frame's checksum
// catches a delta applied to the wrong old file, but the caller must still
// compare the SHA-256 of the result with the signed one.
package delta

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/klauspost/compress/zstd"
)

// MaxSize is the largest old or new file a delta is made for: Decode holds
// old, the transformed old and new in memory at once.
const MaxSize = 64 << 20

// ErrTooLarge reports an old or new file larger than MaxSize.
var ErrTooLarge = errors.New("file too large for a delta")

const (
	magic     = "IPD1"
	headerLen = len(magic) + 1
	flagZip   = 1 << 0 // the zip transform was applied
	knownFlag = flagZip

	// slack is the spare capacity zstd's fast copy paths want past the end
	// of the output; without it they would reallocate.
	slack = 32
)

// Encode returns a delta that rebuilds new from old. When both are zip
// archives it can parse, it applies the zip transform first.
func Encode(old, new []byte) ([]byte, error) {
	return encode(old, new, true)
}

// encode is Encode with the zip transform optional, so tests can measure
// what it saves.
func encode(old, new []byte, transform bool) ([]byte, error) {
	if err := checkSize("old", int64(len(old))); err != nil {
		return nil, err
	}
	if err := checkSize("new", int64(len(new))); err != nil {
		return nil, err
	}
	flags, dict, src := byte(0), old, new
	if transform {
		if to, ok := zipTransform(old); ok {
			if tn, ok := zipTransform(new); ok {
				flags, dict, src = flagZip, to, tn
			}
		}
	}
	opts := []zstd.EOption{
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window(len(old), len(new))),
		zstd.WithZeroFrames(true),
	}
	if len(dict) > 0 {
		opts = append(opts, zstd.WithEncoderDictRaw(0, dict))
	}
	enc, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("delta: set up zstd encoder: %w", err)
	}
	defer enc.Close()
	out := append([]byte(magic), flags)
	return enc.EncodeAll(src, out), nil
}

// Decode rebuilds a file from old and a delta made by Encode. size is the
// length the result must have, from signed metadata; a delta that yields any
// other length is an error. A delta applied to an old file other than the
// one it was made from fails its checksum almost always; the caller must
// still verify the result's hash.
func Decode(old, delta []byte, size int64) ([]byte, error) {
	return decode(old, delta, size, false)
}

// DecodeOwned is Decode for a caller that hands old over: it may overwrite
// old, which saves holding a transformed copy of it.
func DecodeOwned(old, delta []byte, size int64) ([]byte, error) {
	return decode(old, delta, size, true)
}

func decode(old, delta []byte, size int64, owned bool) ([]byte, error) {
	if err := checkSize("old", int64(len(old))); err != nil {
		return nil, err
	}
	if err := checkSize("new", size); err != nil {
		return nil, err
	}
	flags, frame, err := parseHeader(delta)
	if err != nil {
		return nil, err
	}
	dict := old
	if flags&flagZip != 0 {
		ok := false
		if owned {
			ok = zipTransformInPlace(old)
		} else {
			dict, ok = zipTransform(old)
		}
		if !ok {
			return nil, errors.New("delta: the delta expects the old file to be a zip archive, and it is not one")
		}
	}
	out, err := decodeFrame(dict, frame, size, window(len(old), int(size)))
	if err != nil {
		return nil, err
	}
	if flags&flagZip != 0 && !zipInverse(out) {
		return nil, errors.New("delta: decoded file is not the zip archive the delta promised")
	}
	return out, nil
}

// parseHeader checks the magic and flags and returns the zstd frame.
func parseHeader(delta []byte) (flags byte, frame []byte, err error) {
	if len(delta) < headerLen || string(delta[:len(magic)]) != magic {
		return 0, nil, fmt.Errorf("delta: not a delta (want magic %q)", magic)
	}
	flags = delta[len(magic)]
	if flags&^knownFlag != 0 {
		return 0, nil, fmt.Errorf("delta: unknown flags %#02x (made by a newer version?)", flags)
	}
	return flags, delta[headerLen:], nil
}

// decodeFrame decodes a zstd frame against a raw dictionary and requires
// exactly size bytes. Memory stays near size whatever the frame claims.
func decodeFrame(dict, frame []byte, size int64, win int) ([]byte, error) {
	// The output buffer's capacity bounds what DecodeAll writes. The
	// memory limit only has to admit every window we accept: it caps them.
	opts := []zstd.DOption{
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(uint64(win)),
		zstd.WithDecoderMaxWindow(uint64(win)),
	}
	if len(dict) > 0 {
		opts = append(opts, zstd.WithDecoderDictRaw(0, dict))
	}
	dec, err := zstd.NewReader(nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("delta: set up zstd decoder: %w", err)
	}
	defer dec.Close()
	out, err := dec.DecodeAll(frame, make([]byte, 0, size+slack))
	if err != nil {
		return nil, fmt.Errorf("delta: corrupt delta: %w", err)
	}
	if int64(len(out)) != size {
		return nil, fmt.Errorf("delta: delta decodes to %d bytes, want %d", len(out), size)
	}
	return out, nil
}

// window returns the zstd window that lets the end of new reach back to
// the start of old: the next power of two at or above their total length.
func window(oldLen, newLen int) int {
	n := oldLen + newLen
	if n <= zstd.MinWindowSize {
		return zstd.MinWindowSize
	}
	return 1 << bits.Len(uint(n-1))
}

// checkSize refuses a file larger than MaxSize, or a negative size.
func checkSize(what string, n int64) error {
	if n < 0 {
		return fmt.Errorf("delta: %s size %d is negative", what, n)
	}
	if n > MaxSize {
		return fmt.Errorf("delta: %s file is %d bytes, more than %d: %w", what, n, MaxSize, ErrTooLarge)
	}
	return nil
}
