package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
	"gorm.io/gorm"
)

// ContactList returns one page of the workspace's contacts, by id. It walks
// the primary key (workspace_id, id) from the cursor and stops when the page
// is full; filters are checked on each contact on the way. The states are
// JSON text written by encoding/json, so a contact can match only if the
// JSON encoding of the tag or value occurs in its text: a substring test,
// cheap on both databases, discards the others before the JSON is parsed.
func (s *Store) ContactList(ctx context.Context, p tripline.ContactListParams) ([]triggers.Contact, error) {
	q := page(s.read.WithContext(ctx), p.ListParams, false).Select("id, state")
	pg := s.dialect == DialectPostgres
	find := "instr(state, ?) > 0" // SQLite
	if pg {
		find = "strpos(state, ?) > 0"
	}
	if p.Tag != "" {
		needle, _ := json.Marshal(p.Tag)
		if pg {
			tag, _ := json.Marshal([]string{p.Tag})
			q = q.Where("CASE WHEN "+find+" THEN (state::jsonb) -> 'tags' @> ?::jsonb ELSE false END", string(needle), string(tag))
		} else {
			q = q.Where("CASE WHEN "+find+" THEN EXISTS (SELECT 1 FROM json_each(contacts.state, '$.tags') WHERE json_each.value = ?) ELSE 0 END",
				string(needle), p.Tag)
		}
	}
	if len(p.FieldPath) > 0 {
		// The value as it occurs in the text: a JSON string's content, or
		// a number, true or false as written.
		needle, _ := json.Marshal(p.Value)
		args := []any{string(needle[1 : len(needle)-1])}
		if pg {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(p.FieldPath)), ", ")
			for _, name := range p.FieldPath {
				args = append(args, name)
			}
			q = q.Where("CASE WHEN "+find+" THEN (state::jsonb) #>> ARRAY["+marks+"]::text[] = ? ELSE false END", append(args, p.Value)...)
		} else {
			path := `$."` + strings.Join(p.FieldPath, `"."`) + `"`
			// json_extract gives 1 and 0 for true and false; json_type tells them apart.
			q = q.Where(`CASE WHEN `+find+` THEN (CASE json_type(state, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
				ELSE CAST(json_extract(state, ?) AS TEXT) END) = ? ELSE 0 END`, append(args, path, path, p.Value)...)
		}
	}
	if p.Query != "" {
		like := likeContains(p.Query)
		field := func(name string) string { return "lower(COALESCE(json_extract(state, '$." + name + "'), ''))" }
		if pg {
			field = func(name string) string { return "lower(COALESCE((state::jsonb) ->> '" + name + "', ''))" }
		}
		cond := `lower(id) LIKE ? ESCAPE '\'`
		for _, name := range []string{"name", "email", "phone"} {
			cond += " OR " + field(name) + ` LIKE ? ESCAPE '\'`
		}
		q = q.Where("("+cond+")", like, like, like, like)
	}
	var rows []contactRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list contacts: %w", translate(err))
	}
	out := make([]triggers.Contact, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r.State), &out[i]); err != nil {
			return nil, fmt.Errorf("contact %s: %w", r.ID, err)
		}
	}
	return out, nil
}

// ContactGet returns one contact of the workspace.
func (s *Store) ContactGet(ctx context.Context, workspaceID, id string) (triggers.Contact, error) {
	var row contactRow
	if err := s.read.WithContext(ctx).Select("id, state").Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return triggers.Contact{}, notFound(err, "contact %s", id)
	}
	var c triggers.Contact
	if err := json.Unmarshal([]byte(row.State), &c); err != nil {
		return triggers.Contact{}, fmt.Errorf("contact %s: %w", id, err)
	}
	return c, nil
}

// ContactErase erases a contact (GDPR) in one transaction: its row; its
// trigger events' payloads; its deliveries' payloads and headers; their
// attempts' response headers and bodies. Delivery metadata (ids, status,
// attempt times and status codes) is kept for the log; deliveries not yet
// sent are discarded, as there is nothing left to send. Erasing again, or an
// unknown contact, does nothing and is no error.
func (s *Store) ContactErase(ctx context.Context, workspaceID, id string) error {
	const ofContact = `SELECT id FROM deliveries WHERE workspace_id = ? AND contact_id = ?`
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		for _, step := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM contacts WHERE workspace_id = ? AND id = ?`, []any{workspaceID, id}},
			{`UPDATE trigger_events SET payload = ? WHERE workspace_id = ? AND contact_id = ? AND payload <> ?`,
				[]any{erasedPayload, workspaceID, id, erasedPayload}},
			{`UPDATE deliveries SET status = 'discarded', next_attempt_at = NULL, last_error = 'contact erased'
				WHERE workspace_id = ? AND contact_id = ? AND status IN ('pending', 'failed', 'paused')`, []any{workspaceID, id}},
			{`UPDATE delivery_messages SET payload = 'null', headers = '{}' WHERE delivery_id IN (` + ofContact + `)`, []any{workspaceID, id}},
			{`UPDATE attempts SET response_headers = '{}', response_body = '' WHERE delivery_id IN (` + ofContact + `)`, []any{workspaceID, id}},
			{`DELETE FROM source_requests WHERE workspace_id = ? AND contact_id = ?`, []any{workspaceID, id}},
		} {
			if err := tx.Exec(step.sql, step.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("erase contact %s: %w", id, err)
	}
	return nil
}

// DeliveryQueueStats returns how many deliveries are due at now (pending or
// failed with next_attempt_at <= now) and the due time of the most overdue
// one (zero when none is due). It reads the partial index deliveries_due_idx.
func (s *Store) DeliveryQueueStats(ctx context.Context, now time.Time) (due int64, oldestDue time.Time, err error) {
	var row struct {
		N      int64
		Oldest *int64
	}
	err = s.read.WithContext(ctx).Raw(`SELECT count(*) AS n, min(next_attempt_at) AS oldest FROM deliveries
		WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?`, ms(now)).Scan(&row).Error
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("delivery queue stats: %w", translate(err))
	}
	if t := fromMS(row.Oldest); t != nil {
		oldestDue = *t
	}
	return row.N, oldestDue, nil
}
