package actions

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// storeReserved stores, as the ingest transaction does, a delivery per
// endpoint taken by r: claimed by r's owner, then committed. It returns
// them in the order Dispatch takes them.
func storeReserved(t *testing.T, wt *workerTest, r Reservation, eps []Endpoint, url, prefix string) []Claimed {
	t.Helper()
	var claimed []Claimed
	for i, ep := range eps {
		if !r.Taken[i] {
			continue
		}
		c := claimFor(t, url)
		c.Delivery.ID, c.Delivery.EndpointID, c.Endpoint = fmt.Sprintf("%s%d", prefix, i), ep.ID, ep
		claimed = append(claimed, c)
		stored := c
		stored.Delivery.Status = StatusSending
		wt.q.mu.Lock()
		wt.q.rows[c.Delivery.ID] = &fakeRow{Claimed: stored, owner: r.Owner, leaseUntil: r.LeaseUntil, prevStatus: StatusPending}
		wt.q.mu.Unlock()
	}
	return claimed
}

// waitIdle waits until every send slot is free and nothing is held.
func waitIdle(t *testing.T, w *Worker) {
	t.Helper()
	waitWorker(t, w, "the worker to be idle", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.free() == cap(w.slots) && len(w.held) == 0 && len(w.holding) == 0
	})
}

// TestWorkerDispatch checks deliveries sent straight from their ingest:
// Reserve takes at once what can go at once (free slots, the endpoint's
// limits) and holds more for an endpoint that waits only on its sends in
// flight; Dispatch sends them all, the held ones as sends end, and records
// their outcomes like claimed ones; Cancel gives everything back; nothing is
// taken before Start or after Stop.
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
	if want := []bool{true, true, true, true, true}; fmt.Sprint(r.Taken) != fmt.Sprint(want) || r.Slots() != 5 || r.Owner != wt.w.Owner() {
		t.Fatalf("Reserve = %v (%d taken, owner %q), want %v (5 taken, owner %q)", r.Taken, r.Slots(), r.Owner, want, wt.w.Owner())
	}
	if want := []bool{true, true, false, true, false}; fmt.Sprint(r.now) != fmt.Sprint(want) {
		t.Fatalf("Reserve sends at once %v, want %v (the rest held)", r.now, want)
	}
	if got := wt.w.free(); got != 1 {
		t.Fatalf("free slots after Reserve = %d, want 1 (held deliveries take none)", got)
	}

	claimed := storeReserved(t, wt, r, eps, srv.URL, "msg_d")
	wt.w.Dispatch(r, claimed)
	for _, c := range claimed {
		if got := wt.q.waitStatus(t, c.Delivery.ID, StatusSucceeded); len(got.attempts) != 1 {
			t.Fatalf("%s: %d attempts, want 1", c.Delivery.ID, len(got.attempts))
		}
	}
	waitIdle(t, wt.w)

	// Holding stops at holdDepth per send the endpoint may have in flight;
	// a cancelled reservation gives its slots, the endpoint's share and its
	// holds back.
	many := make([]Endpoint, 1+holdDepth+1)
	for i := range many {
		many[i] = b
	}
	r = wt.w.Reserve(many)
	if r.Slots() != 1+holdDepth || r.Taken[len(many)-1] {
		t.Fatalf("Reserve of %d for an endpoint of share 1 took %d (%v), want %d", len(many), r.Slots(), r.Taken, 1+holdDepth)
	}
	wt.w.Cancel(r)
	waitIdle(t, wt.w)
	if r = wt.w.Reserve([]Endpoint{b}); r.Slots() != 1 || !r.now[0] {
		t.Fatalf("Reserve after Cancel took %v at once %v", r.Taken, r.now)
	}
	wt.w.Cancel(r)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = wt.w.Stop(ctx)
	if r := wt.w.Reserve([]Endpoint{a}); r.Slots() != 0 {
		t.Fatalf("Reserve after Stop took %v", r.Taken)
	}
}

// TestWorkerDispatchHoldsOnlyForHealthyEndpoints checks that deliveries are
// held only for an endpoint that waits on nothing but its sends in flight: a
// rate-limited endpoint, or one whose breaker is open, gets what can go at
// once and leaves the rest to the queue.
func TestWorkerDispatchHoldsOnlyForHealthyEndpoints(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency = 8; c.BreakerThreshold = 1; c.BreakerCooldown = time.Hour })
	wt.start(t)
	srv := newServer(t, status(204))
	limited := claimFor(t, srv.URL).Endpoint
	limited.ID, limited.RateLimitPerSecond = "ep_limited", 1
	r := wt.w.Reserve([]Endpoint{limited, limited})
	if fmt.Sprint(r.Taken) != "[true false]" {
		t.Fatalf("Reserve for a rate-limited endpoint took %v, want [true false]", r.Taken)
	}
	wt.w.Cancel(r)

	failing := newServer(t, status(500))
	broken := claimFor(t, failing.URL).Endpoint
	broken.ID = "ep_broken"
	r = wt.w.Reserve([]Endpoint{broken})
	wt.w.Dispatch(r, storeReserved(t, wt, r, []Endpoint{broken}, failing.URL, "msg_b"))
	wt.q.waitStatus(t, "msg_b0", StatusFailed) // the breaker opens
	waitIdle(t, wt.w)
	if r = wt.w.Reserve([]Endpoint{broken, broken}); r.Slots() != 0 {
		t.Fatalf("Reserve for an endpoint whose breaker is open took %v", r.Taken)
	}
}

// TestWorkerDispatchStopReleasesHeld checks that deliveries held from a
// reservation when the worker stops are released unattempted, to be claimed
// again, rather than left to their lease.
func TestWorkerDispatchStopReleasesHeld(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency = 4 })
	release := make(chan struct{})
	slow := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(204)
	})
	wt.start(t)
	ep := claimFor(t, slow.URL).Endpoint
	ep.ID = "ep_slow"
	eps := []Endpoint{ep, ep, ep}
	r := wt.w.Reserve(eps)
	if fmt.Sprint(r.now) != "[true false false]" {
		t.Fatalf("Reserve sends at once %v, want [true false false]", r.now)
	}
	wt.w.Dispatch(r, storeReserved(t, wt, r, eps, slow.URL, "msg_s"))
	stopped := make(chan error, 1)
	go func() { stopped <- wt.w.Stop(context.Background()) }()
	// Once Stop has begun, no held delivery is taken (takeHeld): the send in
	// flight ends, and Stop waits for it.
	<-wt.w.loop.Stopping()
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if got := wt.q.waitStatus(t, "msg_s0", StatusSucceeded); len(got.attempts) != 1 {
		t.Fatalf("the send in flight: %d attempts, want 1", len(got.attempts))
	}
	for _, id := range []string{"msg_s1", "msg_s2"} {
		if got := wt.q.waitStatus(t, id, StatusPending); len(got.attempts) != 0 || got.owner != "" {
			t.Fatalf("%s after Stop: %d attempts, owner %q; want released unattempted", id, len(got.attempts), got.owner)
		}
	}
}

// TestWorkerParksWhileOnlyBusyEndpointsHaveDueWork checks that Wakes do not
// each cost a claim while the due deliveries are all for an endpoint left
// out of claims (a claim would walk them all to skip them), and that claims
// resume as soon as the endpoint can take a send again.
func TestWorkerParksWhileOnlyBusyEndpointsHaveDueWork(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency = 4; c.PollInterval = time.Hour }) // share 1
	release := make(chan struct{})
	slow := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(204)
	})
	var ids []string
	for range 10 {
		ids = append(ids, wt.delivery(t, slow.URL, 0, nil))
	}
	// Parked for the whole test, instead of parkInterval: every Wake below
	// must be put off, however slowly the machine runs.
	wt.w.parkFor = time.Hour
	wt.start(t)
	released := false
	t.Cleanup(func() { // before the worker's Stop, which waits for the send
		if !released {
			close(release)
		}
	})
	// The first claim takes 4 (one sent, three held); the next leaves the
	// busy endpoint out and finds nothing: the worker parks.
	waitFired(t, wt.w.sig.parked, 1, "the worker to park")
	wt.q.mu.Lock()
	before := wt.q.claimCalls
	wt.q.mu.Unlock()
	for i := range 20 { // ingest commits, each taken by the claim loop before the next
		wt.w.Wake()
		waitFired(t, wt.w.sig.wakePutOff, i+1, "the Wake to be put off")
	}
	wt.q.mu.Lock()
	woken := wt.q.claimCalls - before
	wt.q.mu.Unlock()
	if woken != 0 {
		t.Fatalf("20 Wakes while only the busy endpoint had due work made %d claims, want none", woken)
	}
	close(release)
	released = true
	for _, id := range ids {
		wt.q.waitStatus(t, id, StatusSucceeded)
	}
}

// TestWorkerDispatchHoldsOnlyBehindTheEndpointsOwnSends checks that a
// delivery is held only for an endpoint at its own in-flight cap: one that
// waits for a free slot of the worker goes to the queue instead, where
// claims take due work in order.
func TestWorkerDispatchHoldsOnlyBehindTheEndpointsOwnSends(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency, c.EndpointConcurrency = 2, 2 })
	wt.start(t)
	srv := newServer(t, status(204))
	x := claimFor(t, srv.URL).Endpoint
	x.ID = "ep_x"
	z := claimFor(t, srv.URL).Endpoint
	z.ID = "ep_z"
	r := wt.w.Reserve([]Endpoint{x, x, z, x})
	if fmt.Sprint(r.Taken) != "[true true false true]" {
		t.Fatalf("Reserve = %v, want [true true false true]: x's two sends at once, z (no free slot, below its cap) left to the queue, x's third held", r.Taken)
	}
	wt.w.Cancel(r)
}

// TestWorkerDueWorkGetsSlotsFromHeldEndpoints checks that an endpoint kept
// busy by ingest (its sends passing their slots on to its held deliveries)
// cannot keep every slot: due work in the queue for another endpoint goes
// out while the feed goes on.
func TestWorkerDueWorkGetsSlotsFromHeldEndpoints(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency, c.EndpointConcurrency = 1, 1; c.PollInterval = time.Hour })
	busy := newServer(t, status(204))
	fast := newServer(t, status(204))
	wt.start(t)
	x := claimFor(t, busy.URL).Endpoint
	x.ID = "ep_x"

	// Ingest keeps x's held queue topped up until the end of the test: it
	// reserves while x may hold more, then waits for the worker to change.
	stop := make(chan struct{})
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for n := 0; ; n++ {
			_, changed := wt.w.sig.changed.next()
			select {
			case <-stop:
				return
			default:
			}
			r := wt.w.Reserve([]Endpoint{x})
			if r.Slots() > 0 {
				wt.w.Dispatch(r, storeReserved(t, wt, r, []Endpoint{x}, busy.URL, fmt.Sprintf("msg_x%d_", n)))
				continue
			}
			select {
			case <-stop:
				return
			case <-changed:
			}
		}
	}()
	defer func() { close(stop); <-fed }()
	waitWorker(t, wt.w, "x to hold the only slot and have deliveries held", func() bool {
		wt.w.mu.Lock()
		defer wt.w.mu.Unlock()
		return wt.w.free() == 0 && len(wt.w.held[x.ID]) > 0
	})

	z := wt.delivery(t, fast.URL, 0, nil)
	wt.w.Wake() // as the ingest that left it to the queue does
	// Were x's sends to pass the slot on to its held deliveries for ever,
	// z would never go (and waitStatus would time out).
	wt.q.waitStatus(t, z, StatusSucceeded)
}

// TestWorkerOutcomeErrorIsStorable checks that an attempt's error text with
// invalid UTF-8 or NUL (which Postgres text refuses, failing the whole
// batch) is recorded with U+FFFD in their place.
func TestWorkerOutcomeErrorIsStorable(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	c := claimFor(t, "http://127.0.0.1:1")
	o := wt.w.outcome(c, Attempt{DeliveryID: c.Delivery.ID, Error: "internal error: bad \xff byte\x00"})
	if want := "internal error: bad \uFFFD byte\uFFFD"; o.Attempt.Error != want || o.LastError != want {
		t.Fatalf("outcome error = %q / %q, want %q", o.Attempt.Error, o.LastError, want)
	}
}
