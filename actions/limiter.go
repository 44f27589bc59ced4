package actions

import (
	"math"
	"sync"
	"time"
)

// Breaker defaults; see WorkerConfig.
const (
	defaultBreakerThreshold = 5
	defaultBreakerCooldown  = time.Second
	maxBreakerCooldown      = time.Minute
)

// gates is the worker's per-endpoint dispatch state: sends in flight, a token
// bucket for rate_limit_per_second, and a circuit breaker. The claim loop asks
// it which endpoints cannot take a send now (they are left out of the claim)
// and whether each claimed delivery may go. One that may not is held in
// memory, still claimed (Worker.admit), and goes when a send on its endpoint
// ends or its rate or breaker lets it (takeHeld, dispatchHeld); it is
// released unattempted only when its attempt would no longer fit in its lease
// (releaseHeld) or the worker stops. Reserve (dispatch.go) asks the same for
// deliveries sent straight from their ingest, and holdable whether one may
// wait for its endpoint's own sends. Limits are per worker: with several
// instances each enforces them on its own sends.
type gates struct {
	now         func() time.Time
	share       int // in-flight cap of an endpoint without max_in_flight
	threshold   int // consecutive failed attempts that open the breaker
	cooldown    time.Duration
	maxCooldown time.Duration

	mu sync.Mutex
	m  map[string]*gate
}

// gate is one endpoint's state.
type gate struct {
	maxInFlight int     // effective cap: max_in_flight, or the share
	rate        float64 // tokens per second; 0 is unlimited
	inFlight    int

	tokens float64 // the bucket holds at most max(rate, 1)
	filled time.Time

	failures int       // consecutive failed attempts
	open     bool      // breaker open: only probes go out
	probing  bool      // a probe is in flight
	until    time.Time // open: no probe before this
	backoff  time.Duration

	skipped bool // left out of a claim since it last unblocked: due deliveries may wait in the queue
}

func newGates(now func() time.Time, share, threshold int, cooldown time.Duration) *gates {
	return &gates{now: now, share: max(share, 1), threshold: threshold, cooldown: cooldown,
		maxCooldown: max(cooldown, maxBreakerCooldown), m: make(map[string]*gate)}
}

// configure updates g from the endpoint's settings as last read.
func (gs *gates) configure(g *gate, ep Endpoint) {
	g.maxInFlight = gs.share
	if ep.MaxInFlight > 0 {
		g.maxInFlight = ep.MaxInFlight
	}
	if r := float64(ep.RateLimitPerSecond); r != g.rate {
		g.rate = r
		g.tokens, g.filled = math.Max(r, 1), gs.now()
	}
}

// refill adds the tokens earned since the last refill.
func (g *gate) refill(now time.Time) {
	if g.rate == 0 {
		return
	}
	if el := now.Sub(g.filled); el > 0 {
		g.tokens = math.Min(g.tokens+el.Seconds()*g.rate, math.Max(g.rate, 1))
		g.filled = now
	}
}

// blockedUntil reports whether g can take no send at now, and, when it waits
// on time (a token or the breaker's cool-down) rather than on a send ending,
// when it may.
func (g *gate) blockedUntil(now time.Time) (bool, time.Time) {
	switch {
	case g.open && g.probing:
		return true, time.Time{}
	case g.open && now.Before(g.until):
		return true, g.until
	case g.inFlight >= g.maxInFlight:
		return true, time.Time{}
	}
	if g.rate > 0 {
		g.refill(now)
		if g.tokens < 1 {
			return true, now.Add(time.Duration((1 - g.tokens) / g.rate * float64(time.Second)))
		}
	}
	return false, time.Time{}
}

// admit reports whether a delivery to ep may be sent now, and if so counts it
// in flight (and as the probe, when the breaker is open).
func (gs *gates) admit(ep Endpoint) bool {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g := gs.gateFor(ep)
	now := gs.now()
	if blocked, _ := g.blockedUntil(now); blocked {
		return false
	}
	if g.rate > 0 {
		g.tokens--
	}
	if g.open {
		g.probing = true
	}
	g.inFlight++
	return true
}

// gateFor returns ep's gate, made on first use, configured from ep's
// settings as last read. gs.mu must be held.
func (gs *gates) gateFor(ep Endpoint) *gate {
	g := gs.m[ep.ID]
	if g == nil {
		g = &gate{}
		gs.m[ep.ID] = g
	}
	gs.configure(g, ep)
	return g
}

// holdable reports whether one more delivery to ep may be held for it, with
// queued already held or about to be: only while its breaker is closed, it
// has no rate limit and it has as many sends in flight as it may, so that it
// waits on nothing but its own sends (which pass their slots on to it), and
// up to holdDepth per send it may have in flight. A delivery that waits for
// a free slot of the worker instead goes to the queue, where claims take due
// work in order.
func (gs *gates) holdable(ep Endpoint, queued int) bool {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g := gs.gateFor(ep)
	return !g.open && g.rate == 0 && g.inFlight >= g.maxInFlight && queued < holdDepth*g.maxInFlight
}

// done records the end of a send admitted for endpointID: attempted says an
// attempt was made, ok that it succeeded.
func (gs *gates) done(endpointID string, attempted, ok bool) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g := gs.m[endpointID]
	if g == nil {
		return
	}
	g.inFlight--
	now := gs.now()
	switch {
	case !attempted:
		g.probing = false
	case ok:
		g.failures, g.open, g.probing, g.backoff = 0, false, false, 0
	case g.open && g.probing: // the probe failed: wait longer
		g.probing = false
		g.backoff = min(2*g.backoff, gs.maxCooldown)
		g.until = now.Add(g.backoff)
	default:
		g.failures++
		if !g.open && g.failures >= gs.threshold {
			g.open, g.backoff = true, gs.cooldown
			g.until = now.Add(g.backoff)
		}
	}
}

// unblocked reports whether endpointID, left out of a claim, may take a
// send now; the worker should then claim again. It reports it once.
func (gs *gates) unblocked(endpointID string) bool {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g := gs.m[endpointID]
	return g != nil && gs.unblockedLocked(g, gs.now())
}

func (gs *gates) unblockedLocked(g *gate, now time.Time) bool {
	if blocked, _ := g.blockedUntil(now); g.skipped && !blocked {
		g.skipped = false
		return true
	}
	return false
}

// blocked returns the endpoints that can take no send now, to leave out of
// the next claim (each is marked skipped), and the soonest time one that
// waits on time may go again, zero if none does. Idle state is dropped on
// the way.
func (gs *gates) blocked() (ids []string, next time.Time) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	now := gs.now()
	for id, g := range gs.m {
		blocked, at := g.blockedUntil(now)
		if !blocked {
			if g.inFlight == 0 && g.failures == 0 && !g.open && (g.rate == 0 || g.tokens >= math.Max(g.rate, 1)) {
				delete(gs.m, id)
			}
			continue
		}
		ids = append(ids, id)
		g.skipped = true
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return ids, next
}

// state returns a copy of an endpoint's gate, for tests.
func (gs *gates) state(endpointID string) (gate, bool) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g, ok := gs.m[endpointID]
	if !ok {
		return gate{}, false
	}
	return *g, true
}

// heldClaim is a claimed delivery waiting for its endpoint to take a send.
type heldClaim struct {
	Claimed
	deadline time.Time // of its attempt, set at the claim (attemptDeadline)
}

// usable reports whether an attempt begun now still ends by its deadline.
func (h heldClaim) usable() bool { return time.Until(h.deadline) > attemptTimeout(h.Endpoint) }

// admit reports whether c may be sent now; if not, c is held in memory,
// still claimed, until its endpoint can take it: sends ending on the
// endpoint take held deliveries in claim order, without a claim. Held
// deliveries take no send slot, and the endpoint is left out of claims
// while it is blocked, so a slow, limited or failing endpoint costs neither
// slots nor queries.
func (w *Worker) admit(c Claimed, deadline time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.held[c.Endpoint.ID]) == 0 && w.gates.admit(c.Endpoint) {
		return true
	}
	if w.held == nil {
		w.held = make(map[string][]heldClaim)
	}
	w.held[c.Endpoint.ID] = append(w.held[c.Endpoint.ID], heldClaim{Claimed: c, deadline: deadline})
	w.sig.changed.fire()
	return false
}

// takeHeld returns the oldest delivery held for endpointID when the endpoint
// may take it now, counting it in flight. Nothing is taken once the worker
// stops.
func (w *Worker) takeHeld(endpointID string) (heldClaim, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.held[endpointID]
	if len(q) == 0 || w.stopping(w.runCtx) || !q[0].usable() || !w.gates.admit(q[0].Endpoint) {
		return heldClaim{}, false
	}
	if len(q) == 1 {
		delete(w.held, endpointID)
	} else {
		w.held[endpointID] = q[1:]
	}
	return q[0], true
}

// dispatchHeld sends held deliveries whose endpoints may take them now (a
// rate token came, a breaker cooled down), while send slots are free.
func (w *Worker) dispatchHeld() {
	w.mu.Lock()
	eps := make([]string, 0, len(w.held))
	for ep := range w.held {
		eps = append(eps, ep)
	}
	w.mu.Unlock()
	for _, ep := range eps {
		for w.free() > 0 {
			h, ok := w.takeHeld(ep)
			if !ok {
				break
			}
			w.slots <- struct{}{}
			w.sends.Add(1)
			go w.deliver(h.Claimed, h.deadline)
		}
	}
}

// releaseHeld gives back held deliveries whose attempt would no longer end
// by its deadline, or all of them (at shutdown), unattempted. They keep their
// place in the queue and are claimed again once their endpoint can take
// them.
func (w *Worker) releaseHeld(all bool) {
	var ids []string
	w.mu.Lock()
	for ep, q := range w.held {
		kept := q[:0]
		for _, h := range q {
			if all || !h.usable() {
				ids = append(ids, h.Delivery.ID)
			} else {
				kept = append(kept, h)
			}
		}
		if len(kept) == 0 {
			delete(w.held, ep)
		} else {
			w.held[ep] = kept
		}
	}
	w.mu.Unlock()
	w.hold(ids)
	w.sig.changed.fire()
}

// hold gives back claimed deliveries that were held and not attempted,
// keeping their place in the queue. When the release fails they come back
// when their lease runs out.
func (w *Worker) hold(ids []string) {
	if len(ids) == 0 {
		return
	}
	if err := w.cfg.Queue.DeliveryReleaseClaims(w.dbCtx, DeliveryReleaseClaimsParams{Owner: w.cfg.Owner, IDs: ids}); err != nil {
		w.log.ErrorContext(w.ctx, "held-back claims not released; they come back when their lease runs out", "delivery_ids", ids, "error", err)
	}
}
