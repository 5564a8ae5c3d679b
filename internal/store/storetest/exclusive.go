package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"inplace/internal/store"
)

// testExclusive: while work of one name runs, a second Exclusive of that
// name does not run, whether it comes from the same goroutine or another;
// work of another name runs; once the first is done, the name is free
// again; fn's error comes back.
func testExclusive(t *testing.T, s store.Store) {
	var inner, other bool
	ran, err := s.Exclusive(ctx, "resign", func(ctx context.Context) error {
		var err error
		if inner, err = s.Exclusive(ctx, "resign", func(context.Context) error { return nil }); err != nil {
			return err
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			ran, err := s.Exclusive(ctx, "resign", func(context.Context) error { return nil })
			if err != nil || ran {
				t.Errorf("concurrent Exclusive(resign) = %v, %v; want false, nil", ran, err)
			}
		})
		wg.Wait()
		other, err = s.Exclusive(ctx, "cleanup", func(context.Context) error { return nil })
		return err
	})
	if err != nil || !ran {
		t.Fatalf("Exclusive(resign) = %v, %v; want true, nil", ran, err)
	}
	if inner {
		t.Error("a nested Exclusive of the same name ran")
	}
	if !other {
		t.Error("an Exclusive of another name did not run")
	}
	again, err := s.Exclusive(ctx, "resign", func(context.Context) error { return nil })
	if err != nil || !again {
		t.Errorf("Exclusive(resign) after the first = %v, %v; want true, nil", again, err)
	}
	boom := errors.New("boom")
	if ran, err := s.Exclusive(ctx, "resign", func(context.Context) error { return boom }); !ran || !errors.Is(err, boom) {
		t.Errorf("Exclusive returning an error = %v, %v; want true, boom", ran, err)
	}
}
