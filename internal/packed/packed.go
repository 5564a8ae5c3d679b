// Package packed computes and keeps the cheaper forms of blobs that the
// server sends: a blob compressed with zstd, or a delta that rebuilds it
// from a blob the customer already has. A form is computed once, stored as
// a blob of its own and recorded in the store, so every later request (on
// any replica) is a lookup.
//
// Of the forms, the smallest is kept: a delta that is no smaller than the
// compressed blob is recorded as the compressed blob, and a compressed blob
// no smaller than the blob itself as the blob (identity). So a download is
// never larger than the plain compressed file, nor than the file itself.
package packed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"inplace/internal/api"
	"inplace/internal/blob"
	"inplace/internal/delta"
	"inplace/internal/store"
)

// Packer computes packed forms into a blob store and records them in a
// metadata store.
type Packer struct {
	Store store.Store
	Blobs blob.Store
}

// Get returns the smallest form of blob sum known to rebuild from `from`
// ("": from nothing), computing it when it was never asked for. size is
// the blob's length. A delta is tried only when both blobs are at most
// delta.MaxSize.
func (p *Packer) Get(ctx context.Context, sum string, size int64, from string) (store.Packed, error) {
	got, err := p.Store.Packed(ctx, sum, from)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return got, err
	}
	if from == "" {
		return p.plain(ctx, sum, size)
	}
	plain, err := p.Get(ctx, sum, size, "")
	if err != nil {
		return store.Packed{}, err
	}
	best := plain
	best.From = from
	if size <= delta.MaxSize {
		if d, ok, err := p.delta(ctx, sum, from, plain.Size); err != nil {
			return store.Packed{}, err
		} else if ok {
			best = d
		}
	}
	return best, p.Store.PutPacked(ctx, best)
}

// plain compresses the blob, or records it as its own best form when
// compression does not make it smaller.
func (p *Packer) plain(ctx context.Context, sum string, size int64) (store.Packed, error) {
	best := store.Packed{SHA256: sum, Encoding: api.EncodingIdentity, Payload: sum, Size: size}
	rc, _, err := p.Blobs.Open(ctx, sum)
	if err != nil {
		return store.Packed{}, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if err := delta.CompressTo(&buf, rc); err != nil {
		return store.Packed{}, fmt.Errorf("compress blob %s: %w", sum, err)
	}
	if int64(buf.Len()) < size {
		payload, n, err := p.Blobs.Put(ctx, &buf, "")
		if err != nil {
			return store.Packed{}, err
		}
		best = store.Packed{SHA256: sum, Encoding: api.EncodingZstd, Payload: payload, Size: n}
	}
	return best, p.Store.PutPacked(ctx, best)
}

// delta computes the delta from `from` to sum and stores it when it is
// smaller than limit; ok tells whether it was.
func (p *Packer) delta(ctx context.Context, sum, from string, limit int64) (store.Packed, bool, error) {
	old, err := p.read(ctx, from)
	if errors.Is(err, errTooBig) {
		return store.Packed{}, false, nil
	}
	if err != nil {
		return store.Packed{}, false, err
	}
	cur, err := p.read(ctx, sum)
	if err != nil {
		return store.Packed{}, false, err
	}
	d, err := delta.Encode(old, cur)
	if err != nil {
		return store.Packed{}, false, fmt.Errorf("delta of blob %s from %s: %w", sum, from, err)
	}
	if int64(len(d)) >= limit {
		return store.Packed{}, false, nil
	}
	payload, n, err := p.Blobs.Put(ctx, bytes.NewReader(d), "")
	if err != nil {
		return store.Packed{}, false, err
	}
	return store.Packed{SHA256: sum, From: from, Encoding: api.EncodingDelta, Payload: payload, Size: n}, true, nil
}

var errTooBig = errors.New("too big for a delta")

// read returns a blob's bytes, or errTooBig past delta.MaxSize.
func (p *Packer) read(ctx context.Context, sum string) ([]byte, error) {
	rc, n, err := p.Blobs.Open(ctx, sum)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if n > delta.MaxSize {
		return nil, errTooBig
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("read blob %s: %w", sum, err)
	}
	return b, nil
}
