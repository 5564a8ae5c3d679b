package delta

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// plainWindow is the largest window Decompress accepts. Compress's level
// uses an 8 MiB window at most; a larger one would only cost memory.
const plainWindow = 8 << 20

// plainEncoder is shared by all Compress calls: EncodeAll is safe for
// concurrent use, and the encoder holds no dictionary.
var plainEncoder = sync.OnceValue(func() *zstd.Encoder {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithZeroFrames(true))
	if err != nil {
		panic("delta: fixed zstd encoder options rejected: " + err.Error())
	}
	return enc
})

// streamEncoders holds single-threaded encoders for CompressTo. A streaming
// encoder serves one stream at a time, so each call takes its own.
var streamEncoders = sync.Pool{New: func() any {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic("delta: fixed zstd encoder options rejected: " + err.Error())
	}
	return enc
}}

// Compress returns data compressed as one plain zstd frame.
func Compress(data []byte) []byte {
	return plainEncoder().EncodeAll(data, nil)
}

// CompressTo compresses all of r into w as one plain zstd frame, at the
// level of Compress, without holding the whole input in memory.
func CompressTo(w io.Writer, r io.Reader) error {
	enc := streamEncoders.Get().(*zstd.Encoder)
	defer func() {
		enc.Reset(nil)
		streamEncoders.Put(enc)
	}()
	enc.Reset(w)
	if _, err := enc.ReadFrom(r); err != nil {
		return fmt.Errorf("delta: compress: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("delta: compress: %w", err)
	}
	return nil
}

// Decompress decodes a zstd frame from r into w. The result must be exactly
// size bytes: it stops with an error as soon as the frame yields more, and
// also reports one that ends short. On error, w may hold part of the output.
func Decompress(w io.Writer, r io.Reader, size int64) error {
	if size < 0 {
		return fmt.Errorf("delta: size %d is negative", size)
	}
	dec, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(plainWindow))
	if err != nil {
		return fmt.Errorf("delta: set up zstd decoder: %w", err)
	}
	defer dec.Close()
	n, err := io.CopyN(w, dec, size)
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("delta: compressed file ends after %d bytes, want %d", n, size)
	case err != nil:
		return fmt.Errorf("delta: decompress: %w", err)
	}
	var one [1]byte
	switch m, err := io.ReadFull(dec, one[:]); {
	case m > 0:
		return fmt.Errorf("delta: compressed file is longer than %d bytes", size)
	case !errors.Is(err, io.EOF):
		return fmt.Errorf("delta: decompress: %w", err)
	}
	return nil
}
