package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
)

// DefaultStallTimeout is the Client's StallTimeout unless set otherwise.
const DefaultStallTimeout = 30 * time.Second

// minSpeed is the slowest a transfer may go, in bytes a second averaged
// over each StallTimeout, before it counts as stalled: a server or proxy
// that trickles a byte now and then is cut as surely as a silent one.
const minSpeed = 1024

// StallError is the failure of an exchange that made too little progress:
// no answer, or less than minSpeed bytes a second, for a whole
// StallTimeout. Fetch tries again, resuming, a bounded number of times.
type StallError struct {
	Host   string
	Window time.Duration
	Min    int64 // bytes each window needed
}

func (e *StallError) Error() string {
	return fmt.Sprintf("the connection to the update server at %s stalled (less than %s in %v): check the network or the proxy, then run again (downloads resume)",
		e.Host, humanize.IBytes(uint64(e.Min)), e.Window)
}

func (c *Client) stallTimeout() time.Duration {
	if c.StallTimeout > 0 {
		return c.StallTimeout
	}
	return DefaultStallTimeout
}

// guard is the transport under the client's, so that whoever uses the
// client's HTTP client (Client.HTTP) gets the same: it cuts an exchange
// that makes too little progress (StallError), from the moment the
// request leaves to the end of the answer's body, and says in words why
// the server's certificate was refused (CertError). The answer's headers
// count as progress; then its body must bring at least minSpeed bytes a
// second over each StallTimeout.
type guard struct {
	c    *Client
	next http.RoundTripper
}

func (t *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	window := t.c.stallTimeout()
	stalled := &StallError{Host: req.URL.Host, Window: window, Min: max(1, int64(minSpeed*window.Seconds()))}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := newWatchdog(window, stalled.Min, func() { cancel(stalled) })
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		w.stop()
		cancel(nil)
		if context.Cause(ctx) == stalled {
			return nil, stalled
		}
		if ce := t.c.certError(err); ce != nil {
			return nil, ce
		}
		return nil, err
	}
	w.headers()
	resp.Body = &watchedBody{body: resp.Body, w: w, ctx: ctx, cancel: cancel, stalled: stalled}
	return resp, nil
}

// watchedBody reports each read to its watchdog, and tells a read cut by
// the watchdog by its StallError.
type watchedBody struct {
	body    io.ReadCloser
	w       *watchdog
	ctx     context.Context
	cancel  context.CancelCauseFunc
	stalled *StallError
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.w.add(n)
	if err == io.EOF {
		b.w.stop()
	} else if err != nil && context.Cause(b.ctx) == b.stalled {
		err = b.stalled
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.w.stop()
	err := b.body.Close()
	b.cancel(nil)
	return err
}

// watchdog calls cut when a window passes with less than min bytes and
// no headers.
type watchdog struct {
	window time.Duration
	min    int64
	cut    func()

	mu    sync.Mutex
	got   int64 // bytes in this window
	moved bool  // the headers came in this window
	done  bool
	timer *time.Timer
}

func newWatchdog(window time.Duration, min int64, cut func()) *watchdog {
	w := &watchdog{window: window, min: min, cut: cut}
	w.mu.Lock()
	w.timer = time.AfterFunc(window, w.tick)
	w.mu.Unlock()
	return w
}

func (w *watchdog) tick() {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return
	}
	cut := w.got < w.min && !w.moved
	w.got, w.moved, w.done = 0, false, cut
	if !cut {
		w.timer.Reset(w.window)
	}
	w.mu.Unlock()
	if cut {
		w.cut()
	}
}

func (w *watchdog) add(n int) {
	w.mu.Lock()
	w.got += int64(n)
	w.mu.Unlock()
}

func (w *watchdog) headers() {
	w.mu.Lock()
	w.moved = true
	w.mu.Unlock()
}

func (w *watchdog) stop() {
	w.mu.Lock()
	w.done = true
	w.timer.Stop()
	w.mu.Unlock()
}

// isStall reports whether err is, or wraps, a StallError.
func isStall(err error) bool {
	var s *StallError
	return errors.As(err, &s)
}
