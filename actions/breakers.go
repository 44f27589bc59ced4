package actions

// OpenBreakers is how many endpoints have their circuit breaker open in this
// worker now (only probes go to them). Breakers are per worker: with several
// instances, each counts its own.
func (w *Worker) OpenBreakers() int { return w.gates.openCount() }

func (gs *gates) openCount() int {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	n := 0
	for _, g := range gs.m {
		if g.open {
			n++
		}
	}
	return n
}
