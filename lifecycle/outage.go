package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tripline/tripline"
)

// Outage logs a dependency's outage as two lines rather than one per failed
// call: a WARN at the first failure and an INFO when a call succeeds again,
// saying how long it lasted and how many calls failed. It is safe for
// concurrent use; OK is cheap when nothing is down.
type Outage struct {
	log  *slog.Logger
	what string // "database", in the log lines
	now  func() time.Time

	down atomic.Bool // read without mu by OK's fast path

	mu       sync.Mutex
	since    time.Time
	failures int
}

// NewOutage returns an Outage that logs to log about what; now is the clock
// (nil: time.Now).
func NewOutage(log *slog.Logger, what string, now func() time.Time) *Outage {
	if now == nil {
		now = time.Now
	}
	return &Outage{log: log, what: what, now: now}
}

// Failed records a failed call; the first of an outage is logged at WARN
// with attrs. It reports whether this failure began the outage.
func (o *Outage) Failed(ctx context.Context, err error, attrs ...any) bool {
	o.mu.Lock()
	first := !o.down.Load()
	if first {
		o.since, o.failures = o.now(), 0
		o.down.Store(true)
	}
	o.failures++
	o.mu.Unlock()
	if first {
		o.log.WarnContext(ctx, o.what+" unavailable; retrying until it is back", append([]any{"error", err}, attrs...)...)
	}
	return first
}

// OK records a successful call; the first after an outage logs the recovery.
func (o *Outage) OK(ctx context.Context) {
	if !o.down.Load() {
		return
	}
	o.mu.Lock()
	if !o.down.Load() {
		o.mu.Unlock()
		return
	}
	since, failures := o.since, o.failures
	o.down.Store(false)
	o.mu.Unlock()
	o.log.InfoContext(ctx, o.what+" available again", "down_for", o.now().Sub(since).Round(time.Millisecond).String(), "failed_calls", failures)
}

// Down reports whether an outage is under way.
func (o *Outage) Down() bool { return o.down.Load() }

// ErrorLevel is the level at which a background loop logs a failed call:
// ERROR, except when the database is unavailable, which the store logs once
// per outage (Outage); each failed call is then only DEBUG.
func ErrorLevel(err error) slog.Level {
	if errors.Is(err, tripline.ErrUnavailable) {
		return slog.LevelDebug
	}
	return slog.LevelError
}
