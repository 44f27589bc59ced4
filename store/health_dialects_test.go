package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
)

// TestDisableAfterAttempts: counting attempts, the endpoint is disabled at
// exactly the Nth failed attempt in a row, whatever the deliveries' fate;
// charged attempts (no request sent) do not count; the last attempt and
// failure times follow real requests only.
func TestDisableAfterAttempts(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		f.ep.DisableAfter = actions.DisableAfter{Failures: 3, Counting: actions.CountAttempts}
		if err := s.EndpointUpdate(t.Context(), f.ep); err != nil {
			t.Fatal(err)
		}
		if e := f.endpoint(t); e.DisableAfter != f.ep.DisableAfter {
			t.Fatalf("stored disable_after %+v", e.DisableAfter)
		}
		f.record(t, 1, actions.StatusFailed, 500, t0)
		f.record(t, 1, actions.StatusSucceeded, 200, t0.Add(time.Second))
		f.record(t, 2, actions.StatusFailed, 500, t0.Add(2*time.Second))
		e := f.endpoint(t)
		if !e.Enabled || e.FailureStreak != 2 || !e.LastAttemptAt.Equal(t0.Add(2*time.Second)) || !e.LastFailureAt.Equal(t0.Add(2*time.Second)) ||
			!e.LastSuccessAt.Equal(t0.Add(time.Second)) {
			t.Fatalf("after 2 failed: %+v", e)
		}
		// A charged failure sends no request: it counts neither as an
		// attempt nor for the times.
		f.recordCharged(t, t0.Add(3*time.Second))
		if e := f.endpoint(t); !e.Enabled || e.FailureStreak != 2 || !e.LastAttemptAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("after a charged attempt: %+v", e)
		}
		f.record(t, 1, actions.StatusFailed, 503, t0.Add(4*time.Second))
		e = f.endpoint(t)
		if e.Enabled || !strings.HasPrefix(e.DisabledReason, "3 consecutive attempts failed (disable_after: 3 failed attempts)") ||
			!strings.Contains(e.DisabledReason, "HTTP 500") {
			t.Fatalf("after the 3rd failed attempt: enabled %v, reason %q", e.Enabled, e.DisabledReason)
		}
	})
}

// recordCharged records one charged failed attempt of a new delivery.
func (f fixture) recordCharged(t *testing.T, at time.Time) {
	t.Helper()
	f.insertDeliveries(t, f.newDelivery(at))
	c := f.claim(t, "w1", at, 1)
	next := at.Add(time.Hour)
	o := actions.Outcome{Attempt: actions.Attempt{DeliveryID: c[0].Delivery.ID, At: at, Error: "not sent"},
		Status: actions.StatusFailed, AttemptCount: 1, NextAttemptAt: &next, LastError: "not sent", Charged: true}
	if err := f.s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: []actions.Outcome{o}}); err != nil {
		t.Fatal(err)
	}
}

// TestEndpointStatsMany counts a page of endpoints in one call.
func TestEndpointStatsMany(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		f.record(t, 2, actions.StatusSucceeded, 200, t0)
		f.record(t, 1, actions.StatusDead, 500, t0)
		f.insertDeliveries(t, f.newDelivery(t0.Add(time.Hour)))
		got, err := s.EndpointStatsMany(t.Context(), f.ws.ID, []string{f.ep.ID, "ep_none"})
		if err != nil {
			t.Fatal(err)
		}
		st := got[f.ep.ID]
		if len(got) != 1 || st[actions.StatusSucceeded] != 2 || st[actions.StatusDead] != 1 || st[actions.StatusPending] != 1 {
			t.Fatalf("stats %v", got)
		}
	})
}

// TestDisableAfterAttemptsExact: counting attempts, an endpoint is disabled
// after exactly N failed attempts in a row however many are in flight: a
// batch of more than N failures, and N+k failures recorded concurrently,
// count N, the reason names N, and the outcomes recorded after the disable
// do not extend the streak.
func TestDisableAfterAttemptsExact(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		t.Run("one batch", func(t *testing.T) {
			f := setup(t, s)
			f.ep.DisableAfter = actions.DisableAfter{Failures: 5, Counting: actions.CountAttempts}
			if err := s.EndpointUpdate(t.Context(), f.ep); err != nil {
				t.Fatal(err)
			}
			// 13 in flight: recorded as 2, 8 and 3 failures.
			var ds []actions.NewDelivery
			for range 13 {
				ds = append(ds, f.newDelivery(t0))
			}
			f.insertDeliveries(t, ds...)
			c := f.claim(t, "w1", t0, 13)
			if len(c) != 13 {
				t.Fatalf("claimed %d of 13", len(c))
			}
			record := func(cs []actions.Claimed, at time.Time) {
				t.Helper()
				next := at.Add(time.Hour)
				var outs []actions.Outcome
				for _, cl := range cs {
					outs = append(outs, actions.Outcome{Attempt: actions.Attempt{ID: id.New(id.Attempt), DeliveryID: cl.Delivery.ID, At: at, StatusCode: 500, Error: "HTTP 500"},
						Status: actions.StatusFailed, AttemptCount: 1, NextAttemptAt: &next, LastStatusCode: 500, LastError: "HTTP 500"})
				}
				if err := s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: outs}); err != nil {
					t.Fatal(err)
				}
			}
			record(c[:2], t0)
			record(c[2:10], t0.Add(time.Second))
			e := f.endpoint(t)
			if e.Enabled || e.FailureStreak != 5 || !strings.HasPrefix(e.DisabledReason, "5 consecutive attempts failed (disable_after: 5 failed attempts)") {
				t.Fatalf("after 2 and then 8 failed attempts: enabled %v, streak %d, reason %q", e.Enabled, e.FailureStreak, e.DisabledReason)
			}
			// Outcomes still in flight when it was disabled change nothing.
			record(c[10:], t0.Add(2*time.Second))
			if e := f.endpoint(t); e.FailureStreak != 5 || !strings.HasPrefix(e.DisabledReason, "5 consecutive") {
				t.Fatalf("after 3 more: streak %d, reason %q", e.FailureStreak, e.DisabledReason)
			}
		})
		t.Run("concurrent", func(t *testing.T) {
			f := setup(t, s)
			log := watchDisabled(s)
			const limit, n = 3, 12
			f.ep.DisableAfter = actions.DisableAfter{Failures: limit, Counting: actions.CountAttempts}
			if err := s.EndpointUpdate(t.Context(), f.ep); err != nil {
				t.Fatal(err)
			}
			c := f.claimNew(t, n, t0)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			next := t0.Add(time.Hour)
			for i, cl := range c {
				wg.Go(func() {
					at := t0.Add(time.Duration(i) * time.Millisecond)
					o := actions.Outcome{Attempt: actions.Attempt{ID: id.New(id.Attempt), DeliveryID: cl.Delivery.ID, At: at, StatusCode: 500, Error: "HTTP 500"},
						Status: actions.StatusFailed, AttemptCount: 1, NextAttemptAt: &next, LastStatusCode: 500, LastError: "HTTP 500"}
					errs <- s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: []actions.Outcome{o}})
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("DeliveryRecordOutcomes: %v", err)
				}
			}
			e := f.endpoint(t)
			if e.Enabled || e.FailureStreak != limit || !strings.HasPrefix(e.DisabledReason, "3 consecutive attempts failed (disable_after: 3 failed attempts)") {
				t.Fatalf("after %d concurrent failed attempts: enabled %v, streak %d, reason %q", n, e.Enabled, e.FailureStreak, e.DisabledReason)
			}
			if got := log.all(); len(got) != 1 || got[0].Reason != e.DisabledReason {
				t.Fatalf("disabled notices %+v", got)
			}
		})
	})
}

// TestPlannerFlagsConfined: the planner methods the claim and the outcome
// recording turn off for their own statements are back as they were for
// the statements after them in the same transaction (the health queries,
// the claimed endpoints' read).
func TestPlannerFlagsConfined(t *testing.T) {
	s := storetest.Open(t, store.DialectPostgres)
	for _, which := range []string{"claim", "record"} {
		before, after, err := s.PlannerSettingsAfter(t.Context(), which)
		if err != nil {
			t.Fatalf("%s: %v", which, err)
		}
		if before != after || !strings.Contains(before, "enable_seqscan=on") {
			t.Errorf("after the %s: %s; before: %s", which, after, before)
		}
	}
}
