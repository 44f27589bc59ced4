package actions

import "time"

// Reservation is send slots a Worker set aside for deliveries being created:
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

	endpoints []string  // of the taken deliveries, admitted by their gates
	deadline  time.Time // when their attempts must end, as for a claim
}

// Slots is how many deliveries r takes.
func (r Reservation) Slots() int { return len(r.endpoints) }

// Reserve is asked for deliveries about to be created, one per entry of
// endpoints (their endpoints, with secrets), and takes those it can send at
// once: while a send slot is free, for an endpoint whose limits and breaker
// let it go now and that has no delivery held back. Their slots and the
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
	for i, ep := range endpoints {
		if len(w.held[ep.ID]) > 0 {
			continue
		}
		select {
		case w.slots <- struct{}{}:
		default:
			return w.reserved(r)
		}
		if !w.gates.admit(ep) {
			<-w.slots
			continue
		}
		r.Taken[i] = true
		r.endpoints = append(r.endpoints, ep.ID)
	}
	return w.reserved(r)
}

func (w *Worker) reserved(r Reservation) Reservation {
	if len(r.endpoints) == 0 {
		return r
	}
	w.sends.Add(len(r.endpoints)) // Stop waits for reserved slots as for sends
	r.Owner, r.LeaseUntil = w.cfg.Owner, w.cfg.Now().Add(w.cfg.Lease)
	r.deadline = time.Now().Add(w.cfg.Lease - min(w.cfg.Lease/4, 30*time.Second))
	return r
}

// Dispatch sends the deliveries r took, created claimed, once their
// transaction committed; claimed holds them in the order of r.Taken.
func (w *Worker) Dispatch(r Reservation, claimed []Claimed) {
	for _, c := range claimed[:min(len(claimed), r.Slots())] {
		go w.deliver(c, r.deadline)
	}
	w.giveBack(r.endpoints[min(len(claimed), r.Slots()):])
}

// Cancel gives back the slots of r, whose transaction did not commit.
func (w *Worker) Cancel(r Reservation) { w.giveBack(r.endpoints) }

// giveBack frees the slots, and the endpoints' in-flight counts, of reserved
// deliveries that will not be sent.
func (w *Worker) giveBack(endpoints []string) {
	if len(endpoints) == 0 {
		return
	}
	for _, ep := range endpoints {
		w.gates.done(ep, false, false)
		<-w.slots
		w.sends.Done()
	}
	notify(w.slotFreed)
}
