package store

import (
	"errors"

	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
)

// recordedOutcome is a delivery whose outcome DeliveryRecordOutcomes applied.
type recordedOutcome struct {
	ID          string
	WorkspaceID string
	EndpointID  string
}

// scanOne runs q, a raw query, and scans its first row into dest by hand; no
// row is sql.ErrNoRows. It is Scan without gorm's reflection and without the
// statement formatted with its arguments for gorm's logger, which its Scan
// does on every call.
func scanOne(q *gorm.DB, dest ...any) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// scanRecorded appends the rows of id, workspace_id, endpoint_id to dst and
// closes them.
func scanRecorded(rows *sql.Rows, dst []recordedOutcome) ([]recordedOutcome, error) {
	defer rows.Close()
	for rows.Next() {
		var r recordedOutcome
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.EndpointID); err != nil {
			return dst, err
		}
		dst = append(dst, r)
	}
	return dst, rows.Err()
}

// endpointHealth is what one batch of outcomes says about one endpoint.
type endpointHealth struct {
	workspaceID string
	succeeded   bool      // a success in the batch: the streaks restart from it
	lastSuccess time.Time // the last success
	fails, dead int       // failed requests and dead deliveries after the last success
	lastError   string    // of the last dead delivery
	failError   string    // of the last failed request
	gone        time.Time // the first 410 Gone; zero if none
	lastAttempt time.Time // the last request; zero if none (charged attempts send none)
	lastFailure time.Time // the last failed request
}

// recordHealth updates the health of the endpoints of recorded outcomes, in
// the transaction that records them, and disables an endpoint that answered
// 410 Gone or whose consecutive dead deliveries reached
// actions.AutoDisableAfter: its pending and failed deliveries become paused.
// Each endpoint row is updated with one UPDATE … RETURNING, which on
// Postgres locks it, so concurrent recorders count exactly and only one of
// them disables it.
func (s *Store) recordHealth(tx *gorm.DB, outcomes []actions.Outcome, recorded []recordedOutcome) ([]actions.EndpointDisabled, error) {
	if len(recorded) == 0 {
		return nil, nil
	}
	byID := make(map[string]actions.Outcome, len(outcomes))
	for _, o := range outcomes {
		byID[o.Attempt.DeliveryID] = o
	}
	slices.SortFunc(recorded, func(a, b recordedOutcome) int {
		return cmp.Or(byID[a.ID].Attempt.At.Compare(byID[b.ID].Attempt.At), cmp.Compare(a.ID, b.ID))
	})
	health := map[string]*endpointHealth{}
	var order []string
	for _, r := range recorded {
		o := byID[r.ID]
		h := health[r.EndpointID]
		if h == nil {
			h = &endpointHealth{workspaceID: r.WorkspaceID}
			health[r.EndpointID] = h
			order = append(order, r.EndpointID)
		}
		if !o.Charged && o.Attempt.At.After(h.lastAttempt) {
			h.lastAttempt = o.Attempt.At
		}
		switch o.Status {
		case actions.StatusSucceeded:
			h.succeeded, h.lastSuccess, h.fails, h.dead = true, o.Attempt.At, 0, 0
		default:
			if !o.Charged {
				h.fails++
				h.failError = o.LastError
				if o.Attempt.At.After(h.lastFailure) {
					h.lastFailure = o.Attempt.At
				}
			}
			if o.Status == actions.StatusDead {
				h.dead++
				h.lastError = o.LastError
			}
			if o.Attempt.StatusCode == 410 && h.gone.IsZero() {
				h.gone = o.Attempt.At
			}
		}
	}
	slices.Sort(order) // a fixed lock order: two recorders never deadlock
	now := s.now()
	var disabled []actions.EndpointDisabled
	for _, epID := range order {
		h := health[epID]
		var lastSuccess *timestamp
		if h.succeeded {
			lastSuccess = new(ts(h.lastSuccess))
		}
		var after struct {
			FailureStreak, ConsecutiveDead int
			Enabled                        bool
			DisableAfter                   actions.DisableAfter
		}
		err := scanOne(tx.Raw(`UPDATE endpoints SET
				failure_streak = CASE WHEN ? THEN ? ELSE failure_streak + ? END,
				consecutive_dead = CASE WHEN ? THEN ? ELSE consecutive_dead + ? END,
				last_success_at = COALESCE(?, last_success_at),
				last_attempt_at = CASE WHEN last_attempt_at IS NULL OR last_attempt_at < ? THEN ? ELSE last_attempt_at END,
				last_failure_at = CASE WHEN last_failure_at IS NULL OR last_failure_at < ? THEN ? ELSE last_failure_at END
			WHERE id = ?
			RETURNING failure_streak, consecutive_dead, enabled, disable_after_failures, disable_after_counting`,
			h.succeeded, h.fails, h.fails, h.succeeded, h.dead, h.dead, lastSuccess,
			optionalTS(h.lastAttempt), optionalTS(h.lastAttempt), optionalTS(h.lastFailure), optionalTS(h.lastFailure), epID),
			&after.FailureStreak, &after.ConsecutiveDead, &after.Enabled, &after.DisableAfter.Failures, &after.DisableAfter.Counting)
		if errors.Is(err, sql.ErrNoRows) { // deleted
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("endpoint %s health: %w", epID, err)
		}
		if !after.Enabled { // disabled already
			continue
		}
		var reason string
		if !h.gone.IsZero() {
			reason = fmt.Sprintf("the endpoint answered 410 Gone at %s", h.gone.UTC().Format(time.RFC3339))
		} else if after.DisableAfter.OrDefault().Counting == actions.CountAttempts {
			reason = after.DisableAfter.DisableReason(after.FailureStreak, after.ConsecutiveDead, h.fails > 0, h.failError)
		} else {
			reason = after.DisableAfter.DisableReason(after.FailureStreak, after.ConsecutiveDead, h.dead > 0, h.lastError)
		}
		if reason == "" {
			continue
		}
		res := tx.Exec(`UPDATE endpoints SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled`,
			false, reason, ts(now), epID)
		if res.Error != nil {
			return nil, fmt.Errorf("disable endpoint %s: %w", epID, res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		if err := tx.Exec(`UPDATE deliveries SET status = 'paused', next_attempt_at = NULL
			WHERE endpoint_id = ? AND status IN ('pending', 'failed')`, epID).Error; err != nil {
			return nil, fmt.Errorf("pause deliveries of %s: %w", epID, err)
		}
		if !h.gone.IsZero() {
			// A REST hook's target answering 410 has unsubscribed (Zapier does
			// when a zap is turned off): the hook, its rule and endpoint go.
			if err := deleteHookTx(tx, h.workspaceID, "endpoint_id = ?", epID); err != nil && !errors.Is(err, tripline.ErrNotFound) {
				return nil, fmt.Errorf("delete hook of endpoint %s: %w", epID, err)
			}
		}
		disabled = append(disabled, actions.EndpointDisabled{WorkspaceID: h.workspaceID, EndpointID: epID, Reason: reason, At: now})
	}
	return disabled, nil
}

// optionalTS is t as a stored timestamp, or NULL when t is zero. Comparing
// with NULL is never true: the CASEs above keep the column then.
func optionalTS(t time.Time) *timestamp {
	if t.IsZero() {
		return nil
	}
	return new(ts(t))
}

// OnEndpointDisabled sets fn to be called, after the transaction commits,
// for each endpoint that recording outcomes disabled (410 Gone, or
// actions.AutoDisableAfter dead deliveries in a row): the server fires the
// endpoint_disabled trigger from it. It runs on the recording goroutine; a
// crash between the commit and the call loses the call, not the disable.
func (s *Store) OnEndpointDisabled(fn func(context.Context, actions.EndpointDisabled)) {
	s.onDisabled.Store(&fn)
}

func (s *Store) endpointsDisabled(ctx context.Context, disabled []actions.EndpointDisabled) {
	fn := s.onDisabled.Load()
	if fn == nil || *fn == nil {
		return
	}
	for _, d := range disabled {
		(*fn)(context.WithoutCancel(ctx), d)
	}
}
