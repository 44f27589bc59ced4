package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

// BenchmarkContactList measures one page of 50 contacts of a workspace of
// 20,000: unfiltered, by a tag half of them have, by a tag one has, and by a
// custom field value one has.
func BenchmarkContactList(b *testing.B) {
	const contacts = 20000
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect)
			ctx := b.Context()
			ws, err := s.WorkspaceCreate(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			batch := make([]*triggers.Contact, 0, 1000)
			for i := range contacts {
				tags := []string{"lead"}
				if i%2 == 0 {
					tags = append(tags, "common")
				}
				if i == contacts-1 {
					tags = append(tags, "rare")
				}
				batch = append(batch, contact(fmt.Sprintf("c_%06d", i), tags, map[string]any{"order": float64(i), "plan": "pro"}))
				if len(batch) == cap(batch) {
					if err := s.IngestInTx(ctx, func(tx engine.IngestTx) error {
						return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: ws.ID, Contacts: batch})
					}); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			for _, bc := range []struct {
				name string
				p    tripline.ContactListParams
				want int
			}{
				{"all", tripline.ContactListParams{}, 50},
				{"common_tag", tripline.ContactListParams{Tag: "common"}, 50},
				{"rare_tag", tripline.ContactListParams{Tag: "rare"}, 1},
				{"rare_field", tripline.ContactListParams{FieldPath: []string{"custom_fields", "order"}, Value: "19999"}, 1},
			} {
				b.Run(bc.name, func(b *testing.B) {
					p := bc.p
					p.WorkspaceID, p.Limit = ws.ID, 50
					for range b.N {
						got, err := s.ContactList(ctx, p)
						if err != nil || len(got) != bc.want {
							b.Fatalf("got %d contacts, %v; want %d", len(got), err, bc.want)
						}
					}
				})
			}
		})
	}
}

// BenchmarkDeliveryQueueStats measures the /metrics queue query over 10,000
// due deliveries among 20,000.
func BenchmarkDeliveryQueueStats(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect)
			ctx := b.Context()
			ws, err := s.WorkspaceCreate(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			for i := range 20 {
				due := now.Add(time.Duration(i%2*2-1) * time.Hour) // half due, half in an hour
				ds := make([]actions.NewDelivery, 1000)
				for j := range ds {
					ds[j] = actions.NewDelivery{
						Delivery: actions.Delivery{ID: id.New(id.Delivery), WorkspaceID: ws.ID, EndpointID: "ep_x", NextAttemptAt: &due},
						Message:  actions.Message{Payload: json.RawMessage(`{}`)},
					}
				}
				if err := s.IngestInTx(ctx, func(tx engine.IngestTx) error { return tx.DeliveryInsertMany(ctx, ds) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				n, _, err := s.DeliveryQueueStats(ctx, now)
				if err != nil || n != 10000 {
					b.Fatalf("due %d, %v", n, err)
				}
			}
		})
	}
}
