package actions

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestWorkerDispatch checks deliveries sent straight from their ingest:
// Reserve takes only what can go at once (free slots, the endpoint's
// limits), Dispatch sends them and records their outcomes like claimed ones,
// Cancel gives the slots and limits back, and nothing is taken before Start
// or after Stop.
func TestWorkerDispatch(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency = 4 }) // an endpoint's share: 1
	srv := newServer(t, status(204))
	a := claimFor(t, srv.URL).Endpoint
	a.ID, a.MaxInFlight = "ep_a", 2
	b := claimFor(t, srv.URL).Endpoint
	b.ID = "ep_b"

	if r := wt.w.Reserve([]Endpoint{a}); r.Slots() != 0 || r.Taken[0] {
		t.Fatalf("Reserve before Start took %v", r.Taken)
	}
	wt.start(t)

	eps := []Endpoint{a, a, a, b, b}
	r := wt.w.Reserve(eps)
	if want := []bool{true, true, false, true, false}; fmt.Sprint(r.Taken) != fmt.Sprint(want) || r.Slots() != 3 || r.Owner != wt.w.Owner() {
		t.Fatalf("Reserve = %v (%d slots, owner %q), want %v (3 slots, owner %q)", r.Taken, r.Slots(), r.Owner, want, wt.w.Owner())
	}
	if again := wt.w.Reserve([]Endpoint{b}); again.Slots() != 0 {
		t.Fatalf("Reserve for an endpoint at its limit took %v", again.Taken)
	}

	// As the ingest transaction stores them: claimed, then committed.
	var claimed []Claimed
	for i, ep := range eps {
		if !r.Taken[i] {
			continue
		}
		c := claimFor(t, srv.URL)
		c.Delivery.ID, c.Delivery.EndpointID, c.Endpoint = fmt.Sprintf("msg_d%d", i), ep.ID, ep
		claimed = append(claimed, c)
		stored := c
		stored.Delivery.Status = StatusSending
		wt.q.mu.Lock()
		wt.q.rows[c.Delivery.ID] = &fakeRow{Claimed: stored, owner: r.Owner, leaseUntil: r.LeaseUntil}
		wt.q.mu.Unlock()
	}
	wt.w.Dispatch(r, claimed)
	for _, c := range claimed {
		if got := wt.q.waitStatus(t, c.Delivery.ID, StatusSucceeded); len(got.attempts) != 1 {
			t.Fatalf("%s: %d attempts, want 1", c.Delivery.ID, len(got.attempts))
		}
	}

	// A cancelled reservation gives its slots and the endpoint's share back.
	for deadline := time.Now().Add(10 * time.Second); wt.w.free() != 4; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the sends to free their slots")
		}
	}
	r = wt.w.Reserve([]Endpoint{b})
	if r.Slots() != 1 {
		t.Fatalf("Reserve after the sends ended took %v", r.Taken)
	}
	wt.w.Cancel(r)
	if r = wt.w.Reserve([]Endpoint{b}); r.Slots() != 1 {
		t.Fatalf("Reserve after Cancel took %v", r.Taken)
	}
	wt.w.Cancel(r)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = wt.w.Stop(ctx)
	if r := wt.w.Reserve([]Endpoint{a}); r.Slots() != 0 {
		t.Fatalf("Reserve after Stop took %v", r.Taken)
	}
}
