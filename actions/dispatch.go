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
	Slots      int // how many deliveries may be created claimed; 0 when none

	deadline time.Time // when their attempts must end, as for a claim
}

// Reserve sets aside up to n free send slots for deliveries about to be
// created, and returns the reservation; its Slots may be fewer than n, or 0
// when the worker is busy, not started or stopping. It never blocks. Each
// reservation must be followed by one call of Dispatch or Cancel.
func (w *Worker) Reserve(n int) Reservation {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.open || n <= 0 {
		return Reservation{}
	}
	got := 0
take:
	for got < n {
		select {
		case w.slots <- struct{}{}:
			got++
		default:
			break take
		}
	}
	if got == 0 {
		return Reservation{}
	}
	w.sends.Add(got) // Stop waits for reserved slots as for sends
	return Reservation{Owner: w.cfg.Owner, LeaseUntil: w.cfg.Now().Add(w.cfg.Lease), Slots: got,
		deadline: time.Now().Add(w.cfg.Lease - min(w.cfg.Lease/4, 30*time.Second))}
}

// Dispatch sends deliveries created claimed under r, once their transaction
// committed; at most r.Slots of them are taken, and the slots they do not use
// are given back. A delivery whose endpoint cannot take it now (its limits, an
// open breaker) waits in the worker like a claimed one.
func (w *Worker) Dispatch(r Reservation, claimed []Claimed) {
	claimed = claimed[:min(len(claimed), r.Slots)]
	unused := r.Slots - len(claimed)
	for _, c := range claimed {
		if w.admit(c, r.deadline) {
			go w.deliver(c, r.deadline)
			continue
		}
		unused++ // held: it takes a slot again when its endpoint may take it
	}
	w.giveBack(unused)
}

// Cancel gives back the slots of r, whose transaction did not commit.
func (w *Worker) Cancel(r Reservation) { w.giveBack(r.Slots) }

func (w *Worker) giveBack(n int) {
	if n <= 0 {
		return
	}
	for range n {
		<-w.slots
		w.sends.Done()
	}
	notify(w.slotFreed)
}
