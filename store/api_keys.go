package store

import (
	"context"
	"fmt"
	"github.com/tripline/tripline"
)

// APIKeyList returns one page of the workspace's API keys, by id (the oldest
// first).
func (s *Store) APIKeyList(ctx context.Context, p tripline.ListParams) ([]tripline.APIKey, error) {
	var rows []apiKeyRow
	if err := page(s.read.WithContext(ctx), p, false).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list api keys: %w", translate(err))
	}
	out := make([]tripline.APIKey, len(rows))
	for i, r := range rows {
		out[i] = tripline.APIKey{ID: r.ID, WorkspaceID: r.WorkspaceID, Hash: r.Hash, Prefix: r.Prefix, CreatedAt: r.CreatedAt.Time, Name: r.Name}
		if r.LastUsedAt != nil {
			out[i].LastUsedAt = &r.LastUsedAt.Time
		}
	}
	return out, nil
}

// APIKeyDelete revokes an API key of the workspace; the UI sessions it
// opened end with it (they are found through the key's hash).
func (s *Store) APIKeyDelete(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&apiKeyRow{})
	if res.Error != nil {
		return fmt.Errorf("delete api key %s: %w", id, translate(res.Error))
	}
	if res.RowsAffected == 0 {
		return errNotFound("api key %s", id)
	}
	return nil
}

// APIKeyTouch records that the key with this hash was used at at, unless a
// use at or after before is recorded already: one write a key per period.
func (s *Store) APIKeyTouch(ctx context.Context, p tripline.APIKeyTouchParams) error {
	err := s.db.WithContext(ctx).Exec("UPDATE api_keys SET last_used_at = ? WHERE hash = ? AND (last_used_at IS NULL OR last_used_at < ?)",
		ts(p.At), p.KeyHash, ts(p.At.Add(-p.Every))).Error
	if err != nil {
		return fmt.Errorf("touch api key: %w", translate(err))
	}
	return nil
}
