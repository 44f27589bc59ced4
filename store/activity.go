package store

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
	"strings"
)

// TriggerEventList returns one page of the workspace's trigger events, newest
// first. Without filters it walks the primary key backwards; with a contact,
// the (workspace_id, contact_id) index; with types, (workspace_id, type, id).
// The source is read from the stored JSON.
func (s *Store) TriggerEventList(ctx context.Context, p tripline.TriggerEventPageParams) ([]triggers.StoredTriggerEvent, error) {
	q := page(s.read.WithContext(ctx), p.ListParams, true)
	if len(p.Types) > 0 {
		q = q.Where("type IN ?", p.Types)
	}
	if p.ContactID != "" {
		q = q.Where("contact_id = ?", p.ContactID)
	}
	if p.Source != "" {
		if s.dialect == DialectPostgres {
			q = q.Where("payload <> ? AND ((payload::jsonb) -> 'source' ->> 'id' = ? OR (payload::jsonb) -> 'source' ->> 'name' = ?)", erasedPayload, p.Source, p.Source)
		} else {
			q = q.Where("payload <> ? AND (json_extract(payload, '$.source.id') = ? OR json_extract(payload, '$.source.name') = ?)", erasedPayload, p.Source, p.Source)
		}
	}
	var rows []triggerEventRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list trigger events: %w", translate(err))
	}
	out := make([]triggers.StoredTriggerEvent, len(rows))
	for i := range rows {
		var err error
		if out[i], err = rows[i].stored(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TriggerEventGet returns one stored trigger event of the workspace.
func (s *Store) TriggerEventGet(ctx context.Context, workspaceID, id string) (triggers.StoredTriggerEvent, error) {
	var row triggerEventRow
	if err := s.read.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return triggers.StoredTriggerEvent{}, notFound(err, "trigger event %s", id)
	}
	return row.stored()
}

// stored reads a row; an erased one keeps its id, type and contact id.
func (r *triggerEventRow) stored() (triggers.StoredTriggerEvent, error) {
	out := triggers.StoredTriggerEvent{CreatedAt: r.CreatedAt.Time}
	if r.Payload == erasedPayload {
		out.Erased = true
		out.Event.ID, out.Event.Type, out.Event.ContactID = r.ID, r.Type, r.ContactID
		return out, nil
	}
	if err := json.Unmarshal([]byte(r.Payload), &out.Event); err != nil {
		return out, fmt.Errorf("trigger event %s: %w", r.ID, err)
	}
	return out, nil
}

// likeContains is the LIKE pattern (with ESCAPE '\') of text containing s,
// lowered.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
