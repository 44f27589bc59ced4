package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tripline/tripline/store"
)

// TestListenDeliveries: a commit of deliveries wakes a listener on Postgres,
// across connections; on SQLite ListenDeliveries returns at once.
func TestListenDeliveries(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		woken := make(chan struct{}, 10)
		done := make(chan error, 1)
		go func() { done <- s.ListenDeliveries(ctx, func() { woken <- struct{}{} }) }()
		if s.Dialect() == store.DialectSQLite {
			if err := <-done; err != nil {
				t.Fatalf("ListenDeliveries on SQLite: %v", err)
			}
			cancel()
			return
		}
		wait := func(what string) {
			t.Helper()
			select {
			case <-woken:
			case <-time.After(10 * time.Second):
				t.Fatalf("no wake-up %s", what)
			}
		}
		wait("once listening")
		f.insertDeliveries(t, f.newDelivery(t0), f.newDelivery(t0))
		wait("after deliveries were committed")
		f.insertDeliveries(t, f.newDelivery(t0))
		wait("after more deliveries were committed")
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("ListenDeliveries after cancel: %v", err)
		}
	})
}
