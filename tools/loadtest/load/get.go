package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// GetOK GETs url with the given header (nil for none), reads the whole
// body and returns its length. It fails if the status is not wantStatus
// (the message then quotes the start of the body) or, when wantSHA256 is
// not empty, if the body's SHA-256 in hex is not wantSHA256. It always
// reads the body to the end and closes it.
func GetOK(ctx context.Context, c *http.Client, url string, header http.Header, wantStatus int, wantSHA256 string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if header != nil {
		req.Header = header.Clone()
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err // it names the method and URL
	}
	if resp.StatusCode != wantStatus {
		var start bytes.Buffer
		n, err := copyClose(&limitedWriter{buf: &start, left: bodyQuote}, resp.Body)
		if err != nil {
			return n, fmt.Errorf("GET %s: status %d, want %d; reading the body: %w", url, resp.StatusCode, wantStatus, err)
		}
		return n, fmt.Errorf("GET %s: status %d, want %d: %s", url, resp.StatusCode, wantStatus, quoteStart(start.Bytes()))
	}
	var h hash.Hash
	var w io.Writer = io.Discard
	if wantSHA256 != "" {
		h = sha256.New()
		w = h
	}
	n, err := copyClose(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: reading the body: %w", url, err)
	}
	if wantSHA256 != "" {
		if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, wantSHA256) {
			return n, fmt.Errorf("GET %s: body of %d bytes has SHA-256 %s, want %s", url, n, got, wantSHA256)
		}
	}
	return n, nil
}

// bodyQuote is how many bytes of an unexpected body an error quotes.
const bodyQuote = 200

// Drain reads body to the end, closes it and returns the number of bytes
// read. Reading to the end lets the HTTP client reuse the connection.
func Drain(body io.ReadCloser) (int64, error) {
	return copyClose(io.Discard, body)
}

// copyClose copies body to w and closes body.
func copyClose(w io.Writer, body io.ReadCloser) (int64, error) {
	defer body.Close()
	return io.Copy(w, body)
}

// limitedWriter keeps the first left bytes written to it in buf and
// discards the rest, reporting everything as written.
type limitedWriter struct {
	buf  *bytes.Buffer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	k := min(len(p), l.left)
	l.buf.Write(p[:k])
	l.left -= k
	return len(p), nil
}

// quoteStart quotes b, up to bodyQuote bytes, for an error message.
func quoteStart(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(b) >= bodyQuote {
		return fmt.Sprintf("%q…", s)
	}
	return fmt.Sprintf("%q", s)
}

// CountingBody is a response body that adds the number of bytes read
// from it to N. Run's clients wrap every response body in one, so that
// Result.Bytes counts what Steps read however they read it.
type CountingBody struct {
	io.ReadCloser
	N *atomic.Int64
}

// Read reads from the body and counts what it read.
func (b *CountingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.N.Add(int64(n))
	return n, err
}

// countingTransport wraps the response bodies of next in CountingBody.
type countingTransport struct {
	next *http.Transport
	n    *atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &CountingBody{ReadCloser: resp.Body, N: t.n}
	}
	return resp, err
}

// CloseIdleConnections closes next's idle connections; http.Client's
// method of the same name calls it.
func (t *countingTransport) CloseIdleConnections() {
	t.next.CloseIdleConnections()
}
