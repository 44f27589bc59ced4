package actions

import "time"

// holdDepth is how many deliveries, per send its endpoint may have in flight,
// Reserve takes beyond what can go at once: they are held in memory, claimed,
// and go out as sends to their endpoint end. A healthy endpoint at its
// in-flight cap drains them within milliseconds; the cap bounds what waits
// for a lease to run out when an instance crashes, and what one instance
// holds while others could send it.
const holdDepth = 8

// Reservation is deliveries a Worker takes from the ingest that creates them:
// they are stored already claimed (status sending, owned by Owner until
// LeaseUntil) in the transaction that creates them, and sent as soon as it
// commits, without a claim transaction. A crash in between leaves them to
// lease expiry, like any claim.
type Reservation struct {
	Owner      string
	LeaseUntil time.Time
	// Taken says, for each endpoint passed to Reserve, whether its delivery
	// is taken: created claimed, and sent on Dispatch.
	Taken []bool

	endpoints []string  // of the taken deliveries, in order
	now       []bool    // per taken delivery: it has a send slot and its gate admitted it; else it is held
	deadline  time.Time // when their attempts must end, as for a claim
}

// Slots is how many deliveries r takes.
func (r Reservation) Slots() int { return len(r.endpoints) }

// Reserve is asked for deliveries about to be created, one per entry of
// endpoints (their endpoints, with secrets), and takes those it can send
// soon: at once while a send slot is free, for an endpoint whose limits and
// breaker let it go now and that has no delivery held back; and, beyond
// that, up to holdDepth deliveries per send its endpoint may have in flight
// for an endpoint that waits only on its own sends in flight (at its
// in-flight cap, breaker closed, no rate limit): those are held and sent as
// its sends end, in order. Slots and the
// endpoints' limits are counted from now, as for a claimed delivery being
// sent. It never blocks. A reservation that takes any must be followed by
// one call of Dispatch or Cancel.
func (w *Worker) Reserve(endpoints []Endpoint) Reservation {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := Reservation{Taken: make([]bool, len(endpoints))}
	if !w.open {
		return r
	}
	slotsLeft := true
	for i, ep := range endpoints {
		if slotsLeft && len(w.held[ep.ID]) == 0 && w.holding[ep.ID] == 0 {
			select {
			case w.slots <- struct{}{}:
				if w.gates.admit(ep) {
					r.take(i, ep.ID, true)
					continue
				}
				<-w.slots
			default:
				slotsLeft = false
			}
		}
		if w.gates.holdable(ep, len(w.held[ep.ID])+w.holding[ep.ID]) {
			if w.holding == nil {
				w.holding = make(map[string]int)
			}
			w.holding[ep.ID]++
			r.take(i, ep.ID, false)
		}
	}
	if len(r.endpoints) == 0 {
		return r
	}
	w.sends.Add(len(r.endpoints)) // Stop waits for reservations as for sends
	r.Owner, r.LeaseUntil = w.cfg.Owner, w.cfg.Now().Add(w.cfg.Lease)
	r.deadline = attemptDeadline()
	return r
}

func (r *Reservation) take(i int, endpointID string, now bool) {
	r.Taken[i] = true
	r.endpoints = append(r.endpoints, endpointID)
	r.now = append(r.now, now)
}

// Dispatch sends the deliveries r took, created claimed, once their
// transaction committed; claimed holds them in the order of r.Taken. Those
// taken with a slot go at once; the others join their endpoint's held
// deliveries, behind any already there.
func (w *Worker) Dispatch(r Reservation, claimed []Claimed) {
	n := min(len(claimed), r.Slots())
	held := false
	w.mu.Lock()
	for i, c := range claimed[:n] {
		if r.now[i] {
			continue
		}
		w.holding[c.Endpoint.ID]--
		if w.holding[c.Endpoint.ID] <= 0 {
			delete(w.holding, c.Endpoint.ID)
		}
		if w.held == nil {
			w.held = make(map[string][]heldClaim)
		}
		w.held[c.Endpoint.ID] = append(w.held[c.Endpoint.ID], heldClaim{Claimed: c, deadline: r.deadline})
		held = true
	}
	w.mu.Unlock()
	for i, c := range claimed[:n] {
		if r.now[i] {
			go w.deliver(c, r.deadline)
		} else {
			w.sends.Done() // held: Stop releases it with the others
		}
	}
	w.giveBack(r, n)
	if held {
		// An endpoint with nothing in flight has no send ending to take
		// them: the claim loop dispatches held deliveries when told a slot
		// may be free.
		notify(w.slotFreed)
	}
	w.sig.changed.fire()
}

// Cancel gives back what r took, its transaction did not commit.
func (w *Worker) Cancel(r Reservation) { w.giveBack(r, 0) }

// giveBack frees what r took from its taken delivery from on, which will not
// be sent: the slots and the endpoints' in-flight counts of those taken at
// once, the holding counts of the others.
func (w *Worker) giveBack(r Reservation, from int) {
	if from >= r.Slots() {
		return
	}
	w.mu.Lock()
	for i := from; i < r.Slots(); i++ {
		if !r.now[i] {
			if w.holding[r.endpoints[i]]--; w.holding[r.endpoints[i]] <= 0 {
				delete(w.holding, r.endpoints[i])
			}
		}
	}
	w.mu.Unlock()
	for i := from; i < r.Slots(); i++ {
		if r.now[i] {
			w.gates.done(r.endpoints[i], false, false)
			<-w.slots
		}
		w.sends.Done()
	}
	notify(w.slotFreed)
	w.sig.changed.fire()
}
