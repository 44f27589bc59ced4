package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
)

// claimNew inserts n new deliveries of f's endpoint, due at at, and claims
// them all as worker w1.
func (f fixture) claimNew(t *testing.T, n int, at time.Time) []actions.Claimed {
	t.Helper()
	var ds []actions.NewDelivery
	for range n {
		ds = append(ds, f.newDelivery(at))
	}
	f.insertDeliveries(t, ds...)
	c := f.claim(t, "w1", at, n)
	if len(c) != n {
		t.Fatalf("claimed %d of %d", len(c), n)
	}
	return c
}

// record claims n new deliveries of f's endpoint and records each with the
// outcome status and HTTP code, at at.
func (f fixture) record(t *testing.T, n int, status actions.Status, code int, at time.Time) []actions.Outcome {
	t.Helper()
	c := f.claimNew(t, n, at)
	outcomes := make([]actions.Outcome, n)
	for i, cl := range c {
		o := actions.Outcome{
			Attempt:      actions.Attempt{ID: idAt(id.Attempt, at), DeliveryID: cl.Delivery.ID, At: at, StatusCode: code},
			Status:       status,
			AttemptCount: 1, LastStatusCode: code,
		}
		switch status {
		case actions.StatusSucceeded:
			o.DeliveredAt = &at
		case actions.StatusFailed:
			next := at.Add(time.Hour)
			o.NextAttemptAt = &next
			fallthrough
		default:
			o.Attempt.Error, o.LastError = "HTTP 500", "HTTP 500"
		}
		outcomes[i] = o
	}
	if err := f.s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: outcomes}); err != nil {
		t.Fatalf("DeliveryRecordOutcomes: %v", err)
	}
	return outcomes
}

func (f fixture) endpoint(t *testing.T) actions.Endpoint {
	t.Helper()
	e, err := f.s.EndpointGet(t.Context(), f.ws.ID, f.ep.ID)
	if err != nil {
		t.Fatalf("EndpointGet: %v", err)
	}
	return e
}

// disabledLog collects the store's endpoint-disabled notices.
type disabledLog struct {
	mu  sync.Mutex
	got []actions.EndpointDisabled
}

func watchDisabled(s *store.Store) *disabledLog {
	l := &disabledLog{}
	s.OnEndpointDisabled(actions.EndpointDisabledFunc(func(_ context.Context, d actions.EndpointDisabled) {
		l.mu.Lock()
		l.got = append(l.got, d)
		l.mu.Unlock()
	}))
	return l
}

func (l *disabledLog) all() []actions.EndpointDisabled {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]actions.EndpointDisabled(nil), l.got...)
}

func TestEndpointAutoDisableAfterDeadStreak(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		log := watchDisabled(s)
		f.record(t, 4, actions.StatusDead, 500, t0)
		f.record(t, 2, actions.StatusFailed, 500, t0.Add(time.Second))
		e := f.endpoint(t)
		if !e.Enabled || e.ConsecutiveDead != 4 || e.FailureStreak != 6 || e.LastSuccessAt != nil {
			t.Fatalf("after 4 dead and 2 failed: %+v", e)
		}
		// A success restarts both streaks.
		f.record(t, 1, actions.StatusSucceeded, 200, t0.Add(2*time.Second))
		e = f.endpoint(t)
		if e.ConsecutiveDead != 0 || e.FailureStreak != 0 || e.LastSuccessAt == nil || !e.LastSuccessAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("after a success: %+v", e)
		}
		f.record(t, 4, actions.StatusDead, 500, t0.Add(3*time.Second))
		if e := f.endpoint(t); !e.Enabled || len(log.all()) != 0 {
			t.Fatalf("disabled after 4 dead: %+v", e)
		}
		waiting := f.newDelivery(t0.Add(time.Hour))
		f.insertDeliveries(t, waiting)
		f.record(t, 1, actions.StatusDead, 500, t0.Add(4*time.Second))
		e = f.endpoint(t)
		if e.Enabled || e.ConsecutiveDead != 5 || !strings.HasPrefix(e.DisabledReason, "5 consecutive deliveries died") || !strings.Contains(e.DisabledReason, "HTTP 500") {
			t.Fatalf("after the 5th dead: enabled %v, streak %d, reason %q", e.Enabled, e.ConsecutiveDead, e.DisabledReason)
		}
		if d, _, _ := f.get(t, waiting.Delivery.ID); d.Status != actions.StatusPaused {
			t.Fatalf("waiting delivery is %s, want paused", d.Status)
		}
		got := log.all()
		if len(got) != 1 || got[0].EndpointID != f.ep.ID || got[0].WorkspaceID != f.ws.ID || got[0].Reason != e.DisabledReason {
			t.Fatalf("disabled notices %+v", got)
		}

		// Enabling it again starts the streaks afresh.
		e.Enabled, e.DisabledReason = true, ""
		if err := s.EndpointUpdate(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if e := f.endpoint(t); e.ConsecutiveDead != 0 || e.FailureStreak != 0 || !e.Enabled {
			t.Fatalf("after enabling: %+v", e)
		}
	})
}

func TestEndpointDisabledByGone(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		log := watchDisabled(s)
		outcomes := f.record(t, 1, actions.StatusFailed, 410, t0)
		e := f.endpoint(t)
		if e.Enabled || e.DisabledReason != "the endpoint answered 410 Gone at 2026-11-22T10:00:00Z" {
			t.Fatalf("after 410: enabled %v, reason %q", e.Enabled, e.DisabledReason)
		}
		if d, _, _ := f.get(t, outcomes[0].Attempt.DeliveryID); d.Status != actions.StatusPaused || d.AttemptCount != 1 {
			t.Fatalf("the 410 delivery is %s after %d attempts, want paused", d.Status, d.AttemptCount)
		}
		// Recording the same outcomes again counts nothing twice and
		// disables nothing twice.
		if err := s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: outcomes}); err != nil {
			t.Fatal(err)
		}
		if e := f.endpoint(t); e.FailureStreak != 1 || len(log.all()) != 1 {
			t.Fatalf("after recording twice: streak %d, notices %d", e.FailureStreak, len(log.all()))
		}
	})
}

// TestEndpointAutoDisableConcurrentRecorders: outcomes recorded by
// concurrent calls count exactly, and only one of them disables: the
// streaks stop at the limit, the outcomes recorded after it do not move
// them.
func TestEndpointAutoDisableConcurrentRecorders(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		log := watchDisabled(s)
		const n = 10
		var ds []actions.NewDelivery
		for range n {
			ds = append(ds, f.newDelivery(t0))
		}
		f.insertDeliveries(t, ds...)
		c := f.claim(t, "w1", t0, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, cl := range c {
			wg.Go(func() {
				o := actions.Outcome{Attempt: actions.Attempt{ID: id.New(id.Attempt), DeliveryID: cl.Delivery.ID, At: t0, StatusCode: 500, Error: "HTTP 500"},
					Status: actions.StatusDead, AttemptCount: 1, LastStatusCode: 500, LastError: "HTTP 500"}
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
		if e := f.endpoint(t); e.Enabled || e.ConsecutiveDead != actions.AutoDisableAfter || e.FailureStreak != actions.AutoDisableAfter ||
			!strings.HasPrefix(e.DisabledReason, "5 consecutive deliveries died (disable_after: 5 dead deliveries)") {
			t.Fatalf("after %d concurrent dead: enabled %v, dead streak %d, failure streak %d, reason %q", n, e.Enabled, e.ConsecutiveDead, e.FailureStreak, e.DisabledReason)
		}
		if got := log.all(); len(got) != 1 {
			t.Fatalf("%d disabled notices, want 1", len(got))
		}
	})
}
