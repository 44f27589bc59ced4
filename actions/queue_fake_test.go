package actions

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeQueue is an in-memory Queue with the claim and lease semantics the
// store implements.
type fakeQueue struct {
	changed chan struct{} // signalled after every call

	mu          sync.Mutex
	rows        map[string]*fakeRow
	claimCalls  int
	recordCalls []int // outcomes per successful DeliveryRecordOutcomes call
	extendCalls int   // DeliveryExtendClaims calls
	claimErrs   int   // fail this many more claims
	recordErrs  int   // fail this many more records
	claimGate   chan struct{}
	recordGate  chan struct{} // when set, DeliveryRecordOutcomes waits for it to be closed
	claimInside chan struct{} // with claimGate: signalled when a claim waits on it
}

var _ Queue = (*fakeQueue)(nil)

type fakeRow struct {
	Claimed    // Delivery holds the stored state
	prevStatus Status
	owner      string
	leaseUntil time.Time
	attempts   []Attempt
}

func newFakeQueue() *fakeQueue {
	return &fakeQueue{changed: make(chan struct{}, 1), rows: map[string]*fakeRow{}}
}

func (q *fakeQueue) add(cs ...Claimed) {
	q.mu.Lock()
	for _, c := range cs {
		c.Delivery.Status = cmp.Or(c.Delivery.Status, StatusPending)
		q.rows[c.Delivery.ID] = &fakeRow{Claimed: c}
	}
	q.mu.Unlock()
	notify(q.changed)
}

// row returns a copy of a stored delivery.
func (q *fakeQueue) row(id string) fakeRow {
	q.mu.Lock()
	defer q.mu.Unlock()
	r := *q.rows[id]
	r.attempts = slices.Clone(r.attempts)
	return r
}

// waitFor waits until cond, called under the lock, holds.
func (q *fakeQueue) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		q.mu.Lock()
		ok := cond()
		q.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-q.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitStatus waits until delivery id has status.
func (q *fakeQueue) waitStatus(t *testing.T, id string, status Status) fakeRow {
	t.Helper()
	q.waitFor(t, id+" "+string(status), func() bool { return q.rows[id].Delivery.Status == status })
	return q.row(id)
}

func (q *fakeQueue) DeliveryClaimDue(ctx context.Context, p DeliveryClaimDueParams) ([]Claimed, error) {
	defer notify(q.changed)
	q.mu.Lock()
	gate, inside := q.claimGate, q.claimInside
	q.claimGate = nil
	q.mu.Unlock()
	if gate != nil {
		inside <- struct{}{}
		<-gate
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	q.claimCalls++
	if q.claimErrs > 0 {
		q.claimErrs--
		return nil, errors.New("database is locked")
	}
	var due []*fakeRow
	for _, r := range q.rows {
		d := &r.Delivery
		if slices.Contains(p.ExcludeEndpoints, d.EndpointID) && d.Status != StatusSending {
			continue
		}
		switch {
		case d.Status == StatusSending && r.leaseUntil.Before(p.Now):
			due = append(due, r)
		case (d.Status == StatusPending || d.Status == StatusFailed) && (d.NextAttemptAt == nil || !d.NextAttemptAt.After(p.Now)):
			if !r.Endpoint.Enabled {
				d.Status = StatusPaused
				continue
			}
			r.prevStatus = d.Status
			due = append(due, r)
		}
	}
	slices.SortFunc(due, func(a, b *fakeRow) int {
		return cmp.Or(cmp.Compare(nextAt(a), nextAt(b)), cmp.Compare(a.Delivery.ID, b.Delivery.ID))
	})
	var out []Claimed
	for _, r := range due[:min(len(due), p.Limit)] {
		c := r.Claimed
		c.Delivery.Status = r.prevStatus
		out = append(out, c)
		r.Delivery.Status, r.owner, r.leaseUntil = StatusSending, p.Owner, p.LeaseUntil
	}
	return out, nil
}

func nextAt(r *fakeRow) int64 {
	if r.Delivery.NextAttemptAt == nil {
		return r.Delivery.CreatedAt.UnixNano()
	}
	return r.Delivery.NextAttemptAt.UnixNano()
}

func (q *fakeQueue) DeliveryRecordOutcomes(ctx context.Context, p DeliveryRecordOutcomesParams) error {
	defer notify(q.changed)
	q.mu.Lock()
	gate := q.recordGate
	q.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.recordErrs > 0 {
		q.recordErrs--
		return errors.New("connection reset")
	}
	q.recordCalls = append(q.recordCalls, len(p.Outcomes))
	for _, o := range p.Outcomes {
		r := q.rows[o.Attempt.DeliveryID]
		r.attempts = append(r.attempts, o.Attempt)
		if r.owner != p.Owner || r.Delivery.Status != StatusSending {
			continue
		}
		d := &r.Delivery
		d.Status, d.AttemptCount, d.NextAttemptAt = o.Status, o.AttemptCount, o.NextAttemptAt
		d.LastStatusCode, d.LastError, d.DeliveredAt = o.LastStatusCode, o.LastError, o.DeliveredAt
		r.owner = ""
	}
	return nil
}

func (q *fakeQueue) DeliveryExtendClaims(ctx context.Context, p DeliveryExtendClaimsParams) error {
	defer notify(q.changed)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.extendCalls++
	for _, r := range q.rows {
		if r.owner == p.Owner && r.Delivery.Status == StatusSending {
			r.leaseUntil = p.LeaseUntil
		}
	}
	return nil
}

func (q *fakeQueue) DeliveryReleaseClaims(ctx context.Context, p DeliveryReleaseClaimsParams) error {
	defer notify(q.changed)
	q.mu.Lock()
	defer q.mu.Unlock()
	for id, r := range q.rows {
		if (p.IDs == nil || slices.Contains(p.IDs, id)) && r.owner == p.Owner && r.Delivery.Status == StatusSending {
			r.Delivery.Status, r.owner = r.prevStatus, ""
		}
	}
	return nil
}
