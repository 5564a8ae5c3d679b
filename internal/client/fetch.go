package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"inplace/internal/fsx"
)

// fetchDelays are the pauses before each new try of a download that failed
// in a way that may pass: a network error, a 5xx, a body cut short. Each try
// resumes where the last one stopped.
var fetchDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// errShort marks a body that ended before the blob did.
var errShort = errors.New("the download was cut short")

// errTooLong marks a body longer than the blob: a broken server or proxy,
// or an attempt to fill the disk. It does not pass by trying again.
var errTooLong = errors.New("the server sent more than the blob holds")

// tooLongAdvice follows errTooLong.
const tooLongAdvice = "refusing it (a broken server or proxy, or an attack); run again later, or tell the vendor"

// copyExactly copies want bytes of resp's body to w, and never more: a
// body that announces more is refused before it is read, and one that
// turns out longer (no length announced) is refused on its first extra
// byte, which is not written. A shorter body is not an error here: the
// caller compares the count.
func copyExactly(w io.Writer, resp *http.Response, want int64) (int64, error) {
	if resp.ContentLength > want {
		return 0, fmt.Errorf("%w (%d bytes announced for %d): %s", errTooLong, resp.ContentLength, want, tooLongAdvice)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, want))
	if err != nil || n < want || resp.ContentLength == want {
		return n, err
	}
	// No length announced: the body must end here.
	var extra [1]byte
	m, err := io.ReadFull(resp.Body, extra[:])
	if m > 0 {
		return n, fmt.Errorf("%w (more than %d bytes): %s", errTooLong, want, tooLongAdvice)
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// Fetch downloads the blob named by sha into the file name, resuming from
// what the file already holds (a Range request), retrying with backoff, and
// checking the whole file's length and hash at the end. A file that does
// not verify is removed.
func (c *Client) Fetch(ctx context.Context, sha string, size int64, name string, progress func(int)) error {
	for attempt := 0; ; attempt++ {
		err := c.fetchOnce(ctx, sha, size, name, progress)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errTooLong) {
			os.Remove(name)
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
	got, n, err := fsx.HashFile(name)
	if err != nil {
		return err
	}
	if n != size || got != sha {
		os.Remove(name)
		return fmt.Errorf("download %s: the content does not match its hash and length (got %s, %d bytes)", short(sha), short(got), n)
	}
	return nil
}

func (c *Client) fetchOnce(ctx context.Context, sha string, size int64, name string, progress func(int)) error {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if have > size {
		if err := f.Truncate(0); err != nil {
			return err
		}
		have, _ = f.Seek(0, io.SeekStart)
	}
	if have == size {
		return nil
	}
	req, err := c.request(ctx, http.MethodGet, "/v1/blobs/"+url.PathEscape(sha), nil, true)
	if err != nil {
		return err
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.netError(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != have {
			f.Truncate(0)
			return fmt.Errorf("%w: the server resumed at the wrong place (Content-Range %q, want from %d); starting again", errShort, resp.Header.Get("Content-Range"), have)
		}
	case http.StatusOK:
		// The whole blob: start again.
		if err := f.Truncate(0); err != nil {
			return err
		}
		if have, err = f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	case http.StatusRequestedRangeNotSatisfiable:
		f.Truncate(0)
		return fmt.Errorf("%w: the server refused to resume", errShort)
	default:
		return c.statusError(resp)
	}
	want := size - have
	n, err := copyExactly(io.MultiWriter(f, progressWriter(progress)), resp, want)
	if errors.Is(err, errTooLong) || isStall(err) {
		return fmt.Errorf("download %s: %w", short(sha), err)
	}
	if err != nil {
		return fmt.Errorf("download %s: %w (%v)", short(sha), errShort, err)
	}
	if n < want {
		return fmt.Errorf("download %s: %w at %d of %d bytes", short(sha), errShort, have+n, size)
	}
	return f.Sync()
}

// rangeStart returns the first byte of a Content-Range: "bytes 10-99/100".
func rangeStart(cr string) (int64, bool) {
	spec, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(first, 10, 64)
	return n, err == nil
}

// retryable tells a failure that may pass on another try.
func retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
	}
	if errors.Is(err, ErrUnauthorized) {
		return false
	}
	var ne *netErr
	return errors.Is(err, errShort) || errors.As(err, &ne) || isStall(err)
}
