package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/store"
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
			nd := f.newDelivery(h10)
			nd.Delivery.CreatedAt = h10.Add(d)
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
		o := other.newDelivery(h10)
		o.Delivery.CreatedAt = h10.Add(time.Minute)
		other.insertDeliveries(t, o)

		stats := func(p api.DeliveryStatsParams) string {
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
			p    api.DeliveryStatsParams
			want []string
		}{
			{"all", api.DeliveryStatsParams{}, []string{"10:00 dead 1", "10:00 succeeded 2", "11:00 paused 1", "11:00 succeeded 1", "12:00 failed 1"}},
			{"endpoint", api.DeliveryStatsParams{EndpointID: ep2.ID}, []string{"11:00 succeeded 1"}},
			{"rule", api.DeliveryStatsParams{RuleID: "rul_2"}, []string{"10:00 dead 1"}},
			{"endpoint and rule", api.DeliveryStatsParams{EndpointID: f.ep.ID, RuleID: "rul_1"}, []string{"10:00 succeeded 2", "11:00 paused 1", "12:00 failed 1"}},
			{"none", api.DeliveryStatsParams{RuleID: "rul_none"}, nil},
		} {
			if got, want := stats(tc.p), fmt.Sprint(slices.Clip(tc.want)); got != want {
				t.Errorf("%s: got %s, want %s", tc.name, got, want)
			}
		}
	})
}
