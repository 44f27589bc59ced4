package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/store"
)

// TestDeliveryClaimDueExcludesEndpoints: deliveries to excluded endpoints are
// left due and unclaimed; released ones keep their place in the queue.
func TestDeliveryClaimDueExcludesEndpoints(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := newEndpoint(f.ws.ID)
		if err := s.EndpointInsert(ctx, other); err != nil {
			t.Fatalf("EndpointInsert: %v", err)
		}
		g := f
		g.ep = other
		now := time.Now().UTC().Add(-time.Minute) // in the past: what is released is due again as it was
		a1, a2 := f.newDelivery(now.Add(-3*time.Second)), f.newDelivery(now.Add(-2*time.Second))
		b1 := g.newDelivery(now.Add(-time.Second))
		f.insertDeliveries(t, a1, a2, b1)

		params := actions.DeliveryClaimDueParams{Owner: "w1", Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10,
			ExcludeEndpoints: []string{f.ep.ID}}
		c, err := s.DeliveryClaimDue(ctx, params)
		if err != nil {
			t.Fatalf("DeliveryClaimDue: %v", err)
		}
		if got := claimedIDs(c); !slices.Equal(got, []string{b1.Delivery.ID}) {
			t.Fatalf("claim excluding %s = %v, want only %s", f.ep.ID, got, b1.Delivery.ID)
		}
		params.ExcludeEndpoints = []string{f.ep.ID, other.ID}
		if c, err := s.DeliveryClaimDue(ctx, params); err != nil || len(c) != 0 {
			t.Fatalf("claim excluding both = %v, %v; want none", claimedIDs(c), err)
		}

		// Claimed, then given back unattempted: a1 is again the oldest due.
		c = f.claim(t, "w2", now, 1)
		if got := claimedIDs(c); !slices.Equal(got, []string{a1.Delivery.ID}) {
			t.Fatalf("claim = %v, want %s", got, a1.Delivery.ID)
		}
		if err := s.DeliveryReleaseClaims(ctx, actions.DeliveryReleaseClaimsParams{Owner: "w2", IDs: []string{a1.Delivery.ID}}); err != nil {
			t.Fatalf("DeliveryReleaseClaims: %v", err)
		}
		d, _, _ := f.get(t, a1.Delivery.ID)
		if d.Status != actions.StatusPending || d.AttemptCount != 0 || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(a1.Delivery.NextAttemptAt.Truncate(time.Millisecond)) {
			t.Fatalf("released = %+v, want pending, no attempt, due as before", d)
		}
		if got := claimedIDs(f.claim(t, "w3", now, 10)); !slices.Equal(got, []string{a1.Delivery.ID, a2.Delivery.ID}) {
			t.Fatalf("claim after release = %v, want %s first", got, a1.Delivery.ID)
		}
	})
}
