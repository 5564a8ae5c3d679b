package client

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
)

// Options are the choices of NewWith beyond the server's address.
type Options struct {
	// CAFile names a file of PEM certificates to trust for the server, on
	// top of the system's roots: a private certificate authority.
	CAFile string
	// AllowHTTP lets the client speak plain HTTP to a server beyond this
	// machine, where anyone on the way could read the credentials and
	// change what is downloaded. Plain HTTP to a loopback address is
	// always allowed.
	AllowHTTP bool
}

// checkScheme refuses plain http:// to anything but this machine, before
// any connection is made, unless allowHTTP.
func checkScheme(u *url.URL, allowHTTP bool) error {
	if u.Scheme != "http" || allowHTTP || loopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("refusing plain http://%s: anyone on the way could read your password and session and change what is downloaded; "+
		"use https://, or pass --allow-http (or set UPDATE_ALLOW_HTTP=1) if this network is yours and trusted", u.Host)
}

// loopback reports whether host (a name or an address, no port) is this
// machine: localhost, 127.0.0.0/8 or ::1. Names other than localhost are
// not resolved: the refusal comes before any look-up.
func loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tlsConfig returns the TLS settings: the system's roots, plus the
// certificates of CAFile when set. Certificates are always verified.
func (o Options) tlsConfig() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile == "" {
		return conf, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool() // no system roots here: the file's alone
	}
	if err := addCAs(pool, o.CAFile); err != nil {
		return nil, err
	}
	conf.RootCAs = pool
	return conf, nil
}

// addCAs adds every certificate of a PEM file to pool. A file that holds
// no certificate, a block that is not one (a private key, say) or a
// certificate that does not parse is an error naming the file.
func addCAs(pool *x509.CertPool, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			err = errors.New("it does not exist") // the same words on every system
		}
		return fmt.Errorf("CA file %s (--ca-file or UPDATE_CA_FILE): %v: give the PEM file of the certificate authority that signed the update server's certificate", file, err)
	}
	n := 0
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n++
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("CA file %s: block %d is a %s, not a CERTIFICATE: give only the certificate authority's certificates (never a key)", file, n, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return fmt.Errorf("CA file %s: certificate %d does not parse (%v): give the certificate authority's certificate in PEM", file, n, err)
		}
		pool.AddCert(cert)
	}
	if n == 0 {
		return fmt.Errorf("CA file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate authority's certificate in PEM", file)
	}
	return nil
}

// CertError is a failed verification of the server's certificate, put in
// words with what to do. It does not pass by trying again.
type CertError struct {
	msg string
	err error // the x509 error
}

func (e *CertError) Error() string { return e.msg }
func (e *CertError) Unwrap() error { return e.err }

// certError returns err as a CertError when it is a failed verification of
// the server's certificate, and nil otherwise.
func (c *Client) certError(err error) *CertError {
	var done *CertError
	if errors.As(err, &done) {
		return done
	}
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var msg string
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = fmt.Sprintf(", issued by %q", unknown.Cert.Issuer.String())
		}
		if c.caFile != "" {
			msg = fmt.Sprintf("the update server at %s presented a certificate that is not trusted (signed by an unknown authority%s), neither by this system nor by the CA file %s: check that --ca-file names the authority that signed the server's certificate",
				c.base.Host, issuer, c.caFile)
		} else {
			msg = fmt.Sprintf("the update server at %s presented a certificate that is not trusted (signed by an unknown authority%s): if the server uses a private certificate authority, pass its certificate with --ca-file FILE (or UPDATE_CA_FILE); otherwise something between you and the server (a proxy that inspects TLS, or an attacker) is answering in its place",
				c.base.Host, issuer)
		}
	case errors.As(err, &host):
		msg = fmt.Sprintf("the update server's certificate is not valid for %s (%v): check the address in --server", c.base.Hostname(), host)
	case errors.As(err, &invalid):
		msg = fmt.Sprintf("the update server at %s presented a certificate that is not valid (%v): check this machine's clock, or tell the server's operator", c.base.Host, invalid)
	default:
		return nil
	}
	return &CertError{msg: msg, err: err}
}
