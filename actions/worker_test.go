package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// workerTest is a Worker on a fake queue with a frozen clock and jitter 0.25,
// which makes every scheduled delay exactly 0.9 times its nominal value.
type workerTest struct {
	q   *fakeQueue
	w   *Worker
	now time.Time // the frozen clock; near real time so signatures verify
	log *syncBuffer
	n   int // deliveries made
}

func newWorkerTest(t *testing.T, configure func(*WorkerConfig)) *workerTest {
	t.Helper()
	wt := &workerTest{q: newFakeQueue(), now: time.Now().Truncate(time.Second), log: &syncBuffer{}}
	clock := func() time.Time { return wt.now }
	cfg := WorkerConfig{
		Queue:  wt.q,
		Sender: NewSender(SenderConfig{Now: clock}),
		Logger: slog.New(slog.NewJSONHandler(wt.log, nil)),
		Now:    clock,
		Retry:  RetryPolicy{Jitter: func() float64 { return 0.25 }},
	}
	if configure != nil {
		configure(&cfg)
	}
	w, err := NewWorker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.backoff = func(int) time.Duration { return 0 }
	w.sig = workerSignals{changed: &testSignal{}, parked: &testSignal{}, wakePutOff: &testSignal{}}
	wt.w = w
	return wt
}

// waitWorker waits until cond, a read of the worker's state, holds; it
// looks again each time the worker signals a change (workerSignals.changed).
func waitWorker(t *testing.T, w *Worker, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		_, changed := w.sig.changed.next()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitFired waits until s has fired n times in all.
func waitFired(t *testing.T, s *testSignal, n int, what string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		fired, again := s.next()
		if fired >= n {
			return
		}
		select {
		case <-again:
		case <-deadline:
			t.Fatalf("timed out waiting for %s (%d of %d)", what, fired, n)
		}
	}
}

// start starts the worker; the test's cleanup stops it at once.
func (wt *workerTest) start(t *testing.T) {
	t.Helper()
	if err := wt.w.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = wt.w.Stop(ctx)
	})
}

// delivery adds a due delivery to url with priorAttempts attempts made, and
// returns its id. Deliveries are due in the order they are made.
func (wt *workerTest) delivery(t *testing.T, url string, priorAttempts int, configure func(*Claimed)) string {
	t.Helper()
	wt.n++
	c := claimFor(t, url)
	c.Delivery.ID = fmt.Sprintf("msg_%03d", wt.n)
	c.Delivery.CreatedAt = wt.now.Add(time.Duration(wt.n-1000) * time.Second)
	if priorAttempts > 0 {
		c.Delivery.Status, c.Delivery.AttemptCount, c.Delivery.NextAttemptAt = StatusFailed, priorAttempts, &wt.now
	}
	if configure != nil {
		configure(&c)
	}
	wt.q.add(c)
	return c.Delivery.ID
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "answer")
	}
}

func TestWorkerOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		handler   func(now time.Time) http.HandlerFunc
		prior     int
		configure func(*Claimed)
		want      Status
		wantNext  time.Duration // from now, when failed
		wantCode  int
		wantError string
	}{
		{name: "2xx succeeds", handler: func(time.Time) http.HandlerFunc { return status(201) }, want: StatusSucceeded, wantCode: 201},
		{name: "500 fails with the first retry", handler: func(time.Time) http.HandlerFunc { return status(500) },
			want: StatusFailed, wantNext: 4500 * time.Millisecond, wantCode: 500, wantError: "HTTP 500"},
		{name: "500 on the fourth attempt", handler: func(time.Time) http.HandlerFunc { return status(500) }, prior: 3,
			want: StatusFailed, wantNext: 108 * time.Minute, wantCode: 500, wantError: "HTTP 500"},
		{name: "500 on the last attempt is dead", handler: func(time.Time) http.HandlerFunc { return status(500) }, prior: 7,
			want: StatusDead, wantCode: 500, wantError: "HTTP 500"},
		{name: "429 honours Retry-After seconds", handler: func(time.Time) http.HandlerFunc { return status(429, "Retry-After", "120") },
			want: StatusFailed, wantNext: 2 * time.Minute, wantCode: 429, wantError: "HTTP 429"},
		{name: "503 honours a Retry-After date", handler: func(now time.Time) http.HandlerFunc {
			return status(503, "Retry-After", now.Add(5*time.Minute).Format(http.TimeFormat))
		}, want: StatusFailed, wantNext: 5 * time.Minute, wantCode: 503, wantError: "HTTP 503"},
		{name: "Retry-After on a 500 is ignored", handler: func(time.Time) http.HandlerFunc { return status(500, "Retry-After", "120") },
			want: StatusFailed, wantNext: 4500 * time.Millisecond, wantCode: 500, wantError: "HTTP 500"},
		{name: "302 is not followed", handler: func(time.Time) http.HandlerFunc { return status(302, "Location", "/elsewhere") },
			want: StatusFailed, wantNext: 4500 * time.Millisecond, wantCode: 302, wantError: "redirect not followed: 302 to /elsewhere"},
		{name: "endpoint schedule", handler: func(time.Time) http.HandlerFunc { return status(500) },
			configure: func(c *Claimed) { c.Endpoint.RetrySchedule = []int{60} },
			want:      StatusFailed, wantNext: 54 * time.Second, wantCode: 500, wantError: "HTTP 500"},
		{name: "endpoint schedule used up", handler: func(time.Time) http.HandlerFunc { return status(500) }, prior: 1,
			configure: func(c *Claimed) { c.Endpoint.RetrySchedule = []int{60} },
			want:      StatusDead, wantCode: 500, wantError: "HTTP 500"},
		{name: "timeout", handler: func(time.Time) http.HandlerFunc { return hang(nil) },
			configure: func(c *Claimed) { c.Endpoint.TimeoutSeconds = 1 },
			want:      StatusFailed, wantNext: 4500 * time.Millisecond, wantError: "timeout after 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wt := newWorkerTest(t, nil)
			srv := newServer(t, tc.handler(wt.now))
			id := wt.delivery(t, srv.URL, tc.prior, tc.configure)
			wt.start(t)

			wt.q.waitFor(t, "the attempt", func() bool {
				r := wt.q.rows[id]
				return len(r.attempts) > 0 && r.Delivery.Status != StatusSending
			})
			r := wt.q.row(id)
			d := r.Delivery
			if d.Status != tc.want {
				t.Errorf("status %s, want %s", d.Status, tc.want)
			}
			if d.AttemptCount != tc.prior+1 || d.LastStatusCode != tc.wantCode || d.LastError != tc.wantError {
				t.Errorf("attempt count %d, last status %d, last error %q; want %d, %d, %q",
					d.AttemptCount, d.LastStatusCode, d.LastError, tc.prior+1, tc.wantCode, tc.wantError)
			}
			switch tc.want {
			case StatusSucceeded:
				if d.DeliveredAt == nil || !d.DeliveredAt.Equal(wt.now) {
					t.Errorf("delivered at %v, want %s", d.DeliveredAt, wt.now)
				}
			case StatusFailed:
				if d.NextAttemptAt == nil || d.NextAttemptAt.Sub(wt.now) != tc.wantNext {
					t.Errorf("next attempt at %v, want now + %s", d.NextAttemptAt, tc.wantNext)
				}
			case StatusDead:
				if d.NextAttemptAt != nil {
					t.Errorf("dead delivery has a next attempt at %s", d.NextAttemptAt)
				}
			}
			if len(r.attempts) != 1 {
				t.Fatalf("%d attempts recorded, want 1", len(r.attempts))
			}
			if a := r.attempts[0]; a.DeliveryID != id || a.StatusCode != tc.wantCode || a.Error != tc.wantError || !a.At.Equal(wt.now) {
				t.Errorf("attempt = %+v", a)
			}
		})
	}
}

func TestWorkerDeliversSigned(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	h, requests := capture()
	srv := newServer(t, h)
	id := wt.delivery(t, srv.URL, 0, nil)
	wt.start(t)

	r := wt.q.waitStatus(t, id, StatusSucceeded)
	req := <-requests
	wh, _ := standardwebhooks.NewWebhook(r.Endpoint.Secret)
	if err := wh.Verify(req.body, req.header); err != nil {
		t.Fatalf("official library rejects the delivery: %v", err)
	}
	if req.header.Get("webhook-id") != id {
		t.Errorf("webhook-id = %q, want %q", req.header.Get("webhook-id"), id)
	}
	if got, want := wt.w.Stats(), (WorkerStats{Sent: 1, Succeeded: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

// TestWorkerWake checks that Wake sends a new delivery at once: the poll is
// an hour away.
func TestWorkerWake(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.PollInterval = time.Hour })
	h, requests := capture()
	srv := newServer(t, h)
	wt.start(t)
	wt.q.waitFor(t, "the first claim", func() bool { return wt.q.claimCalls >= 1 })

	id := wt.delivery(t, srv.URL, 0, nil)
	wt.w.Wake()
	select {
	case req := <-requests:
		if req.header.Get("webhook-id") != id {
			t.Fatalf("webhook-id = %q, want %q", req.header.Get("webhook-id"), id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("delivery not sent after Wake")
	}
	wt.q.waitStatus(t, id, StatusSucceeded)
}

// TestWorkerRetryTimer checks that a retry due before the next poll is sent
// when it falls due, without waiting for the poll.
func TestWorkerRetryTimer(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.PollInterval = time.Hour })
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	id := wt.delivery(t, srv.URL, 0, func(c *Claimed) { c.Endpoint.RetrySchedule = []int{0, 0} })
	wt.start(t)

	r := wt.q.waitStatus(t, id, StatusSucceeded)
	if len(r.attempts) != 2 || r.attempts[0].StatusCode != 500 || r.attempts[1].StatusCode != 200 || r.Delivery.AttemptCount != 2 {
		t.Fatalf("attempts %+v, count %d; want a 500 then a 200", r.attempts, r.Delivery.AttemptCount)
	}
}

// TestWorkerSlowEndpoint checks that an endpoint that never answers holds one
// send slot and nothing else: with two slots, the deliveries behind it go out.
func TestWorkerSlowEndpoint(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Concurrency = 2 })
	entered := make(chan struct{}, 1)
	slow := newServer(t, hang(entered))
	fast := newServer(t, status(200))
	slowID := wt.delivery(t, slow.URL, 0, onEndpoint("ep_SLOW", nil))
	fastIDs := []string{wt.delivery(t, fast.URL, 0, nil), wt.delivery(t, fast.URL, 0, nil), wt.delivery(t, fast.URL, 0, nil)}
	wt.start(t)

	<-entered
	for _, id := range fastIDs {
		wt.q.waitStatus(t, id, StatusSucceeded)
	}
	if s := wt.q.row(slowID).Delivery.Status; s != StatusSending {
		t.Fatalf("slow delivery is %s, want still sending", s)
	}
}

func TestWorkerStopReleasesUnsent(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	srv := newServer(t, status(200))
	ids := []string{wt.delivery(t, srv.URL, 0, nil), wt.delivery(t, srv.URL, 2, nil)}
	gate := make(chan struct{})
	wt.q.claimGate, wt.q.claimInside = gate, make(chan struct{}, 1)
	wt.start(t)

	<-wt.q.claimInside // the first claim is under way
	stopped := make(chan error, 1)
	go func() { stopped <- wt.w.Stop(context.Background()) }()
	<-wt.w.loop.Stopping() // Stop has begun
	close(gate)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop = %v", err)
	}
	for i, want := range []Status{StatusPending, StatusFailed} {
		r := wt.q.row(ids[i])
		if r.Delivery.Status != want || r.owner != "" || len(r.attempts) != 0 {
			t.Errorf("%s: status %s, owner %q, %d attempts; want released as %s, unattempted", ids[i], r.Delivery.Status, r.owner, len(r.attempts), want)
		}
	}
}

func TestWorkerStopWaitsForSends(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	})
	id := wt.delivery(t, srv.URL, 0, nil)
	wt.start(t)

	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- wt.w.Stop(context.Background()) }()
	<-wt.w.loop.Stopping()
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if s := wt.q.row(id).Delivery.Status; s != StatusSucceeded {
		t.Fatalf("after Stop the delivery is %s, want succeeded", s)
	}
}

func TestWorkerStopCancelsAtDeadline(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	entered := make(chan struct{}, 1)
	srv := newServer(t, hang(entered))
	id := wt.delivery(t, srv.URL, 0, nil)
	wt.start(t)

	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := wt.w.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop = %v, want context.Canceled", err)
	}
	d := wt.q.row(id).Delivery
	if d.Status != StatusFailed || d.LastError != "canceled: worker stopped" || d.AttemptCount != 1 {
		t.Fatalf("delivery %s, %q, %d attempts; want failed by the stop", d.Status, d.LastError, d.AttemptCount)
	}
}

func TestWorkerRecoversPanic(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	wt.w.send = func(context.Context, Claimed) Attempt { panic("boom") }
	id := wt.delivery(t, "http://unused.invalid", 0, nil)
	wt.start(t)

	d := wt.q.waitStatus(t, id, StatusFailed).Delivery
	if d.LastError != "internal error: boom" || d.NextAttemptAt == nil || d.NextAttemptAt.Sub(wt.now) != 4500*time.Millisecond {
		t.Fatalf("delivery error %q, next %v; want the panic and a retry", d.LastError, d.NextAttemptAt)
	}
	if log := wt.log.String(); !strings.Contains(log, `"msg":"delivery send panicked"`) || !strings.Contains(log, `"delivery_id":"`+id+`"`) {
		t.Fatalf("log lacks the panic:\n%s", log)
	}
}

func TestWorkerRetriesQueueErrors(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, nil)
	wt.q.claimErrs, wt.q.recordErrs = 2, 2
	srv := newServer(t, status(200))
	id := wt.delivery(t, srv.URL, 0, nil)
	wt.start(t)

	wt.q.waitStatus(t, id, StatusSucceeded)
	wt.q.mu.Lock()
	claims, records := wt.q.claimCalls, wt.q.recordCalls
	wt.q.mu.Unlock()
	if claims < 3 || len(records) != 1 {
		t.Errorf("%d claims, records %v; want 3+ claims and one recording", claims, records)
	}
	log := wt.log.String()
	for _, want := range []string{`"msg":"claim due deliveries","error":"database is locked"`, `"msg":"record delivery outcomes","error":"connection reset","delivery_ids":["` + id + `"]`} {
		if strings.Count(log, want) != 2 {
			t.Errorf("log has not twice %s:\n%s", want, log)
		}
	}
}

func TestWorkerBatchesOutcomes(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.BatchSize, c.RecordBatchSize, c.RecordInterval = 5, 20, time.Hour })
	srv := newServer(t, status(200))
	// Outcomes are recorded RecordBatchSize at a time: 20.
	for range 40 {
		wt.delivery(t, srv.URL, 0, nil)
	}
	wt.start(t)

	wt.q.waitFor(t, "40 outcomes", func() bool { return len(wt.q.recordCalls) == 2 })
	wt.q.mu.Lock()
	defer wt.q.mu.Unlock()
	for i, n := range wt.q.recordCalls {
		if n != 20 {
			t.Errorf("recording %d had %d outcomes, want %d", i, n, 20)
		}
	}
	for id, r := range wt.q.rows {
		if r.Delivery.Status != StatusSucceeded {
			t.Errorf("%s is %s", id, r.Delivery.Status)
		}
	}
}

// TestWorkerBoundsUnrecorded: while recording is slow (here: stuck), at most
// Concurrency + RecordBatchSize attempts are answered and not recorded, which
// is what a crash could send again. Sends wait, holding their slots, instead
// of piling outcomes up in a buffer.
func TestWorkerBoundsUnrecorded(t *testing.T) {
	t.Parallel()
	const conc, batch, n = 4, 3, 30
	wt := newWorkerTest(t, func(c *WorkerConfig) {
		c.Concurrency, c.EndpointConcurrency, c.BatchSize, c.RecordBatchSize, c.RecordInterval = conc, conc, 4, batch, time.Millisecond
	})
	gate := make(chan struct{})
	wt.q.recordGate = gate
	var started atomic.Int64
	sent := make(chan struct{}, n)
	wt.w.send = func(_ context.Context, c Claimed) Attempt {
		wt.q.mu.Lock()
		recorded := 0
		for _, k := range wt.q.recordCalls {
			recorded += k
		}
		wt.q.mu.Unlock()
		if s := started.Add(1); s-int64(recorded) > conc+batch {
			t.Errorf("send %d began with %d recorded: more than %d+%d answered and unrecorded", s, recorded, conc, batch)
		}
		sent <- struct{}{}
		return Attempt{ID: c.Delivery.ID + "_a", DeliveryID: c.Delivery.ID, At: wt.now, StatusCode: 200}
	}
	for range n {
		wt.delivery(t, "http://unused.invalid", 0, nil)
	}
	wt.start(t)

	for range conc + batch {
		select {
		case <-sent:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d sends", started.Load())
		}
	}
	// Every slot is now held by a send waiting to hand its outcome over.
	for i := 0; len(wt.w.slots) < conc || len(wt.w.records) < batch; i++ {
		if i == 1000 {
			t.Fatalf("%d slots and %d unrecorded tokens taken, want %d and %d", len(wt.w.slots), len(wt.w.records), conc, batch)
		}
		time.Sleep(time.Millisecond)
	}
	if s := started.Load(); s != conc+batch {
		t.Fatalf("%d sends with nothing recorded, want %d", s, conc+batch)
	}
	close(gate)
	wt.q.waitFor(t, "all succeeded", func() bool {
		for _, r := range wt.q.rows {
			if r.Delivery.Status != StatusSucceeded {
				return false
			}
		}
		return true
	})
}

func TestNewWorker(t *testing.T) {
	t.Parallel()
	sender := NewSender(SenderConfig{})
	for _, tc := range []struct {
		name    string
		cfg     WorkerConfig
		wantErr string
	}{
		{"no queue", WorkerConfig{Sender: sender}, "Queue is required"},
		{"no sender", WorkerConfig{Queue: newFakeQueue()}, "Sender is required"},
		{"negative concurrency", WorkerConfig{Queue: newFakeQueue(), Sender: sender, Concurrency: -1}, "Concurrency"},
		{"negative batch", WorkerConfig{Queue: newFakeQueue(), Sender: sender, BatchSize: -1}, "BatchSize"},
		{"short lease", WorkerConfig{Queue: newFakeQueue(), Sender: sender, Lease: time.Second}, "Lease"},
		{"slow heartbeat", WorkerConfig{Queue: newFakeQueue(), Sender: sender, Lease: 10 * time.Second, Heartbeat: 6 * time.Second}, "Heartbeat"},
		{"negative poll", WorkerConfig{Queue: newFakeQueue(), Sender: sender, PollInterval: -time.Second}, "PollInterval"},
		{"negative record interval", WorkerConfig{Queue: newFakeQueue(), Sender: sender, RecordInterval: -1}, "RecordInterval"},
	} {
		if _, err := NewWorker(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: NewWorker error = %v, want one naming %s", tc.name, err, tc.wantErr)
		}
	}

	w, err := NewWorker(WorkerConfig{Queue: newFakeQueue(), Sender: sender})
	if err != nil {
		t.Fatal(err)
	}
	c := w.cfg
	if c.Concurrency != 64 || c.BatchSize != 100 || c.Lease != 15*time.Second || c.Heartbeat != 5*time.Second || c.PollInterval != time.Second ||
		c.RecordInterval != 5*time.Millisecond || !strings.HasPrefix(w.Owner(), "wrk_") || c.Logger == nil || c.Now == nil {
		t.Errorf("defaults = %+v", c)
	}
	if err := w.Stop(t.Context()); err != nil {
		t.Errorf("Stop before Start = %v", err)
	}
	if err := w.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(t.Context()); err == nil {
		t.Error("second Start: no error")
	}
	if err := w.Stop(t.Context()); err != nil {
		t.Errorf("Stop = %v", err)
	}
}

// TestWorkerHeartbeat: while a send takes longer than several heartbeats,
// the worker keeps renewing its claim's lease, and the claim stays its own.
func TestWorkerHeartbeat(t *testing.T) {
	t.Parallel()
	wt := newWorkerTest(t, func(c *WorkerConfig) { c.Lease, c.Heartbeat = 2*time.Second, 10*time.Millisecond })
	release := make(chan struct{})
	inSend := make(chan struct{}, 1)
	wt.w.send = func(_ context.Context, c Claimed) Attempt {
		inSend <- struct{}{}
		<-release
		return Attempt{ID: c.Delivery.ID + "_a", DeliveryID: c.Delivery.ID, At: wt.now, StatusCode: 200}
	}
	id := wt.delivery(t, "http://unused.invalid", 0, nil)
	wt.start(t)
	<-inSend
	wt.q.waitFor(t, "three heartbeats during the send", func() bool { return wt.q.extendCalls >= 3 })
	if r := wt.q.row(id); r.owner != wt.w.Owner() || !r.leaseUntil.Equal(wt.now.Add(2*time.Second)) {
		t.Fatalf("during the send: owner %q lease %v, want %q until %v", r.owner, r.leaseUntil, wt.w.Owner(), wt.now.Add(2*time.Second))
	}
	close(release)
	wt.q.waitStatus(t, id, StatusSucceeded)
}
