package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// Bind parameters per statement. Postgres allows 65535. SQLite allows 32766,
// but the driver matches each parameter to its argument by a linear search,
// so a statement of n parameters costs O(n²) to bind: batches stay small.
const (
	maxParamsPostgres = 30000
	maxParamsSQLite   = 500
)

// batchRows is how many rows of cols columns one statement may carry.
func (s *Store) batchRows(cols int) int { return max(1, min(1000, s.maxParams/cols)) }

// chunks splits s into consecutive slices of at most n elements.
func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

// IngestInTx runs fn in one write transaction (on SQLite, BEGIN IMMEDIATE on
// the one write connection) and commits when fn returns nil. A concurrent
// writer's conflict (a unique violation, a serialization failure or deadlock,
// a busy database) is tripline.ErrConflict: the caller may run it again.
func (s *Store) IngestInTx(ctx context.Context, fn func(tx engine.IngestTx) error) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&ingestTx{s: s, tx: tx})
	}))
}

// ingestTx is the storage of one ingest transaction.
type ingestTx struct {
	s  *Store
	tx *gorm.DB
}

var _ engine.IngestTx = (*ingestTx)(nil)

func (t *ingestTx) db(ctx context.Context) *gorm.DB { return t.tx.WithContext(ctx) }

// WorkspaceRulesVersion implements engine.IngestTx.
func (t *ingestTx) WorkspaceRulesVersion(ctx context.Context, workspaceID string) (int64, error) {
	var row workspaceRow
	if err := t.db(ctx).Select("rules_version").Where("id = ?", workspaceID).Take(&row).Error; err != nil {
		return 0, notFound(err, "workspace %s", workspaceID)
	}
	return row.RulesVersion, nil
}

// RuleListAll implements engine.IngestTx.
func (t *ingestTx) RuleListAll(ctx context.Context, workspaceID string) ([]engine.Rule, []engine.Folder, error) {
	var rrows []ruleRow
	if err := t.db(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&rrows).Error; err != nil {
		return nil, nil, fmt.Errorf("list rules: %w", translate(err))
	}
	var frows []folderRow
	if err := t.db(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&frows).Error; err != nil {
		return nil, nil, fmt.Errorf("list folders: %w", translate(err))
	}
	rules, err := rulesFromRows(rrows)
	if err != nil {
		return nil, nil, err
	}
	folders := make([]engine.Folder, len(frows))
	for i, r := range frows {
		folders[i] = r.domain()
	}
	return rules, folders, nil
}

// EventKeyInsertMany implements engine.IngestTx with INSERT … ON CONFLICT DO
// NOTHING RETURNING: a key not returned was there already. On Postgres a key
// inserted by a concurrent, uncommitted transaction makes this one wait for it.
func (t *ingestTx) EventKeyInsertMany(ctx context.Context, p engine.EventKeyInsertManyParams) (map[string]bool, error) {
	now := ts(p.Now)
	if p.Now.IsZero() {
		now = ts(t.s.now())
	}
	inserted := make(map[string]bool, len(p.Keys))
	for _, keys := range chunks(p.Keys, t.s.batchRows(3)) {
		var sql strings.Builder
		sql.WriteString(`INSERT INTO event_keys (workspace_id, "key", created_at) VALUES `)
		args := make([]any, 0, 3*len(keys))
		for i, k := range keys {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(?, ?, ?)")
			args = append(args, p.WorkspaceID, k, now)
		}
		sql.WriteString(` ON CONFLICT DO NOTHING RETURNING "key"`)
		var got []string
		if err := t.db(ctx).Raw(sql.String(), args...).Scan(&got).Error; err != nil {
			return nil, fmt.Errorf("insert event keys: %w", translate(err))
		}
		for _, k := range got {
			inserted[k] = true
		}
	}
	dups := make(map[string]bool)
	for _, k := range p.Keys {
		if !inserted[k] {
			dups[k] = true
		}
	}
	return dups, nil
}

// ContactGetMany implements engine.IngestTx.
func (t *ingestTx) ContactGetMany(ctx context.Context, p engine.ContactGetManyParams) (map[string]*triggers.Contact, error) {
	contacts := make(map[string]*triggers.Contact, len(p.IDs))
	for _, ids := range chunks(p.IDs, t.s.batchRows(1)) {
		var rows []contactRow
		q := t.db(ctx).Model(&contactRow{}).Select("id, state").Where("workspace_id = ? AND id IN ?", p.WorkspaceID, ids)
		if t.s.dialect == DialectPostgres {
			// One index lookup per id, whatever the statistics say: before
			// contacts is analyzed the planner takes workspace_id = ? for
			// selective and reads every contact of the workspace instead.
			// LIMIT 1 keeps the lateral subquery from being flattened into
			// a join it could plan the same way. The ids are one JSON
			// parameter, so the statement text does not depend on their number.
			ij, err := json.Marshal(ids)
			if err != nil {
				return nil, fmt.Errorf("get contacts: %w", err)
			}
			q = t.db(ctx).Raw(`SELECT c.id, c.state FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS k(id)
				CROSS JOIN LATERAL (SELECT id, state FROM contacts WHERE workspace_id = ? AND id = k.id LIMIT 1) AS c`,
				string(ij), p.WorkspaceID)
		}
		if err := q.Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("get contacts: %w", translate(err))
		}
		for _, r := range rows {
			c := new(triggers.Contact)
			if err := json.Unmarshal([]byte(r.State), c); err != nil {
				return nil, fmt.Errorf("contact %s: %w", r.ID, err)
			}
			contacts[r.ID] = c
		}
	}
	return contacts, nil
}

// ContactUpsertMany implements engine.IngestTx. When Contacts names one id
// twice, the last wins.
func (t *ingestTx) ContactUpsertMany(ctx context.Context, p engine.ContactUpsertManyParams) error {
	now := t.s.now()
	rows := make([]contactRow, 0, len(p.Contacts))
	at := make(map[string]int, len(p.Contacts))
	var state []byte
	for _, c := range p.Contacts {
		var err error
		state, err = c.AppendJSON(state[:0]) // as json.Marshal(c) writes it, without compacting it again
		if err != nil {
			return fmt.Errorf("contact %s: %w", c.ID, err)
		}
		row := contactRow{WorkspaceID: p.WorkspaceID, ID: c.ID, State: string(state), CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt)}
		if c.CreatedAt.IsZero() {
			row.CreatedAt = ts(now)
		}
		if c.UpdatedAt.IsZero() {
			row.UpdatedAt = ts(now)
		}
		if i, ok := at[c.ID]; ok {
			rows[i] = row // ON CONFLICT DO UPDATE may not touch a row twice
			continue
		}
		at[c.ID] = len(rows)
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	type contactJSON struct {
		WorkspaceID string `json:"workspace_id"`
		ID          string `json:"id"`
		State       string `json:"state"`
		CreatedAt   string `json:"created_at"`
		UpdatedAt   string `json:"updated_at"`
	}
	js := make([]contactJSON, len(rows))
	for i, r := range rows {
		js[i] = contactJSON{WorkspaceID: r.WorkspaceID, ID: r.ID, State: r.State, CreatedAt: timeText(r.CreatedAt), UpdatedAt: timeText(r.UpdatedAt)}
	}
	err := t.s.insertJSON(t.db(ctx), "contacts", []jsonCol{
		{"workspace_id", "text"}, {"id", "text"}, {"state", "text"}, {"created_at", "timestamptz"}, {"updated_at", "timestamptz"},
	}, js, "ON CONFLICT (workspace_id, id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at")
	if err != nil {
		return fmt.Errorf("upsert contacts: %w", translate(err))
	}
	return nil
}

// TriggerEventInsertMany implements engine.IngestTx. The event is stored as
// its JSON; created_at is when it was stored.
func (t *ingestTx) TriggerEventInsertMany(ctx context.Context, p engine.TriggerEventInsertManyParams) error {
	if len(p.Events) == 0 {
		return nil
	}
	type triggerEventJSON struct {
		ID          string `json:"id"`
		WorkspaceID string `json:"workspace_id"`
		Type        string `json:"type"`
		ContactID   string `json:"contact_id"`
		Payload     string `json:"payload"`
		CreatedAt   string `json:"created_at"`
	}
	now := timeText(ts(t.s.now()))
	rows := make([]triggerEventJSON, len(p.Events))
	var payload []byte
	for i, te := range p.Events {
		var err error
		payload, err = te.AppendJSON(payload[:0]) // as json.Marshal(te) writes it, without compacting it again
		if err != nil {
			return fmt.Errorf("trigger event %s: %w", te.ID, err)
		}
		rows[i] = triggerEventJSON{ID: te.ID, WorkspaceID: p.WorkspaceID, Type: te.Type, ContactID: te.ContactID, Payload: string(payload), CreatedAt: now}
	}
	err := t.s.insertJSON(t.db(ctx), "trigger_events", []jsonCol{
		{"id", "text"}, {"workspace_id", "text"}, {"type", "text"}, {"contact_id", "text"}, {"payload", "text"}, {"created_at", "timestamptz"},
	}, rows, "")
	if err != nil {
		return fmt.Errorf("insert trigger events: %w", translate(err))
	}
	return nil
}

// EndpointGetMany implements engine.IngestTx. Secrets are left empty unless
// p.Secrets is set: opening them costs.
func (t *ingestTx) EndpointGetMany(ctx context.Context, p engine.EndpointGetManyParams) (map[string]actions.Endpoint, error) {
	eps := make(map[string]actions.Endpoint, len(p.IDs))
	for _, ids := range chunks(p.IDs, t.s.batchRows(1)) {
		var rows []endpointRow
		q := t.db(ctx)
		if !p.Secrets {
			q = q.Omit("secret", "previous_secret")
		}
		if err := q.Where("workspace_id = ? AND id IN ?", p.WorkspaceID, ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("get endpoints: %w", translate(err))
		}
		for _, r := range rows {
			e, err := t.s.endpoint(r, p.Secrets)
			if err != nil {
				return nil, err
			}
			eps[r.ID] = e
		}
	}
	return eps, nil
}

// DeliveryInsertMany implements engine.IngestTx: the deliveries, then their
// messages. A zero CreatedAt is now, an empty Status pending, and a pending
// or failed delivery without NextAttemptAt is due now. A pending delivery
// with ClaimedBy is stored claimed: sending, owned by ClaimedBy until
// LeaseUntil.
func (t *ingestTx) DeliveryInsertMany(ctx context.Context, deliveries []actions.NewDelivery) error {
	return t.s.insertDeliveries(t.db(ctx), deliveries)
}

func (s *Store) insertDeliveries(tx *gorm.DB, deliveries []actions.NewDelivery) error {
	if len(deliveries) == 0 {
		return nil
	}
	now := s.now()
	drows := make([]deliveryRow, len(deliveries))
	mrows := make([]deliveryMessageRow, len(deliveries))
	for i, nd := range deliveries {
		d := nd.Delivery
		if d.ID == "" {
			return errors.New("insert deliveries: a delivery has no id")
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = now
		}
		if d.Status == "" {
			d.Status = actions.StatusPending
		}
		if d.NextAttemptAt == nil && (d.Status == actions.StatusPending || d.Status == actions.StatusFailed) {
			d.NextAttemptAt = &now
		}
		drows[i] = newDeliveryRow(d)
		if nd.ClaimedBy != "" && d.Status == actions.StatusPending {
			// Created claimed, as a claim leaves it: sending, its
			// next_attempt_at kept.
			drows[i].Status, drows[i].ClaimedBy, drows[i].LeaseUntil = string(actions.StatusSending), &nd.ClaimedBy, new(ms(nd.LeaseUntil))
		}
		headers, err := marshalMap(nd.Message.Headers)
		if err != nil {
			return fmt.Errorf("delivery %s: headers: %w", d.ID, err)
		}
		payload := string(nd.Message.Payload)
		if payload == "" {
			payload = "null"
		}
		mrows[i] = deliveryMessageRow{DeliveryID: d.ID, Payload: payload, Headers: headers}
	}
	type deliveryJSON struct {
		ID             string  `json:"id"`
		WorkspaceID    string  `json:"workspace_id"`
		EndpointID     string  `json:"endpoint_id"`
		RuleID         string  `json:"rule_id"`
		TriggerEventID string  `json:"trigger_event_id"`
		Event          string  `json:"event"`
		ContactID      string  `json:"contact_id"`
		Status         string  `json:"status"`
		AttemptCount   int     `json:"attempt_count"`
		NextAttemptAt  *int64  `json:"next_attempt_at"`
		LastStatusCode int     `json:"last_status_code"`
		LastError      string  `json:"last_error"`
		CreatedAt      string  `json:"created_at"`
		DeliveredAt    *string `json:"delivered_at"`
		ClaimedBy      *string `json:"claimed_by"`
		LeaseUntil     *int64  `json:"lease_until"`
	}
	djs := make([]deliveryJSON, len(drows))
	for i, r := range drows {
		djs[i] = deliveryJSON{ID: r.ID, WorkspaceID: r.WorkspaceID, EndpointID: r.EndpointID, RuleID: r.RuleID,
			TriggerEventID: r.TriggerEventID, Event: r.Event, ContactID: r.ContactID, Status: r.Status,
			AttemptCount: r.AttemptCount, NextAttemptAt: r.NextAttemptAt, LastStatusCode: r.LastStatusCode, LastError: r.LastError,
			CreatedAt: timeText(r.CreatedAt), ClaimedBy: r.ClaimedBy, LeaseUntil: r.LeaseUntil}
		if r.DeliveredAt != nil {
			djs[i].DeliveredAt = new(timeText(*r.DeliveredAt))
		}
	}
	err := s.insertJSON(tx, "deliveries", []jsonCol{
		{"id", "text"}, {"workspace_id", "text"}, {"endpoint_id", "text"}, {"rule_id", "text"}, {"trigger_event_id", "text"},
		{"event", "text"}, {"contact_id", "text"}, {"status", "text"}, {"attempt_count", "bigint"}, {"next_attempt_at", "bigint"},
		{"last_status_code", "bigint"}, {"last_error", "text"}, {"created_at", "timestamptz"}, {"delivered_at", "timestamptz"},
		{"claimed_by", "text"}, {"lease_until", "bigint"},
	}, djs, "")
	if err != nil {
		return fmt.Errorf("insert deliveries: %w", translate(err))
	}
	type messageJSON struct {
		DeliveryID string `json:"delivery_id"`
		Payload    string `json:"payload"`
		Headers    string `json:"headers"`
	}
	mjs := make([]messageJSON, len(mrows))
	for i, m := range mrows {
		mjs[i] = messageJSON(m)
	}
	err = s.insertJSON(tx, "delivery_messages", []jsonCol{{"delivery_id", "text"}, {"payload", "text"}, {"headers", "text"}}, mjs, "")
	if err != nil {
		return fmt.Errorf("insert delivery messages: %w", translate(err))
	}
	for _, r := range drows {
		if r.Status == string(actions.StatusPending) || r.Status == string(actions.StatusFailed) {
			return s.notifyDue(tx) // some are for the claimers
		}
	}
	return nil
}

// RuleFireClaim implements engine.IngestTx with one upsert: insert the
// (rule, contact) fire, or move its time to Now only when it last fired
// before FiredBefore; a row comes back exactly when the rule may fire. On
// Postgres a concurrent claim waits on the other's uncommitted row and then
// sees it, so two claims never both succeed.
func (t *ingestTx) RuleFireClaim(ctx context.Context, p engine.RuleFireClaimParams) (bool, error) {
	now := p.Now
	if now.IsZero() {
		now = t.s.now()
	}
	sql := `INSERT INTO rule_fires (workspace_id, rule_id, contact_id, fired_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (rule_id, contact_id) DO UPDATE SET fired_at = excluded.fired_at
		WHERE rule_fires.fired_at < ? RETURNING 1`
	args := []any{p.WorkspaceID, p.RuleID, p.ContactID, ts(now), ts(p.FiredBefore)}
	if p.FiredBefore.IsZero() { // never again
		sql = `INSERT INTO rule_fires (workspace_id, rule_id, contact_id, fired_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (rule_id, contact_id) DO NOTHING RETURNING 1`
		args = args[:4]
	}
	var got []int
	if err := t.db(ctx).Raw(sql, args...).Scan(&got).Error; err != nil {
		return false, fmt.Errorf("claim fire of rule %s for contact %s: %w", p.RuleID, p.ContactID, translate(err))
	}
	return len(got) == 1, nil
}
