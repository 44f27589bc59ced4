package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

var (
	_ engine.DueStore = (*Store)(nil)
	_ engine.DueTx    = (*ingestTx)(nil)
)

// Due row states.
const (
	duePending = "pending"
	dueFired   = "fired"
)

// armBatch is how many contacts one statement of rule-save arming reads.
const armBatch = 1000

type datetimeDueRow struct {
	WorkspaceID string
	RuleID      string
	ContactID   string
	ValueHash   string
	DueAt       int64
	State       string
	ClaimedBy   *string
	LeaseUntil  *int64
	FiredAt     *timestamp
	CreatedAt   timestamp
}

func (datetimeDueRow) TableName() string { return "datetime_due" }

func (r datetimeDueRow) domain() engine.DueTrigger {
	return engine.DueTrigger{WorkspaceID: r.WorkspaceID, RuleID: r.RuleID, ContactID: r.ContactID, ValueHash: r.ValueHash, DueAt: time.UnixMilli(r.DueAt).UTC()}
}

// DatetimeDueArmMany implements engine.DueTx with one upsert per batch.
func (t *ingestTx) DatetimeDueArmMany(ctx context.Context, p engine.DatetimeDueArmManyParams) error {
	return t.s.armDue(t.db(ctx), p.WorkspaceID, p.Due)
}

// armDue upserts due rows; the last of a (rule, contact) pair named twice wins.
func (s *Store) armDue(tx *gorm.DB, ws string, due []engine.DueTrigger) error {
	if len(due) == 0 {
		return nil
	}
	at := make(map[engine.DueKey]int, len(due))
	rows := make([]engine.DueTrigger, 0, len(due))
	for _, d := range due {
		k := engine.DueKey{RuleID: d.RuleID, ContactID: d.ContactID}
		if i, ok := at[k]; ok {
			rows[i] = d // ON CONFLICT DO UPDATE may not touch a row twice
			continue
		}
		at[k] = len(rows)
		rows = append(rows, d)
	}
	now := ts(s.now())
	for _, batch := range chunks(rows, s.batchRows(7)) {
		var sql strings.Builder
		sql.WriteString(`INSERT INTO datetime_due (workspace_id, rule_id, contact_id, value_hash, due_at, state, created_at) VALUES `)
		args := make([]any, 0, 7*len(batch))
		for i, d := range batch {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(?, ?, ?, ?, ?, 'pending', ?)")
			args = append(args, ws, d.RuleID, d.ContactID, d.ValueHash, ms(d.DueAt), now)
		}
		// A row that fired for this very value stays fired: once per value.
		sql.WriteString(` ON CONFLICT (rule_id, contact_id) DO UPDATE SET value_hash = excluded.value_hash,
			due_at = excluded.due_at, state = 'pending', claimed_by = NULL, lease_until = NULL, fired_at = NULL
			WHERE datetime_due.state = 'pending' OR datetime_due.value_hash <> excluded.value_hash`)
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return fmt.Errorf("arm due triggers: %w", translate(err))
		}
	}
	return nil
}

// DatetimeDueCancelMany implements engine.DueTx.
func (t *ingestTx) DatetimeDueCancelMany(ctx context.Context, p engine.DatetimeDueCancelManyParams) error {
	for _, batch := range chunks(p.Keys, t.s.batchRows(2)) {
		var sql strings.Builder
		sql.WriteString(`DELETE FROM datetime_due WHERE workspace_id = ? AND state = 'pending' AND (rule_id, contact_id) IN (`)
		args := make([]any, 0, 1+2*len(batch))
		args = append(args, p.WorkspaceID)
		for i, k := range batch {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(?, ?)")
			args = append(args, k.RuleID, k.ContactID)
		}
		sql.WriteString(")")
		if err := t.db(ctx).Exec(sql.String(), args...).Error; err != nil {
			return fmt.Errorf("cancel due triggers: %w", translate(err))
		}
	}
	return nil
}

// DatetimeDueMarkFiredMany implements engine.DueTx with one conditional
// UPDATE … FROM a VALUES list per batch, RETURNING the rows it marked.
func (t *ingestTx) DatetimeDueMarkFiredMany(ctx context.Context, p engine.DatetimeDueMarkFiredManyParams) (map[engine.DueKey]bool, error) {
	now := p.Now
	if now.IsZero() {
		now = t.s.now()
	}
	marked := make(map[engine.DueKey]bool, len(p.Due))
	for _, batch := range chunks(p.Due, t.s.batchRows(4)) {
		var sql strings.Builder
		sql.WriteString(`WITH v (rule_id, contact_id, value_hash, due_at) AS (VALUES `)
		args := make([]any, 0, 1+4*len(batch))
		for i, d := range batch {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS bigint))")
			args = append(args, d.RuleID, d.ContactID, d.ValueHash, ms(d.DueAt))
		}
		sql.WriteString(`) UPDATE datetime_due SET state = 'fired', fired_at = ?, claimed_by = NULL, lease_until = NULL
			FROM v WHERE datetime_due.rule_id = v.rule_id AND datetime_due.contact_id = v.contact_id
			AND datetime_due.state = 'pending' AND datetime_due.value_hash = v.value_hash AND datetime_due.due_at = v.due_at
			RETURNING datetime_due.rule_id, datetime_due.contact_id`)
		args = append(args, ts(now))
		var rows []struct{ RuleID, ContactID string }
		if err := t.db(ctx).Raw(sql.String(), args...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("mark due triggers fired: %w", translate(err))
		}
		for _, r := range rows {
			marked[engine.DueKey{RuleID: r.RuleID, ContactID: r.ContactID}] = true
		}
	}
	return marked, nil
}

// DatetimeDueClaim implements engine.DueStore in one statement: an UPDATE of
// the oldest claimable pending rows (Postgres: locked FOR UPDATE SKIP LOCKED,
// so concurrent claimers skip each other's) RETURNING them. An idle poll
// reads first, on the read pool, and takes no write lock.
func (s *Store) DatetimeDueClaim(ctx context.Context, p engine.DatetimeDueClaimParams) ([]engine.DueTrigger, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	now := ms(p.Now)
	var due bool
	err := s.read.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM datetime_due WHERE state = 'pending' AND due_at <= ?
		AND (lease_until IS NULL OR lease_until < ?))`, now, now).Scan(&due).Error
	if err != nil {
		return nil, fmt.Errorf("claim due triggers: %w", translate(err))
	}
	if !due {
		return nil, nil
	}
	lock := ""
	if s.dialect == DialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []datetimeDueRow
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Raw(`UPDATE datetime_due SET claimed_by = ?, lease_until = ?
			WHERE (rule_id, contact_id) IN (
				SELECT rule_id, contact_id FROM datetime_due
				WHERE state = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?)
				ORDER BY due_at LIMIT ?`+lock+`)
			RETURNING workspace_id, rule_id, contact_id, value_hash, due_at`,
			p.Owner, ms(p.LeaseUntil), now, now, p.Limit).Scan(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim due triggers: %w", err)
	}
	// RETURNING keeps no order: give them oldest due first.
	slices.SortFunc(rows, func(a, b datetimeDueRow) int {
		return cmp.Or(cmp.Compare(a.DueAt, b.DueAt), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.ContactID, b.ContactID))
	})
	out := make([]engine.DueTrigger, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// DatetimeDueNext implements engine.DueStore.
func (s *Store) DatetimeDueNext(ctx context.Context, after time.Time) (time.Time, bool, error) {
	var next []int64
	err := s.read.WithContext(ctx).Raw(`SELECT due_at FROM datetime_due WHERE state = 'pending' AND due_at > ? ORDER BY due_at LIMIT 1`,
		ms(after)).Scan(&next).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due trigger: %w", translate(err))
	}
	if len(next) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(next[0]).UTC(), true, nil
}

// DatetimeDueReleaseClaims implements engine.DueStore.
func (s *Store) DatetimeDueReleaseClaims(ctx context.Context, owner string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE datetime_due SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = ? AND state = 'pending'`, owner).Error
	})
	if err != nil {
		return fmt.Errorf("release due claims: %w", err)
	}
	return nil
}

// DatetimeDueList returns the workspace's due rows of one rule, by contact
// id: for tests and operators.
func (s *Store) DatetimeDueList(ctx context.Context, workspaceID, ruleID string) ([]DatetimeDue, error) {
	var rows []datetimeDueRow
	if err := s.read.WithContext(ctx).Where("workspace_id = ? AND rule_id = ?", workspaceID, ruleID).Order("contact_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list due triggers: %w", translate(err))
	}
	out := make([]DatetimeDue, len(rows))
	for i, r := range rows {
		out[i] = DatetimeDue{DueTrigger: r.domain(), State: r.State, ClaimedBy: deref(r.ClaimedBy), FiredAt: timePtr(r.FiredAt)}
	}
	return out, nil
}

// DatetimeDue is a stored due time with its state, as DatetimeDueList
// returns it.
type DatetimeDue struct {
	engine.DueTrigger
	State     string // "pending" or "fired"
	ClaimedBy string
	FiredAt   *time.Time
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// syncDatetime brings the due rows of rules in line after they (or their
// folder) were saved, in the saving transaction: their pending rows are
// dropped (with dropFired, the fired ones too: the trigger changed, so what
// fired before says nothing about the new schedule), and each rule that is an
// active datetime_based_trigger is armed for every contact whose field holds a
// date, read in batches. A due time already past now is not armed: a rule
// fires for times still to come when it is saved.
func (s *Store) syncDatetime(tx *gorm.DB, ws string, ruleIDs []string, dropFired bool) error {
	if len(ruleIDs) == 0 {
		return nil
	}
	del := tx.Where("workspace_id = ? AND rule_id IN ?", ws, ruleIDs)
	if !dropFired {
		del = del.Where("state = ?", duePending)
	}
	if err := del.Delete(&datetimeDueRow{}).Error; err != nil {
		return fmt.Errorf("drop due triggers: %w", err)
	}
	var rules []ruleRow
	err := tx.Raw(`SELECT r.* FROM rules r LEFT JOIN folders f ON f.workspace_id = r.workspace_id AND f.id = r.folder_id
		WHERE r.workspace_id = ? AND r.id IN ? AND r.trigger_type = ? AND r.enabled AND (r.folder_id IS NULL OR f.enabled)`,
		ws, ruleIDs, triggers.TriggerDatetimeBased).Scan(&rules).Error
	if err != nil {
		return fmt.Errorf("read datetime rules: %w", err)
	}
	now := s.now()
	for _, r := range rules {
		rule, err := r.domain()
		if err != nil {
			return err
		}
		sched, err := engine.DatetimeScheduleOf(rule.Trigger)
		if err != nil || sched == nil {
			s.log.Warn("stored datetime rule does not compile; it is not armed", "rule_id", r.ID, "error", err)
			continue
		}
		if err := s.armRule(tx, ws, r.ID, sched, now); err != nil {
			return fmt.Errorf("arm rule %s: %w", r.ID, err)
		}
	}
	return nil
}

// armRule arms one rule for the contacts whose field is set, reading only
// the field's value (as JSON) from each contact's state.
func (s *Store) armRule(tx *gorm.DB, ws, ruleID string, sched *engine.DatetimeSchedule, now time.Time) error {
	var extract string
	var field any
	if s.dialect == DialectPostgres {
		extract = `CAST(CAST(state AS jsonb) -> 'custom_fields' -> CAST(? AS text) AS text)`
		field = sched.Field
	} else {
		extract = `state -> ?`
		field = `$.custom_fields."` + strings.ReplaceAll(sched.Field, `"`, `\"`) + `"`
	}
	after := ""
	for {
		var batch []struct {
			ID    string
			Value *string
		}
		err := tx.Raw(`SELECT id, `+extract+` AS value FROM contacts WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?`,
			field, ws, after, armBatch).Scan(&batch).Error
		if err != nil {
			return err
		}
		var due []engine.DueTrigger
		for _, c := range batch {
			var v any
			if c.Value == nil || json.Unmarshal([]byte(*c.Value), &v) != nil {
				continue
			}
			at, ok, _ := sched.DueAt(v)
			if ok && at.After(now) {
				due = append(due, engine.DueTrigger{WorkspaceID: ws, RuleID: ruleID, ContactID: c.ID, ValueHash: engine.DatetimeValueHash(v), DueAt: at})
			}
		}
		if err := s.armDue(tx, ws, due); err != nil {
			return err
		}
		if len(batch) < armBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// syncFolderDatetime re-arms the datetime rules of a folder whose toggle
// changed: off drops their pending due times, on arms the future ones.
func (s *Store) syncFolderDatetime(tx *gorm.DB, ws, folderID string) error {
	var ids []string
	if err := tx.Model(&ruleRow{}).Where("workspace_id = ? AND folder_id = ? AND trigger_type = ?", ws, folderID, triggers.TriggerDatetimeBased).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return err
	}
	return s.syncDatetime(tx, ws, ids, false)
}
