package trust

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/semver"

	"inplace/internal/api"
	"inplace/internal/client"
	"inplace/internal/fsx"
)

// Remote is where a Source reads targets and content: the update
// server's client, or an offline bundle (package bundle). Blob and
// FetchPacked check every byte against the hash they are given; Source
// checks targets against the signed metadata.
type Remote interface {
	// Target returns the content of the target at path, at most length
	// bytes.
	Target(ctx context.Context, path string, length int64) ([]byte, error)
	// Blob writes the content named by sha to w, verified.
	Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error
	// FetchPacked writes the content named by sha into the file name,
	// verified; have (or nil) is content on disk it may be a delta from.
	FetchPacked(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error
}

var _ Remote = (*client.Client)(nil)

// Source gives the updater verified metadata: descriptors and the base
// distribution are signed targets; content comes by hash through the
// Remote (the session's client), which checks every byte against the hash
// a verified descriptor gave.
type Source struct {
	Meta    *Metadata
	Client  Remote
	Channel string
	// CacheDir keeps verified targets by hash, so a run reads each
	// descriptor and the base distribution from the service once.
	CacheDir string
}

// Updates lists the updates of the session's channel after level after,
// up to upto (0: no cap), in timestamp order, each verified.
func (s *Source) Updates(ctx context.Context, product string, after, upto int64) ([]api.Update, error) {
	var paths []string
	for p := range s.Meta.Targets(product + "/") {
		prod, ch, ts, ok := api.ParseUpdateTarget(p)
		if !ok || prod != product || (ch == api.ChannelFull && s.Channel != api.ChannelFull) {
			continue
		}
		if ts > after && (upto == 0 || ts <= upto) {
			paths = append(paths, p)
		}
	}
	var out []api.Update
	for _, p := range paths {
		u, err := s.update(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Timestamp < out[j].Timestamp })
	return out, nil
}

// update fetches the descriptor at target path p and checks that it is
// the one its path names (a descriptor signed for another product, level
// or channel, served in its place, is refused).
func (s *Source) update(ctx context.Context, p string) (api.Update, error) {
	var u api.Update
	b, err := s.target(ctx, p)
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return u, fmt.Errorf("update descriptor %s: %v", p, err)
	}
	prod, ch, ts, _ := api.ParseUpdateTarget(p)
	if u.Product != prod || u.Timestamp != ts || u.Channel() != ch {
		return u, fmt.Errorf("update descriptor %s describes update %d of %s (%s channel): descriptors were mixed up (a mix-and-match attack); nothing was changed",
			p, u.Timestamp, u.Product, u.Channel())
	}
	return u, nil
}

// Pristine returns the vendor's entries of paths at the level the applied
// updates bring (nil: absent there), from the signed base distribution
// and the applied descriptors.
func (s *Source) Pristine(ctx context.Context, product string, applied []api.Update, paths []string) (map[string]*api.Entry, error) {
	b, err := s.target(ctx, api.BaseTarget(product))
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(paths))
	for _, p := range paths {
		want[p] = true
	}
	out, signedFor, err := pickBase(b, want)
	if err != nil {
		return nil, fmt.Errorf("base distribution of %s: %v", product, err)
	}
	if signedFor != product {
		return nil, fmt.Errorf("the base distribution signed for %s was served for %s (a mix-and-match attack); nothing was changed", signedFor, product)
	}
	us := slices.Clone(applied)
	sort.Slice(us, func(i, j int) bool { return us[i].Timestamp < us[j].Timestamp })
	for _, u := range us {
		for _, c := range u.Files {
			if !want[c.Path] {
				continue
			}
			if c.Remove {
				out[c.Path] = nil
			} else {
				e := c.Entry
				out[c.Path] = &e
			}
		}
	}
	for _, p := range paths {
		if _, ok := out[p]; !ok {
			out[p] = nil
		}
	}
	return out, nil
}

// PristineTree returns every entry of the vendor's tree at the level the
// applied updates bring, sorted by path, from the signed base distribution
// (read entry by entry) and the applied descriptors. The tool's own paths
// are left out.
func (s *Source) PristineTree(ctx context.Context, product string, applied []api.Update) ([]api.Entry, error) {
	b, err := s.target(ctx, api.BaseTarget(product))
	if err != nil {
		return nil, err
	}
	return pristineTree(b, product, applied)
}

// pristineTree folds applied into the base distribution b of product.
func pristineTree(b []byte, product string, applied []api.Update) ([]api.Entry, error) {
	// What the updates did last to each path they touch; nil: removed.
	changed := make(map[string]*api.Entry)
	us := slices.Clone(applied)
	sort.Slice(us, func(i, j int) bool { return us[i].Timestamp < us[j].Timestamp })
	for _, u := range us {
		for _, c := range u.Files {
			if c.Remove {
				changed[c.Path] = nil
			} else {
				e := c.Entry
				changed[c.Path] = &e
			}
		}
	}
	var out []api.Entry
	signedFor, err := eachBase(b, func(e *api.Entry) {
		if _, ok := changed[e.Path]; !ok && !api.ToolPath(e.Path) {
			out = append(out, *e)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("base distribution of %s: %v", product, err)
	}
	if signedFor != product {
		return nil, fmt.Errorf("the base distribution signed for %s was served for %s (a mix-and-match attack); nothing was changed", signedFor, product)
	}
	for _, e := range changed {
		if e != nil && !api.ToolPath(e.Path) {
			out = append(out, *e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// LatestTool returns the newest signed release of the tool for an OS and
// architecture, or nil.
func (s *Source) LatestTool(ctx context.Context, goos, goarch string) (*api.ToolRelease, error) {
	var best *api.ToolRelease
	for p, tf := range s.Meta.Targets("tools/" + goos + "/" + goarch + "/") {
		v := strings.TrimPrefix(p, "tools/"+goos+"/"+goarch+"/")
		if !semver.IsValid("v"+v) || api.ToolTarget(goos, goarch, v) != p {
			continue
		}
		if best == nil || semver.Compare("v"+v, "v"+best.Version) > 0 {
			best = &api.ToolRelease{Version: v, OS: goos, Arch: goarch, SHA256: hex.EncodeToString(tf.Hashes["sha256"]), Size: tf.Length}
		}
	}
	return best, nil
}

// Blob writes the content named by sha to w, verified.
func (s *Source) Blob(ctx context.Context, sha string, size int64, w io.Writer, progress func(int)) error {
	return s.Client.Blob(ctx, sha, size, w, progress)
}

// Fetch downloads the content named by sha into name, verified.
func (s *Source) Fetch(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error {
	return s.Client.FetchPacked(ctx, sha, size, name, have, progress)
}

// target returns the content of the signed target at p, verified against
// its signed length and hash, from the cache when it is there.
func (s *Source) target(ctx context.Context, p string) ([]byte, error) {
	tf := s.Meta.Target(p)
	if tf == nil {
		return nil, fmt.Errorf("the service's signed metadata has no %s: it is not published (or not yet signed: the vendor runs update-server keys sign)", p)
	}
	cached := filepath.Join(s.CacheDir, hex.EncodeToString(tf.Hashes["sha256"]))
	if b, err := os.ReadFile(cached); err == nil && tf.VerifyLengthHashes(b) == nil {
		return b, nil
	}
	b, err := s.Client.Target(ctx, p, tf.Length)
	if err != nil {
		return nil, err
	}
	if err := tf.VerifyLengthHashes(b); err != nil {
		return nil, fmt.Errorf("%s does not match the hash and length its signer recorded: it was tampered with (%v); nothing was changed", p, err)
	}
	if err := os.MkdirAll(s.CacheDir, 0o700); err == nil {
		_ = fsx.WriteFile(cached, b, 0o600) // a cache: a failure only costs a download
	}
	return b, nil
}

// pickBase reads a base distribution (api.Base) entry by entry and keeps
// only the wanted paths: a product of 200,000 files is never held decoded
// in memory.
func pickBase(b []byte, want map[string]bool) (out map[string]*api.Entry, product string, err error) {
	out = make(map[string]*api.Entry, len(want))
	product, err = eachBase(b, func(e *api.Entry) {
		if want[e.Path] {
			out[e.Path] = e
		}
	})
	if err != nil {
		return nil, "", err
	}
	return out, product, nil
}

// eachBase reads a base distribution (api.Base), calling f with each entry
// as it is decoded, and returns the product it names.
func eachBase(b []byte, f func(*api.Entry)) (product string, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := expectDelim(dec, '{'); err != nil {
		return "", err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch tok {
		case "product":
			err = dec.Decode(&product)
		case "files":
			err = eachEntry(dec, f)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return "", err
		}
	}
	return product, expectDelim(dec, '}')
}

// eachEntry decodes a JSON array of entries, one at a time.
func eachEntry(dec *json.Decoder, f func(*api.Entry)) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		e := new(api.Entry)
		if err := dec.Decode(e); err != nil {
			return err
		}
		f(e)
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %v, found %v", d, tok)
	}
	return nil
}
