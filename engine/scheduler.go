package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/lifecycle"
)

// MaxSchedulerPoll is the longest PollInterval: with it, a due time that
// another instance armed (and so did not wake this one) still fires within a
// minute.
const MaxSchedulerPoll = 30 * time.Second

// SchedulerConfig configures a Scheduler. A zero field takes its default.
type SchedulerConfig struct {
	// Store is where due times are claimed. Required.
	Store DueStore
	// Pipeline fires what is claimed. Required.
	Pipeline *Pipeline
	// Logger receives claim and fire errors. Default: discard.
	Logger *slog.Logger
	// Owner names this scheduler's claims; unique among schedulers sharing a
	// database. Default: a new "sch_…" id.
	Owner string
	// BatchSize is the most due times claimed at once. Default 100.
	BatchSize int
	// Lease is how long a claim is held: after a crash another scheduler
	// fires the claimed due times once it runs out. Default 30 s.
	Lease time.Duration
	// PollInterval is how often the store is checked when no due time is
	// known to be sooner and nothing woke the scheduler. Default and
	// maximum: 30 s (MaxSchedulerPoll).
	PollInterval time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c *SchedulerConfig) withDefaults() error {
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.Owner = cmp.Or(c.Owner, id.New("sch"))
	c.BatchSize = cmp.Or(c.BatchSize, 100)
	c.Lease = cmp.Or(c.Lease, 30*time.Second)
	c.PollInterval = cmp.Or(c.PollInterval, MaxSchedulerPoll)
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.Store == nil:
		return errors.New("scheduler config: Store is required")
	case c.Pipeline == nil:
		return errors.New("scheduler config: Pipeline is required")
	case c.BatchSize < 1:
		return fmt.Errorf("scheduler config: BatchSize is %d; it must be at least 1", c.BatchSize)
	case c.Lease < time.Second:
		return fmt.Errorf("scheduler config: Lease is %s; it must be at least 1s", c.Lease)
	case c.PollInterval <= 0 || c.PollInterval > MaxSchedulerPoll:
		return fmt.Errorf("scheduler config: PollInterval is %s; it must be positive and at most %s", c.PollInterval, MaxSchedulerPoll)
	}
	return nil
}

// Scheduler fires datetime triggers when they fall due. Due times are stored
// rows (armed when a contact's date field or a rule changes), never computed
// by scanning contacts: the scheduler claims due rows in batches under a
// lease and hands each workspace's batch to Pipeline.FireDue. It sleeps until
// the next due time or PollInterval, whichever is sooner, and wakes early
// when Wake says a sooner time was armed. Any number of schedulers may share
// a database; each due time fires once.
type Scheduler struct {
	cfg SchedulerConfig

	wake chan struct{}
	loop *lifecycle.Loop

	mu       sync.Mutex
	sleeping time.Time // when the current sleep ends; zero when awake
}

// NewScheduler returns a Scheduler for cfg with defaults filled in, or an
// error naming the invalid field.
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	return &Scheduler{cfg: cfg, wake: make(chan struct{}, 1), loop: lifecycle.New("scheduler")}, nil
}

// Owner returns the name under which the scheduler claims.
func (s *Scheduler) Owner() string { return s.cfg.Owner }

// PassResult is what one RunDue pass did.
type PassResult struct {
	Claimed int
	FireResult
	Next time.Time // the earliest pending due time left; zero if none
}

// RunDue claims and fires everything due at the scheduler's Now, batch after
// batch, and returns the earliest due time left. Start calls it in a loop;
// tests and benchmarks call it directly with an injected clock.
func (s *Scheduler) RunDue(ctx context.Context) (PassResult, error) {
	var total PassResult
	for {
		now := s.cfg.Now().UTC()
		due, err := s.cfg.Store.DatetimeDueClaim(ctx, DatetimeDueClaimParams{
			Now: now, Limit: s.cfg.BatchSize, Owner: s.cfg.Owner, LeaseUntil: now.Add(s.cfg.Lease),
		})
		if err != nil {
			return total, err
		}
		total.Claimed += len(due)
		byWS := map[string][]DueTrigger{}
		var order []string
		for _, d := range due {
			if _, ok := byWS[d.WorkspaceID]; !ok {
				order = append(order, d.WorkspaceID)
			}
			byWS[d.WorkspaceID] = append(byWS[d.WorkspaceID], d)
		}
		for _, ws := range order {
			res, err := s.cfg.Pipeline.FireDue(ctx, ws, byWS[ws])
			if err != nil {
				// The claims lapse after the lease and are fired again then.
				s.cfg.Logger.Log(ctx, lifecycle.ErrorLevel(err), "firing due datetime triggers failed; they are retried after the lease",
					"workspace_id", ws, "count", len(byWS[ws]), "error", err)
				continue
			}
			total.Fired += res.Fired
			total.Dropped += res.Dropped
			total.Deliveries += res.Deliveries
		}
		if len(due) < s.cfg.BatchSize {
			break
		}
	}
	next, ok, err := s.cfg.Store.DatetimeDueNext(ctx, s.cfg.Now().UTC())
	if err != nil {
		return total, err
	}
	if ok {
		total.Next = next
	}
	return total, nil
}

// Start runs the scheduler in the background until Stop or until ctx is
// done. A Scheduler starts once.
func (s *Scheduler) Start(ctx context.Context) error {
	return s.loop.Start(nil, func() { s.run(ctx) })
}

// Stop stops the scheduler after the pass in progress and gives back its
// claims on what it did not fire. It returns ctx's error if ctx is done
// first. Stop before Start does nothing.
func (s *Scheduler) Stop(ctx context.Context) error {
	started, err := s.loop.Stop(ctx)
	if !started || err != nil {
		return err
	}
	if err := s.cfg.Store.DatetimeDueReleaseClaims(ctx, s.cfg.Owner); err != nil {
		return fmt.Errorf("release due claims: %w", err)
	}
	return nil
}

// Wake tells the scheduler that a due time at next was armed: if it sleeps
// past next, it wakes now to look (a zero next always wakes it). It never
// blocks; Pipeline's OnArm calls it.
func (s *Scheduler) Wake(next time.Time) {
	s.mu.Lock()
	sleeping := s.sleeping
	s.mu.Unlock()
	if !sleeping.IsZero() && !next.Before(sleeping) {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.loop.Stopping():
			return
		case <-timer.C:
		case <-s.wake:
		}
		wait := s.cfg.PollInterval
		res, err := s.pass(ctx)
		now := s.cfg.Now()
		switch {
		case err != nil:
			failures++
			wait = min(time.Second<<min(failures-1, 5), s.cfg.PollInterval)
			if ctx.Err() == nil {
				s.cfg.Logger.Log(ctx, lifecycle.ErrorLevel(err), "scheduler pass failed", "error", err, "retry_in", wait.String())
			}
		case !res.Next.IsZero():
			failures = 0
			// Wake at the next due time (a little after: due rows are
			// claimed when due_at <= now).
			wait = min(wait, max(res.Next.Sub(now)+time.Millisecond, 0))
		default:
			failures = 0
		}
		s.mu.Lock()
		s.sleeping = now.Add(wait)
		s.mu.Unlock()
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// pass runs RunDue with a recover: a bug in one pass must not stop the
// scheduler.
func (s *Scheduler) pass(ctx context.Context) (res PassResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scheduler pass panicked: %v\n%s", r, debug.Stack())
		}
	}()
	s.mu.Lock()
	s.sleeping = time.Time{}
	s.mu.Unlock()
	return s.RunDue(ctx)
}
