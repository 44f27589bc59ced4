package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
)

// TestDeliveryStatsBucketsByUTCHour: deliveries are counted by the UTC hour
// they were created in and their status, on both databases alike; since is
// inclusive, until exclusive; filters and workspaces apply.
func TestDeliveryStatsBucketsByUTCHour(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		ep2 := newEndpoint(f.ws.ID)
		if err := s.EndpointInsert(ctx, ep2); err != nil {
			t.Fatal(err)
		}
		h10 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		at := func(d time.Duration, st actions.Status, endpointID, ruleID string) actions.NewDelivery {
			nd := createdAt(f.newDelivery(h10), h10.Add(d))
			nd.Delivery.Status = st
			nd.Delivery.EndpointID = endpointID
			nd.Delivery.RuleID = ruleID
			return nd
		}
		f.insertDeliveries(t,
			at(-time.Microsecond, actions.StatusSucceeded, f.ep.ID, "rul_1"),                                     // 09:59:59.999999: before since
			at(0, actions.StatusSucceeded, f.ep.ID, "rul_1"),                                                     // 10:00 exactly
			at(59*time.Minute+59*time.Second+999999*time.Microsecond, actions.StatusSucceeded, f.ep.ID, "rul_1"), // 10:59:59.999999
			at(30*time.Minute, actions.StatusDead, f.ep.ID, "rul_2"),
			at(time.Hour, actions.StatusSucceeded, ep2.ID, "rul_1"),               // 11:00
			at(time.Hour+time.Minute, actions.StatusPaused, f.ep.ID, "rul_1"),     // 11:01
			at(2*time.Hour+5*time.Minute, actions.StatusFailed, f.ep.ID, "rul_1"), // 12:05
			at(3*time.Hour, actions.StatusSucceeded, f.ep.ID, "rul_1"),            // 13:00: at until
		)
		other.insertDeliveries(t, createdAt(other.newDelivery(h10), h10.Add(time.Minute)))

		stats := func(p actions.DeliveryStatsParams) string {
			t.Helper()
			p.WorkspaceID = f.ws.ID
			p.Since, p.Until = h10, h10.Add(3*time.Hour)
			got, err := s.DeliveryStats(ctx, p)
			if err != nil {
				t.Fatalf("DeliveryStats: %v", err)
			}
			var out []string
			for _, c := range got {
				if c.Hour.Location() != time.UTC {
					t.Errorf("hour %v is not UTC", c.Hour)
				}
				out = append(out, fmt.Sprintf("%s %s %d", c.Hour.Format("15:04"), c.Status, c.Count))
			}
			return fmt.Sprint(out)
		}
		for _, tc := range []struct {
			name string
			p    actions.DeliveryStatsParams
			want []string
		}{
			{"all", actions.DeliveryStatsParams{}, []string{"10:00 dead 1", "10:00 succeeded 2", "11:00 paused 1", "11:00 succeeded 1", "12:00 failed 1"}},
			{"endpoint", actions.DeliveryStatsParams{EndpointID: ep2.ID}, []string{"11:00 succeeded 1"}},
			{"rule", actions.DeliveryStatsParams{RuleID: "rul_2"}, []string{"10:00 dead 1"}},
			{"endpoint and rule", actions.DeliveryStatsParams{EndpointID: f.ep.ID, RuleID: "rul_1"}, []string{"10:00 succeeded 2", "11:00 paused 1", "12:00 failed 1"}},
			{"none", actions.DeliveryStatsParams{RuleID: "rul_none"}, nil},
		} {
			if got, want := stats(tc.p), fmt.Sprint(slices.Clip(tc.want)); got != want {
				t.Errorf("%s: got %s, want %s", tc.name, got, want)
			}
		}
	})
}

// BenchmarkDeliveryStats measures the chart's query over a workspace with
// 50,000 deliveries spread evenly over 30 days: the last 24 hours (about
// 1,700 deliveries) and the last 7 days (about 11,700).
func BenchmarkDeliveryStats(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect)
			ctx := b.Context()
			ws, err := s.WorkspaceCreate(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC()
			const total, span = 50000, 30 * 24 * time.Hour
			statuses := []actions.Status{actions.StatusSucceeded, actions.StatusSucceeded, actions.StatusSucceeded, actions.StatusFailed, actions.StatusDead}
			for batch := range total / 1000 {
				ds := make([]actions.NewDelivery, 1000)
				for j := range ds {
					i := batch*1000 + j
					created := now.Add(-span + time.Duration(i)*(span/total))
					ds[j] = actions.NewDelivery{
						Delivery: actions.Delivery{ID: id.NewAt(id.Delivery, created), WorkspaceID: ws.ID, EndpointID: "ep_x", Status: statuses[i%len(statuses)], CreatedAt: created},
						Message:  actions.Message{Payload: json.RawMessage(`{}`)},
					}
				}
				if err := s.IngestInTx(ctx, func(tx engine.IngestTx) error { return tx.DeliveryInsertMany(ctx, ds) }); err != nil {
					b.Fatal(err)
				}
			}
			for _, days := range []int{1, 7} {
				b.Run(fmt.Sprintf("%dd", days), func(b *testing.B) {
					p := actions.DeliveryStatsParams{WorkspaceID: ws.ID, Since: now.Add(-time.Duration(days) * 24 * time.Hour).Truncate(time.Hour), Until: now.Add(time.Minute)}
					for range b.N {
						got, err := s.DeliveryStats(ctx, p)
						if err != nil || len(got) == 0 {
							b.Fatalf("DeliveryStats: %d rows, %v", len(got), err)
						}
					}
				})
			}
		})
	}
}

// TestTimeFiltersAgreeWithCreatedAt: the filters that read deliveries by id
// ranges (DeliveryStats, DeliveryList's Since, EndpointRecover's Since)
// select exactly the deliveries whose created_at is in range, for bounds and
// deliveries within microseconds of an hour boundary.
func TestTimeFiltersAgreeWithCreatedAt(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		h := time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)
		times := []time.Time{
			h.Add(-time.Hour), h.Add(-time.Millisecond), h.Add(-time.Microsecond), h, h.Add(time.Microsecond),
			h.Add(999 * time.Microsecond), h.Add(time.Millisecond), h.Add(time.Hour - time.Microsecond), h.Add(time.Hour),
		}
		var ds []actions.NewDelivery
		for _, at := range times {
			nd := createdAt(f.newDelivery(at), at)
			nd.Delivery.Status, nd.Delivery.NextAttemptAt = actions.StatusDead, nil
			ds = append(ds, nd)
		}
		f.insertDeliveries(t, ds...)
		bounds := append(slices.Clone(times), h.Add(-500*time.Microsecond), h.Add(1500*time.Microsecond), h.Add(-2*time.Hour), h.Add(2*time.Hour))
		slices.SortFunc(bounds, func(a, b time.Time) int { return b.Compare(a) }) // latest first, for recover below
		in := func(since, until time.Time) (ids []string) {
			for _, nd := range slices.Backward(ds) {
				if c := nd.Delivery.CreatedAt; !c.Before(since) && c.Before(until) {
					ids = append(ids, nd.Delivery.ID)
				}
			}
			return ids
		}
		far := h.Add(24 * time.Hour)

		for _, since := range bounds {
			list, err := s.DeliveryList(ctx, actions.DeliveryListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 100}, Since: since})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range list {
				got = append(got, d.ID)
			}
			if want := in(since, far); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("DeliveryList since %s = %v, want %v", since.Format(time.RFC3339Nano), got, want)
			}
			for _, until := range bounds {
				if !since.Before(until) {
					continue
				}
				counts, err := s.DeliveryStats(ctx, actions.DeliveryStatsParams{WorkspaceID: f.ws.ID, Since: since, Until: until})
				if err != nil {
					t.Fatal(err)
				}
				perHour := map[time.Time]int{}
				for _, c := range counts {
					perHour[c.Hour] += c.Count
				}
				wantPerHour := map[time.Time]int{}
				for _, nd := range ds {
					if c := nd.Delivery.CreatedAt; !c.Before(since) && c.Before(until) {
						wantPerHour[c.Truncate(time.Hour)]++
					}
				}
				if fmt.Sprint(perHour) != fmt.Sprint(wantPerHour) {
					t.Errorf("DeliveryStats [%s, %s) = %v, want %v", since.Format(time.RFC3339Nano), until.Format(time.RFC3339Nano), perHour, wantPerHour)
				}
			}
		}

		// Recover moves dead deliveries back to pending: going from the
		// latest since to the earliest, each call recovers those of its
		// range not recovered yet.
		recovered := 0
		for _, since := range bounds {
			n, err := s.EndpointRecover(ctx, actions.EndpointRecoverParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, Since: since,
				Statuses: []actions.Status{actions.StatusDead}, Now: far})
			if err != nil {
				t.Fatal(err)
			}
			recovered += n
			if want := len(in(since, far)); recovered != want {
				t.Errorf("EndpointRecover since %s: %d recovered in all, want %d", since.Format(time.RFC3339Nano), recovered, want)
			}
		}
	})
}
