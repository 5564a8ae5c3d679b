// Package trust verifies what the update tool learns from the update
// service: every descriptor, base distribution and tool release is a target
// of the service's TUF repository, checked with go-tuf's updater (signed,
// versioned, expiring metadata, starting from a root of trust the product
// ships) before the tool acts on it. Content is then checked against the
// hashes the verified descriptors give.
package trust

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"inplace/internal/fsx"
)

// Options for Open.
type Options struct {
	// MetadataURL is where the service serves its metadata
	// (…/v1/metadata/).
	MetadataURL string
	// Root is the root of trust: the root metadata the product ships in
	// PRODUCT_HOME/updates/root.json. A newer root already verified from
	// it, in the cache, takes its place.
	Root []byte
	// CacheDir keeps the verified metadata between runs (so replayed
	// older metadata is refused). It is made owner-only.
	CacheDir string
	// HTTP fetches the metadata: timeouts and proxy, never credentials.
	HTTP *http.Client
	// Fetcher, when set, reads the metadata instead of HTTP: from an
	// offline bundle, say. It answers a missing file with
	// metadata.ErrDownloadHTTP{StatusCode: 404}.
	Fetcher fetcher.Fetcher
	// Now, when set, replaces the clock for expiry checks: tests, and an
	// offline bundle, whose metadata is checked as of when it was made.
	Now time.Time
}

// Limits on metadata files, against endless data.
const (
	maxRoot      = 512 << 10
	maxTimestamp = 16 << 10
	maxSnapshot  = 1 << 20
	maxTargets   = 64 << 20
)

// Metadata is the verified, current metadata of the service.
type Metadata struct {
	up *updater.Updater
}

// Open refreshes the metadata from the service: root (following
// rotations), timestamp, snapshot, targets, each verified against what it
// trusts so far.
func Open(o Options) (*Metadata, error) {
	if err := fsx.MkdirPrivate(o.CacheDir); err != nil {
		return nil, fmt.Errorf("the metadata cache %s: %w", o.CacheDir, err)
	}
	root := o.Root
	if b, err := os.ReadFile(filepath.Join(o.CacheDir, "root.json")); err == nil && newerRoot(b, root) {
		root = b
	}
	cfg, err := config.New(o.MetadataURL, root)
	if err != nil {
		return nil, err
	}
	cfg.LocalMetadataDir = o.CacheDir
	cfg.LocalTargetsDir = filepath.Join(o.CacheDir, "targets")
	cfg.RootMaxLength, cfg.TimestampMaxLength, cfg.SnapshotMaxLength, cfg.TargetsMaxLength = maxRoot, maxTimestamp, maxSnapshot, maxTargets
	cfg.Fetcher = o.Fetcher
	if cfg.Fetcher == nil {
		cfg.Fetcher = &httpFetcher{http: o.HTTP}
	}
	up, err := updater.New(cfg)
	if err != nil {
		return nil, Explain(err)
	}
	if !o.Now.IsZero() {
		up.UnsafeSetRefTime(o.Now)
	}
	if err := up.Refresh(); err != nil {
		return nil, Explain(err)
	}
	return &Metadata{up: up}, nil
}

// newerRoot reports whether the root metadata a has a higher version than
// b. Both are only parsed here; the updater verifies the one chosen.
func newerRoot(a, b []byte) bool {
	ra, err := metadata.Root().FromBytes(a)
	if err != nil {
		return false
	}
	rb, err := metadata.Root().FromBytes(b)
	return err != nil || ra.Signed.Version > rb.Signed.Version
}

// Targets returns the signed targets whose paths start with prefix.
func (m *Metadata) Targets(prefix string) map[string]*metadata.TargetFiles {
	out := map[string]*metadata.TargetFiles{}
	for p, tf := range m.up.GetTopLevelTargets() {
		if strings.HasPrefix(p, prefix) {
			out[p] = tf
		}
	}
	return out
}

// Target returns the signed target at path, or nil.
func (m *Metadata) Target(path string) *metadata.TargetFiles {
	return m.up.GetTopLevelTargets()[path]
}

// Explain turns go-tuf's errors into what happened, in the words of the
// attack each one defeats, and what to do.
func Explain(err error) error {
	var (
		unsigned *metadata.ErrUnsignedMetadata
		version  *metadata.ErrBadVersionNumber
		equal    *metadata.ErrEqualVersionNumber
		expired  *metadata.ErrExpiredMetadata
		mismatch *metadata.ErrLengthOrHashMismatch
		length   *metadata.ErrDownloadLengthMismatch
		status   *metadata.ErrDownloadHTTP
	)
	const nothing = "nothing was changed; if it persists, tell your vendor"
	switch {
	case errors.As(err, &unsigned):
		return fmt.Errorf("the update metadata is not signed by the vendor's keys: it was tampered with or comes from a malicious mirror (%v); %s", err, nothing)
	case errors.As(err, &version), errors.As(err, &equal):
		return fmt.Errorf("the server offered older update metadata than this installation already saw: a rollback attack or a stale mirror (%v); %s", err, nothing)
	case errors.As(err, &expired):
		return fmt.Errorf("the update metadata has expired: the service is not re-signing it, or someone replays old metadata to freeze you on old fixes (a freeze attack) (%v); %s", err, nothing)
	case errors.As(err, &mismatch):
		return fmt.Errorf("update metadata does not match the hash or length its signer recorded: tampered, or mixed from different versions (a mix-and-match attack) (%v); %s", err, nothing)
	case errors.As(err, &length):
		return fmt.Errorf("the server sent more data than the metadata allows: an endless-data attack or a broken server (%v); %s", err, nothing)
	case errors.As(err, &status):
		return fmt.Errorf("fetch the update metadata: %s answered HTTP %d; %s", status.URL, status.StatusCode, nothing)
	}
	return fmt.Errorf("verify the update metadata: %w", err)
}

// HTTPFetcher returns the fetcher Open uses by default, for wrapping (an
// export records what it downloads).
func HTTPFetcher(c *http.Client) fetcher.Fetcher { return &httpFetcher{http: c} }

// httpFetcher downloads metadata with the tool's HTTP client, bounded by
// the length the updater allows, retrying network errors a little.
type httpFetcher struct{ http *http.Client }

func (f *httpFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	var last error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 300 * time.Millisecond)
		}
		b, err, retry := f.get(url, maxLength)
		if err == nil || !retry {
			return b, err
		}
		last = err
	}
	return nil, last
}

func (f *httpFetcher) get(url string, maxLength int64) ([]byte, error, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err, false
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, err, true
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: url}, resp.StatusCode >= 500
	}
	if resp.ContentLength > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is %d bytes, more than the %d allowed", url, resp.ContentLength, maxLength)}, false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxLength+1))
	if err != nil {
		return nil, err, true
	}
	if int64(len(b)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is more than the %d bytes allowed", url, maxLength)}, false
	}
	return b, nil, false
}
