package actions

import "sync"

// testSignal is a point in the worker that tests wait for instead of
// sleeping (River's testsignal): it counts how often it fired and wakes every
// waiter each time. A nil *testSignal, as in production, does nothing.
type testSignal struct {
	mu sync.Mutex
	n  int
	ch chan struct{} // closed at the next fire
}

func (s *testSignal) fire() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// next returns how often s fired so far and a channel closed when it fires
// again.
func (s *testSignal) next() (int, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.n, s.ch
}

// workerSignals are the worker's test signals; all nil unless a test sets
// them before Start.
type workerSignals struct {
	changed    *testSignal // a send ended, or deliveries were held, dispatched, released or given back
	parked     *testSignal // the claim loop parked: Wakes are put off until an endpoint unblocks or parkFor passes
	wakePutOff *testSignal // a Wake came while parked and was put off
}
