// Package limit counts events per key — failed logins per username or
// client address, reports per installation — and refuses further attempts
// for a while once there were too many within a window. It keeps
// everything in memory and never blocks a key it has not counted.
package limit

import (
	"sync"
	"time"
)

// maxTracked bounds the keys the limiter remembers; past it, entries whose
// window has passed are dropped.
const maxTracked = 10000

// Limiter counts failed logins per key (a username, or a client address):
// after max failures within window, further attempts are refused until the
// window passes.
type Limiter struct {
	max    int
	window time.Duration

	mu       sync.Mutex
	failures map[string]*failures
}

type failures struct {
	count int
	first time.Time
}

func New(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, failures: map[string]*failures{}}
}

// Blocked returns how long key must wait before trying again, or 0.
func (l *Limiter) Blocked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blocked(key, now)
}

// blocked is Blocked with l.mu held.
func (l *Limiter) blocked(key string, now time.Time) time.Duration {
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

// Fail records a failed login.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(key, now)
}

// Take counts one event of key unless key is blocked, in which case it
// returns how long to wait and counts nothing: a rate limit of max events
// per window.
func (l *Limiter) Take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if wait := l.blocked(key, now); wait > 0 {
		return wait
	}
	l.count(key, now)
	return 0
}

// count records one event of key; l.mu is held.
func (l *Limiter) count(key string, now time.Time) {
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

// Reset forgets the failures of key after a successful login.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
