package store

import (
	"errors"

	"context"
	"database/sql"
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

// healthTx runs the queries of actions.RecordHealth in the transaction
// that records outcomes; the policy (when to disable, the reason, pausing,
// removing a REST hook) is actions'.
type healthTx struct {
	tx       *gorm.DB
	postgres bool
}

var _ actions.HealthTx = healthTx{}

// EndpointHealthLock implements actions.HealthTx in one statement; on
// Postgres FOR UPDATE locks the rows in id order, so concurrent recorders
// count exactly and only one of them disables an endpoint. (SQLite has one
// writer: the transaction holds it since its first write.)
func (h healthTx) EndpointHealthLock(_ context.Context, ids []string) ([]actions.EndpointHealth, error) {
	q := `SELECT id, workspace_id, enabled, failure_streak, consecutive_dead, disable_after_failures, disable_after_counting
		FROM endpoints WHERE id IN ? ORDER BY id`
	if h.postgres {
		q += ` FOR UPDATE`
	}
	rows, err := h.tx.Raw(q, ids).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []actions.EndpointHealth
	for rows.Next() {
		var e actions.EndpointHealth
		if err := rows.Scan(&e.EndpointID, &e.WorkspaceID, &e.Enabled, &e.FailureStreak, &e.ConsecutiveDead,
			&e.DisableAfter.Failures, &e.DisableAfter.Counting); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EndpointHealthSet implements actions.HealthTx in one statement.
func (h healthTx) EndpointHealthSet(_ context.Context, c actions.HealthChange) error {
	return h.tx.Exec(`UPDATE endpoints SET failure_streak = ?, consecutive_dead = ?,
			last_success_at = CASE WHEN last_success_at IS NULL OR last_success_at < ? THEN ? ELSE last_success_at END,
			last_attempt_at = CASE WHEN last_attempt_at IS NULL OR last_attempt_at < ? THEN ? ELSE last_attempt_at END,
			last_failure_at = CASE WHEN last_failure_at IS NULL OR last_failure_at < ? THEN ? ELSE last_failure_at END
		WHERE id = ?`,
		c.FailureStreak, c.ConsecutiveDead, optionalTS(c.LastSuccessAt), optionalTS(c.LastSuccessAt),
		optionalTS(c.LastAttemptAt), optionalTS(c.LastAttemptAt), optionalTS(c.LastFailureAt), optionalTS(c.LastFailureAt), c.EndpointID).Error
}

// EndpointDisable implements actions.HealthTx in one statement.
func (h healthTx) EndpointDisable(_ context.Context, p actions.EndpointDisableParams) (bool, error) {
	res := h.tx.Exec(`UPDATE endpoints SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE workspace_id = ? AND id = ? AND enabled`,
		false, p.Reason, ts(p.Now), p.WorkspaceID, p.ID)
	return res.RowsAffected > 0, res.Error
}

// DeliveryPauseByEndpoint implements actions.HealthTx in one statement.
func (h healthTx) DeliveryPauseByEndpoint(_ context.Context, endpointID string) error {
	return h.tx.Exec(`UPDATE deliveries SET status = 'paused', next_attempt_at = NULL
		WHERE endpoint_id = ? AND status IN ('pending', 'failed')`, endpointID).Error
}

// HookDeleteByEndpoint implements actions.HealthTx.
func (h healthTx) HookDeleteByEndpoint(_ context.Context, workspaceID, endpointID string) error {
	if err := deleteHookTx(h.tx, workspaceID, "endpoint_id = ?", endpointID); err != nil && !errors.Is(err, tripline.ErrNotFound) {
		return err
	}
	return nil
}

// recordHealth hands the outcomes the transaction applied to the health
// policy, in the same transaction.
func (s *Store) recordHealth(ctx context.Context, tx *gorm.DB, outcomes []actions.Outcome, recorded []recordedOutcome) ([]actions.EndpointDisabled, error) {
	if len(recorded) == 0 {
		return nil, nil
	}
	byID := make(map[string]int, len(outcomes))
	for i, o := range outcomes {
		byID[o.Attempt.DeliveryID] = i
	}
	rs := make([]actions.RecordedOutcome, 0, len(recorded))
	for _, r := range recorded {
		if i, ok := byID[r.ID]; ok {
			rs = append(rs, actions.RecordedOutcome{Outcome: outcomes[i], WorkspaceID: r.WorkspaceID, EndpointID: r.EndpointID})
		}
	}
	return actions.RecordHealth(ctx, healthTx{tx: tx, postgres: s.dialect == DialectPostgres}, rs, s.now())
}

// optionalTS is t as a stored timestamp, or NULL when t is zero. Comparing
// with NULL is never true: the CASEs above keep the column then.
func optionalTS(t time.Time) *timestamp {
	if t.IsZero() {
		return nil
	}
	return new(ts(t))
}

// OnEndpointDisabled sets o to be told, after the transaction commits, of
// each endpoint that recording outcomes disabled (410 Gone, or its
// disable_after limit reached): the engine fires the endpoint_disabled
// trigger. It runs on the recording goroutine; a crash between the commit
// and the call loses the call, not the disable.
func (s *Store) OnEndpointDisabled(o actions.EndpointDisabledObserver) {
	s.onDisabled.Store(&o)
}

func (s *Store) endpointsDisabled(ctx context.Context, disabled []actions.EndpointDisabled) {
	o := s.onDisabled.Load()
	if o == nil || *o == nil {
		return
	}
	for _, d := range disabled {
		(*o).EndpointDisabled(context.WithoutCancel(ctx), d)
	}
}
