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

// TestDeliveryInsertClaimed: a delivery created claimed (sent straight from
// its ingest) is sending, owned until its lease, and no claim takes it; its
// owner records its outcome as for a claimed one, and when the owner is gone
// it comes back once the lease ran out, unattempted and due.
func TestDeliveryInsertClaimed(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		now := time.Now().UTC().Add(-time.Minute)
		a, b := f.newDelivery(now), f.newDelivery(now)
		a.ClaimedBy, a.LeaseUntil = "w1", now.Add(time.Minute)
		b.ClaimedBy, b.LeaseUntil = "w1", now.Add(time.Minute)
		f.insertDeliveries(t, a, b)
		for _, nd := range []actions.NewDelivery{a, b} {
			if d, m, _ := f.get(t, nd.Delivery.ID); d.Status != actions.StatusSending || string(m.Payload) != string(nd.Message.Payload) {
				t.Fatalf("created claimed = %+v with payload %s, want sending with %s", d, m.Payload, nd.Message.Payload)
			}
		}
		if c := f.claim(t, "w2", now.Add(30*time.Second), 10); len(c) != 0 {
			t.Fatalf("claim during the lease = %v, want none", claimedIDs(c))
		}

		at := now.Add(time.Second)
		err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: []actions.Outcome{{
			Attempt: actions.Attempt{DeliveryID: a.Delivery.ID, At: at, StatusCode: 204}, Status: actions.StatusSucceeded,
			AttemptCount: 1, LastStatusCode: 204, DeliveredAt: &at,
		}}})
		if err != nil {
			t.Fatalf("DeliveryRecordOutcomes: %v", err)
		}
		if d, _, attempts := f.get(t, a.Delivery.ID); d.Status != actions.StatusSucceeded || len(attempts) != 1 {
			t.Fatalf("after its outcome = %+v with %d attempts, want succeeded with 1", d, len(attempts))
		}

		c := f.claim(t, "w2", now.Add(2*time.Minute), 10)
		if got := claimedIDs(c); !slices.Equal(got, []string{b.Delivery.ID}) || c[0].Delivery.Status != actions.StatusPending ||
			string(c[0].Message.Payload) != string(b.Message.Payload) {
			t.Fatalf("claim after the lease = %v, want %s, pending before the claim, with its message", got, b.Delivery.ID)
		}
	})
}

// TestDeliveryExtendClaims: the heartbeat keeps a live owner's claims past
// their first lease, so no other worker takes them over, while a dead
// owner's claims (never renewed) come back once their lease ran out.
func TestDeliveryExtendClaims(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		now := time.Now().UTC().Add(-time.Minute) // leases count from the real clock's past: see TestDeliveryReleaseClaims
		live, dead := f.newDelivery(now.Add(-2*time.Second)), f.newDelivery(now.Add(-time.Second))
		f.insertDeliveries(t, live, dead)
		lease := 15 * time.Second
		claim := func(owner string, at time.Time, limit int) []actions.Claimed {
			t.Helper()
			c, err := s.DeliveryClaimDue(ctx, actions.DeliveryClaimDueParams{Owner: owner, Now: at, LeaseUntil: at.Add(lease), Limit: limit})
			if err != nil {
				t.Fatalf("DeliveryClaimDue: %v", err)
			}
			return c
		}
		if got := claimedIDs(claim("live", now, 1)); !slices.Equal(got, []string{live.Delivery.ID}) {
			t.Fatalf("live claimed %v", got)
		}
		if got := claimedIDs(claim("dead", now, 1)); !slices.Equal(got, []string{dead.Delivery.ID}) {
			t.Fatalf("dead claimed %v", got)
		}
		// Heartbeats at 5 s and 10 s: the live claim now holds until 25 s.
		for _, at := range []time.Duration{5 * time.Second, 10 * time.Second} {
			if err := s.DeliveryExtendClaims(ctx, actions.DeliveryExtendClaimsParams{Owner: "live", LeaseUntil: now.Add(at + lease)}); err != nil {
				t.Fatalf("DeliveryExtendClaims: %v", err)
			}
		}
		// At 16 s the dead owner's claim is taken over; the live one's is not.
		if got := claimedIDs(claim("other", now.Add(16*time.Second), 10)); !slices.Equal(got, []string{dead.Delivery.ID}) {
			t.Fatalf("claim at 16 s = %v, want only the dead owner's %s", got, dead.Delivery.ID)
		}
		if d, _, _ := f.get(t, live.Delivery.ID); d.Status != actions.StatusSending {
			t.Fatalf("live claim = %+v, want still sending", d)
		}
		// Without further beats it comes back after its renewed lease.
		if got := claimedIDs(claim("other", now.Add(26*time.Second), 10)); !slices.Equal(got, []string{live.Delivery.ID}) {
			t.Fatalf("claim at 26 s = %v, want %s", got, live.Delivery.ID)
		}
	})
}
