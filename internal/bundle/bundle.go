// Package bundle reads and writes offline bundles: one file holding
// everything an installation of a product at one level needs to reach a
// newer level without a network — the update service's signed metadata
// (TUF roles, as the tool fetched them), the signed targets (update
// descriptors, the base distribution) and the content by hash.
//
// A bundle is a zip archive:
//
//	inplace-bundle.json        the manifest (Manifest): product, channel, levels, when made
//	metadata/NAME              a TUF metadata file as served (N.root.json, timestamp.json, N.snapshot.json, N.targets.json)
//	targets/PATH               a signed target's content (PRODUCT/base.json, PRODUCT/CHANNEL/TS.json)
//	blobs/SHA256               content, named by its SHA-256
//
// Nothing in a bundle is trusted for being there: the metadata is
// verified from the installation's root of trust (package trust), the
// targets against the verified metadata, and the content against the
// hashes of verified descriptors. The manifest only says what to look for;
// a wrong one makes the checks fail, never pass.
package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"inplace/internal/api"
)

// ManifestName is the manifest's name in the archive.
const ManifestName = "inplace-bundle.json"

// Format is the version of the layout this package writes and reads.
const Format = 1

// Limits on what a bundle may hold, against endless data.
const (
	maxManifest = 64 << 10
	maxEntries  = 1 << 20
)

// Manifest says what a bundle holds.
type Manifest struct {
	Format  int       `json:"format"`
	Product string    `json:"product"` // e.g. acme-gateway-4.2.0
	Channel string    `json:"channel"` // the channel of the subscription that exported it
	From    int64     `json:"from"`    // the level it starts from (0: the base distribution)
	To      int64     `json:"to"`      // the level it brings
	Updates []Level   `json:"updates"` // the updates it holds, oldest first
	Created time.Time `json:"created"` // when it was made: its metadata is checked as of then
	Tool    string    `json:"tool"`    // the version of the tool that made it
}

// Level names one update of a bundle.
type Level struct {
	Number    int   `json:"number"`
	Timestamp int64 `json:"timestamp"`
}

var (
	productName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)
	metadataName = regexp.MustCompile(`^([1-9][0-9]{0,18}\.(root|snapshot|targets)|timestamp)\.json$`)
	blobName     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// check refuses a manifest that cannot describe a bundle.
func (m *Manifest) check() error {
	switch {
	case m.Format != Format:
		return fmt.Errorf("format %d; this tool reads format %d bundles (a newer tool made it? update the tool first)", m.Format, Format)
	case !productName.MatchString(m.Product):
		return fmt.Errorf("bad product %q", m.Product)
	case !api.ValidChannel(m.Channel):
		return fmt.Errorf("bad channel %q", m.Channel)
	case m.From < 0 || m.To <= m.From:
		return fmt.Errorf("levels from %d to %d: a bundle brings a newer level", m.From, m.To)
	case len(m.Updates) == 0:
		return errors.New("no updates")
	case m.Created.IsZero():
		return errors.New("no creation time")
	}
	last := m.From
	for _, u := range m.Updates {
		if u.Timestamp <= last || u.Timestamp > m.To || u.Number <= 0 {
			return fmt.Errorf("update %d at level %d is out of order or outside (%d, %d]", u.Number, u.Timestamp, m.From, m.To)
		}
		last = u.Timestamp
	}
	if last != m.To {
		return fmt.Errorf("its last update is at level %d, not %d", last, m.To)
	}
	return nil
}

// Bundle is an open bundle. Its methods are safe for concurrent use.
type Bundle struct {
	Manifest Manifest

	name     string
	f        *os.File
	metadata map[string]*zip.File
	targets  map[string]*zip.File
	blobs    map[string]*zip.File
}

// Open opens the bundle in the file name and checks its layout and
// manifest (not yet its signatures: see package trust).
func Open(name string) (*Bundle, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	b, err := read(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is not a valid bundle: %w; nothing was changed", name, err)
	}
	b.name, b.f = name, f
	return b, nil
}

// Close closes the bundle's file.
func (b *Bundle) Close() error { return b.f.Close() }

// read parses a bundle of size bytes from r.
func read(r io.ReaderAt, size int64) (*Bundle, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%d entries, more than %d", len(zr.File), maxEntries)
	}
	b := &Bundle{metadata: map[string]*zip.File{}, targets: map[string]*zip.File{}, blobs: map[string]*zip.File{}}
	var manifest *zip.File
	for _, f := range zr.File {
		name := f.Name
		var into map[string]*zip.File
		switch dir, rest, _ := strings.Cut(name, "/"); {
		case name == ManifestName:
			if manifest != nil {
				return nil, fmt.Errorf("two %s", ManifestName)
			}
			manifest = f
			continue
		case dir == "metadata" && metadataName.MatchString(rest):
			into, name = b.metadata, rest
		case dir == "targets" && validTarget(rest):
			into, name = b.targets, rest
		case dir == "blobs" && blobName.MatchString(rest):
			into, name = b.blobs, rest
		default:
			return nil, fmt.Errorf("unexpected entry %q", f.Name)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, fmt.Errorf("entry %q is compressed with method %d (only stored or deflated)", f.Name, f.Method)
		}
		if into[name] != nil {
			return nil, fmt.Errorf("entry %q twice", f.Name)
		}
		into[name] = f
	}
	if manifest == nil {
		return nil, fmt.Errorf("no %s", ManifestName)
	}
	mb, err := readAll(manifest, maxManifest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b.Manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: data after the manifest", ManifestName)
	}
	if err := b.Manifest.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	return b, nil
}

// validTarget reports whether p is a target path a bundle may hold: a
// product's base distribution or one of its update descriptors.
func validTarget(p string) bool {
	if clean, err := api.CleanPath(p); err != nil || clean != p {
		return false
	}
	if _, _, _, ok := api.ParseUpdateTarget(p); ok {
		return true
	}
	product, rest, _ := strings.Cut(p, "/")
	return rest == "base.json" && productName.MatchString(product)
}

// readAll reads all of f, refusing more than limit bytes.
func readAll(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return b, nil
}

// DownloadFile gives package trust the metadata file the URL names, as
// go-tuf's fetcher: by its last path element; a file the bundle does not
// hold answers as a server would, 404.
func (b *Bundle) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	f := b.metadata[path.Base(url)]
	if f == nil {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: 404, URL: url}
	}
	data, err := readAll(f, maxLength)
	if err != nil {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s in the bundle: %v", f.Name, err)}
	}
	return data, nil
}

// Target returns the content of the signed target at p, at most length
// bytes; package trust checks it against the metadata.
func (b *Bundle) Target(_ context.Context, p string, length int64) ([]byte, error) {
	f := b.targets[p]
	if f == nil {
		return nil, b.missing(p)
	}
	data, err := readAll(f, length)
	if err != nil {
		return nil, fmt.Errorf("%s in the bundle %s: %w: longer than its signed length, the bundle was damaged or tampered with; nothing was changed", p, b.name, err)
	}
	return data, nil
}

// missing explains a target or blob the bundle lacks: it was made for
// another level (or channel) than the one it is applied to.
func (b *Bundle) missing(what string) error {
	return fmt.Errorf("the bundle %s has no %s: it was exported for level %d of the %s channel, and this installation needs more "+
		"(export a bundle with --from set to this installation's level, on the same channel); nothing was changed",
		b.name, what, b.Manifest.From, b.Manifest.Channel)
}

// Blob writes the content named by sha to w, checking its size and hash:
// an error after writing means w got bytes that must not be used.
func (b *Bundle) Blob(_ context.Context, sha string, size int64, w io.Writer, progress func(int)) error {
	f := b.blobs[sha]
	if f == nil {
		return b.missing("content " + short(sha))
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("content %s in the bundle: %w", short(sha), err)
	}
	defer rc.Close()
	h := sha256.New()
	out := io.MultiWriter(w, h)
	if progress != nil {
		out = io.MultiWriter(out, progressWriter(progress))
	}
	n, err := io.Copy(out, io.LimitReader(rc, size+1))
	if err != nil {
		return fmt.Errorf("content %s in the bundle: %w", short(sha), err)
	}
	if n != size || hex.EncodeToString(h.Sum(nil)) != sha {
		return fmt.Errorf("content %s in the bundle %s does not match the hash and size its signed descriptor gives: "+
			"the bundle was damaged or tampered with; nothing was changed", short(sha), b.name)
	}
	return nil
}

// FetchPacked writes the content named by sha into the file name,
// checked; the file is removed when the check fails.
func (b *Bundle) FetchPacked(ctx context.Context, sha string, size int64, name string, _ *api.Have, progress func(int)) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = b.Blob(ctx, sha, size, f, progress)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

type progressWriter func(int)

func (p progressWriter) Write(b []byte) (int, error) {
	p(len(b))
	return len(b), nil
}

func short(sha string) string { return sha[:min(len(sha), 12)] }

// Writer writes a bundle. Its methods are not safe for concurrent use.
type Writer struct {
	zw   *zip.Writer
	seen map[string]bool
	err  error // the first error; later calls do nothing
}

// NewWriter writes a bundle to w; Close writes the manifest and finishes.
func NewWriter(w io.Writer) *Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.DefaultCompression)
	})
	return &Writer{zw: zw, seen: map[string]bool{}}
}

// add writes one entry named name, once: a second add of a name is
// ignored (metadata and targets are fetched again during a run).
func (w *Writer) add(name string, write func(io.Writer) error) error {
	if w.err != nil || w.seen[name] {
		return w.err
	}
	w.seen[name] = true
	out, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
	if err == nil {
		err = write(out)
	}
	if err != nil {
		w.err = fmt.Errorf("write %s into the bundle: %w", name, err)
	}
	return w.err
}

func bytesWriter(b []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(b); return err }
}

// Metadata adds a TUF metadata file by its name as served.
func (w *Writer) Metadata(name string, b []byte) error {
	if !metadataName.MatchString(name) {
		return fmt.Errorf("bundle: bad metadata name %q", name)
	}
	return w.add("metadata/"+name, bytesWriter(b))
}

// Target adds the content of the signed target at p.
func (w *Writer) Target(p string, b []byte) error {
	if !validTarget(p) {
		return fmt.Errorf("bundle: bad target %q", p)
	}
	return w.add("targets/"+p, bytesWriter(b))
}

// Has reports whether the blob sha was added.
func (w *Writer) Has(sha string) bool { return w.seen["blobs/"+sha] }

// Blob adds the content named sha, which write writes.
func (w *Writer) Blob(sha string, write func(io.Writer) error) error {
	if !blobName.MatchString(sha) {
		return fmt.Errorf("bundle: bad blob name %q", sha)
	}
	return w.add("blobs/"+sha, write)
}

// Close writes the manifest m and finishes the archive; it returns the
// first error of any call.
func (w *Writer) Close(m Manifest) error {
	m.Format = Format
	if w.err == nil {
		if err := m.check(); err != nil {
			w.err = fmt.Errorf("bundle manifest: %w", err)
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	w.add(ManifestName, bytesWriter(append(b, '\n')))
	if err := w.zw.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// Recorder is a go-tuf fetcher that adds every metadata file another
// fetcher downloads to a bundle: a bundle then holds exactly what the
// tool needed to verify, in the order it can be verified again.
type Recorder struct {
	Fetcher interface {
		DownloadFile(url string, maxLength int64, timeout time.Duration) ([]byte, error)
	}
	W *Writer
}

// DownloadFile downloads through the fetcher and records what it got.
func (r *Recorder) DownloadFile(url string, maxLength int64, timeout time.Duration) ([]byte, error) {
	b, err := r.Fetcher.DownloadFile(url, maxLength, timeout)
	if err == nil {
		if werr := r.W.Metadata(path.Base(url), b); werr != nil {
			return nil, werr
		}
	}
	return b, err
}
