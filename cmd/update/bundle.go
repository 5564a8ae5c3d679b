package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"inplace/internal/bundle"
	"inplace/internal/home"
	"inplace/internal/trust"
	"inplace/internal/updater"
)

// exportBundle writes an offline bundle to o.exportBundle: what an
// installation at --from (default this home's level) needs to reach the
// newest level of the session's channel (or -t). It verifies everything
// as an update would, starting from the root of trust the product ships,
// and records the metadata and targets it verified on the way into the
// bundle, so that the air-gapped installation verifies the same chain.
func exportBundle(ctx context.Context, u *updater.Updater, h *home.Home, sess *session, o *options) (*updater.ExportReport, error) {
	name := o.exportBundle
	if _, err := os.Lstat(name); err == nil {
		return nil, fmt.Errorf("%s exists: remove it or choose another file name for the bundle", name)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	root, err := readRoot(h)
	if err != nil {
		return nil, err
	}
	// A metadata cache of the export's own, from the shipped root: the
	// bundle gets every root since that one, which the installation may
	// need to follow key rotations.
	cache, err := os.MkdirTemp("", "inplace-export-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cache)

	partial := name + ".partial"
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create the bundle: %w (a previous export was interrupted? remove %s)", err, partial)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(partial)
		}
	}()
	buf := bufio.NewWriterSize(f, 1<<20)
	w := bundle.NewWriter(buf)
	meta, err := trust.Open(trust.Options{
		MetadataURL: sess.client.MetadataURL(),
		Root:        root,
		CacheDir:    cache,
		Fetcher:     &bundle.Recorder{Fetcher: trust.HTTPFetcher(sess.client.HTTP()), W: w},
	})
	if err != nil {
		return nil, err
	}
	u.Src = &trust.Source{Meta: meta, Client: recordTargets{Remote: sess.client, w: w}, Channel: sess.channel, CacheDir: cache + "/targets"}
	rep, m, err := u.ExportBundle(ctx, w, updater.ExportOptions{From: o.from, Upto: o.timestamp, Tool: toolVersion()})
	if err != nil {
		return nil, err
	}
	if err := w.Close(m); err != nil {
		return nil, err
	}
	if err := buf.Flush(); err != nil {
		return nil, fmt.Errorf("write the bundle: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("write the bundle: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write the bundle: %w", err)
	}
	done = true
	if err := os.Rename(partial, name); err != nil {
		os.Remove(partial)
		return nil, err
	}
	return rep, nil
}

// recordTargets adds each signed target the export reads to the bundle.
type recordTargets struct {
	trust.Remote
	w *bundle.Writer
}

func (r recordTargets) Target(ctx context.Context, p string, length int64) ([]byte, error) {
	b, err := r.Remote.Target(ctx, p, length)
	if err == nil {
		if werr := r.w.Target(p, b); werr != nil {
			return nil, werr
		}
	}
	return b, err
}

// maxBundleSkew is how far in the future a bundle's creation time may
// be, for clocks that disagree a little.
const maxBundleSkew = time.Hour

// bundleSource opens the bundle in o.bundle for this home: the same
// verification as online, from the home's root of trust and the metadata
// it already trusts (an older bundle than what it saw is refused), with
// expiry checked as of when the bundle was made. It returns the source,
// the channel and the highest level to update to.
func bundleSource(h *home.Home, product string, st *home.State, o *options, stderr io.Writer) (*trust.Source, *bundle.Bundle, int64, error) {
	b, err := bundle.Open(o.bundle)
	if err != nil {
		return nil, nil, 0, err
	}
	fail := func(err error) (*trust.Source, *bundle.Bundle, int64, error) {
		b.Close()
		return nil, nil, 0, err
	}
	m := b.Manifest
	switch {
	case m.Product != product:
		return fail(fmt.Errorf("the bundle %s is for %s, and this is %s: export one for this product", o.bundle, m.Product, product))
	case m.Created.After(time.Now().Add(maxBundleSkew)):
		return fail(fmt.Errorf("the bundle %s says it was made at %s, in the future: check this machine's clock", o.bundle, m.Created.Format(time.RFC3339)))
	case o.channel != "" && o.channel != m.Channel:
		return fail(fmt.Errorf("the bundle %s holds the %s channel, not %s", o.bundle, m.Channel, o.channel))
	case st.Level < m.From:
		return fail(fmt.Errorf("the bundle %s starts from level %s, and this installation is at %s: export a bundle with --from %d",
			o.bundle, updater.LevelString(m.From), updater.LevelString(st.Level), st.Level))
	}
	upto := m.To
	if o.timestamp > 0 && o.timestamp < upto {
		upto = o.timestamp
	}
	root, err := readRoot(h)
	if err != nil {
		return fail(err)
	}
	meta, err := trust.Open(trust.Options{
		MetadataURL: "bundle:///metadata/",
		Root:        root,
		CacheDir:    h.Path(metadataCache),
		Fetcher:     b,
		Now:         m.Created,
	})
	if err != nil {
		return fail(fmt.Errorf("the bundle %s: %w", o.bundle, err))
	}
	fmt.Fprintf(stderr, "update: bundle of %s (%s channel) made %s, levels %s to %s\n", m.Product, m.Channel,
		m.Created.Format("2006-01-02 15:04 MST"), updater.LevelString(m.From), updater.LevelString(m.To))
	return &trust.Source{Meta: meta, Client: b, Channel: m.Channel, CacheDir: h.Path(targetsCache)}, b, upto, nil
}
