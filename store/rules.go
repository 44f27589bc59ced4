package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// defaultLimit is a list's page size when the caller gives none.
const defaultLimit = 100

// page scopes q to one page of a workspace's list, ordered by id.
func page(q *gorm.DB, p tripline.ListParams, desc bool) *gorm.DB {
	q = q.Where("workspace_id = ?", p.WorkspaceID)
	limit := p.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	if desc {
		if p.Cursor != "" {
			q = q.Where("id < ?", p.Cursor)
		}
		return q.Order("id DESC").Limit(limit)
	}
	if p.Cursor != "" {
		q = q.Where("id > ?", p.Cursor)
	}
	return q.Order("id").Limit(limit)
}

// FolderList returns one page of the workspace's folders, by id.
func (s *Store) FolderList(ctx context.Context, p tripline.ListParams) ([]engine.Folder, error) {
	var rows []folderRow
	if err := page(s.read.WithContext(ctx), p, false).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list folders: %w", translate(err))
	}
	folders := make([]engine.Folder, len(rows))
	for i, r := range rows {
		folders[i] = r.domain()
	}
	return folders, nil
}

// FolderGet returns one folder of the workspace.
func (s *Store) FolderGet(ctx context.Context, workspaceID, id string) (engine.Folder, error) {
	var row folderRow
	if err := s.read.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return engine.Folder{}, notFound(err, "folder %s", id)
	}
	return row.domain(), nil
}

// FolderInsert stores a new folder. Zero CreatedAt and UpdatedAt are now. An
// id already used is tripline.ErrConflict; an unknown workspace,
// tripline.ErrNotFound.
func (s *Store) FolderInsert(ctx context.Context, f engine.Folder) error {
	if f.ID == "" {
		return errors.New("insert folder: no id")
	}
	now := s.now()
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now
	}
	if f.UpdatedAt.IsZero() {
		f.UpdatedAt = now
	}
	row := newFolderRow(f)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, f.WorkspaceID); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("insert folder %s: %w", f.ID, err)
	}
	return nil
}

// FolderUpdate stores a folder's name and toggle. A zero UpdatedAt is now.
func (s *Store) FolderUpdate(ctx context.Context, f engine.Folder) error {
	if f.UpdatedAt.IsZero() {
		f.UpdatedAt = s.now()
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, f.WorkspaceID); err != nil {
			return err
		}
		var old folderRow
		if err := tx.Where("workspace_id = ? AND id = ?", f.WorkspaceID, f.ID).Take(&old).Error; err != nil {
			return notFound(err, "folder %s", f.ID)
		}
		res := tx.Model(&folderRow{}).Where("workspace_id = ? AND id = ?", f.WorkspaceID, f.ID).
			Updates(map[string]any{"name": f.Name, "enabled": f.Enabled, "updated_at": ts(f.UpdatedAt)})
		if res.Error != nil {
			return res.Error
		}
		if old.Enabled != f.Enabled {
			return s.syncFolderDatetime(tx, f.WorkspaceID, f.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update folder %s: %w", f.ID, err)
	}
	return nil
}

// FolderDelete deletes an empty folder; one that still holds rules is
// tripline.ErrConflict.
func (s *Store) FolderDelete(ctx context.Context, workspaceID, id string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, workspaceID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&ruleRow{}).Where("workspace_id = ? AND folder_id = ?", workspaceID, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("folder %s holds %d rules: %w", id, n, tripline.ErrConflict)
		}
		res := tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&folderRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("folder %s", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete folder %s: %w", id, err)
	}
	return nil
}

// RuleList returns one page of the workspace's rules, by id, optionally of
// one folder.
func (s *Store) RuleList(ctx context.Context, p tripline.RuleListParams) ([]engine.Rule, error) {
	q := page(s.read.WithContext(ctx).Select(ruleSelect), p.ListParams, false)
	if p.FolderID != "" {
		q = q.Where("folder_id = ?", p.FolderID)
	}
	var rows []ruleRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list rules: %w", translate(err))
	}
	return rulesFromRows(rows)
}

func rulesFromRows(rows []ruleRow) ([]engine.Rule, error) {
	rules := make([]engine.Rule, len(rows))
	for i, r := range rows {
		var err error
		if rules[i], err = r.domain(); err != nil {
			return nil, err
		}
	}
	return rules, nil
}

// ruleSelect reads a rule with when it last fired: the creation time of its
// newest delivery, found through deliveries_workspace_rule_idx (ids are
// ULIDs, so the greatest id is the newest) and then by primary key: two index
// lookups per rule, whatever the size of the delivery log.
const ruleSelect = `rules.*, (SELECT d.created_at FROM deliveries d WHERE d.id = (
	SELECT MAX(m.id) FROM deliveries m WHERE m.workspace_id = rules.workspace_id AND m.rule_id = rules.id)) AS last_fired_at`

// RuleGet returns one rule of the workspace.
func (s *Store) RuleGet(ctx context.Context, workspaceID, id string) (engine.Rule, error) {
	var row ruleRow
	if err := s.read.WithContext(ctx).Select(ruleSelect).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return engine.Rule{}, notFound(err, "rule %s", id)
	}
	return row.domain()
}

// RuleInsert stores a new rule. Zero CreatedAt and UpdatedAt are now. A
// FolderID that is not a folder of the workspace is a
// *tripline.ValidationError on folder_id; an id already used is
// tripline.ErrConflict.
func (s *Store) RuleInsert(ctx context.Context, r engine.Rule) error {
	if r.ID == "" {
		return errors.New("insert rule: no id")
	}
	now := s.now()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = now
	}
	row, err := newRuleRow(r)
	if err != nil {
		return fmt.Errorf("insert rule: %w", err)
	}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, r.WorkspaceID); err != nil {
			return err
		}
		if err := checkFolder(tx, r.WorkspaceID, r.FolderID); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if row.TriggerType == triggers.TriggerDatetimeBased {
			return s.syncDatetime(tx, r.WorkspaceID, []string{r.ID}, true)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert rule %s: %w", r.ID, err)
	}
	return nil
}

// RuleUpdate stores every field of a rule but its creation time. A zero
// UpdatedAt is now.
func (s *Store) RuleUpdate(ctx context.Context, r engine.Rule) error {
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = s.now()
	}
	row, err := newRuleRow(r)
	if err != nil {
		return fmt.Errorf("update rule: %w", err)
	}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, r.WorkspaceID); err != nil {
			return err
		}
		if err := checkFolder(tx, r.WorkspaceID, r.FolderID); err != nil {
			return err
		}
		var old ruleRow
		if err := tx.Where("workspace_id = ? AND id = ?", r.WorkspaceID, r.ID).Take(&old).Error; err != nil {
			return notFound(err, "rule %s", r.ID)
		}
		res := tx.Model(&ruleRow{}).Where("workspace_id = ? AND id = ?", r.WorkspaceID, r.ID).Updates(map[string]any{
			"folder_id":    row.FolderID,
			"name":         row.Name,
			"enabled":      row.Enabled,
			"trigger_type": row.TriggerType,
			"trigger":      row.Trigger,
			"condition":    row.Condition,
			"actions":      row.Actions,
			"frequency":    row.Frequency,
			"updated_at":   row.UpdatedAt,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("rule %s", r.ID)
		}
		// A datetime rule is armed again when its trigger or its being
		// active may have changed; a rename keeps its due times.
		triggerChanged := old.TriggerType != row.TriggerType || old.Trigger != row.Trigger
		if (old.TriggerType == triggers.TriggerDatetimeBased || row.TriggerType == triggers.TriggerDatetimeBased) &&
			(triggerChanged || old.Enabled != row.Enabled || deref(old.FolderID) != deref(row.FolderID)) {
			return s.syncDatetime(tx, r.WorkspaceID, []string{r.ID}, triggerChanged)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update rule %s: %w", r.ID, err)
	}
	return nil
}

// checkFolder reports a folder id that is not a folder of the workspace.
// The composite foreign key guards the same, as a conflict.
func checkFolder(tx *gorm.DB, workspaceID, folderID string) error {
	if folderID == "" {
		return nil
	}
	var n int64
	if err := tx.Model(&folderRow{}).Where("workspace_id = ? AND id = ?", workspaceID, folderID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return tripline.Invalid("folder_id", fmt.Sprintf("there is no folder %s in this workspace", folderID))
	}
	return nil
}

// RuleDelete deletes a rule and the record of whom it fired for. Its
// deliveries are kept.
func (s *Store) RuleDelete(ctx context.Context, workspaceID, id string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := bumpRulesVersion(tx, workspaceID); err != nil {
			return err
		}
		res := tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&ruleRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("rule %s", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete rule %s: %w", id, err)
	}
	return nil
}
