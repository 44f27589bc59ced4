package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
	"gorm.io/gorm"
)

type hookRow struct {
	ID          string
	WorkspaceID string
	RuleID      string
	EndpointID  string
	TargetURL   string
	Event       string
	CreatedAt   timestamp
}

func (hookRow) TableName() string { return "hooks" }

func (r hookRow) domain() tripline.Hook {
	return tripline.Hook{ID: r.ID, WorkspaceID: r.WorkspaceID, RuleID: r.RuleID, EndpointID: r.EndpointID,
		TargetURL: r.TargetURL, Event: r.Event, CreatedAt: r.CreatedAt.Time}
}

// HookInsert stores a hook, its endpoint (secret sealed) and its rule in one
// transaction. Zero CreatedAt and UpdatedAt are now.
func (s *Store) HookInsert(ctx context.Context, h tripline.Hook, rule engine.Rule, ep actions.Endpoint) error {
	if h.ID == "" || rule.ID == "" || ep.ID == "" {
		return errors.New("insert hook: no id")
	}
	now := s.now()
	if h.CreatedAt.IsZero() {
		h.CreatedAt = now
	}
	if rule.CreatedAt.IsZero() {
		rule.CreatedAt, rule.UpdatedAt = now, now
	}
	if ep.CreatedAt.IsZero() {
		ep.CreatedAt, ep.UpdatedAt = now, now
	}
	erow, err := s.newEndpointRow(ep)
	if err != nil {
		return fmt.Errorf("insert hook: %w", err)
	}
	rrow, err := newRuleRow(rule)
	if err != nil {
		return fmt.Errorf("insert hook: %w", err)
	}
	hrow := hookRow{ID: h.ID, WorkspaceID: h.WorkspaceID, RuleID: rule.ID, EndpointID: ep.ID,
		TargetURL: h.TargetURL, Event: h.Event, CreatedAt: ts(h.CreatedAt)}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, h.WorkspaceID); err != nil {
			return err
		}
		if err := tx.Create(&erow).Error; err != nil {
			return err
		}
		if err := tx.Create(&rrow).Error; err != nil {
			return err
		}
		return tx.Create(&hrow).Error
	})
	if err != nil {
		return fmt.Errorf("insert hook %s: %w", h.ID, err)
	}
	return nil
}

// HookList returns one page of the workspace's hooks, by id, with their
// rules' conditions.
func (s *Store) HookList(ctx context.Context, p tripline.ListParams) ([]tripline.Hook, error) {
	var rows []hookRow
	if err := page(s.read.WithContext(ctx), p, false).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list hooks: %w", translate(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ruleIDs := make([]string, len(rows))
	for i, r := range rows {
		ruleIDs[i] = r.RuleID
	}
	var conds []struct{ ID, Condition string }
	err := s.read.WithContext(ctx).Model(&ruleRow{}).Select("id, condition").
		Where("workspace_id = ? AND id IN ?", p.WorkspaceID, ruleIDs).Scan(&conds).Error
	if err != nil {
		return nil, fmt.Errorf("list hooks: %w", translate(err))
	}
	byRule := make(map[string]string, len(conds))
	for _, c := range conds {
		byRule[c.ID] = c.Condition
	}
	hooks := make([]tripline.Hook, len(rows))
	for i, r := range rows {
		hooks[i] = r.domain()
		hooks[i].Condition = byRule[r.RuleID]
	}
	return hooks, nil
}

// HookFind returns the hook that manages a rule or an endpoint.
func (s *Store) HookFind(ctx context.Context, p tripline.HookFindParams) (tripline.Hook, error) {
	q := s.read.WithContext(ctx).Where("workspace_id = ?", p.WorkspaceID)
	switch {
	case p.RuleID != "":
		q = q.Where("rule_id = ?", p.RuleID)
	case p.EndpointID != "":
		q = q.Where("endpoint_id = ?", p.EndpointID)
	default:
		return tripline.Hook{}, errors.New("find hook: no rule or endpoint id")
	}
	var row hookRow
	if err := q.Take(&row).Error; err != nil {
		return tripline.Hook{}, notFound(err, "hook of rule %q endpoint %q", p.RuleID, p.EndpointID)
	}
	return row.domain(), nil
}

// HookDelete deletes a hook with its rule and endpoint. The endpoint's
// deliveries are kept for the log; those not yet sent are discarded.
func (s *Store) HookDelete(ctx context.Context, workspaceID, id string) error {
	return s.deleteHook(ctx, workspaceID, "id = ?", id)
}

// HookDeleteByEndpoint deletes the hook that manages an endpoint, as
// HookDelete does. It is what a 410 Gone from a subscriber's target calls
// (SPEC section 8); an endpoint no hook manages is tripline.ErrNotFound.
func (s *Store) HookDeleteByEndpoint(ctx context.Context, workspaceID, endpointID string) error {
	return s.deleteHook(ctx, workspaceID, "endpoint_id = ?", endpointID)
}

func (s *Store) deleteHook(ctx context.Context, workspaceID, where, arg string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error { return deleteHookTx(tx, workspaceID, where, arg) })
	if err != nil {
		return fmt.Errorf("delete hook %s: %w", arg, err)
	}
	return nil
}

// deleteHookTx deletes, inside tx, the workspace's hook matching where (one
// "column = ?" condition of the hooks table) with its rule and endpoint, and
// discards the endpoint's unsent deliveries. A store transaction that
// disables an endpoint on 410 Gone can call it with "endpoint_id = ?".
func deleteHookTx(tx *gorm.DB, workspaceID, where, arg string) error {
	var h hookRow
	if err := tx.Where("workspace_id = ? AND "+where, workspaceID, arg).Take(&h).Error; err != nil {
		return notFound(err, "hook %s", arg)
	}
	if err := bumpRulesVersion(tx, workspaceID); err != nil {
		return err
	}
	for _, step := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM hooks WHERE id = ?`, []any{h.ID}},
		{`DELETE FROM rules WHERE workspace_id = ? AND id = ?`, []any{workspaceID, h.RuleID}},
		{`DELETE FROM endpoints WHERE workspace_id = ? AND id = ?`, []any{workspaceID, h.EndpointID}},
		{`UPDATE deliveries SET status = 'discarded', next_attempt_at = NULL, last_error = 'REST hook deleted'
			WHERE endpoint_id = ? AND status IN ('pending', 'failed', 'paused')`, []any{h.EndpointID}},
	} {
		if err := tx.Exec(step.sql, step.args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// erasedPayload is what an erased trigger event's payload becomes.
const erasedPayload = "null"

// TriggerEventListRecent returns the workspace's most recent trigger events
// of one type, newest first (ids are time-ordered), leaving out erased ones.
// It reads the index (workspace_id, type, id) backwards.
func (s *Store) TriggerEventListRecent(ctx context.Context, p tripline.TriggerEventListParams) ([]triggers.TriggerEvent, error) {
	var rows []triggerEventRow
	err := s.read.WithContext(ctx).Where("workspace_id = ? AND type = ? AND payload <> ?", p.WorkspaceID, p.Type, erasedPayload).
		Order("id DESC").Limit(max(1, p.Limit)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list trigger events: %w", translate(err))
	}
	out := make([]triggers.TriggerEvent, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r.Payload), &out[i]); err != nil {
			return nil, fmt.Errorf("trigger event %s: %w", r.ID, err)
		}
	}
	return out, nil
}
