package store_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

func TestRetention(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			var clock atomic.Int64
			clock.Store(t0.UnixNano())
			now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
			s := storetest.OpenConfig(t, dialect, store.Config{Now: now})
			f := setup(t, s)

			oldDead := f.record(t, 3, actions.StatusDead, 500, t0) // created and attempted at t0
			waiting := f.newDelivery(t0.Add(100 * 24 * time.Hour)) // old, but not sent yet
			f.insertDeliveries(t, waiting)
			ingest(t, s, func(tx engine.IngestTx) error {
				return tx.TriggerEventInsertMany(t.Context(), engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID,
					Events: []triggers.TriggerEvent{{ID: "evt_old", Type: triggers.TriggerTagApplied, ContactID: "c_1"}}})
			})

			later := t0.Add(31 * 24 * time.Hour)
			clock.Store(later.UnixNano())
			recent := f.newDelivery(later)
			recent.Delivery.CreatedAt = later
			f.insertDeliveries(t, recent)
			ingest(t, s, func(tx engine.IngestTx) error {
				return tx.TriggerEventInsertMany(t.Context(), engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID,
					Events: []triggers.TriggerEvent{{ID: "evt_new", Type: triggers.TriggerTagApplied, ContactID: "c_1"}}})
			})

			job, err := store.NewRetention(store.RetentionConfig{Store: s, MaxAge: 30 * 24 * time.Hour, BatchSize: 2, Pause: time.Nanosecond, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			res, err := job.Sweep(t.Context())
			if err != nil || res != (store.RetentionDeleteResult{Messages: 3, Attempts: 3, TriggerEvents: 1}) {
				t.Fatalf("Sweep = %+v, %v", res, err)
			}
			d, msg, attempts := f.get(t, oldDead[0].Attempt.DeliveryID)
			if d.Status != actions.StatusDead || d.AttemptCount != 1 || msg.Payload != nil || len(attempts) != 0 {
				t.Fatalf("old delivery after retention: %+v, payload %q, %d attempts", d, msg.Payload, len(attempts))
			}
			for _, kept := range []string{waiting.Delivery.ID, recent.Delivery.ID} {
				if _, msg, _ := f.get(t, kept); msg.Payload == nil {
					t.Fatalf("payload of %s deleted", kept)
				}
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
