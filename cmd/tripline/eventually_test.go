package main

import "time"

// eventually calls cond every 25 ms until it holds or within has passed, and
// reports whether it held. It is the one wait of the end-to-end tests: what
// they wait for (an outcome recorded just after the receiver answered, a list
// filling, an endpoint disabled) is read back through the API, where no
// signal announces it. Inside the process, tests wait on signals instead
// (actions' workerSignals). cond may call t.Fatal.
func eventually(within time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
	return true
}
