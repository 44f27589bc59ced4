package actions

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Endpoint health is policy, decided here; the store only runs the queries
// (ARCHITECTURE.md). The store calls RecordHealth inside the transaction
// that records a batch of outcomes, so the streaks, the disable, the paused
// deliveries and a REST hook's removal commit with the outcomes or not at
// all (docs/adr/0009-endpoint-health-policy.md).

// EndpointHealth is an endpoint's health as stored, read by the
// transaction that records a batch of its outcomes.
type EndpointHealth struct {
	EndpointID      string
	WorkspaceID     string
	Enabled         bool
	DisableAfter    DisableAfter
	FailureStreak   int // failed attempts since the last successful one
	ConsecutiveDead int // deliveries that died since the last successful attempt
}

// HealthChange is what one batch of outcomes does to one endpoint.
type HealthChange struct {
	EndpointID  string
	WorkspaceID string
	// The streaks after the batch. They stop at the outcome that disables
	// the endpoint, and a disabled endpoint's streaks do not move: enabling
	// it restarts them.
	FailureStreak, ConsecutiveDead int
	// The latest success, request sent and failed request of the batch;
	// zero when it has none. The stored times only move forward.
	LastSuccessAt, LastAttemptAt, LastFailureAt time.Time
	// Disable: the batch disables the endpoint, for Reason, a sentence a
	// user reads.
	Disable bool
	Reason  string
	// Unsubscribed: the endpoint answered 410 Gone. A REST hook's target
	// does when its subscriber is gone (Zapier, when a zap is turned off):
	// the hook, its rule and its endpoint are deleted.
	Unsubscribed bool
}

// HealthAfter is the health policy: the change a batch of outcomes makes
// to endpoint h, taken in the order they were attempted (by attempt time,
// then delivery id). A success restarts both streaks; a request that failed
// adds to the failed-attempt streak (an attempt charged with an open
// breaker's probe sent none and does not); a delivery that died adds to the
// dead streak. The endpoint is disabled by the first outcome that answers
// 410 Gone, or that brings the streak h.DisableAfter counts to its limit:
// that outcome is the last counted, so an endpoint disabled after N failed
// attempts has counted exactly N, however many were in flight (a streak
// already past a lowered limit disables at the next failure). A 410 later
// in the same batch still names it the reason and unsubscribes. It is pure.
func HealthAfter(h EndpointHealth, outcomes []Outcome) HealthChange {
	c := HealthChange{EndpointID: h.EndpointID, WorkspaceID: h.WorkspaceID,
		FailureStreak: h.FailureStreak, ConsecutiveDead: h.ConsecutiveDead}
	outcomes = slices.Clone(outcomes)
	slices.SortStableFunc(outcomes, func(a, b Outcome) int {
		return cmp.Or(a.Attempt.At.Compare(b.Attempt.At), cmp.Compare(a.Attempt.DeliveryID, b.Attempt.DeliveryID))
	})
	limit := h.DisableAfter.OrDefault()
	counting := h.Enabled // a disabled endpoint's streaks do not move
	var gone time.Time
	for _, o := range outcomes {
		at := o.Attempt.At
		if !o.Charged && at.After(c.LastAttemptAt) {
			c.LastAttemptAt = at
		}
		if o.Status == StatusSucceeded {
			c.LastSuccessAt = later(c.LastSuccessAt, at)
			if counting {
				c.FailureStreak, c.ConsecutiveDead = 0, 0
			}
			continue
		}
		if !o.Charged {
			c.LastFailureAt = later(c.LastFailureAt, at)
		}
		if o.Attempt.StatusCode == 410 && h.Enabled && gone.IsZero() {
			gone = at
		}
		if !counting {
			continue
		}
		if !o.Charged {
			c.FailureStreak++
		}
		if o.Status == StatusDead {
			c.ConsecutiveDead++
		}
		if !gone.IsZero() {
			c.Disable, counting = true, false
			continue
		}
		if reason := limit.DisableReason(c.FailureStreak, c.ConsecutiveDead, limit.counts(o), o.LastError); reason != "" {
			c.Disable, c.Reason, counting = true, reason, false
		}
	}
	if !gone.IsZero() {
		c.Disable, c.Unsubscribed = true, true
		c.Reason = fmt.Sprintf("the endpoint answered 410 Gone at %s", gone.UTC().Format(time.RFC3339))
	}
	return c
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// counts says whether outcome o adds to the streak d counts.
func (d DisableAfter) counts(o Outcome) bool {
	if d.OrDefault().Counting == CountAttempts {
		return !o.Charged
	}
	return o.Status == StatusDead
}

// DisableReason returns why an endpoint whose streaks after an outcome are
// failedAttempts and deadDeliveries is disabled under d, or "" when it is
// not: only an outcome that added to the counted streak (added) can
// disable it. lastError is that outcome's error.
func (d DisableAfter) DisableReason(failedAttempts, deadDeliveries int, added bool, lastError string) string {
	d = d.OrDefault()
	if !added {
		return ""
	}
	switch d.Counting {
	case CountAttempts:
		if failedAttempts >= d.Failures {
			return fmt.Sprintf("%d consecutive attempts failed (disable_after: %d failed attempts); the last one failed with: %s",
				failedAttempts, d.Failures, lastError)
		}
	default:
		if deadDeliveries >= d.Failures {
			return fmt.Sprintf("%d consecutive deliveries died (disable_after: %d dead deliveries); the last one's last attempt failed with: %s",
				deadDeliveries, d.Failures, lastError)
		}
	}
	return ""
}

// RecordedOutcome is an outcome the store applied to its delivery, with
// the delivery's workspace and endpoint. Only those count for health: a
// batch recorded twice, or an attempt whose claim was taken over, counts
// once.
type RecordedOutcome struct {
	Outcome     Outcome
	WorkspaceID string
	EndpointID  string
}

// HealthTx is what RecordHealth needs from the transaction that records
// outcomes; the store implements it with one query a method.
type HealthTx interface {
	// EndpointHealthLock reads the health of the endpoints ids and locks
	// their rows until the transaction ends, in id order so that two
	// recorders never deadlock. Deleted endpoints are left out.
	EndpointHealthLock(ctx context.Context, ids []string) ([]EndpointHealth, error)
	// EndpointHealthSet stores c's streaks and moves its times forward.
	EndpointHealthSet(ctx context.Context, c HealthChange) error
	// EndpointDisable disables an enabled endpoint with a reason; false
	// when it was not enabled.
	EndpointDisable(ctx context.Context, p EndpointDisableParams) (bool, error)
	// DeliveryPauseByEndpoint pauses the endpoint's pending and failed
	// deliveries: they are sent when it is enabled again.
	DeliveryPauseByEndpoint(ctx context.Context, endpointID string) error
	// HookDeleteByEndpoint deletes the REST hook whose endpoint it is, with
	// its rule and the endpoint, and discards the endpoint's unsent
	// deliveries. An endpoint no hook made is left as it is.
	HookDeleteByEndpoint(ctx context.Context, workspaceID, endpointID string) error
}

// EndpointDisableParams are the parameters of HealthTx.EndpointDisable.
type EndpointDisableParams struct {
	WorkspaceID string
	ID          string
	Reason      string
	Now         time.Time
}

// RecordHealth applies the health policy (HealthAfter) to a batch of
// recorded outcomes inside tx: one locking read for the batch's endpoints,
// one write of each endpoint's health, and for an endpoint the batch
// disables, the disable, its deliveries paused and, when it answered 410
// Gone, its REST hook deleted. It returns the endpoints it disabled, for
// the caller to announce once the transaction has committed.
func RecordHealth(ctx context.Context, tx HealthTx, recorded []RecordedOutcome, now time.Time) ([]EndpointDisabled, error) {
	if len(recorded) == 0 {
		return nil, nil
	}
	byEndpoint := map[string][]Outcome{}
	for _, r := range recorded {
		byEndpoint[r.EndpointID] = append(byEndpoint[r.EndpointID], r.Outcome)
	}
	ids := slices.Sorted(maps.Keys(byEndpoint))
	healths, err := tx.EndpointHealthLock(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read endpoint health: %w", err)
	}
	var disabled []EndpointDisabled
	for _, h := range healths {
		c := HealthAfter(h, byEndpoint[h.EndpointID])
		if err := tx.EndpointHealthSet(ctx, c); err != nil {
			return nil, fmt.Errorf("endpoint %s health: %w", h.EndpointID, err)
		}
		if !c.Disable {
			continue
		}
		ok, err := tx.EndpointDisable(ctx, EndpointDisableParams{WorkspaceID: h.WorkspaceID, ID: h.EndpointID, Reason: c.Reason, Now: now})
		if err != nil {
			return nil, fmt.Errorf("disable endpoint %s: %w", h.EndpointID, err)
		}
		if !ok {
			continue
		}
		if err := tx.DeliveryPauseByEndpoint(ctx, h.EndpointID); err != nil {
			return nil, fmt.Errorf("pause deliveries of %s: %w", h.EndpointID, err)
		}
		if c.Unsubscribed {
			if err := tx.HookDeleteByEndpoint(ctx, h.WorkspaceID, h.EndpointID); err != nil {
				return nil, fmt.Errorf("delete hook of endpoint %s: %w", h.EndpointID, err)
			}
		}
		disabled = append(disabled, EndpointDisabled{WorkspaceID: h.WorkspaceID, EndpointID: h.EndpointID, Reason: c.Reason, At: now})
	}
	return disabled, nil
}

// EndpointDisabledObserver is told about each endpoint that recording
// outcomes disabled, after the disable has committed: the engine
// implements it and fires the endpoint_disabled trigger. A crash between
// the commit and the call loses the call, not the disable.
type EndpointDisabledObserver interface {
	EndpointDisabled(ctx context.Context, d EndpointDisabled)
}

// EndpointDisabledFunc is a function as an EndpointDisabledObserver.
type EndpointDisabledFunc func(ctx context.Context, d EndpointDisabled)

// EndpointDisabled calls f.
func (f EndpointDisabledFunc) EndpointDisabled(ctx context.Context, d EndpointDisabled) { f(ctx, d) }
