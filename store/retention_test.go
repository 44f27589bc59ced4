package store_test

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

// TestRetention: a sweep deletes exactly the payloads of finished
// deliveries, the attempts and the trigger events made before now - MaxAge,
// by the time in their ids, to the millisecond, in batches; it keeps the
// payloads of deliveries not yet finished, however old, and everything
// newer.
func TestRetention(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			const maxAge = 30 * 24 * time.Hour
			before := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // what the sweep deletes is older than this
			later := before.Add(maxAge)                            // when it runs
			var clock atomic.Int64
			clock.Store(later.UnixNano()) // trigger events' created_at: all new; their ids decide
			now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
			s := storetest.OpenConfig(t, dialect, store.Config{Now: now})
			f := setup(t, s)

			// Finished deliveries, each attempted once when it was created,
			// and trigger events, made around before.
			old := []time.Time{before.Add(-24 * time.Hour), before.Add(-time.Millisecond), before.Add(-time.Microsecond)}
			recent := []time.Time{before, before.Add(999 * time.Microsecond), before.Add(time.Millisecond), before.Add(24 * time.Hour)}
			var ds []actions.NewDelivery
			var events []triggers.TriggerEvent
			for _, at := range slices.Concat(old, recent) {
				ds = append(ds, createdAt(f.newDelivery(at), at))
				events = append(events, triggers.TriggerEvent{ID: idAt(id.TriggerEvent, at), Type: triggers.TriggerTagApplied, ContactID: "c_1"})
			}
			// An old delivery that failed and waits for its next attempt,
			// and one never attempted: their payloads stay.
			failedAt := before.Add(-48 * time.Hour)
			failed := createdAt(f.newDelivery(failedAt), failedAt)
			waiting := createdAt(f.newDelivery(later.Add(time.Hour)), before.Add(-72*time.Hour))
			f.insertDeliveries(t, append(ds, failed, waiting)...)
			ingest(t, s, func(tx engine.IngestTx) error {
				return tx.TriggerEventInsertMany(t.Context(), engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID, Events: events})
			})
			claimed := f.claim(t, "w1", later, 100)
			if len(claimed) != len(ds)+1 {
				t.Fatalf("claimed %d, want %d", len(claimed), len(ds)+1)
			}
			var outcomes []actions.Outcome
			for _, c := range claimed {
				at := c.Delivery.CreatedAt
				o := actions.Outcome{Attempt: actions.Attempt{ID: idAt(id.Attempt, at), DeliveryID: c.Delivery.ID, At: at, StatusCode: 500},
					Status: actions.StatusDead, AttemptCount: 1, LastStatusCode: 500}
				if c.Delivery.ID == failed.Delivery.ID {
					next := later.Add(time.Hour)
					o.Status, o.NextAttemptAt = actions.StatusFailed, &next
				}
				outcomes = append(outcomes, o)
			}
			if err := s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: outcomes}); err != nil {
				t.Fatal(err)
			}

			job, err := store.NewRetention(store.RetentionConfig{Store: s, MaxAge: maxAge, BatchSize: 2, Pause: time.Nanosecond, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			res, err := job.Sweep(t.Context())
			if want := (store.RetentionDeleteResult{Messages: len(old), Attempts: len(old) + 1, TriggerEvents: len(old)}); err != nil || res != want {
				t.Fatalf("Sweep = %+v, %v; want %+v", res, err, want)
			}
			for i, nd := range append(ds, failed, waiting) {
				_, msg, attempts := f.get(t, nd.Delivery.ID)
				payloadGone := i < len(old)
				wantAttempts := 1
				switch {
				case i < len(old), nd.Delivery.ID == failed.Delivery.ID: // attempted before
					wantAttempts = 0
				case nd.Delivery.ID == waiting.Delivery.ID: // never attempted
					wantAttempts = 0
				}
				if (msg.Payload == nil) != payloadGone || len(attempts) != wantAttempts {
					t.Errorf("delivery created at %v after retention: payload %q, %d attempts; want payload deleted %v, %d attempts",
						nd.Delivery.CreatedAt, msg.Payload, len(attempts), payloadGone, wantAttempts)
				}
			}
			kept, err := s.TriggerEventListRecent(t.Context(), tripline.TriggerEventListParams{WorkspaceID: f.ws.ID, Type: triggers.TriggerTagApplied, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var keptIDs, wantIDs []string
			for _, te := range kept {
				keptIDs = append(keptIDs, te.ID)
			}
			for _, te := range slices.Backward(events[len(old):]) {
				wantIDs = append(wantIDs, te.ID)
			}
			if fmt.Sprint(keptIDs) != fmt.Sprint(wantIDs) {
				t.Errorf("trigger events kept: %v, want %v", keptIDs, wantIDs)
			}
			if res, err := job.Sweep(t.Context()); err != nil || res != (store.RetentionDeleteResult{}) {
				t.Fatalf("second Sweep = %+v, %v", res, err)
			}

			// The lifecycle: Start sweeps in the background, Stop ends it.
			if err := job.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := job.Stop(t.Context()); err != nil {
				t.Fatalf("Stop: %v", err)
			}
		})
	}
}
