package store

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"slices"
)

// APIKeyGetByHash returns the API key with that hash (GET /v1/me).
func (s *Store) APIKeyGetByHash(ctx context.Context, keyHash string) (tripline.APIKey, error) {
	var row apiKeyRow
	if err := s.read.WithContext(ctx).Where("hash = ?", keyHash).Take(&row).Error; err != nil {
		return tripline.APIKey{}, notFound(err, "api key")
	}
	return tripline.APIKey{ID: row.ID, WorkspaceID: row.WorkspaceID, Hash: row.Hash, Prefix: row.Prefix, CreatedAt: row.CreatedAt.Time}, nil
}

// HookGet returns one hook of the workspace, with its rule's condition.
func (s *Store) HookGet(ctx context.Context, workspaceID, id string) (tripline.Hook, error) {
	var row hookRow
	if err := s.read.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return tripline.Hook{}, notFound(err, "hook %s", id)
	}
	h := row.domain()
	var cond []string
	err := s.read.WithContext(ctx).Model(&ruleRow{}).Where("workspace_id = ? AND id = ?", workspaceID, row.RuleID).
		Pluck("condition", &cond).Error
	if err != nil {
		return tripline.Hook{}, fmt.Errorf("get hook %s: %w", id, translate(err))
	}
	if len(cond) > 0 {
		h.Condition = cond[0]
	}
	return h, nil
}

// RuleTriggers returns the triggers of the workspace's rules among ids, in
// one query.
func (s *Store) RuleTriggers(ctx context.Context, workspaceID string, ids []string) (map[string]engine.Trigger, error) {
	out := make(map[string]engine.Trigger, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct{ ID, Trigger string }
	err := s.read.WithContext(ctx).Model(&ruleRow{}).Select("id, trigger").
		Where("workspace_id = ? AND id IN ?", workspaceID, ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("rule triggers: %w", translate(err))
	}
	for _, r := range rows {
		var t engine.Trigger
		if err := json.Unmarshal([]byte(r.Trigger), &t); err != nil {
			return nil, fmt.Errorf("rule %s: trigger: %w", r.ID, err)
		}
		out[r.ID] = t
	}
	return out, nil
}

// fieldTypesPerName bounds how many (name, type) rows one custom field can
// take in ContactValues: SQLite tells null, true, false, integer, real, text,
// array and object apart.
const fieldTypesPerName = 8

// ContactValues returns one page of the distinct tags, custom-field names or
// sequences of the workspace's contacts, ascending after the cursor. It reads
// every contact of the workspace (the states are JSON text): it serves
// dropdowns in integration editors, not a hot path.
func (s *Store) ContactValues(ctx context.Context, p tripline.ContactValuesParams) ([]tripline.ContactValue, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	pg := s.dialect == DialectPostgres
	var query string
	rowLimit := limit
	switch p.Kind {
	case tripline.ContactTags, tripline.ContactSequences:
		path := "tags"
		if p.Kind == tripline.ContactSequences {
			path = "sequences"
		}
		if pg {
			query = `SELECT DISTINCT v.value AS value, 'string' AS type FROM contacts,
				jsonb_array_elements_text(contacts.state::jsonb -> '` + path + `') AS v(value)
				WHERE contacts.workspace_id = ? AND v.value > ? ORDER BY 1 LIMIT ?`
		} else {
			query = `SELECT DISTINCT j.value AS value, 'string' AS type FROM contacts, json_each(contacts.state, '$.` + path + `') AS j
				WHERE contacts.workspace_id = ? AND j.value > ? ORDER BY 1 LIMIT ?`
		}
	case tripline.ContactFields:
		rowLimit = (limit + 1) * fieldTypesPerName
		if pg {
			query = `SELECT f.key AS value, jsonb_typeof(f.value) AS type FROM contacts,
				jsonb_each(contacts.state::jsonb -> 'custom_fields') AS f
				WHERE contacts.workspace_id = ? AND f.key > ? GROUP BY 1, 2 ORDER BY 1, 2 LIMIT ?`
		} else {
			query = `SELECT j.key AS value, j.type AS type FROM contacts, json_each(contacts.state, '$.custom_fields') AS j
				WHERE contacts.workspace_id = ? AND j.key > ? GROUP BY 1, 2 ORDER BY 1, 2 LIMIT ?`
		}
	default:
		return nil, fmt.Errorf("contact values: unknown kind %q", p.Kind)
	}
	var rows []struct{ Value, Type string }
	if err := s.read.WithContext(ctx).Raw(query, p.WorkspaceID, p.Cursor, rowLimit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("contact %s: %w", p.Kind, translate(err))
	}
	out := make([]tripline.ContactValue, 0, min(len(rows), limit))
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].Value == r.Value {
			if t := jsonType(r.Type); !slices.Contains(out[n-1].Types, t) {
				out[n-1].Types = append(out[n-1].Types, t)
				slices.Sort(out[n-1].Types)
			}
			continue
		}
		if len(out) == limit {
			break
		}
		v := tripline.ContactValue{Value: r.Value}
		if p.Kind == tripline.ContactFields {
			v.Types = []string{jsonType(r.Type)}
		}
		out = append(out, v)
	}
	return out, nil
}

// jsonType names SQLite's json_each types (and Postgres's jsonb_typeof ones,
// unchanged) as JSON's.
func jsonType(t string) string {
	switch t {
	case "true", "false":
		return "boolean"
	case "integer", "real":
		return "number"
	case "text":
		return "string"
	}
	return t
}

// EndpointCounts counts the endpoints of every workspace by whether they are
// enabled, in one grouped query (tripline_endpoints).
func (s *Store) EndpointCounts(ctx context.Context) (enabled, disabled int64, err error) {
	var rows []struct {
		Enabled bool
		N       int64
	}
	if err := s.read.WithContext(ctx).Model(&endpointRow{}).Select("enabled, count(*) AS n").Group("enabled").Scan(&rows).Error; err != nil {
		return 0, 0, fmt.Errorf("count endpoints: %w", translate(err))
	}
	for _, r := range rows {
		if r.Enabled {
			enabled += r.N
		} else {
			disabled += r.N
		}
	}
	return enabled, disabled, nil
}
