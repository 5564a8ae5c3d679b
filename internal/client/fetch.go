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
	"time"

	"inplace/internal/fsx"
)

// fetchDelays are the pauses before each new try of a download that failed
// in a way that may pass: a network error, a 5xx, a body cut short. Each try
// resumes where the last one stopped.
var fetchDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// errShort marks a body that ended before the blob did.
var errShort = errors.New("the download was cut short")

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
	n, err := io.Copy(io.MultiWriter(f, progressWriter(progress)), io.LimitReader(resp.Body, want))
	if err != nil {
		return fmt.Errorf("download %s: %w (%v)", short(sha), errShort, err)
	}
	if n < want {
		return fmt.Errorf("download %s: %w at %d of %d bytes", short(sha), errShort, have+n, size)
	}
	return f.Sync()
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
	return errors.Is(err, errShort) || errors.As(err, &ne)
}
