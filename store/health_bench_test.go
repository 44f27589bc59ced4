package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store/storetest"
)

// BenchmarkRecordOutcomes measures DeliveryRecordOutcomes alone: batches of
// 100 outcomes over two endpoints, claimed outside the timer, all succeeded
// or all failed (counted towards an auto-disable limit never reached).
func BenchmarkRecordOutcomes(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		for _, failing := range []bool{false, true} {
			name := dialect + "/succeeded"
			if failing {
				name = dialect + "/failed"
			}
			b.Run(name, func(b *testing.B) {
				s := storetest.Open(b, dialect)
				ctx := b.Context()
				ws, err := s.WorkspaceCreate(ctx, "bench")
				if err != nil {
					b.Fatal(err)
				}
				var eps []actions.Endpoint
				for range 2 {
					ep := actions.Endpoint{ID: id.New(id.Endpoint), WorkspaceID: ws.ID, URL: "https://example.com", Enabled: true, Secret: "whsec_eA==",
						DisableAfter: actions.DisableAfter{Failures: 1 << 30, Counting: actions.CountAttempts}}
					if err := s.EndpointInsert(ctx, ep); err != nil {
						b.Fatal(err)
					}
					eps = append(eps, ep)
				}
				const batch = 100
				due := time.Now()
				for done := 0; done < b.N*batch; done += 1000 {
					ds := make([]actions.NewDelivery, 1000)
					for i := range ds {
						ds[i] = actions.NewDelivery{
							Delivery: actions.Delivery{ID: id.New(id.Delivery), WorkspaceID: ws.ID, EndpointID: eps[i%2].ID, NextAttemptAt: &due},
							Message:  actions.Message{Payload: json.RawMessage(`{"event":"tag_applied"}`)},
						}
					}
					if err := s.IngestInTx(ctx, func(tx engine.IngestTx) error { return tx.DeliveryInsertMany(ctx, ds) }); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					now := time.Now()
					c, err := s.DeliveryClaimDue(ctx, actions.DeliveryClaimDueParams{Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute), Limit: batch})
					if err != nil || len(c) != batch {
						b.Fatalf("claimed %d, %v", len(c), err)
					}
					outs := make([]actions.Outcome, len(c))
					later := now.Add(time.Hour)
					for i, cl := range c {
						if failing {
							outs[i] = actions.Outcome{Attempt: actions.Attempt{DeliveryID: cl.Delivery.ID, At: now, StatusCode: 500, Error: "HTTP 500"},
								Status: actions.StatusFailed, AttemptCount: 1, NextAttemptAt: &later, LastStatusCode: 500, LastError: "HTTP 500"}
						} else {
							outs[i] = actions.Outcome{Attempt: actions.Attempt{DeliveryID: cl.Delivery.ID, At: now, StatusCode: 200},
								Status: actions.StatusSucceeded, AttemptCount: 1, DeliveredAt: &now}
						}
					}
					b.StartTimer()
					if err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w", Outcomes: outs}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "outcomes/s")
			})
		}
	}
}
