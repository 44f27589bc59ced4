package actions

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time       { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration)  { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newTestClock(t time.Time) *testClock { return &testClock{now: t} }
func withClock(c *testClock) func(*WorkerConfig) {
	return func(cfg *WorkerConfig) { cfg.Now = c.Now; cfg.Sender = NewSender(SenderConfig{Now: c.Now}) }
}

// concurrency is a handler that counts requests in flight and their maximum,
// answering code.
type concurrency struct {
	cur, max, total atomic.Int64
	code            atomic.Int64
	hold            atomic.Bool // wait for release before answering
	entered         chan struct{}
	release         chan struct{}
}

func (cc *concurrency) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The server notices a client hanging up only once the body is read.
	_, _ = io.Copy(io.Discard, r.Body)
	n := cc.cur.Add(1)
	defer cc.cur.Add(-1)
	cc.total.Add(1)
	for m := cc.max.Load(); n > m && !cc.max.CompareAndSwap(m, n); m = cc.max.Load() {
	}
	if cc.entered != nil {
		cc.entered <- struct{}{}
	}
	if cc.hold.Load() {
		select {
		case <-cc.release:
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(int(cc.code.Load()))
}

func newConcurrency(code int, hold bool) *concurrency {
	cc := &concurrency{entered: make(chan struct{}, 1000), release: make(chan struct{})}
	cc.code.Store(int64(code))
	cc.hold.Store(hold)
	return cc
}

func onEndpoint(id string, configure func(*Endpoint)) func(*Claimed) {
	return func(c *Claimed) {
		c.Delivery.EndpointID, c.Endpoint.ID = id, id
		if configure != nil {
			configure(&c.Endpoint)
		}
	}
}

// unattempted counts deliveries without an attempt.
func (q *fakeQueue) unattempted() int {
	n := 0
	for _, r := range q.rows {
		if len(r.attempts) == 0 {
			n++
		}
	}
	return n
}

func (q *fakeQueue) count(status Status) int {
	n := 0
	for _, r := range q.rows {
		if r.Delivery.Status == status {
			n++
		}
	}
	return n
}

// TestWorkerHangingEndpointDoesNotDelayOthers: an endpoint that never answers
// holds at most its share of the send slots; another endpoint's deliveries,
// queued behind its backlog, all go out meanwhile.
func TestWorkerHangingEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency, c.BatchSize = 8, 8 })
	hung := newConcurrency(200, true)
	a, b := newServer(t, hung.ServeHTTP), newServer(t, status(200))
	for range 20 {
		wt.delivery(t, a.URL, 0, onEndpoint("ep_A", nil))
	}
	var bIDs []string
	for range 10 {
		bIDs = append(bIDs, wt.delivery(t, b.URL, 0, onEndpoint("ep_B", nil)))
	}
	wt.start(t)
	for _, id := range bIDs {
		wt.q.waitStatus(t, id, StatusSucceeded)
	}
	if got := hung.max.Load(); got > 2 {
		t.Fatalf("%d sends in flight to the hanging endpoint, want at most its share of 2", got)
	}
	wt.q.mu.Lock()
	defer wt.q.mu.Unlock()
	for _, r := range wt.q.rows {
		if r.Delivery.EndpointID == "ep_A" && len(r.attempts) > 0 {
			t.Fatalf("an attempt to the hanging endpoint was recorded: %+v", r.attempts)
		}
	}
}

// TestWorkerMaxInFlight: never more than max_in_flight concurrent requests at
// the receiver, and the endpoint's whole backlog goes out.
func TestWorkerMaxInFlight(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	cc := newConcurrency(200, true)
	srv := newServer(t, cc.ServeHTTP)
	const n = 30
	for range n {
		wt.delivery(t, srv.URL, 0, onEndpoint("ep_M", func(e *Endpoint) { e.MaxInFlight = 3 }))
	}
	wt.start(t)
	for range 3 {
		<-cc.entered
	}
	for range n - 3 { // one answered, one more comes in
		cc.release <- struct{}{}
		<-cc.entered
	}
	for range 3 {
		cc.release <- struct{}{}
	}
	wt.q.waitFor(t, "all succeeded", func() bool { return wt.q.count(StatusSucceeded) == n })
	if got := cc.max.Load(); got != 3 {
		t.Fatalf("at most %d requests in flight, want 3", got)
	}
	for i := 1; i <= n; i++ {
		if r := wt.q.row(deliveryID(i)); len(r.attempts) != 1 {
			t.Fatalf("%s has %d attempts, want 1 (held back is not attempted)", deliveryID(i), len(r.attempts))
		}
	}
}

func deliveryID(i int) string {
	return "msg_" + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

// TestWorkerRateLimit: with rate_limit_per_second 2 and a frozen clock, two
// deliveries go out; one more second lets two more go.
func TestWorkerRateLimit(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().Truncate(time.Second))
	wt := newWorkerTest(t, withClock(clock))
	cc := newConcurrency(200, false)
	srv := newServer(t, cc.ServeHTTP)
	for range 6 {
		wt.delivery(t, srv.URL, 0, onEndpoint("ep_R", func(e *Endpoint) { e.RateLimitPerSecond = 2 }))
	}
	wt.start(t)
	for step, want := range []int{2, 4, 6} {
		if step > 0 {
			clock.Add(time.Second)
			wt.w.Wake()
		}
		wt.q.waitFor(t, "succeeded", func() bool { return wt.q.count(StatusSucceeded) == want })
		wt.q.mu.Lock()
		waiting := wt.q.unattempted()
		wt.q.mu.Unlock()
		if got := cc.total.Load(); got != int64(want) || waiting != 6-want {
			t.Fatalf("step %d: %d requests and %d unattempted, want %d and %d", step, got, waiting, want, 6-want)
		}
	}
}

// TestWorkerCircuitBreaker: after BreakerThreshold consecutive failures only
// one probe goes out at a time, the backlog is not attempted while probes
// fail, and follows once one succeeds.
func TestWorkerCircuitBreaker(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().Truncate(time.Second))
	wt := newWorkerTest(t, func(c *WorkerConfig) {
		withClock(clock)(c)
		c.BreakerThreshold, c.BreakerCooldown, c.EndpointConcurrency = 2, time.Second, 4
	})
	cc := newConcurrency(500, false)
	srv := newServer(t, cc.ServeHTTP)
	const n = 20
	for range n {
		wt.delivery(t, srv.URL, 0, onEndpoint("ep_F", nil))
	}
	settled := func(probing bool) func() bool {
		return func() bool {
			g, _ := wt.w.gates.state("ep_F")
			return g.open && g.inFlight == 0 && g.probing == probing
		}
	}
	wt.start(t)
	waitWorker(t, wt.w, "breaker open", settled(false))
	failed := int(cc.total.Load()) // 2, or a few more that went out before the second failure
	if failed < 2 || failed > 5 {
		t.Fatalf("%d attempts before the breaker opened, want 2 to 5", failed)
	}

	// After the cool-down one probe goes out; it fails.
	cc.hold.Store(true)
	clock.Add(time.Second)
	wt.w.Wake()
	<-cc.entered
	cc.release <- struct{}{}
	waitWorker(t, wt.w, "probe failed", settled(false))
	if got := cc.total.Load(); got != int64(failed+1) || cc.max.Load() > 4 {
		t.Fatalf("%d requests, at most %d at once; want one probe after %d", got, cc.max.Load(), failed)
	}
	// The backlog is not attempted while the breaker is open.
	pending := n - failed - 1
	wt.q.waitFor(t, "attempts recorded", func() bool { return wt.q.count(StatusFailed) == failed+1 && wt.q.unattempted() == pending })

	// The endpoint recovers: the next probe, after a doubled cool-down,
	// succeeds and the backlog follows, one attempt each.
	cc.hold.Store(false)
	cc.code.Store(200)
	clock.Add(2 * time.Second)
	wt.w.Wake()
	wt.q.waitFor(t, "backlog delivered", func() bool { return wt.q.count(StatusSucceeded) == pending })
	if got := cc.total.Load(); got != int64(failed+1+pending) {
		t.Fatalf("%d requests, want %d", got, failed+1+pending)
	}
}

// TestGates checks the per-endpoint state on its own, with an injected clock.
func TestGates(t *testing.T) {
	clock := newTestClock(time.Unix(1000, 0))
	gs := newGates(clock.Now, 2, 3, time.Second)
	ep := Endpoint{ID: "ep_1", RateLimitPerSecond: 10}
	for i := range 10 {
		if !gs.admit(ep) {
			t.Fatalf("send %d of a full bucket of 10 refused", i)
		}
		gs.done(ep.ID, true, true)
	}
	if gs.admit(ep) {
		t.Fatal("11th send within the same instant admitted")
	}
	if ids, next := gs.blocked(); len(ids) != 1 || !next.Equal(clock.Now().Add(100*time.Millisecond)) {
		t.Fatalf("blocked = %v, %v; want ep_1 until 100ms later", ids, next)
	}
	clock.Add(100 * time.Millisecond)
	if !gs.admit(ep) {
		t.Fatal("send refused after a token was earned")
	}

	// Without max_in_flight an endpoint gets the share (2).
	ep2 := Endpoint{ID: "ep_2"}
	if n := admitted(gs, ep2, 3); n != 2 {
		t.Fatalf("%d of 3 sends admitted: share of 2 not enforced", n)
	}
	if ids, _ := gs.blocked(); len(ids) != 2 { // ep_1 waits for a token, ep_2 for a send to end
		t.Fatalf("blocked = %v, want both endpoints", ids)
	}
	gs.done(ep2.ID, true, false)
	if !gs.unblocked(ep2.ID) || gs.unblocked(ep2.ID) {
		t.Fatal("want one request for a claim once an endpoint left out of a claim may take a send")
	}
	gs.done(ep2.ID, true, false)
	if !gs.admit(ep2) {
		t.Fatal("third send refused below the threshold")
	}
	gs.done(ep2.ID, true, false) // third consecutive failure: open
	if gs.admit(ep2) {
		t.Fatal("send admitted while the breaker cools down")
	}
	clock.Add(time.Second)
	if !gs.admit(ep2) || gs.admit(ep2) {
		t.Fatal("want exactly one probe")
	}
	gs.done(ep2.ID, true, false)
	clock.Add(time.Second)
	if gs.admit(ep2) {
		t.Fatal("probe admitted before the doubled cool-down")
	}
	clock.Add(time.Second)
	if !gs.admit(ep2) {
		t.Fatal("probe refused after the doubled cool-down")
	}
	gs.done(ep2.ID, true, true)
	if n := admitted(gs, ep2, 2); n != 2 {
		t.Fatalf("%d of 2 sends admitted: breaker still open after a probe succeeded", n)
	}
}

// admitted asks gs to admit n sends to ep and returns how many it took.
func admitted(gs *gates, ep Endpoint, n int) int {
	took := 0
	for range n {
		if gs.admit(ep) {
			took++
		}
	}
	return took
}
