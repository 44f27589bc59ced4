// Package lifecycle is the start-once, stop-once bookkeeping that Tripline's
// background components share: the delivery worker, the datetime scheduler
// and the retention job each run one Loop. What a component does on stop
// beyond that (finishing sends, giving back claims) stays with it.
package lifecycle

import (
	"context"
	"fmt"
	"sync"
)

// Loop is one background loop: started once, asked to stop once, done when
// its function returns.
type Loop struct {
	name     string
	mu       sync.Mutex
	started  bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// New returns a Loop; name is what errors call it ("worker").
func New(name string) *Loop {
	return &Loop{name: name, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start runs setup (if not nil) and then run in a goroutine; Done is closed
// when run returns. setup runs under the Loop's lock, so a concurrent Stop
// sees what it set. A second Start is an error and runs nothing.
func (l *Loop) Start(setup, run func()) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started {
		return fmt.Errorf("%s already started", l.name)
	}
	l.started = true
	if setup != nil {
		setup()
	}
	go func() {
		defer close(l.done)
		run()
	}()
	return nil
}

// Stopping is closed once Stop is called: the loop should wind down.
func (l *Loop) Stopping() <-chan struct{} { return l.stop }

// Done is closed when the loop's function has returned.
func (l *Loop) Done() <-chan struct{} { return l.done }

// Stop asks the loop to stop and waits until it has returned or ctx is done.
// It reports whether the loop was ever started (Stop before Start does
// nothing) and ctx's error when ctx ended first; the loop may then still be
// running, and Done tells when it returns.
func (l *Loop) Stop(ctx context.Context) (started bool, err error) {
	l.mu.Lock()
	started = l.started
	l.mu.Unlock()
	if !started {
		return false, nil
	}
	l.stopOnce.Do(func() { close(l.stop) })
	select {
	case <-l.done:
		return true, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}
