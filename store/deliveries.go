package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
)

// deliveryColumnsOf returns deliveryColumns qualified by a table alias.
func deliveryColumnsOf(alias string) string {
	cols := strings.Split(deliveryColumns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// resumeStatus is the status a delivery taken back from a worker returns to.
const resumeStatus = "CASE WHEN attempt_count = 0 THEN 'pending' ELSE 'failed' END"

// DeliveryClaimDue implements actions.Queue, in one write transaction:
//
//  1. Deliveries in flight whose lease ran out before Now go back to pending
//     (never attempted) or failed, keeping their next_attempt_at, which is
//     past: they are claimed first.
//  2. The Limit oldest due deliveries (pending or failed, next_attempt_at <=
//     Now, in order of next_attempt_at then id) are read through the partial
//     index deliveries_due_idx, with their endpoint's toggle. Those whose
//     endpoint is enabled become sending, owned by Owner until LeaseUntil;
//     those whose endpoint is disabled become paused, and those whose
//     endpoint was deleted discarded — neither is returned, so a call may
//     return fewer than Limit while more are due. Deliveries to
//     ExcludeEndpoints are left as they are.
//  3. Their messages are read by the same statement; their endpoints are
//     loaded in one query.
//
// When nothing is due, found by one read outside the transaction, no write
// transaction is begun: idle polls do not contend with writers.
//
// On Postgres steps 1 and 2 lock with FOR UPDATE SKIP LOCKED, and step 2 is
// one UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING: concurrent
// claimers never get the same delivery. On SQLite the write transaction is
// exclusive.
func (s *Store) DeliveryClaimDue(ctx context.Context, p actions.DeliveryClaimDueParams) ([]actions.Claimed, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	// An idle poll should not take the write lock (on SQLite, the one
	// write connection): look first, on the read pool.
	var found struct{ Due, Expired bool }
	exclude, excludeArgs := excludeEndpoints("", p.ExcludeEndpoints)
	err := scanOne(s.read.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM deliveries WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?`+exclude+`) AS due,
		EXISTS (SELECT 1 FROM deliveries WHERE status = 'sending' AND lease_until < ?) AS expired`, append(append([]any{ms(p.Now)}, excludeArgs...), ms(p.Now))...),
		&found.Due, &found.Expired)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", translate(err))
	}
	if !found.Due && !found.Expired {
		return nil, nil
	}
	var claimed []actions.Claimed
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if found.Expired {
			if err := s.expireLeases(tx, ms(p.Now)); err != nil {
				return fmt.Errorf("expire leases: %w", err)
			}
		}
		var rows []claimRow
		var err error
		if s.dialect == DialectPostgres {
			rows, err = claimPostgres(tx, p)
		} else {
			rows, err = claimSQLite(tx, p)
		}
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		slices.SortFunc(rows, func(a, b claimRow) int {
			return cmp.Or(cmp.Compare(*a.Row.NextAttemptAt, *b.Row.NextAttemptAt), cmp.Compare(a.Row.ID, b.Row.ID))
		})
		claimed, err = s.loadClaimed(tx, rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return claimed, nil
}

// claimRow is a claimed delivery as the claim reads it.
type claimRow struct {
	Row        deliveryRow `gorm:"embedded"` // named: gorm skips unexported embedded fields
	PrevStatus string
	// The message, read by the claim itself; NULL once retention removed it.
	MessagePayload *string
	MessageHeaders *string
}

func (s *Store) expireLeases(tx *gorm.DB, now int64) error {
	if s.dialect == DialectPostgres {
		return tx.Exec(`UPDATE deliveries SET status = `+resumeStatus+`, claimed_by = NULL, lease_until = NULL
			WHERE id IN (SELECT id FROM deliveries WHERE status = 'sending' AND lease_until < ? FOR UPDATE SKIP LOCKED)`, now).Error
	}
	return tx.Exec(`UPDATE deliveries SET status = `+resumeStatus+`, claimed_by = NULL, lease_until = NULL
		WHERE status = 'sending' AND lease_until < ?`, now).Error
}

// excludeEndpoints returns the condition that leaves out deliveries to the
// endpoints ids, on the deliveries table alias, with its arguments.
func excludeEndpoints(alias string, ids []string) (string, []any) {
	if len(ids) == 0 {
		return "", nil
	}
	if alias != "" {
		alias += "."
	}
	return " AND " + alias + "endpoint_id NOT IN ?", []any{ids}
}

func claimPostgres(tx *gorm.DB, p actions.DeliveryClaimDueParams) ([]claimRow, error) {
	// The claim must walk deliveries_due_idx in order and stop at its limit.
	// When the statistics say few deliveries are due (a young table, or a
	// burst since the last ANALYZE) the planner reads every due delivery and
	// sorts them instead, which costs the whole backlog on every claim.
	// Sorting is never needed here: turn it off for this statement.
	if err := plannerOff(tx, claimPlannerOff); err != nil {
		return nil, err
	}
	exclude, excludeArgs := excludeEndpoints("x", p.ExcludeEndpoints)
	rows, err := scanClaimRows(tx.Raw(`UPDATE deliveries AS d SET
			status = CASE WHEN due.enabled THEN 'sending' WHEN due.endpoint_exists THEN 'paused' ELSE 'discarded' END,
			claimed_by = CASE WHEN due.enabled THEN CAST(? AS text) END,
			lease_until = CASE WHEN due.enabled THEN CAST(? AS bigint) END,
			next_attempt_at = CASE WHEN due.enabled THEN d.next_attempt_at END,
			last_error = CASE WHEN due.endpoint_exists THEN d.last_error ELSE 'endpoint deleted' END
		FROM (
			SELECT x.id, x.status, COALESCE(e.enabled, false) AS enabled, e.id IS NOT NULL AS endpoint_exists
			FROM deliveries x LEFT JOIN endpoints e ON e.id = x.endpoint_id
			WHERE x.status IN ('pending', 'failed') AND x.next_attempt_at <= ?`+exclude+`
			ORDER BY x.next_attempt_at, x.id
			LIMIT ?
			FOR UPDATE OF x SKIP LOCKED
		) AS due LEFT JOIN delivery_messages m ON m.delivery_id = due.id
		WHERE d.id = due.id
		RETURNING `+deliveryColumnsOf("d")+`, due.status AS prev_status, m.payload AS message_payload, m.headers AS message_headers`,
		append(append([]any{p.Owner, ms(p.LeaseUntil), ms(p.Now)}, excludeArgs...), p.Limit)...).Rows())
	if err != nil {
		return nil, err
	}
	if err := plannerRestore(tx, claimPlannerOff); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rows, func(r claimRow) bool { return r.Row.Status != string(actions.StatusSending) }), nil
}

// scanClaimRows reads the claimRows of a claim's RETURNING by hand: gorm's
// reflective Scan cost as much as the rest of the claim.
func scanClaimRows(rows *sql.Rows, err error) ([]claimRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []claimRow
	for rows.Next() {
		var r claimRow
		if err := rows.Scan(append(r.Row.scanDest(), &r.PrevStatus, &r.MessagePayload, &r.MessageHeaders)...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func claimSQLite(tx *gorm.DB, p actions.DeliveryClaimDueParams) ([]claimRow, error) {
	var due []struct {
		Row             deliveryRow `gorm:"embedded"`
		EndpointEnabled bool
		EndpointExists  bool
		MessagePayload  *string
		MessageHeaders  *string
	}
	exclude, excludeArgs := excludeEndpoints("x", p.ExcludeEndpoints)
	err := tx.Raw(`SELECT `+deliveryColumnsOf("x")+`,
			COALESCE(e.enabled, 0) AS endpoint_enabled, e.id IS NOT NULL AS endpoint_exists,
			m.payload AS message_payload, m.headers AS message_headers
		FROM deliveries x LEFT JOIN endpoints e ON e.id = x.endpoint_id LEFT JOIN delivery_messages m ON m.delivery_id = x.id
		WHERE x.status IN ('pending', 'failed') AND x.next_attempt_at <= ?`+exclude+`
		ORDER BY x.next_attempt_at, x.id
		LIMIT ?`, append(append([]any{ms(p.Now)}, excludeArgs...), p.Limit)...).Scan(&due).Error
	if err != nil {
		return nil, err
	}
	var claim, pause, discard []string
	var rows []claimRow
	for _, d := range due {
		switch {
		case d.EndpointEnabled:
			claim = append(claim, d.Row.ID)
			r := claimRow{Row: d.Row, PrevStatus: d.Row.Status, MessagePayload: d.MessagePayload, MessageHeaders: d.MessageHeaders}
			r.Row.Status = string(actions.StatusSending)
			r.Row.ClaimedBy = &p.Owner
			r.Row.LeaseUntil = new(ms(p.LeaseUntil))
			rows = append(rows, r)
		case d.EndpointExists:
			pause = append(pause, d.Row.ID)
		default:
			discard = append(discard, d.Row.ID)
		}
	}
	if len(claim) > 0 {
		if err := tx.Exec(`UPDATE deliveries SET status = 'sending', claimed_by = ?, lease_until = ? WHERE id IN ?`,
			p.Owner, ms(p.LeaseUntil), claim).Error; err != nil {
			return nil, err
		}
	}
	if len(pause) > 0 {
		if err := tx.Exec(`UPDATE deliveries SET status = 'paused', next_attempt_at = NULL WHERE id IN ?`, pause).Error; err != nil {
			return nil, err
		}
	}
	if len(discard) > 0 {
		if err := tx.Exec(`UPDATE deliveries SET status = 'discarded', next_attempt_at = NULL, last_error = 'endpoint deleted'
			WHERE id IN ?`, discard).Error; err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// loadClaimed decodes the messages the claim read with its deliveries, reads
// their endpoints in one query and opens each endpoint's secret once.
func (s *Store) loadClaimed(tx *gorm.DB, rows []claimRow) ([]actions.Claimed, error) {
	var epIDs []string
	seen := make(map[string]bool)
	for _, r := range rows {
		if !seen[r.Row.EndpointID] {
			seen[r.Row.EndpointID] = true
			epIDs = append(epIDs, r.Row.EndpointID)
		}
	}
	msgs := make(map[string]actions.Message, len(rows))
	for _, r := range rows {
		if r.MessagePayload == nil || r.MessageHeaders == nil {
			continue
		}
		msg, err := deliveryMessageRow{DeliveryID: r.Row.ID, Payload: *r.MessagePayload, Headers: *r.MessageHeaders}.domain()
		if err != nil {
			return nil, err
		}
		msgs[r.Row.ID] = msg
	}
	// With the workspace's HTTPS-only setting, which the sender applies.
	var erows []struct {
		Row                   endpointRow `gorm:"embedded"` // named: gorm skips unexported embedded fields
		WorkspaceRequireHTTPS bool
	}
	if err := tx.Table("endpoints").Select("endpoints.*, workspaces.require_https AS workspace_require_https").
		Joins("JOIN workspaces ON workspaces.id = endpoints.workspace_id").
		Where("endpoints.id IN ?", epIDs).Scan(&erows).Error; err != nil {
		return nil, fmt.Errorf("load endpoints: %w", err)
	}
	eps := make(map[string]actions.Endpoint, len(erows))
	for _, r := range erows {
		e, err := s.endpoint(r.Row, true)
		if err != nil {
			return nil, err
		}
		e.RequireHTTPS = r.WorkspaceRequireHTTPS
		eps[r.Row.ID] = e
	}
	claimed := make([]actions.Claimed, len(rows))
	for i, r := range rows {
		d := r.Row.domain()
		d.Status = actions.Status(r.PrevStatus)
		claimed[i] = actions.Claimed{Delivery: d, Message: msgs[r.Row.ID], Endpoint: eps[r.Row.EndpointID]}
	}
	return claimed, nil
}

// DeliveryRecordOutcomes implements actions.Queue in one transaction: one
// batch INSERT of the attempts, then one UPDATE … FROM (VALUES …) per batch
// of deliveries, fenced by claimed_by = Owner. The claim is cleared.
//
// claimed_by is set exactly while a delivery is sending: every write that
// takes a delivery out of sending clears it. So the fence needs no status
// condition, and must not have one: status = 'sending' lets the planner read
// the partial index deliveries_lease_idx with a bitmap scan, and that index
// keeps an entry for every delivery that was ever sending until VACUUM
// removes it (bitmap scans never mark entries dead). Measured on Postgres
// after 60,000 deliveries, the UPDATE of a batch of 100 visited all 60,000
// entries and 1,333 heap pages instead of 100 primary key probes, and its cost
// grew with the table until throughput collapsed. It may be called again with the same outcomes (an
// attempt id already stored is skipped), and the attempt of a delivery
// deleted meanwhile is dropped rather than failing the batch.
func (s *Store) DeliveryRecordOutcomes(ctx context.Context, p actions.DeliveryRecordOutcomesParams) error {
	if len(p.Outcomes) == 0 {
		return nil
	}
	attempts := make([]attemptRow, len(p.Outcomes))
	for i, o := range p.Outcomes {
		a := o.Attempt
		if a.ID == "" {
			a.ID = id.NewAt(id.Attempt, a.At)
		}
		headers, err := marshalMap(a.ResponseHeaders)
		if err != nil {
			return fmt.Errorf("record outcomes: attempt %s: %w", a.ID, err)
		}
		attempts[i] = attemptRow{
			ID: a.ID, DeliveryID: a.DeliveryID, At: ts(a.At), DurationMS: a.DurationMS, StatusCode: a.StatusCode,
			ResponseHeaders: headers, ResponseBody: a.ResponseBody, Error: a.Error,
		}
	}
	var recorded []recordedOutcome
	var disabled []actions.EndpointDisabled
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		recorded, disabled = recorded[:0], nil // the transaction may be run again
		var err error
		if s.dialect == DialectPostgres {
			recorded, err = recordPostgres(tx, p, attempts)
		} else {
			recorded, err = s.recordSQLite(tx, p, attempts, recorded)
		}
		if err != nil {
			return err
		}
		// Only outcomes applied above count for health: a batch recorded
		// twice, or an attempt whose claim was taken over, counts once.
		disabled, err = s.recordHealth(ctx, tx, p.Outcomes, recorded)
		return err
	})
	if err != nil {
		return fmt.Errorf("record outcomes: %w", err)
	}
	s.endpointsDisabled(ctx, disabled)
	return nil
}

// recordPostgres records outcomes on Postgres in two statements whose text
// does not depend on the batch size (one prepared statement each, however
// many outcomes): each column of the batch travels as one array parameter,
// read with unnest. Attempts of deliveries deleted meanwhile are skipped in
// the INSERT itself.
func recordPostgres(tx *gorm.DB, p actions.DeliveryRecordOutcomesParams, attempts []attemptRow) ([]recordedOutcome, error) {
	as := newBatchRows(attemptCols, len(attempts))
	for _, a := range attempts {
		as.str(a.ID)
		as.str(a.DeliveryID)
		as.time(a.At)
		as.int(a.DurationMS)
		as.int(int64(a.StatusCode))
		as.str(a.ResponseHeaders)
		as.str(a.ResponseBody)
		as.str(a.Error)
	}
	outs := newBatchRows(outcomeCols, len(p.Outcomes))
	for _, o := range p.Outcomes {
		outs.str(o.Attempt.DeliveryID)
		outs.str(string(o.Status))
		outs.int(int64(o.AttemptCount))
		outs.intPtr(msPtr(o.NextAttemptAt))
		outs.int(int64(o.LastStatusCode))
		outs.str(o.LastError)
		outs.timePtr(tsPtr(o.DeliveredAt))
	}
	// Both statements must find their deliveries by primary key, one probe
	// per outcome. Without statistics (a young table, autovacuum off or
	// behind) the planner takes deliveries for small and scans all of it:
	// a hash join for the UPDATE, a hash semi-join for the attempts' EXISTS.
	// Measured with 50,000 deliveries, 4,000 events/s: 850 whole-table
	// scans reading 19 million rows in 12 s. Only index probes are allowed
	// in these two statements.
	if err := plannerOff(tx, recordPlannerOff); err != nil {
		return nil, fmt.Errorf("record outcomes: %w", err)
	}
	if _, err := execPostgres(tx, insertAttemptsPostgres, as.args()); err != nil {
		return nil, fmt.Errorf("insert attempts: %w", err)
	}
	rows, err := queryPostgres(tx, updateOutcomesPostgres, append(outs.args(), p.Owner))
	if err != nil {
		return nil, fmt.Errorf("update deliveries: %w", err)
	}
	// Scanned by hand: gorm's reflective Scan doubled the cost of this statement.
	recorded, err := scanRecorded(rows, nil)
	if err != nil {
		return nil, fmt.Errorf("update deliveries: %w", err)
	}
	if err := plannerRestore(tx, recordPlannerOff); err != nil {
		return nil, fmt.Errorf("record outcomes: %w", err)
	}
	return recorded, nil
}

var (
	attemptCols = []batchCol{{"id", colText}, {"delivery_id", colText}, {"at", colTime}, {"duration_ms", colInt},
		{"status_code", colInt}, {"response_headers", colText}, {"response_body", colText}, {"error", colText}}
	insertAttemptsPostgres = `INSERT INTO attempts (id, delivery_id, at, duration_ms, status_code, response_headers, response_body, error)
		SELECT a.id, a.delivery_id, a.at, a.duration_ms, a.status_code, a.response_headers, a.response_body, a.error
		FROM ` + unnest(attemptCols, 1) + ` AS a(id, delivery_id, at, duration_ms, status_code, response_headers, response_body, error)
		WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)
		ON CONFLICT (id) DO NOTHING`

	outcomeCols = []batchCol{{"id", colText}, {"status", colText}, {"attempt_count", colInt}, {"next_attempt_at", colIntNull},
		{"last_status_code", colInt}, {"last_error", colText}, {"delivered_at", colTimeNull}}
	updateOutcomesPostgres = `UPDATE deliveries SET status = v.status, attempt_count = v.attempt_count, next_attempt_at = v.next_attempt_at,
			last_status_code = v.last_status_code, last_error = v.last_error, delivered_at = v.delivered_at,
			claimed_by = NULL, lease_until = NULL
		FROM ` + unnest(outcomeCols, 1) + ` AS v(id, status, attempt_count, next_attempt_at, last_status_code, last_error, delivered_at)
		WHERE deliveries.id = v.id AND deliveries.claimed_by = $` + strconv.Itoa(len(outcomeCols)+1) + `
		RETURNING deliveries.id, deliveries.workspace_id, deliveries.endpoint_id`
)

// recordSQLite records outcomes on SQLite: the deliveries still there are
// found, their attempts inserted in batches, and the deliveries updated with
// one UPDATE … FROM (VALUES …) per batch.
func (s *Store) recordSQLite(tx *gorm.DB, p actions.DeliveryRecordOutcomesParams, attempts []attemptRow, recorded []recordedOutcome) ([]recordedOutcome, error) {
	const cols = 7
	row := "(CAST(? AS text), CAST(? AS text), CAST(? AS integer), CAST(? AS bigint), CAST(? AS integer), CAST(? AS text), CAST(? AS text))"
	exists := make(map[string]bool, len(attempts))
	for _, batch := range chunks(attempts, s.batchRows(1)) {
		ids := make([]string, len(batch))
		for i, a := range batch {
			ids[i] = a.DeliveryID
		}
		var found []string
		if err := tx.Model(&deliveryRow{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
			return nil, fmt.Errorf("find deliveries: %w", err)
		}
		for _, id := range found {
			exists[id] = true
		}
	}
	kept := slices.DeleteFunc(slices.Clone(attempts), func(a attemptRow) bool { return !exists[a.DeliveryID] })
	if len(kept) > 0 {
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoNothing: true}).
			CreateInBatches(kept, s.batchRows(8)).Error
		if err != nil {
			return nil, fmt.Errorf("insert attempts: %w", err)
		}
	}
	for _, batch := range chunks(p.Outcomes, s.batchRows(cols)) {
		var values strings.Builder
		args := make([]any, 0, cols*len(batch)+1)
		for i, o := range batch {
			if i > 0 {
				values.WriteString(", ")
			}
			values.WriteString(row)
			args = append(args, o.Attempt.DeliveryID, string(o.Status), o.AttemptCount, msPtr(o.NextAttemptAt),
				o.LastStatusCode, o.LastError, tsPtr(o.DeliveredAt))
		}
		args = append(args, p.Owner)
		rows, err := tx.Raw(`WITH v (id, status, attempt_count, next_attempt_at, last_status_code, last_error, delivered_at) AS (VALUES `+
			values.String()+`)
				UPDATE deliveries SET status = v.status, attempt_count = v.attempt_count, next_attempt_at = v.next_attempt_at,
					last_status_code = v.last_status_code, last_error = v.last_error, delivered_at = v.delivered_at,
					claimed_by = NULL, lease_until = NULL
				FROM v WHERE deliveries.id = v.id AND deliveries.claimed_by = ?
				RETURNING deliveries.id, deliveries.workspace_id, deliveries.endpoint_id`, args...).Rows()
		if err != nil {
			return nil, fmt.Errorf("update deliveries: %w", err)
		}
		// Scanned by hand: gorm's reflective Scan doubled the cost of this statement.
		if recorded, err = scanRecorded(rows, recorded); err != nil {
			return nil, fmt.Errorf("update deliveries: %w", err)
		}
	}
	return recorded, nil
}

// DeliveryReleaseClaims implements actions.Queue: the deliveries return to
// pending (never attempted) or failed, unclaimed, and due now: a past
// next_attempt_at (as a claim leaves it) is kept, so that they keep their
// place in the queue.
func (s *Store) DeliveryReleaseClaims(ctx context.Context, p actions.DeliveryReleaseClaimsParams) error {
	if p.IDs != nil && len(p.IDs) == 0 {
		return nil
	}
	now := ms(s.now())
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		const sql = `UPDATE deliveries SET status = ` + resumeStatus + `, next_attempt_at = CASE WHEN next_attempt_at <= ? THEN next_attempt_at ELSE ? END, claimed_by = NULL, lease_until = NULL
			WHERE claimed_by = ?`
		if p.IDs == nil {
			// All of them: read through deliveries_lease_idx.
			return tx.Exec(sql+" AND status = 'sending'", now, now, p.Owner).Error
		}
		// By id, through the primary key (see DeliveryRecordOutcomes on why
		// claimed_by alone fences and status must stay out).
		for _, ids := range chunks(p.IDs, s.batchRows(1)) {
			if err := tx.Exec(sql+" AND id IN ?", now, now, p.Owner, ids).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release claims of %s: %w", p.Owner, err)
	}
	return nil
}

// DeliveryExtendClaims implements actions.Queue: the worker's heartbeat.
// It reads the sending rows through deliveries_lease_idx (a handful per
// worker) and leaves every other owner's alone.
func (s *Store) DeliveryExtendClaims(ctx context.Context, p actions.DeliveryExtendClaimsParams) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE deliveries SET lease_until = ? WHERE status = 'sending' AND claimed_by = ?`, ms(p.LeaseUntil), p.Owner).Error
	})
	if err != nil {
		return fmt.Errorf("extend claims of %s: %w", p.Owner, err)
	}
	return nil
}

// DeliveryClaimsReset makes every delivery in flight due again at once, as
// if each worker had released its claims. Call it at start on a
// single-process SQLite database after a crash, so that work resumes without
// waiting for leases to run out; never while another process may be sending.
func (s *Store) DeliveryClaimsReset(ctx context.Context) error {
	now := ms(s.now())
	err := s.db.WithContext(ctx).Exec(`UPDATE deliveries SET status = `+resumeStatus+`, next_attempt_at = ?,
		claimed_by = NULL, lease_until = NULL WHERE status = 'sending'`, now).Error
	if err != nil {
		return fmt.Errorf("reset claims: %w", translate(err))
	}
	return nil
}

// DeliveryList returns one page of the workspace's deliveries, newest first,
// matching every filter that is set.
func (s *Store) DeliveryList(ctx context.Context, p actions.DeliveryListParams) ([]actions.Delivery, error) {
	q := page(s.read.WithContext(ctx), p.ListParams, true)
	if p.EndpointID != "" {
		q = q.Where("endpoint_id = ?", p.EndpointID)
	}
	if p.RuleID != "" {
		q = q.Where("rule_id = ?", p.RuleID)
	}
	if p.ContactID != "" {
		q = q.Where("contact_id = ?", p.ContactID)
	}
	if p.Event != "" {
		q = q.Where("event = ?", p.Event)
	}
	if p.TriggerEventID != "" {
		q = q.Where("trigger_event_id = ?", p.TriggerEventID)
	}
	if p.Status != "" {
		q = q.Where("status = ?", string(p.Status))
	}
	if p.SourceID != "" {
		// Through the trigger events the source's events caused (the
		// partial index trigger_events_source_idx); deliveries whose trigger
		// event retention deleted no longer match.
		q = q.Where("trigger_event_id IN (SELECT id FROM trigger_events WHERE source_id = ? AND workspace_id = ?)", p.SourceID, p.WorkspaceID)
	}
	if !p.Since.IsZero() {
		// The id bound ends the walk down (workspace_id, id) at Since;
		// created_at keeps the filter exact within Since's millisecond.
		q = q.Where("id >= ? AND created_at >= ?", idFrom(id.Delivery, p.Since), ts(p.Since))
	}
	var rows []deliveryRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list deliveries: %w", translate(err))
	}
	ds := make([]actions.Delivery, len(rows))
	for i, r := range rows {
		ds[i] = r.domain()
	}
	return ds, nil
}

// DeliveryGet returns one delivery of the workspace with its message and its
// attempts, oldest first.
func (s *Store) DeliveryGet(ctx context.Context, workspaceID, deliveryID string) (actions.Delivery, actions.Message, []actions.Attempt, error) {
	db := s.read.WithContext(ctx)
	var row deliveryRow
	if err := db.Where("workspace_id = ? AND id = ?", workspaceID, deliveryID).Take(&row).Error; err != nil {
		return actions.Delivery{}, actions.Message{}, nil, notFound(err, "delivery %s", deliveryID)
	}
	var msg actions.Message
	var mrow deliveryMessageRow
	switch err := db.Where("delivery_id = ?", deliveryID).Limit(1).Find(&mrow).Error; {
	case err != nil:
		return actions.Delivery{}, actions.Message{}, nil, fmt.Errorf("get delivery %s: %w", deliveryID, translate(err))
	case mrow.DeliveryID != "": // absent once retention removed it
		if msg, err = mrow.domain(); err != nil {
			return actions.Delivery{}, actions.Message{}, nil, err
		}
	}
	var arows []attemptRow
	if err := db.Where("delivery_id = ?", deliveryID).Order("at, id").Find(&arows).Error; err != nil {
		return actions.Delivery{}, actions.Message{}, nil, fmt.Errorf("get delivery %s: %w", deliveryID, translate(err))
	}
	attempts := make([]actions.Attempt, len(arows))
	for i, a := range arows {
		var err error
		if attempts[i], err = a.domain(); err != nil {
			return actions.Delivery{}, actions.Message{}, nil, err
		}
	}
	return row.domain(), msg, attempts, nil
}
