package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"

	"inplace/internal/api"
	"inplace/internal/blob"
	"inplace/internal/packed"
	"inplace/internal/store"
)

// packer computes packed forms on first request. At most one computation
// of a given form runs at a time (the others wait for it), and at most
// one per core overall, so requests cannot make the server compress
// without bound.
type packer struct {
	packed.Packer
	slots chan struct{}

	mu      sync.Mutex
	running map[[2]string]*packing
}

type packing struct {
	done chan struct{}
	p    store.Packed
	err  error
}

func newPacker(st store.Store, blobs blob.Store) *packer {
	return &packer{
		Packer:  packed.Packer{Store: st, Blobs: blobs},
		slots:   make(chan struct{}, runtime.NumCPU()),
		running: make(map[[2]string]*packing),
	}
}

// get returns the packed form of sum from `from`, computing it once.
func (k *packer) get(ctx context.Context, sum string, size int64, from string) (store.Packed, error) {
	if p, err := k.Store.Packed(ctx, sum, from); err == nil {
		return p, nil
	}
	key := [2]string{sum, from}
	k.mu.Lock()
	run, ok := k.running[key]
	if !ok {
		run = &packing{done: make(chan struct{})}
		k.running[key] = run
		go func() {
			// Detached from the request: a client that gives up does not
			// waste the work for the next one.
			k.slots <- struct{}{}
			run.p, run.err = k.Get(context.WithoutCancel(ctx), sum, size, from)
			<-k.slots
			k.mu.Lock()
			delete(k.running, key)
			k.mu.Unlock()
			close(run.done)
		}()
	}
	k.mu.Unlock()
	select {
	case <-run.done:
		return run.p, run.err
	case <-ctx.Done():
		return store.Packed{}, ctx.Err()
	}
}

// handlePacked serves GET /v1/blobs/{sha256}/packed?from={sha256}: the
// cheapest form of a blob the token may read, a delta from `from` when that
// is a blob the token may read too and the delta is the smallest form.
func (s *Server) handlePacked(w http.ResponseWriter, r *http.Request) {
	t := tokenFrom(r.Context())
	sum, from := r.PathValue("sha256"), r.URL.Query().Get("from")
	notFound := func() { writeError(w, http.StatusNotFound, fmt.Sprintf("blob %s not found", sum)) }
	visible := func(b string) bool {
		ok, err := s.blobVisible(r.Context(), b, t)
		if err != nil {
			s.log.Error("blob visibility", "sha256", b, "err", err)
		}
		return ok
	}
	if !blob.ValidHash(sum) || !visible(sum) {
		s.Audit(r, store.AuditEvent{Action: store.AuditDownload, Username: t.Username, Product: t.Product,
			Detail: sum + ": not visible to the token's product and channel"})
		notFound()
		return
	}
	if from != "" && (!blob.ValidHash(from) || from == sum || !visible(from)) {
		from = "" // a delta only from what the customer may have: else the plain form
	}
	rc, size, err := s.blobs.Open(r.Context(), sum)
	if err != nil {
		s.log.Error("content named by the metadata is missing from the blob store", "path", r.URL.Path, "sha256", sum)
		notFound()
		return
	}
	rc.Close()
	p, err := s.packer.get(r.Context(), sum, size, from)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set(api.EncodingHeader, p.Encoding)
	detail := sum + " as " + p.Encoding
	if p.Encoding == api.EncodingDelta {
		w.Header().Set(api.FromHeader, p.From)
		detail += " from " + p.From
	}
	s.serveBlob(w, r, p.Payload, detail, "private, max-age=31536000, immutable", notFound)
}
