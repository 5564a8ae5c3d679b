package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"inplace/internal/store"
)

// metrics are the Prometheus metrics of one Server, served at /metrics.
// Labels take few values: routes are the API's patterns, never paths
// (which hold hashes and product names), and failures are counted by
// reason, a word per refusal status.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec   // route, method, code
	latency  *prometheus.HistogramVec // route
	bytes    *prometheus.CounterVec   // route
	logins   *prometheus.CounterVec   // kind (password, refresh, web), result (ok, refused)
	failures *prometheus.CounterVec   // reason
	inFlight prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inplace_http_requests_total",
			Help: "HTTP requests answered, by route (the API's pattern), method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "inplace_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
		}, []string{"route"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inplace_http_response_bytes_total",
			Help: "Bytes of response bodies sent, by route.",
		}, []string{"route"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inplace_logins_total",
			Help: "Logins with a password (the tool's, kind password; the web catalog's, kind web) and exchanges of a refresh token (kind refresh), by kind and result (ok or refused).",
		}, []string{"kind", "result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inplace_http_failures_total",
			Help: "Requests refused or failed, by reason: bad_request, unauthorized, forbidden, not_found, rate_limited, server_error, other.",
		}, []string{"reason"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "inplace_http_requests_in_flight",
			Help: "Requests being served now.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.bytes, m.logins, m.failures, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// observe counts one answered request.
func (m *metrics) observe(route, method string, status int, bytes int64, d time.Duration) {
	if route == "" {
		route = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
	m.bytes.WithLabelValues(route).Add(float64(bytes))
	if reason := failureReason(status); reason != "" {
		m.failures.WithLabelValues(reason).Inc()
	}
}

// login counts a login or refresh recorded in the audit log.
func (m *metrics) login(e store.AuditEvent) {
	kind := ""
	switch e.Action {
	case store.AuditLogin:
		kind = "password"
	case store.AuditRefresh:
		kind = "refresh"
	case store.AuditWebLogin:
		kind = "web"
	default:
		return
	}
	result := "refused"
	if e.OK {
		result = "ok"
	}
	m.logins.WithLabelValues(kind, result).Inc()
}

// failureReason names the reason of a refusal or failure; "" for success.
func failureReason(status int) string {
	switch {
	case status < 400:
		return ""
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge, status == http.StatusMethodNotAllowed:
		return "bad_request"
	case status == http.StatusUnauthorized:
		return "unauthorized"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusNotFound:
		return "not_found"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	case status >= 500:
		return "server_error"
	}
	return "other"
}
