package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"inplace/internal/store"
)

// auditTimeout bounds the write of one audit event.
const auditTimeout = 5 * time.Second

// maxAuditField bounds what an event keeps of each value, which the client
// may have chosen (the username and product of a failed login).
const maxAuditField = 256

// audit records e, at the current time and from the request's address,
// in the audit log. A failure is logged, never answered: the request has
// been served (or refused) already, and serving goes on.
func (s *Server) Audit(r *http.Request, e store.AuditEvent) {
	e.Time = s.now().UTC()
	e.Address = s.clientAddr(r)
	e.Username, e.Product, e.Detail = clip(e.Username), clip(e.Product), clip(e.Detail)
	s.metrics.login(e)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditTimeout)
	defer cancel()
	if err := s.store.AddAudit(ctx, e); err != nil {
		s.log.Warn("cannot record an event in the audit log; serving goes on: check the database",
			"action", e.Action, "username", e.Username, "address", e.Address, "err", err)
	}
}

// clip cuts s to maxAuditField bytes of valid UTF-8.
func clip(s string) string {
	if len(s) > maxAuditField {
		s = s[:maxAuditField]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// clientAddr returns the IP address a request comes from: that of the
// connection or, with TrustProxyHeader, the last address of
// X-Forwarded-For (the one the proxy in front added).
func (s *Server) clientAddr(r *http.Request) string {
	if s.trustProxy {
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			list := strings.Split(v[len(v)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(list[len(list)-1])); err == nil {
				return a.Unmap().WithZone("").String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return host
}

// addrKey is what the address limiter counts failures by: an IPv4
// address, or the /64 of an IPv6 address, since one host commonly holds a
// whole /64.
func addrKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() {
		return addr
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// serveDownload serves content with http.ServeContent (the caller has set
// the headers) and records a GET that sent content (200 or 206) in the
// audit log: who, which product, which blob, how many bytes.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request, detail string, content io.ReadSeeker) {
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r, "", zeroTime, content)
	if r.Method != http.MethodGet || (rec.status != http.StatusOK && rec.status != http.StatusPartialContent) {
		return
	}
	t := tokenFrom(r.Context())
	s.Audit(r, store.AuditEvent{Action: store.AuditDownload, OK: true, Username: t.Username,
		Product: t.Product, Detail: detail, Bytes: rec.bytes})
}
