package store_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

// BenchmarkIngestInTx measures ingest transactions written concurrently: an
// event key, a contact read and upsert, a trigger event and two deliveries
// each, as one inbound event that fires two rules.
func BenchmarkIngestInTx(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect)
			ctx := b.Context()
			ws, err := s.WorkspaceCreate(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			ep := actions.Endpoint{ID: id.New(id.Endpoint), WorkspaceID: ws.ID, URL: "https://example.com", Enabled: true, Secret: "whsec_eA=="}
			if err := s.EndpointInsert(ctx, ep); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					cid := fmt.Sprintf("c_%d", i%1000)
					err := s.IngestInTx(ctx, func(tx engine.IngestTx) error {
						if _, err := tx.EventKeyInsertMany(ctx, engine.EventKeyInsertManyParams{WorkspaceID: ws.ID, Keys: []string{fmt.Sprint("k", i)}, Now: time.Now()}); err != nil {
							return err
						}
						cs, err := tx.ContactGetMany(ctx, engine.ContactGetManyParams{WorkspaceID: ws.ID, IDs: []string{cid}})
						if err != nil {
							return err
						}
						c := cs[cid]
						if c == nil {
							c = &triggers.Contact{ID: cid, CreatedAt: time.Now()}
						}
						c.Tags = append(c.Tags[:0], "vip")
						if err := tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: ws.ID, Contacts: []*triggers.Contact{c}}); err != nil {
							return err
						}
						te := triggers.TriggerEvent{ID: id.New(id.TriggerEvent), Type: triggers.TriggerTagApplied, Timestamp: time.Now(), ContactID: cid, Contact: *c}
						if err := tx.TriggerEventInsertMany(ctx, engine.TriggerEventInsertManyParams{WorkspaceID: ws.ID, Events: []triggers.TriggerEvent{te}}); err != nil {
							return err
						}
						var ds []actions.NewDelivery
						for range 2 {
							ds = append(ds, actions.NewDelivery{
								Delivery: actions.Delivery{ID: id.New(id.Delivery), WorkspaceID: ws.ID, EndpointID: ep.ID, TriggerEventID: te.ID, Event: te.Type, ContactID: cid},
								Message:  actions.Message{Payload: json.RawMessage(`{"event":"tag_applied","tag":"vip"}`)},
							})
						}
						return tx.DeliveryInsertMany(ctx, ds)
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ingests/s")
		})
	}
}

// BenchmarkClaimAndRecord measures the worker's side: claim 100 due
// deliveries, record 100 outcomes.
func BenchmarkClaimAndRecord(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect)
			ctx := b.Context()
			ws, err := s.WorkspaceCreate(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			ep := actions.Endpoint{ID: id.New(id.Endpoint), WorkspaceID: ws.ID, URL: "https://example.com", Enabled: true, Secret: "whsec_eA=="}
			if err := s.EndpointInsert(ctx, ep); err != nil {
				b.Fatal(err)
			}
			const batch = 100
			due := time.Now()
			for done := 0; done < b.N*batch; done += 1000 {
				ds := make([]actions.NewDelivery, 1000)
				for i := range ds {
					ds[i] = actions.NewDelivery{
						Delivery: actions.Delivery{ID: id.New(id.Delivery), WorkspaceID: ws.ID, EndpointID: ep.ID, NextAttemptAt: &due},
						Message:  actions.Message{Payload: json.RawMessage(`{"event":"tag_applied"}`)},
					}
				}
				if err := s.IngestInTx(ctx, func(tx engine.IngestTx) error { return tx.DeliveryInsertMany(ctx, ds) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				now := time.Now()
				c, err := s.DeliveryClaimDue(ctx, actions.DeliveryClaimDueParams{Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute), Limit: batch})
				if err != nil || len(c) != batch {
					b.Fatalf("claimed %d, %v", len(c), err)
				}
				outs := make([]actions.Outcome, len(c))
				for i, cl := range c {
					outs[i] = actions.Outcome{Attempt: actions.Attempt{DeliveryID: cl.Delivery.ID, At: now, StatusCode: 200}, Status: actions.StatusSucceeded, AttemptCount: 1, DeliveredAt: &now}
				}
				if err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w", Outcomes: outs}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
