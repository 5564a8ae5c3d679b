// Package load is the closed-loop load generator of `make loadtest`: a
// fixed number of simulated clients, each a goroutine with its own HTTP
// client, run one operation after another for a set time, and Run reports
// how many succeeded and failed, the throughput and the latency
// percentiles.
//
// Closed loop means a client starts its next operation only when the
// previous one has finished, so the offered load adapts to the server: a
// slower server sees fewer requests, and the result shows it as lower
// throughput and higher latency rather than as a growing queue.
//
// The package sends requests only where a Step sends them; the load test
// points it at servers it started on loopback. It asserts nothing about
// speed: callers decide what is good enough.
package load

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A Scenario says what the simulated clients do and for how long.
type Scenario struct {
	// Name labels the result.
	Name string
	// Clients is how many clients run at once; below 1 counts as 1.
	Clients int
	// Duration is how long the measured part of the run lasts, after the
	// warmup.
	Duration time.Duration
	// Warmup is how long the clients run before measuring starts: the
	// operations they start in that time are neither counted nor timed.
	// It lets connections open and caches fill.
	Warmup time.Duration
	// Step runs one operation, which may issue several requests (an
	// update check is two GETs), and returns an error if it failed: an
	// unexpected status, a transport error, a body of the wrong length or
	// hash. Each client calls it again and again with its own c, its
	// number client (0 to Clients-1) and i, the count of its earlier
	// calls (warmup included). Step must read each response body to the
	// end and close it (GetOK and Drain do), so that the connection is
	// reused and Result.Bytes is right.
	Step func(ctx context.Context, c *http.Client, client int, i int) error
}

// A Result is what a run measured. Everything in it except Name and
// Clients covers only the operations started after the warmup.
type Result struct {
	Name    string
	Clients int
	// Ops is the number of operations that succeeded, Errors the number
	// that failed; Ops+Errors were attempted. Operations cut short by the
	// cancellation of Run's context are in neither.
	Ops    int64
	Errors int64
	// FirstErrors holds the messages of the first failures, up to 5
	// distinct ones, earliest first.
	FirstErrors []string
	// Elapsed is the measured time: from the end of the warmup until
	// the last client stopped.
	Elapsed time.Duration
	// Throughput is Ops per second of Elapsed.
	Throughput float64
	// P50, P90, P99 and Max are latencies of the successful operations:
	// the time a Step call took, nearest-rank percentiles.
	P50, P90, P99, Max time.Duration
	// Bytes is the number of response body bytes read during the
	// measured operations, failed ones included.
	Bytes int64
}

// maxFirstErrors is how many distinct messages Result.FirstErrors keeps.
const maxFirstErrors = 5

// drainTime is how long the operations in flight when Duration ends may
// still take before their context is cancelled (they then count as
// failed): a server that stopped answering must not hang the run.
const drainTime = 10 * time.Second

// Run runs sc and returns what it measured. It returns after
// sc.Warmup+sc.Duration and the operations still in flight then, or
// sooner if ctx is cancelled; the result then covers the time until
// the cancellation.
//
// Latencies are kept in full (8 bytes per operation, in a slice per
// client) and sorted at the end: exact, and small enough for runs of a
// few million operations.
func Run(ctx context.Context, sc Scenario) Result {
	clients := max(sc.Clients, 1)
	start := time.Now()
	measureFrom := start.Add(sc.Warmup)
	end := measureFrom.Add(sc.Duration)
	stepCtx, cancel := context.WithDeadline(ctx, end.Add(drainTime))
	defer cancel()

	tallies := make([]*tally, clients)
	var wg sync.WaitGroup
	for n := range clients {
		t := &tally{latencies: make([]time.Duration, 0, 1<<12)}
		tallies[n] = t
		wg.Go(func() {
			runClient(ctx, stepCtx, sc.Step, n, measureFrom, end, t)
		})
	}
	wg.Wait()
	stopped := time.Now()

	r := Result{Name: sc.Name, Clients: clients}
	if stopped.After(measureFrom) {
		r.Elapsed = stopped.Sub(measureFrom)
	}
	var latencies []time.Duration
	var firsts []firstError
	for _, t := range tallies {
		r.Ops += t.ops
		r.Errors += t.errors
		r.Bytes += t.bytes
		latencies = append(latencies, t.latencies...)
		firsts = append(firsts, t.firstErrors...)
	}
	if r.Elapsed > 0 {
		r.Throughput = float64(r.Ops) / r.Elapsed.Seconds()
	}
	slices.Sort(latencies)
	r.P50 = percentile(latencies, 50)
	r.P90 = percentile(latencies, 90)
	r.P99 = percentile(latencies, 99)
	r.Max = percentile(latencies, 100)
	slices.SortStableFunc(firsts, func(a, b firstError) int { return a.at.Compare(b.at) })
	for _, f := range firsts {
		if len(r.FirstErrors) < maxFirstErrors && !slices.Contains(r.FirstErrors, f.msg) {
			r.FirstErrors = append(r.FirstErrors, f.msg)
		}
	}
	return r
}

// A tally is what one client measured. Only its own goroutine writes it
// until Run merges the tallies.
type tally struct {
	ops, errors, bytes int64
	latencies          []time.Duration
	firstErrors        []firstError
}

type firstError struct {
	at  time.Time
	msg string
}

// runClient is one simulated client: it calls step until end or until
// ctx is cancelled, and records the operations started at or after
// measureFrom in t. Steps get stepCtx, which lasts a little past end.
func runClient(ctx, stepCtx context.Context, step func(context.Context, *http.Client, int, int) error, n int, measureFrom, end time.Time, t *tally) {
	var bodyBytes atomic.Int64
	c := newClient(&bodyBytes)
	defer c.CloseIdleConnections()
	for i := 0; ctx.Err() == nil; i++ {
		began := time.Now()
		if !began.Before(end) {
			return
		}
		before := bodyBytes.Load()
		err := step(stepCtx, c, n, i)
		took := time.Since(began)
		if began.Before(measureFrom) {
			continue
		}
		if err != nil && ctx.Err() != nil {
			return // cut short by the caller, not the server's fault
		}
		t.bytes += bodyBytes.Load() - before
		if err != nil {
			t.errors++
			if len(t.firstErrors) < maxFirstErrors && !slices.ContainsFunc(t.firstErrors, func(f firstError) bool { return f.msg == err.Error() }) {
				t.firstErrors = append(t.firstErrors, firstError{at: began, msg: err.Error()})
			}
			continue
		}
		t.ops++
		t.latencies = append(t.latencies, took)
	}
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p% of the values
// are at most. It returns 0 for no values.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n), 1-based
	return sorted[max(rank, 1)-1]
}

// newClient returns the HTTP client of one simulated client: its own
// connection pool with keep-alive, at most 2 idle connections kept (a
// Step issues its requests one after another), HTTP/1.1 only, no proxy
// from the environment (the targets are on loopback), and no transparent
// gzip, so that bodies arrive as the server sent them. The bytes read
// from response bodies are added to bodyBytes.
func newClient(bodyBytes *atomic.Int64) *http.Client {
	tr := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: &countingTransport{next: tr, n: bodyBytes}}
}
