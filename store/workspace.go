package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
)

// WorkspaceCreate creates a workspace named name. A name already taken is
// tripline.ErrConflict.
func (s *Store) WorkspaceCreate(ctx context.Context, name string) (tripline.Workspace, error) {
	now := s.now()
	ws := tripline.NewWorkspace(id.NewAt(id.Workspace, now), name, now)
	row := workspaceRow{ID: ws.ID, Name: ws.Name, CreatedAt: ts(ws.CreatedAt), Timezone: ws.Timezone}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		err = translate(err)
		if errors.Is(err, tripline.ErrConflict) {
			return tripline.Workspace{}, fmt.Errorf("workspace %q exists: %w", name, tripline.ErrConflict)
		}
		return tripline.Workspace{}, fmt.Errorf("create workspace %q: %w", name, err)
	}
	return row.domain(), nil
}

// WorkspaceGet returns the workspace whose id is id.
func (s *Store) WorkspaceGet(ctx context.Context, id string) (tripline.Workspace, error) {
	var row workspaceRow
	if err := s.read.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return tripline.Workspace{}, notFound(err, "workspace %s", id)
	}
	return row.domain(), nil
}

// WorkspaceUpdate stores a workspace's name and settings. A name another
// workspace has is tripline.ErrConflict.
func (s *Store) WorkspaceUpdate(ctx context.Context, ws tripline.Workspace) error {
	res := s.db.WithContext(ctx).Model(&workspaceRow{}).Where("id = ?", ws.ID).Updates(map[string]any{
		"name": ws.Name, "timezone": ws.Timezone, "require_https": ws.RequireHTTPS,
	})
	if err := translate(res.Error); err != nil {
		if errors.Is(err, tripline.ErrConflict) {
			return fmt.Errorf("workspace %q exists: %w", ws.Name, tripline.ErrConflict)
		}
		return fmt.Errorf("update workspace %s: %w", ws.ID, err)
	}
	if res.RowsAffected == 0 {
		return errNotFound("workspace %s", ws.ID)
	}
	return nil
}

// WorkspaceGetByName returns the workspace named name.
func (s *Store) WorkspaceGetByName(ctx context.Context, name string) (tripline.Workspace, error) {
	var row workspaceRow
	if err := s.read.WithContext(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return tripline.Workspace{}, notFound(err, "workspace %q", name)
	}
	return row.domain(), nil
}

// WorkspaceCount returns how many workspaces exist.
func (s *Store) WorkspaceCount(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read.WithContext(ctx).Model(&workspaceRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count workspaces: %w", translate(err))
	}
	return n, nil
}

// WorkspaceGetByAPIKey returns the workspace of the API key whose hash is
// keyHash.
func (s *Store) WorkspaceGetByAPIKey(ctx context.Context, keyHash string) (tripline.Workspace, error) {
	var row workspaceRow
	err := s.read.WithContext(ctx).
		Joins("JOIN api_keys ON api_keys.workspace_id = workspaces.id").
		Where("api_keys.hash = ?", keyHash).
		Take(&row).Error
	if err != nil {
		return tripline.Workspace{}, notFound(err, "api key")
	}
	return row.domain(), nil
}

// APIKeyInsert stores an API key (its hash). An unknown workspace or a hash
// already stored is tripline.ErrConflict. A zero CreatedAt is now.
func (s *Store) APIKeyInsert(ctx context.Context, key tripline.APIKey) error {
	if key.ID == "" {
		key.ID = id.New(id.APIKey)
	}
	if key.CreatedAt.IsZero() {
		key.CreatedAt = s.now()
	}
	row := apiKeyRow{ID: key.ID, WorkspaceID: key.WorkspaceID, Hash: key.Hash, Prefix: key.Prefix, CreatedAt: ts(key.CreatedAt), Name: key.Name}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert api key: %w", translate(err))
	}
	return nil
}

// bumpRulesVersion increments the workspace's rules_version; a missing
// workspace is tripline.ErrNotFound. It also serializes rule and endpoint
// changes of one workspace on its row.
func bumpRulesVersion(tx *gorm.DB, workspaceID string) error {
	res := tx.Exec("UPDATE workspaces SET rules_version = rules_version + 1 WHERE id = ?", workspaceID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errNotFound("workspace %s", workspaceID)
	}
	return nil
}
