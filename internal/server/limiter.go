package server

import (
	"sync"
	"time"
)

// maxTracked bounds the usernames the limiter remembers; past it, entries
// whose window has passed are dropped.
const maxTracked = 10000

// limiter counts failed logins per username: after max failures within
// window, further attempts are refused until the window passes.
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

// blocked returns how long username must wait before trying again, or 0.
func (l *limiter) blocked(username string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.failures[username]
	if f == nil || f.count < l.max {
		return 0
	}
	if wait := f.first.Add(l.window).Sub(now); wait > 0 {
		return wait
	}
	delete(l.failures, username)
	return 0
}

// fail records a failed login.
func (l *limiter) fail(username string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.failures[username]
	if f == nil || now.Sub(f.first) >= l.window {
		if len(l.failures) >= maxTracked {
			for u, old := range l.failures {
				if now.Sub(old.first) >= l.window {
					delete(l.failures, u)
				}
			}
		}
		f = &failures{first: now}
		l.failures[username] = f
	}
	f.count++
}

// reset forgets the failures of username after a successful login.
func (l *limiter) reset(username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, username)
}
