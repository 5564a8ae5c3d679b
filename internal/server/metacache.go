package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"inplace/internal/store"
)

// Bounds of the metadata cache: versioned files are kept while they are
// at most maxCachedMetadata bytes each and the cache holds fewer than
// maxCachedFiles of them (then it starts over).
const (
	maxCachedMetadata = 4 << 20
	maxCachedFiles    = 256
)

// metaCache keeps metadata files in memory, so that the update checks of
// many customers cost no database round trip. Versioned files (3.root.json,
// 7.targets.json, …) never change once stored and are kept; timestamp.json,
// which every publish and re-signing replaces, and the answer "no such
// file" (asked for each check: is there a next root?) are kept for ttl
// only, so a change becomes visible within ttl. A ttl of 0 keeps only the
// versioned files.
type metaCache struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	files map[string]metaEntry
}

type metaEntry struct {
	data    []byte // nil: not found
	expires time.Time
}

// get returns the file from the cache or the store; store.ErrNotFound
// when there is none.
func (c *metaCache) get(ctx context.Context, st store.Store, name string) ([]byte, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.files[name]
	c.mu.Unlock()
	if ok && (e.expires.IsZero() || now.Before(e.expires)) {
		if e.data == nil {
			return nil, store.ErrNotFound
		}
		return e.data, nil
	}
	b, err := st.Metadata(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	e = metaEntry{data: b}
	mutable := name == store.TimestampFile || err != nil
	switch {
	case mutable && c.ttl <= 0, len(b) > maxCachedMetadata:
		return b, err
	case mutable:
		e.expires = now.Add(c.ttl)
	}
	c.mu.Lock()
	if c.files == nil || len(c.files) >= maxCachedFiles {
		c.files = map[string]metaEntry{}
	}
	c.files[name] = e
	c.mu.Unlock()
	return b, err
}

// cacheControl is the Cache-Control of the answers the cache keeps for ttl
// (timestamp.json, "no such file"): shared caches in front of the server
// (a CDN, nginx) may keep them as long, in whole seconds; below a second,
// not at all.
func (c *metaCache) cacheControl() string {
	if c.ttl < time.Second {
		return "no-store"
	}
	return fmt.Sprintf("public, max-age=%d", int(c.ttl/time.Second))
}
