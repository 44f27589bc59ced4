package store

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
)

type uiSessionRow struct {
	TokenHash   string
	WorkspaceID string
	KeyHash     string
	CreatedAt   timestamp
	ExpiresAt   timestamp
}

func (uiSessionRow) TableName() string { return "ui_sessions" }

// SessionInsert implements api.SessionStore.
func (s *Store) SessionInsert(ctx context.Context, session api.Session) error {
	row := uiSessionRow{
		TokenHash: session.TokenHash, WorkspaceID: session.WorkspaceID, KeyHash: session.KeyHash,
		CreatedAt: ts(session.CreatedAt), ExpiresAt: ts(session.ExpiresAt),
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// Signing in is rare: it is when expired sessions are swept.
		if err := tx.Where("expires_at <= ?", ts(session.CreatedAt)).Delete(&uiSessionRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("insert session: %w", translate(err))
	}
	return nil
}

// SessionGet implements api.SessionStore.
func (s *Store) SessionGet(ctx context.Context, tokenHash string, now time.Time) (api.Session, engine.Workspace, error) {
	var row struct {
		TokenHash, WorkspaceID, KeyHash, Name, Timezone string
		RequireHTTPS                                    bool `gorm:"column:require_https"`
		CreatedAt, ExpiresAt, WorkspaceCreatedAt        timestamp
	}
	err := s.read.WithContext(ctx).Table("ui_sessions").
		Select("ui_sessions.*, workspaces.name, workspaces.timezone, workspaces.require_https, workspaces.created_at AS workspace_created_at").
		Joins("JOIN workspaces ON workspaces.id = ui_sessions.workspace_id").
		Joins("JOIN api_keys ON api_keys.hash = ui_sessions.key_hash AND api_keys.workspace_id = ui_sessions.workspace_id").
		Where("ui_sessions.token_hash = ? AND ui_sessions.expires_at > ?", tokenHash, ts(now)).
		Take(&row).Error
	if err != nil {
		return api.Session{}, engine.Workspace{}, notFound(err, "session")
	}
	r := row
	return api.Session{
			TokenHash: r.TokenHash, WorkspaceID: r.WorkspaceID, KeyHash: r.KeyHash,
			CreatedAt: r.CreatedAt.Time, ExpiresAt: r.ExpiresAt.Time,
		}, engine.Workspace{
			ID: r.WorkspaceID, Name: row.Name, CreatedAt: row.WorkspaceCreatedAt.Time, Timezone: cmp.Or(row.Timezone, "UTC"), RequireHTTPS: row.RequireHTTPS,
		}, nil
}

// SessionDelete implements api.SessionStore.
func (s *Store) SessionDelete(ctx context.Context, tokenHash string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Where("token_hash = ?", tokenHash).Delete(&uiSessionRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", translate(err))
	}
	return nil
}
