package web

import (
	"sync"
	"time"
)

// maxTracked bounds the usernames the limiter remembers; past it, those
// whose window has passed are dropped.
const maxTracked = 10000

// limiter counts failed logins per username: after max failures within
// window from the first, further attempts are refused until the window
// passes.
type limiter struct {
	max    int
	window time.Duration

	mu       sync.Mutex
	failures map[string]*failures
}

type failures struct {
	count int
	first time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, failures: map[string]*failures{}}
}

// blocked returns how long key must wait before trying again, or 0.
func (l *limiter) blocked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.failures[key]
	if f == nil || f.count < l.max {
		return 0
	}
	if wait := f.first.Add(l.window).Sub(now); wait > 0 {
		return wait
	}
	delete(l.failures, key)
	return 0
}

// fail records a failed login of key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.failures[key]
	if f == nil || now.Sub(f.first) >= l.window {
		if len(l.failures) >= maxTracked {
			for k, old := range l.failures {
				if now.Sub(old.first) >= l.window {
					delete(l.failures, k)
				}
			}
		}
		f = &failures{first: now}
		l.failures[key] = f
	}
	f.count++
}

// reset forgets the failures of key after a successful login.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
