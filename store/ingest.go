package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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
	w, err := contactRows(p.WorkspaceID, p.Contacts, t.s.now())
	if err != nil || w == nil {
		return err
	}
	if err := t.s.insertBatch(t.db(ctx), contactsUpsert, w); err != nil {
		return fmt.Errorf("upsert contacts: %w", translate(err))
	}
	return nil
}

var contactsUpsert = newBatchInsert("contacts", []batchCol{
	{"workspace_id", colText}, {"id", colText}, {"state", colText}, {"created_at", colTime}, {"updated_at", colTime},
}, "ON CONFLICT (workspace_id, id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at")

// contactRows writes the rows of contactsUpsert, one per id, in the order
// of their first appearance, with the last contact of the id (ON CONFLICT DO
// UPDATE may not touch a row twice); nil when there are none. A zero time is
// now.
func contactRows(ws string, contacts []*triggers.Contact, now time.Time) (*batchRows, error) {
	var order []*triggers.Contact
	at := make(map[string]int, len(contacts))
	for _, c := range contacts {
		if i, ok := at[c.ID]; ok {
			order[i] = c
			continue
		}
		at[c.ID] = len(order)
		order = append(order, c)
	}
	if len(order) == 0 {
		return nil, nil
	}
	w := contactsUpsert.rows(len(order))
	var state []byte
	for _, c := range order {
		var err error
		state, err = c.AppendJSON(state[:0]) // as json.Marshal(c) writes it, without compacting it again
		if err != nil {
			return nil, fmt.Errorf("contact %s: %w", c.ID, err)
		}
		created, updated := c.CreatedAt, c.UpdatedAt
		if created.IsZero() {
			created = now
		}
		if updated.IsZero() {
			updated = now
		}
		w.str(ws)
		w.str(c.ID)
		w.strBytes(state)
		w.time(ts(created))
		w.time(ts(updated))
	}
	return w, nil
}

// TriggerEventInsertMany implements engine.IngestTx. The event is stored as
// its JSON; created_at is when it was stored.
func (t *ingestTx) TriggerEventInsertMany(ctx context.Context, p engine.TriggerEventInsertManyParams) error {
	if len(p.Events) == 0 {
		return nil
	}
	w, err := triggerEventRows(p.WorkspaceID, p.Events, t.s.now())
	if err != nil {
		return err
	}
	if err := t.s.insertBatch(t.db(ctx), triggerEventsInsert, w); err != nil {
		return fmt.Errorf("insert trigger events: %w", translate(err))
	}
	return nil
}

var triggerEventsInsert = newBatchInsert("trigger_events", []batchCol{
	{"id", colText}, {"workspace_id", colText}, {"type", colText}, {"contact_id", colText}, {"payload", colText}, {"created_at", colTime},
	{"source_id", colText},
}, "")

// triggerEventRows writes the rows of triggerEventsInsert, stored at now.
func triggerEventRows(ws string, events []triggers.TriggerEvent, now time.Time) (*batchRows, error) {
	w := triggerEventsInsert.rows(len(events))
	created := ts(now)
	var payload []byte
	for i := range events {
		te := &events[i]
		var err error
		payload, err = te.AppendJSON(payload[:0]) // as json.Marshal(te) writes it, without compacting it again
		if err != nil {
			return nil, fmt.Errorf("trigger event %s: %w", te.ID, err)
		}
		w.str(te.ID)
		w.str(ws)
		w.str(te.Type)
		w.str(te.ContactID)
		w.strBytes(payload)
		w.time(created)
		if te.Source != nil {
			w.str(te.Source.ID)
		} else {
			w.str("")
		}
	}
	return w, nil
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
	drows, mrows, due, err := deliveryRows(deliveries, s.now())
	if err != nil {
		return err
	}
	if err := s.insertBatch(tx, deliveriesInsert, drows); err != nil {
		return fmt.Errorf("insert deliveries: %w", translate(err))
	}
	if err := s.insertBatch(tx, deliveryMessagesInsert, mrows); err != nil {
		return fmt.Errorf("insert delivery messages: %w", translate(err))
	}
	if due {
		return s.notifyDue(tx) // some are for the claimers
	}
	return nil
}

var (
	deliveriesInsert = newBatchInsert("deliveries", []batchCol{
		{"id", colText}, {"workspace_id", colText}, {"endpoint_id", colText}, {"rule_id", colText}, {"trigger_event_id", colText},
		{"event", colText}, {"contact_id", colText}, {"status", colText}, {"attempt_count", colInt}, {"next_attempt_at", colIntNull},
		{"last_status_code", colInt}, {"last_error", colText}, {"created_at", colTime}, {"delivered_at", colTimeNull},
		{"claimed_by", colTextNull}, {"lease_until", colIntNull},
	}, "")
	deliveryMessagesInsert = newBatchInsert("delivery_messages", []batchCol{{"delivery_id", colText}, {"payload", colText}, {"headers", colText}}, "")
)

// deliveryRows writes the rows of deliveriesInsert and deliveryMessagesInsert
// and tells whether some deliveries are due, for the claimers. A zero
// CreatedAt is now, an empty Status pending, and a pending or failed delivery
// without NextAttemptAt is due now. A pending delivery with ClaimedBy is
// stored claimed: sending, owned by ClaimedBy until LeaseUntil.
func deliveryRows(deliveries []actions.NewDelivery, now time.Time) (drows, mrows *batchRows, due bool, err error) {
	drows = deliveriesInsert.rows(len(deliveries))
	mrows = deliveryMessagesInsert.rows(len(deliveries))
	for _, nd := range deliveries {
		d := nd.Delivery
		if d.ID == "" {
			return nil, nil, false, errors.New("insert deliveries: a delivery has no id")
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
		r := newDeliveryRow(d)
		if nd.ClaimedBy != "" && d.Status == actions.StatusPending {
			// Created claimed, as a claim leaves it: sending, its
			// next_attempt_at kept.
			r.Status, r.ClaimedBy, r.LeaseUntil = string(actions.StatusSending), &nd.ClaimedBy, new(ms(nd.LeaseUntil))
		}
		due = due || r.Status == string(actions.StatusPending) || r.Status == string(actions.StatusFailed)
		headers, err := marshalMap(nd.Message.Headers)
		if err != nil {
			return nil, nil, false, fmt.Errorf("delivery %s: headers: %w", d.ID, err)
		}
		drows.str(r.ID)
		drows.str(r.WorkspaceID)
		drows.str(r.EndpointID)
		drows.str(r.RuleID)
		drows.str(r.TriggerEventID)
		drows.str(r.Event)
		drows.str(r.ContactID)
		drows.str(r.Status)
		drows.int(int64(r.AttemptCount))
		drows.intPtr(r.NextAttemptAt)
		drows.int(int64(r.LastStatusCode))
		drows.str(r.LastError)
		drows.time(r.CreatedAt)
		drows.timePtr(r.DeliveredAt)
		drows.strPtr(r.ClaimedBy)
		drows.intPtr(r.LeaseUntil)

		mrows.str(r.ID)
		if len(nd.Message.Payload) == 0 {
			mrows.str("null")
		} else {
			mrows.strBytes(nd.Message.Payload)
		}
		mrows.str(headers)
	}
	return drows, mrows, due, nil
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
