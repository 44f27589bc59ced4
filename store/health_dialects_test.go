package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/store"
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
