package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/lifecycle"
)

// parkInterval is how often, at most, Wakes make a worker claim while the
// due deliveries are for endpoints it leaves out of claims; see claimLoop.
const parkInterval = 100 * time.Millisecond

// DefaultLease is how long a claim holds without its worker's heartbeat:
// after a crash, the other workers take its deliveries over within it.
const DefaultLease = 15 * time.Second

// holdWindow is how long a claimed delivery may wait in memory for its
// endpoint (max_in_flight, rate, breaker) before it is given back; its
// attempt then has up to MaxTimeout more. See attemptDeadline.
const holdWindow = 30 * time.Second

// attemptDeadline is when the attempt at a delivery claimed now must have
// ended. The heartbeat keeps the claim while the worker lives, so the
// deadline does not follow the lease: it bounds how long a claim is held
// back for its endpoint, and the endpoint's timeout bounds the attempt.
// Deadlines are wall-clock: the injected clock may be fake.
func attemptDeadline() time.Time { return time.Now().Add(holdWindow + MaxTimeout) }

// finalizeGrace is how long Stop keeps recording outcomes and releasing
// claims after its context is done; past it they are left to lease expiry.
const finalizeGrace = 5 * time.Second

// errWorkerStopped is the cause given to sends cut short by Stop; it becomes
// their attempt's error text.
var errWorkerStopped = errors.New("canceled: worker stopped")

// WorkerConfig configures a Worker. A zero field takes its default.
type WorkerConfig struct {
	// Queue is where deliveries are claimed and outcomes recorded. Required.
	Queue Queue

	// Sender makes the attempts. Required.
	Sender *Sender

	// Logger receives claim, record and panic errors. Default: discard.
	Logger *slog.Logger

	// Owner names this worker's claims and must be unique among workers
	// sharing a database. Default: a new "wrk_…" id.
	Owner string

	// Concurrency is the most sends in flight at once. Default 64.
	Concurrency int

	// EndpointConcurrency is the most sends in flight at once to one endpoint
	// whose max_in_flight is unset, so that one slow endpoint cannot take
	// every send slot. Default: a quarter of Concurrency.
	EndpointConcurrency int

	// BreakerThreshold is how many consecutive failed attempts to one
	// endpoint open its circuit breaker: from then on one probe at a time
	// goes out, after BreakerCooldown (doubling after each failed probe, up
	// to a minute), and the rest of its backlog waits, unattempted, until a
	// probe succeeds. Default 5.
	BreakerThreshold int

	// BreakerCooldown is the wait before the first probe. Default 1 s.
	BreakerCooldown time.Duration

	// BatchSize is the most deliveries claimed in one call. Default 100.
	BatchSize int

	// RecordBatchSize is the most outcomes recorded in one call, and the
	// most that may be answered but not yet recorded beyond the sends in
	// flight: a send whose outcome would exceed it keeps its slot until the
	// recording call before it commits. After a crash the deliveries sent
	// twice are therefore at most Concurrency + RecordBatchSize. Default
	// three times BatchSize (300): with one batch's worth, recording alone
	// (one call at a time, 20-35 ms for 100 rows on Postgres) capped
	// deliveries at about 3,000/s.
	RecordBatchSize int

	// Lease is how long a claim holds without a heartbeat: the worker
	// renews the leases of all its claims every Heartbeat, so a claim of a
	// live worker never runs out however long its send takes, and the
	// claims of a worker that died come back to the others within Lease.
	// Default 15 s; at least 2 s.
	Lease time.Duration

	// Heartbeat is how often the worker renews its claims' leases. Default
	// a third of Lease; at most half of it, so that one late renewal costs
	// no claim.
	Heartbeat time.Duration

	// PollInterval is how often the queue is checked when nothing woke the
	// worker. It is a fallback: Wake and retry timers are the normal path.
	// Default 1 s.
	PollInterval time.Duration

	// RecordInterval is how long a finished attempt waits for others to be
	// recorded in the same call. Default 5 ms.
	RecordInterval time.Duration

	// Retry decides when a failed delivery is tried again. Default: jitter
	// from math/rand/v2.
	Retry RetryPolicy

	// Now returns the current time, for claims and retry times. Default time.Now.
	Now func() time.Time
}

func (c *WorkerConfig) withDefaults() {
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.Owner = cmp.Or(c.Owner, id.New("wrk"))
	c.Concurrency = cmp.Or(c.Concurrency, 64)
	c.EndpointConcurrency = cmp.Or(c.EndpointConcurrency, max(c.Concurrency/4, 1))
	c.BreakerThreshold = cmp.Or(c.BreakerThreshold, defaultBreakerThreshold)
	c.BreakerCooldown = cmp.Or(c.BreakerCooldown, defaultBreakerCooldown)
	c.BatchSize = cmp.Or(c.BatchSize, 100)
	c.RecordBatchSize = cmp.Or(c.RecordBatchSize, 3*c.BatchSize)
	c.Lease = cmp.Or(c.Lease, DefaultLease)
	c.Heartbeat = cmp.Or(c.Heartbeat, c.Lease/3)
	c.PollInterval = cmp.Or(c.PollInterval, time.Second)
	c.RecordInterval = cmp.Or(c.RecordInterval, 5*time.Millisecond)
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *WorkerConfig) validate() error {
	switch {
	case c.Queue == nil:
		return errors.New("worker config: Queue is required")
	case c.Sender == nil:
		return errors.New("worker config: Sender is required")
	case c.Concurrency < 1:
		return fmt.Errorf("worker config: Concurrency is %d; it must be at least 1", c.Concurrency)
	case c.EndpointConcurrency < 1:
		return fmt.Errorf("worker config: EndpointConcurrency is %d; it must be at least 1", c.EndpointConcurrency)
	case c.BreakerThreshold < 1:
		return fmt.Errorf("worker config: BreakerThreshold is %d; it must be at least 1", c.BreakerThreshold)
	case c.BreakerCooldown <= 0:
		return fmt.Errorf("worker config: BreakerCooldown is %s; it must be positive", c.BreakerCooldown)
	case c.BatchSize < 1:
		return fmt.Errorf("worker config: BatchSize is %d; it must be at least 1", c.BatchSize)
	case c.RecordBatchSize < 1:
		return fmt.Errorf("worker config: RecordBatchSize is %d; it must be at least 1", c.RecordBatchSize)
	case c.Lease < 2*time.Second:
		return fmt.Errorf("worker config: Lease is %s; it must be at least 2s", c.Lease)
	case c.Heartbeat <= 0 || c.Heartbeat > c.Lease/2:
		return fmt.Errorf("worker config: Heartbeat is %s; it must be positive and at most half the Lease (%s)", c.Heartbeat, c.Lease)
	case c.PollInterval <= 0:
		return fmt.Errorf("worker config: PollInterval is %s; it must be positive", c.PollInterval)
	case c.RecordInterval <= 0:
		return fmt.Errorf("worker config: RecordInterval is %s; it must be positive", c.RecordInterval)
	}
	return nil
}

// WorkerStats counts what a Worker did since it was made.
type WorkerStats struct {
	Sent      int64 // attempts made
	Succeeded int64 // attempts answered with a 2xx
	Failed    int64 // attempts that failed, the ones that made a delivery dead included
	Dead      int64 // deliveries that used up their schedule
}

// Worker drains the delivery queue: it claims due deliveries up to its free
// send slots, sends each in its own goroutine, and records the outcomes in
// batches. It claims when woken (Wake), when a retry it scheduled falls due,
// when a slot frees while more work is due, and every PollInterval.
type Worker struct {
	cfg WorkerConfig
	log *slog.Logger

	send    func(context.Context, Claimed) Attempt // cfg.Sender.Send
	gates   *gates                                 // per-endpoint limits and breakers
	backoff func(failures int) time.Duration       // wait after failed queue calls

	wake      chan struct{}   // Wake was called
	unblocked chan struct{}   // an endpoint left out of a claim may take a send again
	slotFreed chan struct{}   // a send finished
	retrySoon chan struct{}   // nextRetry moved earlier
	slots     chan struct{}   // one token per send in flight
	records   chan struct{}   // one token per outcome handed to the recorder and not yet recorded
	outcomes  chan recording  // finished attempts, to the recorder
	loop      *lifecycle.Loop // Stopping: claim no more; Done: everything recorded and released
	sends     sync.WaitGroup

	mu          sync.Mutex
	open        bool            // Reserve may set slots aside: started, not stopping
	ctx         context.Context // Start's context without its cancellation; for logs
	sendCtx     context.Context // cancelled when Stop's context is done
	cancelSends context.CancelCauseFunc
	dbCtx       context.Context // cancelled finalizeGrace after that
	cancelDB    context.CancelFunc
	nextRetry   time.Time              // soonest retry within PollInterval, zero if none
	held        map[string][]heldClaim // claimed, waiting for their endpoint's limits, by endpoint
	holding     map[string]int         // reserved to be held, not yet dispatched, by endpoint
	runCtx      context.Context        // Start's context
	unsent      []string               // claimed but not attempted, to release

	slotWanted atomic.Bool // the claim loop has due work to claim and no free slot

	parkFor time.Duration // parkInterval; tests set it
	sig     workerSignals // nil outside tests

	sent, succeeded, failed, dead atomic.Int64
}

// recording is an outcome on its way to the recorder.
type recording struct {
	Outcome
	endpointID string // for logs
}

// NewWorker returns a Worker for cfg with defaults filled in, or an error
// saying which field is invalid.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Worker{
		cfg:       cfg,
		log:       cfg.Logger,
		send:      cfg.Sender.Send,
		gates:     newGates(cfg.Now, cfg.EndpointConcurrency, cfg.BreakerThreshold, cfg.BreakerCooldown),
		backoff:   func(n int) time.Duration { return min(100*time.Millisecond<<min(n-1, 10), 30*time.Second) },
		wake:      make(chan struct{}, 1),
		unblocked: make(chan struct{}, 1),
		slotFreed: make(chan struct{}, 1),
		retrySoon: make(chan struct{}, 1),
		slots:     make(chan struct{}, cfg.Concurrency),
		records:   make(chan struct{}, cfg.RecordBatchSize),
		outcomes:  make(chan recording, cfg.RecordBatchSize),
		loop:      lifecycle.New("worker"),
		parkFor:   parkInterval,
	}, nil
}

// Owner returns the name under which the worker claims deliveries.
func (w *Worker) Owner() string { return w.cfg.Owner }

// Start starts claiming and sending in the background. Cancelling ctx stops
// claiming, like the first half of Stop; call Stop to wait for the sends in
// flight. A Worker starts once.
func (w *Worker) Start(ctx context.Context) error {
	return w.loop.Start(func() {
		w.ctx = context.WithoutCancel(ctx)
		w.sendCtx, w.cancelSends = context.WithCancelCause(w.ctx)
		w.dbCtx, w.cancelDB = context.WithCancel(w.ctx)
		w.runCtx = ctx
		w.mu.Lock()
		w.open = true
		w.mu.Unlock()
	}, func() { w.run(ctx) })
}

// Stop stops claiming and waits for the sends in flight, then records their
// outcomes and releases deliveries claimed but not sent. When ctx is done
// first, the sends are cancelled (each recorded as a failed attempt) and Stop
// returns ctx's error after at most finalizeGrace (5 s) more of recording;
// what is still unrecorded then is sent again when its lease runs out. Stop
// before Start does nothing.
func (w *Worker) Stop(ctx context.Context) error {
	started, err := w.loop.Stop(ctx)
	if !started || err == nil {
		return nil
	}
	w.cancelSends(errWorkerStopped)
	timer := time.AfterFunc(finalizeGrace, w.cancelDB)
	defer timer.Stop()
	<-w.loop.Done()
	return err
}

// Wake makes the worker claim at once instead of at its next poll. It never
// blocks; the ingest commit calls it so a new delivery goes out immediately.
func (w *Worker) Wake() { notify(w.wake) }

// Stats returns the worker's counters.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{Sent: w.sent.Load(), Succeeded: w.succeeded.Load(), Failed: w.failed.Load(), Dead: w.dead.Load()}
}

func (w *Worker) run(ctx context.Context) {
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		w.recordLoop()
	}()
	// The heartbeat runs until every claim is recorded or released.
	beat, stopBeat := context.WithCancel(w.ctx)
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		w.heartbeat(beat)
	}()
	defer func() { stopBeat(); <-beating }()
	w.claimLoop(ctx)
	w.mu.Lock()
	w.open = false // no reservation after this: sends.Wait below counts them all
	w.mu.Unlock()
	w.sends.Wait()
	w.releaseHeld(true)
	close(w.outcomes)
	<-recorded
	w.releaseUnsent()
	w.cancelSends(nil)
	w.cancelDB()
}

func (w *Worker) claimLoop(ctx context.Context) {
	poll := time.NewTimer(w.cfg.PollInterval)
	defer poll.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	unblock := time.NewTimer(time.Hour) // an endpoint held back by its rate or breaker may go
	unblock.Stop()
	defer unblock.Stop()
	// After a claim that left busy endpoints out and found less than it
	// asked for, what is due is mostly theirs, and a claim walks all of it
	// to skip it: claiming on every Wake (each ingest commit that leaves
	// deliveries to the queue, every NOTIFY) would cost the whole backlog
	// each time. Until one of them can take a send again, Wakes are taken
	// at most every parkInterval.
	var parkedUntil time.Time
	parked := time.NewTimer(time.Hour)
	parked.Stop()
	defer parked.Stop()

	more, failures := true, 0 // more: due deliveries may be left unclaimed
	for {
		// Due work waits for a slot: sends that end give theirs back
		// instead of passing it to their endpoint's held deliveries, so
		// that endpoints fed by ingest cannot keep every slot.
		w.slotWanted.Store(more && w.free() == 0)
		if !more || w.free() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-w.loop.Stopping():
				return
			case <-w.slotFreed:
				// Held deliveries (reserved by an ingest, or claimed while
				// their endpoint was busy) take free slots, unless due
				// work is waiting for one.
				if !more {
					w.dispatchHeld()
				}
				// A send that ended may have opened its endpoint's breaker:
				// the held-back deliveries wait for its cool-down.
				if _, next := w.gates.blocked(); !next.IsZero() {
					unblock.Reset(max(next.Sub(w.cfg.Now()), 0))
				}
			case <-w.wake:
				if wait := time.Until(parkedUntil); wait > 0 {
					parked.Reset(wait)
					w.sig.wakePutOff.fire()
					continue
				}
				more = true
			case <-parked.C:
				more = true
			case <-w.unblocked:
				parkedUntil = time.Time{}
				more = true
			case <-poll.C:
				more = true
			case <-unblock.C:
				more = true
			case <-retry.C:
				w.mu.Lock()
				w.nextRetry = time.Time{}
				w.mu.Unlock()
				more = true
			case <-w.retrySoon:
				w.mu.Lock()
				if !w.nextRetry.IsZero() {
					retry.Reset(max(w.nextRetry.Sub(w.cfg.Now()), 0))
				}
				w.mu.Unlock()
			}
			continue
		}
		if w.stopping(ctx) {
			return
		}
		w.releaseHeld(false)
		if w.free() == 0 {
			continue
		}
		now := w.cfg.Now()
		limit := min(w.free(), w.cfg.BatchSize)
		exclude, _ := w.gates.blocked()
		claimed, err := w.cfg.Queue.DeliveryClaimDue(w.sendCtx, DeliveryClaimDueParams{
			Owner: w.cfg.Owner, Now: now, LeaseUntil: now.Add(w.cfg.Lease), Limit: limit, ExcludeEndpoints: exclude,
		})
		if err != nil {
			if w.stopping(ctx) {
				return
			}
			failures++
			wait := w.backoff(failures)
			w.log.Log(w.ctx, lifecycle.ErrorLevel(err), "claim due deliveries", "error", err, "failures", failures, "retry_in", wait)
			if !w.pause(ctx, wait) {
				return
			}
			continue
		}
		failures = 0
		poll.Reset(w.cfg.PollInterval)
		if w.stopping(ctx) {
			w.mu.Lock()
			for _, c := range claimed {
				w.unsent = append(w.unsent, c.Delivery.ID)
			}
			w.mu.Unlock()
			return
		}
		deadline := attemptDeadline()
		for _, c := range claimed {
			if !w.admit(c, deadline) {
				continue
			}
			w.slots <- struct{}{}
			w.sends.Add(1)
			go w.deliver(c, deadline)
		}
		w.dispatchHeld()
		if _, next := w.gates.blocked(); !next.IsZero() {
			unblock.Reset(max(next.Sub(w.cfg.Now()), 0))
		}
		more = len(claimed) >= limit
		if !more && len(exclude) > 0 {
			parkedUntil = time.Now().Add(w.parkFor)
			w.sig.parked.fire()
		} else {
			parkedUntil = time.Time{}
		}
	}
}

func (w *Worker) free() int { return cap(w.slots) - len(w.slots) }

func (w *Worker) stopping(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-w.loop.Stopping():
		return true
	default:
		return false
	}
}

// pause waits d, or less when the worker stops; it reports whether to go on.
func (w *Worker) pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-w.loop.Stopping():
	}
	return false
}

// deliver makes one attempt at c and hands its outcome to the recorder; a
// delivery whose send was cancelled before it began is released instead.
func (w *Worker) deliver(c Claimed, deadline time.Time) {
	defer w.sends.Done()
	attempted, ok := false, false
	if w.sendCtx.Err() == nil {
		a := w.safeSend(c, deadline)
		attempted, ok = true, a.Succeeded()
		// Wait, holding the slot, while RecordBatchSize outcomes are
		// unrecorded: what a crash would send again stays bounded.
		w.records <- struct{}{}
		w.outcomes <- recording{Outcome: w.outcome(c, a), endpointID: c.Delivery.EndpointID}
	} else {
		w.mu.Lock()
		w.unsent = append(w.unsent, c.Delivery.ID)
		w.mu.Unlock()
	}
	w.gates.done(c.Endpoint.ID, attempted, ok)
	// The slot goes to the next delivery held for this endpoint, if it may
	// go and no due work waits for a slot; else, if the endpoint was left
	// out of a claim, claim again.
	if w.slotWanted.Load() {
		// fall through: the slot goes back for the claim
	} else if next, found := w.takeHeld(c.Endpoint.ID); found {
		w.sends.Add(1)
		go w.deliver(next.Claimed, next.deadline)
		w.sig.changed.fire()
		return
	}
	if w.gates.unblocked(c.Endpoint.ID) {
		notify(w.unblocked)
	}
	<-w.slots
	notify(w.slotFreed)
	w.sig.changed.fire()
}

// safeSend turns a panic during a send into a failed attempt.
func (w *Worker) safeSend(c Claimed, deadline time.Time) (a Attempt) {
	defer func() {
		if p := recover(); p != nil {
			w.log.ErrorContext(w.ctx, "delivery send panicked", "delivery_id", c.Delivery.ID, "endpoint_id", c.Delivery.EndpointID,
				"panic", p, "stack", string(debug.Stack()))
			now := w.cfg.Now()
			a = Attempt{ID: id.NewAt(id.Attempt, now), DeliveryID: c.Delivery.ID, At: now, Error: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	ctx, cancel := context.WithDeadlineCause(w.sendCtx, deadline, errors.New("timeout: the delivery waited too long for its endpoint"))
	defer cancel()
	return w.send(ctx, c)
}

// outcome decides what a's result means for c: succeeded, failed with a
// retry time, or dead.
func (w *Worker) outcome(c Claimed, a Attempt) Outcome {
	now := w.cfg.Now()
	// Error texts quote what the network or a panic gave: made storable, so
	// that one bad byte cannot fail (and stall) the whole batch's recording.
	a.Error = validText(a.Error)
	o := Outcome{Attempt: a, AttemptCount: c.Delivery.AttemptCount + 1, LastStatusCode: a.StatusCode, LastError: a.Error}
	w.sent.Add(1)
	if a.Succeeded() {
		w.succeeded.Add(1)
		o.Status, o.DeliveredAt = StatusSucceeded, &now
		return o
	}
	w.failed.Add(1)
	schedule := c.Endpoint.RetrySchedule
	if schedule == nil {
		schedule = DefaultRetrySchedule
	}
	var retryAfter time.Duration
	if a.StatusCode == 429 || a.StatusCode == 503 {
		retryAfter = ParseRetryAfter(a.ResponseHeaders["Retry-After"], now)
	}
	next, dead := w.cfg.Retry.Next(schedule, o.AttemptCount, now, retryAfter)
	if dead {
		w.dead.Add(1)
		o.Status = StatusDead
		return o
	}
	o.Status, o.NextAttemptAt = StatusFailed, &next
	return o
}

// recordLoop collects outcomes and records them in batches of up to
// RecordBatchSize, each waiting at most RecordInterval for company. While a
// call records, the next batch gathers, up to what the unrecorded tokens
// allow (RecordBatchSize in all, the batch being recorded included).
func (w *Worker) recordLoop() {
	var batch []recording
	flushAt := time.NewTimer(time.Hour)
	flushAt.Stop()
	defer flushAt.Stop()
	for {
		select {
		case r, ok := <-w.outcomes:
			if !ok {
				w.flush(batch)
				return
			}
			batch = append(batch, r)
			if len(batch) < w.cfg.RecordBatchSize {
				if len(batch) == 1 {
					flushAt.Reset(w.cfg.RecordInterval)
				}
				continue
			}
			flushAt.Stop()
		case <-flushAt.C:
		}
		w.flush(batch)
		batch = nil
	}
}

// flush records batch in one call, retrying until it succeeds or the worker
// gives up at shutdown, then gives back its unrecorded tokens and arms the
// retry timer for any retry due before the next poll.
func (w *Worker) flush(batch []recording) {
	if len(batch) == 0 {
		return
	}
	defer func() {
		for range batch {
			<-w.records
		}
	}()
	params := DeliveryRecordOutcomesParams{Owner: w.cfg.Owner, Outcomes: make([]Outcome, len(batch))}
	ids := make([]string, len(batch))
	for i, r := range batch {
		params.Outcomes[i], ids[i] = r.Outcome, r.Attempt.DeliveryID
	}
	if err := w.retryDB("record delivery outcomes", ids, func(ctx context.Context) error {
		return w.cfg.Queue.DeliveryRecordOutcomes(ctx, params)
	}); err != nil {
		for _, r := range batch {
			w.log.ErrorContext(w.ctx, "delivery outcome not recorded; it is sent again when its lease runs out",
				"delivery_id", r.Attempt.DeliveryID, "endpoint_id", r.endpointID, "status", r.Status, "error", err)
		}
		return
	}

	now := w.cfg.Now()
	var soonest time.Time
	for _, r := range batch {
		if t := r.NextAttemptAt; t != nil && t.Sub(now) < w.cfg.PollInterval && (soonest.IsZero() || t.Before(soonest)) {
			soonest = *t
		}
	}
	if soonest.IsZero() {
		return
	}
	w.mu.Lock()
	if w.nextRetry.IsZero() || soonest.Before(w.nextRetry) {
		w.nextRetry = soonest
		notify(w.retrySoon)
	}
	w.mu.Unlock()
}

// heartbeat renews the leases of all the worker's claims every Heartbeat
// until ctx is done. A failed renewal is tried again at the next beat: a
// lease outlives two missed beats.
func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(w.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := w.cfg.Queue.DeliveryExtendClaims(w.dbCtx, DeliveryExtendClaimsParams{Owner: w.cfg.Owner, LeaseUntil: w.cfg.Now().Add(w.cfg.Lease)})
		if err != nil && ctx.Err() == nil {
			w.log.Log(w.ctx, lifecycle.ErrorLevel(err), "renew claim leases", "error", err, "lease", w.cfg.Lease)
		}
	}
}

// releaseUnsent gives back the deliveries claimed but never attempted.
func (w *Worker) releaseUnsent() {
	w.mu.Lock()
	ids := w.unsent
	w.unsent = nil
	w.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := w.retryDB("release unsent claims", ids, func(ctx context.Context) error {
		return w.cfg.Queue.DeliveryReleaseClaims(ctx, DeliveryReleaseClaimsParams{Owner: w.cfg.Owner, IDs: ids})
	}); err != nil {
		w.log.ErrorContext(w.ctx, "claims not released; they come back when their lease runs out", "delivery_ids", ids, "error", err)
	}
}

// retryDB calls fn, which writes deliveryIDs, until it succeeds, backing off
// between failures, or until the worker gives up at shutdown, when it returns
// the last error.
func (w *Worker) retryDB(what string, deliveryIDs []string, fn func(context.Context) error) error {
	for failures := 1; ; failures++ {
		err := fn(w.dbCtx)
		if err == nil || w.dbCtx.Err() != nil {
			return err
		}
		wait := w.backoff(failures)
		w.log.Log(w.ctx, lifecycle.ErrorLevel(err), what, "error", err, "delivery_ids", deliveryIDs, "failures", failures, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.dbCtx.Done():
			t.Stop()
		}
	}
}

// notify signals ch without blocking; one pending signal is enough.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
