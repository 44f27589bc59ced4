package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/lifecycle"
	"github.com/tripline/tripline/sources"
)

// RetentionDeleteParams are the parameters of Store.RetentionDelete.
type RetentionDeleteParams struct {
	Before time.Time // delete what was made before this (by the time in its id)
	Limit  int       // at most this many rows of each kind
}

// RetentionDeleteResult counts what one RetentionDelete call deleted.
type RetentionDeleteResult struct {
	Messages      int // delivery payloads (the delivery rows stay, with a null payload)
	Attempts      int
	TriggerEvents int
	// SourceRequests are entries of sources' request logs.
	SourceRequests int
}

func (r RetentionDeleteResult) add(o RetentionDeleteResult) RetentionDeleteResult {
	return RetentionDeleteResult{r.Messages + o.Messages, r.Attempts + o.Attempts, r.TriggerEvents + o.TriggerEvents,
		r.SourceRequests + o.SourceRequests}
}

// RetentionDelete deletes at most Limit rows of each kind made before
// Before: the messages (payloads) of finished deliveries (succeeded, dead or
// discarded) created before it, attempts made before it, and trigger events
// derived before it. A row's age is the time in its id, a ULID (see
// idrange.go), to the millisecond: a delivery's creation, an attempt's
// start, the moment the pipeline derived a trigger event (a few
// milliseconds before its created_at, when it was stored); a row made in
// Before's millisecond is kept. Each kind is thus a range of a primary key,
// and no index on a time column is needed, which every delivery would pay
// to write.
//
// Each kind is one short statement of its own, so the write lock (on
// SQLite, the one writer) is never held for long. Deliveries still waiting
// (pending, failed, paused, sending) keep their payload whatever their age:
// they may yet be sent.
func (s *Store) RetentionDelete(ctx context.Context, p RetentionDeleteParams) (RetentionDeleteResult, error) {
	var res RetentionDeleteResult
	for _, step := range []struct {
		what   string
		sql    string
		before string
		n      *int
	}{
		// The walk is on delivery_messages' key, each message's delivery
		// read by key: deliveries are never deleted, so a walk of the old
		// deliveries would read, at every batch, all those whose messages
		// are gone already. A join or EXISTS lets the planners do that
		// (SQLite's outright, Postgres's by a hash join over a scan of
		// deliveries); a scalar subquery is run per message.
		{"delivery messages", `DELETE FROM delivery_messages WHERE delivery_id IN (
			SELECT m.delivery_id FROM delivery_messages m WHERE m.delivery_id < ?
				AND (SELECT d.status FROM deliveries d WHERE d.id = m.delivery_id) IN ('succeeded', 'dead', 'discarded')
			LIMIT ?)`, idFrom(id.Delivery, p.Before), &res.Messages},
		{"attempts", `DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE id < ? LIMIT ?)`, idFrom(id.Attempt, p.Before), &res.Attempts},
		{"trigger events", `DELETE FROM trigger_events WHERE id IN (SELECT id FROM trigger_events WHERE id < ? LIMIT ?)`,
			idFrom(id.TriggerEvent, p.Before), &res.TriggerEvents},
		{"source requests", `DELETE FROM source_requests WHERE id IN (SELECT id FROM source_requests WHERE id < ? LIMIT ?)`,
			idFrom(sources.RequestIDPrefix, p.Before), &res.SourceRequests},
	} {
		r := s.db.WithContext(ctx).Exec(step.sql, step.before, p.Limit)
		if r.Error != nil {
			return res, fmt.Errorf("retention: delete %s: %w", step.what, translate(r.Error))
		}
		*step.n = int(r.RowsAffected)
	}
	return res, nil
}

// RetentionConfig configures a Retention job. A zero field takes its default.
type RetentionConfig struct {
	// Store is where old rows are deleted. Required.
	Store *Store
	// MaxAge is how long payloads, attempts and trigger events are kept
	// (TRIPLINE_RETENTION). Default 720h (30 days).
	MaxAge time.Duration
	// BatchSize is the most rows of each kind deleted per statement.
	// Default 1,000.
	BatchSize int
	// Pause is the wait between batches, so deliveries get the database in
	// between. Default 100 ms.
	Pause time.Duration
	// Interval is the wait between sweeps. Default 1 h.
	Interval time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives what each sweep deleted and its errors. Default: discard.
	Logger *slog.Logger
}

// Retention is the background job that deletes old payloads, attempts and
// trigger events (SPEC section 8), in batches with pauses so that it never
// holds up delivery. Start it once; Stop waits for the batch in progress.
type Retention struct {
	cfg  RetentionConfig
	loop *lifecycle.Loop
}

// NewRetention returns a Retention job for cfg with defaults filled in.
func NewRetention(cfg RetentionConfig) (*Retention, error) {
	if cfg.Store == nil {
		return nil, errors.New("retention config: Store is required")
	}
	cfg.MaxAge = cmp.Or(cfg.MaxAge, 720*time.Hour)
	cfg.BatchSize = cmp.Or(cfg.BatchSize, 1000)
	cfg.Pause = cmp.Or(cfg.Pause, 100*time.Millisecond)
	cfg.Interval = cmp.Or(cfg.Interval, time.Hour)
	cfg.Logger = cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAge < 0 || cfg.BatchSize < 1 || cfg.Pause < 0 || cfg.Interval <= 0 {
		return nil, fmt.Errorf("retention config: MaxAge %s, BatchSize %d, Pause %s and Interval %s must be positive",
			cfg.MaxAge, cfg.BatchSize, cfg.Pause, cfg.Interval)
	}
	return &Retention{cfg: cfg, loop: lifecycle.New("retention")}, nil
}

// Start runs a sweep at once and then every Interval, until ctx is done or
// Stop is called.
func (r *Retention) Start(ctx context.Context) error {
	return r.loop.Start(nil, func() { r.run(ctx) })
}

// Stop ends the job after the batch in progress, or when ctx is done.
// Stop before Start does nothing.
func (r *Retention) Stop(ctx context.Context) error {
	_, err := r.loop.Stop(ctx)
	return err
}

func (r *Retention) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.loop.Stopping():
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		if _, err := r.safeSweep(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Logger.Log(ctx, lifecycle.ErrorLevel(err), "retention sweep failed; it runs again at the next interval", "error", err)
		}
		if !r.wait(ctx, r.cfg.Interval) {
			return
		}
	}
}

func (r *Retention) safeSweep(ctx context.Context) (res RetentionDeleteResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("retention sweep panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return r.Sweep(ctx)
}

// wait waits d or until ctx is done; it reports whether to go on.
func (r *Retention) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Sweep deletes everything older than MaxAge (see Store.RetentionDelete),
// one batch at a time with Pause in between, and returns what it deleted.
func (r *Retention) Sweep(ctx context.Context) (RetentionDeleteResult, error) {
	var total RetentionDeleteResult
	before := r.cfg.Now().Add(-r.cfg.MaxAge)
	for {
		res, err := r.cfg.Store.RetentionDelete(ctx, RetentionDeleteParams{Before: before, Limit: r.cfg.BatchSize})
		total = total.add(res)
		if err != nil {
			return total, err
		}
		if max(res.Messages, res.Attempts, res.TriggerEvents, res.SourceRequests) < r.cfg.BatchSize {
			break
		}
		if !r.wait(ctx, r.cfg.Pause) {
			return total, ctx.Err()
		}
	}
	if total != (RetentionDeleteResult{}) {
		r.cfg.Logger.InfoContext(ctx, "retention sweep", "before", before, "messages", total.Messages,
			"attempts", total.Attempts, "trigger_events", total.TriggerEvents, "source_requests", total.SourceRequests)
	}
	return total, nil
}
