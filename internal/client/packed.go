package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"

	"inplace/internal/api"
	"inplace/internal/delta"
	"inplace/internal/fsx"
)

// FetchPacked downloads blob sha into the file name like Fetch, in the
// cheapest form the server offers: compressed with zstd, or a delta from
// have (nil: none). The packed bytes are kept in name+".packed" until they
// are complete, so a later run resumes them; what they rebuild is checked
// against sha and size. A server without packed forms gets a plain Fetch.
func (c *Client) FetchPacked(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error {
	if fsx.Exists(name) {
		// A plain download left by an older run: finish it plainly.
		return c.Fetch(ctx, sha, size, name, progress)
	}
	var got int64
	counted := func(n int) {
		got += int64(n)
		if progress != nil {
			progress(n)
		}
	}
	for attempt := 0; ; attempt++ {
		err := c.fetchPacked(ctx, sha, size, name, have, counted)
		if err == nil {
			break
		}
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			return c.Fetch(ctx, sha, size, name, progress)
		}
		if errors.Is(err, errRebuild) && have != nil {
			// The file changed since the run looked at it, or the delta
			// was wrong: the whole file, compressed, instead.
			removePacked(name)
			have = nil
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errTooLong) || errors.Is(err, errBadPacked) {
			removePacked(name)
			return err
		}
		if !retryable(err) || attempt == len(fetchDelays) {
			return err
		}
		select {
		case <-time.After(fetchDelays[attempt]):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if progress != nil && got < size {
		progress(int(size - got)) // the bytes a smaller form saved
	}
	return nil
}

// errRebuild marks packed bytes that did not rebuild the blob.
var errRebuild = errors.New("the packed download did not rebuild the file")

// packedInfo describes the packed bytes being downloaded, kept beside them
// so that a resumed download asks for the same ones.
type packedInfo struct {
	ETag     string `json:"etag"`
	Encoding string `json:"encoding"`
	From     string `json:"from,omitempty"`
	Length   int64  `json:"length"`
}

func partName(name string) string { return name + ".packed" }
func infoName(name string) string { return name + ".packed.json" }

func removePacked(name string) {
	os.Remove(partName(name))
	os.Remove(infoName(name))
}

// fetchPacked makes one try: it completes the packed bytes, then rebuilds
// the blob from them into name and verifies it.
func (c *Client) fetchPacked(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) error {
	info, err := c.downloadPacked(ctx, sha, size, name, have, progress)
	if err != nil {
		return err
	}
	if err := rebuild(sha, size, name, info, have); err != nil {
		os.Remove(name)
		removePacked(name)
		return err
	}
	removePacked(name)
	return nil
}

// downloadPacked brings name+".packed" to its full length, resuming it
// when its description says which bytes it holds.
func (c *Client) downloadPacked(ctx context.Context, sha string, size int64, name string, have *api.Have, progress func(int)) (packedInfo, error) {
	var info packedInfo
	f, err := os.OpenFile(partName(name), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return info, err
	}
	defer f.Close()
	held, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return info, err
	}
	if b, err := os.ReadFile(infoName(name)); err != nil || json.Unmarshal(b, &info) != nil ||
		info.ETag == "" || info.Length > size || held > info.Length {
		info, held = packedInfo{}, 0 // nothing to resume
	}
	if held > 0 && held == info.Length {
		return info, nil
	}
	p := "/v1/blobs/" + url.PathEscape(sha) + "/packed"
	if have != nil {
		p += "?from=" + url.QueryEscape(have.SHA256)
	}
	req, err := c.request(ctx, http.MethodGet, p, nil, true)
	if err != nil {
		return info, err
	}
	if held > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(held, 10)+"-")
		req.Header.Set("If-Range", info.ETag)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return info, c.netError(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != held {
			removePacked(name)
			return info, fmt.Errorf("%w: the server resumed at the wrong place (Content-Range %q, want from %d); starting again", errShort, resp.Header.Get("Content-Range"), held)
		}
	case http.StatusOK:
		info = packedInfo{ETag: resp.Header.Get("ETag"), Encoding: resp.Header.Get(api.EncodingHeader),
			From: resp.Header.Get(api.FromHeader), Length: resp.ContentLength}
		if info.Encoding == "" {
			info.Encoding = api.EncodingIdentity // the bytes as they are
		}
		if err := checkPacked(info, sha, size, have); err != nil {
			return info, err
		}
		if err := f.Truncate(0); err != nil {
			return info, err
		}
		if held, err = f.Seek(0, io.SeekStart); err != nil {
			return info, err
		}
		os.Remove(infoName(name))
		if info.ETag != "" && info.Length >= 0 {
			// Known bytes of known length: a later run may resume them.
			// A hint, not a record: a damaged one only restarts the download.
			if err := os.WriteFile(infoName(name), mustJSON(info), 0o644); err != nil {
				return info, err
			}
		}
	case http.StatusRequestedRangeNotSatisfiable:
		removePacked(name)
		return info, fmt.Errorf("%w: the server refused to resume", errShort)
	default:
		return info, c.statusError(resp)
	}
	want := info.Length - held
	if info.Length < 0 {
		want = size // no length announced: at most the file's
	}
	n, err := copyExactly(io.MultiWriter(f, progressWriter(progress)), resp, want)
	if errors.Is(err, errTooLong) || isStall(err) {
		return info, fmt.Errorf("download %s: %w", short(sha), err)
	}
	if err != nil {
		return info, fmt.Errorf("download %s: %w (%v)", short(sha), errShort, err)
	}
	if info.Length < 0 {
		info.Length = n
	} else if n < want {
		return info, fmt.Errorf("download %s: %w at %d of %d bytes", short(sha), errShort, held+n, info.Length)
	}
	// Not synced: the packed bytes are a step on the way; what they rebuild
	// is synced, and verified whatever happened to them.
	return info, nil
}

// errBadPacked marks an answer in a form the client did not ask for or
// cannot use: a broken server or proxy, or an attack.
var errBadPacked = errors.New("the server sent a download the tool cannot use")

// checkPacked refuses a packed form the client did not ask for or cannot
// use, before any of it is read.
func checkPacked(info packedInfo, sha string, size int64, have *api.Have) error {
	var why string
	switch {
	case info.Length > size:
		why = fmt.Sprintf("it is larger (%d bytes) than the file (%d bytes)", info.Length, size)
	case info.Encoding == api.EncodingDelta && (have == nil || info.From != have.SHA256):
		why = "it is a delta from content this run does not have"
	case info.Encoding != api.EncodingIdentity && info.Encoding != api.EncodingZstd && info.Encoding != api.EncodingDelta:
		why = fmt.Sprintf("its encoding %q is unknown", info.Encoding)
	default:
		return nil
	}
	return fmt.Errorf("download %s: %w: %s; %s", short(sha), errBadPacked, why, tooLongAdvice)
}

// rebuilding bounds the memory of deltas rebuilt at once: each holds the
// old file, the delta and the new file. A delta larger than the budget
// waits for the whole of it.
var rebuilding = semaphore.NewWeighted(rebuildBudget)

const rebuildBudget = 48 << 20

// rebuild writes the blob from its packed bytes into name and verifies it.
func rebuild(sha string, size int64, name string, info packedInfo, have *api.Have) error {
	part := partName(name)
	switch info.Encoding {
	case api.EncodingIdentity:
		if err := fsx.Rename(part, name); err != nil {
			return err
		}
		if err := syncFile(name); err != nil {
			return err
		}
	case api.EncodingZstd:
		if err := decompressFile(part, name, size); err != nil {
			return rebuildError(sha, err)
		}
	case api.EncodingDelta:
		fi, err := os.Stat(have.Path)
		if err != nil {
			return rebuildError(sha, err)
		}
		weight := min(fi.Size()+info.Length+size, rebuildBudget)
		if err := rebuilding.Acquire(context.Background(), weight); err != nil {
			return err
		}
		err = applyDelta(part, name, size, have)
		rebuilding.Release(weight)
		if err != nil {
			return rebuildError(sha, err)
		}
	}
	got, n, err := fsx.HashFile(name)
	if err != nil {
		return err
	}
	if n != size || got != sha {
		return rebuildError(sha, fmt.Errorf("got %s, %d bytes", short(got), n))
	}
	return nil
}

func rebuildError(sha string, err error) error {
	return fmt.Errorf("download %s: %w: the content does not match its hash and length (%v)", short(sha), errRebuild, err)
}

func decompressFile(part, name string, size int64) error {
	in, err := os.Open(part)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeSynced(name, func(w io.Writer) error { return delta.Decompress(w, in, size) })
}

func applyDelta(part, name string, size int64, have *api.Have) error {
	// Should the file have changed since the run hashed it, the delta
	// fails its checksum or the result its hash, and the caller asks for
	// the whole file.
	old, err := os.ReadFile(have.Path)
	if err != nil {
		return err
	}
	d, err := os.ReadFile(part)
	if err != nil {
		return err
	}
	out, err := delta.DecodeOwned(old, d, size)
	if err != nil {
		return err
	}
	return writeSynced(name, func(w io.Writer) error { _, err := w.Write(out); return err })
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// writeSynced creates name with what write writes, synced to disk.
func writeSynced(name string, write func(w io.Writer) error) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
