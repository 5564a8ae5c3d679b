package client

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tlsServer answers the update list over HTTPS with httptest's own
// certificate authority, which no system trusts; caFile is that authority
// in PEM.
func tlsServer(t *testing.T) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"product":"p-1","updates":[]}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	writePEM(t, caFile, "CERTIFICATE", srv.Certificate().Raw)
	return srv, caFile
}

func writePEM(t *testing.T, file, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTLSPrivateCA: a server whose certificate no system trusts is refused
// with advice to pass --ca-file, and served once its authority is given.
func TestTLSPrivateCA(t *testing.T) {
	srv, caFile := tlsServer(t)
	ctx := context.Background()
	retryDelays = nil

	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Updates(ctx, "p-1", 0, 0)
	if err == nil || !strings.Contains(err.Error(), "not trusted") || !strings.Contains(err.Error(), "--ca-file") {
		t.Fatalf("without the CA: %v; want an error saying the certificate is not trusted and naming --ca-file", err)
	}
	if retryable(err) {
		t.Errorf("an untrusted certificate is retryable: %v", err)
	}

	c, err = NewWith(srv.URL, Options{CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Updates(ctx, "p-1", 0, 0); err != nil {
		t.Fatalf("with --ca-file: %v", err)
	}

	// Another authority's certificate does not do.
	other := filepath.Join(t.TempDir(), "other.pem")
	writePEM(t, other, "CERTIFICATE", selfSigned(t))
	c, err = NewWith(srv.URL, Options{CAFile: other})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Updates(ctx, "p-1", 0, 0)
	if err == nil || !strings.Contains(err.Error(), "not trusted") || !strings.Contains(err.Error(), "nor by the CA file "+other) {
		t.Fatalf("with another CA: %v", err)
	}

	// The right authority, the wrong name: httptest's certificate is for
	// 127.0.0.1 and example.com, not localhost.
	u, _ := url.Parse(srv.URL)
	c, err = NewWith("https://localhost:"+u.Port(), Options{CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = c.Updates(ctx, "p-1", 0, 0); err == nil || !strings.Contains(err.Error(), "not valid for localhost") {
		t.Fatalf("another name: %v", err)
	}
}

func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestCAFileErrors: a CA file that cannot serve is an error naming it and
// saying what to give, before any connection.
func TestCAFileErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	for _, tc := range []struct{ file, msg string }{
		{filepath.Join(dir, "missing.pem"), "missing.pem (--ca-file or UPDATE_CA_FILE)"},
		{file("empty.pem", ""), "empty.pem holds no PEM certificate"},
		{file("text.pem", "not a certificate\n"), "text.pem holds no PEM certificate"},
		{file("key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))), "key.pem: block 1 is a EC PRIVATE KEY, not a CERTIFICATE"},
		{file("bad.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")}))), "bad.pem: certificate 1 does not parse"},
		{dir, "(--ca-file or UPDATE_CA_FILE)"},
	} {
		_, err := NewWith("https://updates.example.com", Options{CAFile: tc.file})
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CA file %s: %v; want an error saying %q", tc.file, err, tc.msg)
		}
	}
}

// TestPlainHTTP: plain http:// is refused, before any connection, for
// anything but this machine unless AllowHTTP; https always goes.
func TestPlainHTTP(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:80", "http://localhost:8080",
		"http://LOCALHOST", "http://localhost.", "https://updates.example.com", "https://10.0.0.1:8443"} {
		if _, err := New(u); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	for _, u := range []string{"http://updates.example.com", "http://10.0.0.1:8080", "http://[::ffff:10.0.0.1]:80",
		"http://localhost.example.com", "http://127.0.0.1.nip.io", "http://0.0.0.0:8080", "http://[::]:80"} {
		_, err := New(u)
		if err == nil || !strings.Contains(err.Error(), "refusing plain http://") ||
			!strings.Contains(err.Error(), "use https://") || !strings.Contains(err.Error(), "--allow-http") {
			t.Errorf("New(%q) = %v; want a refusal naming https:// and --allow-http", u, err)
		}
		if _, err := NewWith(u, Options{AllowHTTP: true}); err != nil {
			t.Errorf("NewWith(%q, AllowHTTP): %v", u, err)
		}
	}
}

// TestHTTPSThroughAConnectProxy: with a proxy, an https server is reached
// through a CONNECT tunnel and its certificate is still verified end to
// end.
func TestHTTPSThroughAConnectProxy(t *testing.T) {
	srv, caFile := tlsServer(t)
	var connects atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		connects.Add(1)
		dst, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer dst.Close()
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go io.Copy(dst, bufio.NewReader(buf))
		io.Copy(conn, dst)
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)

	// The environment's proxy settings are read once per process and never
	// apply to loopback addresses, so the test sets the transport's own.
	through := func(o Options) *Client {
		c, err := NewWith(srv.URL, o)
		if err != nil {
			t.Fatal(err)
		}
		c.http.Transport.(*renewing).next.(*guard).next.(*http.Transport).Proxy = http.ProxyURL(proxyURL)
		return c
	}
	if _, err := through(Options{CAFile: caFile}).Updates(context.Background(), "p-1", 0, 0); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	if connects.Load() == 0 {
		t.Fatal("the request did not go through the proxy")
	}
	_, err := through(Options{}).Updates(context.Background(), "p-1", 0, 0)
	if err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Fatalf("through the proxy without the CA: %v; want the certificate refused", err)
	}
}
