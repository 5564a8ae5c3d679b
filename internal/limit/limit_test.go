package limit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// TestFailures: a key is blocked after max failures within the window,
// until the window passes; a success resets it; other keys are unaffected.
func TestFailures(t *testing.T) {
	l := New(3, time.Minute)
	for i := range 3 {
		if w := l.Blocked("alice", t0); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("alice", t0.Add(time.Duration(i)*time.Second))
	}
	if w := l.Blocked("alice", t0.Add(10*time.Second)); w != 50*time.Second {
		t.Errorf("after 3 failures Blocked = %v, want 50s (until the window from the first passes)", w)
	}
	if w := l.Blocked("bob", t0); w != 0 {
		t.Errorf("another key is blocked for %v", w)
	}
	if w := l.Blocked("alice", t0.Add(time.Minute)); w != 0 {
		t.Errorf("after the window Blocked = %v, want 0", w)
	}
	l.Fail("alice", t0)
	l.Fail("alice", t0)
	l.Fail("alice", t0)
	l.Reset("alice")
	if w := l.Blocked("alice", t0); w != 0 {
		t.Errorf("after Reset Blocked = %v, want 0", w)
	}
}

// TestTake: Take lets exactly max events of a key through per window,
// even when they race, and refuses the rest with the time to wait.
func TestTake(t *testing.T) {
	l := New(10, time.Hour)
	var passed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if l.Take("inst", t0) == 0 {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := passed.Load(); n != 10 {
		t.Errorf("%d of 50 racing events passed, want 10", n)
	}
	if w := l.Take("inst", t0.Add(time.Minute)); w != 59*time.Minute {
		t.Errorf("the 51st event waits %v, want 59m", w)
	}
	if w := l.Take("inst", t0.Add(time.Hour)); w != 0 {
		t.Errorf("after the window Take = %v, want 0", w)
	}
	if w := l.Take("other", t0); w != 0 {
		t.Errorf("another key waits %v", w)
	}
}
