package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tripline/tripline"
	"gorm.io/gorm"
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
func (s *Store) SessionInsert(ctx context.Context, session tripline.Session) error {
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
func (s *Store) SessionGet(ctx context.Context, tokenHash string, now time.Time) (tripline.Session, tripline.Workspace, error) {
	var row struct {
		TokenHash, WorkspaceID, KeyHash, Name    string
		CreatedAt, ExpiresAt, WorkspaceCreatedAt timestamp
		Timezone                                 string
		RequireHTTPS                             bool `gorm:"column:require_https"`
	}
	err := s.read.WithContext(ctx).Table("ui_sessions").
		Select("ui_sessions.*, workspaces.name, workspaces.created_at AS workspace_created_at, workspaces.timezone, workspaces.require_https").
		Joins("JOIN workspaces ON workspaces.id = ui_sessions.workspace_id").
		Joins("JOIN api_keys ON api_keys.hash = ui_sessions.key_hash AND api_keys.workspace_id = ui_sessions.workspace_id").
		Where("ui_sessions.token_hash = ? AND ui_sessions.expires_at > ?", tokenHash, ts(now)).
		Take(&row).Error
	if err != nil {
		return tripline.Session{}, tripline.Workspace{}, notFound(err, "session")
	}
	r := row
	ws := workspaceRow{ID: r.WorkspaceID, Name: r.Name, CreatedAt: r.WorkspaceCreatedAt, Timezone: r.Timezone, RequireHTTPS: r.RequireHTTPS}
	return tripline.Session{
		TokenHash: r.TokenHash, WorkspaceID: r.WorkspaceID, KeyHash: r.KeyHash,
		CreatedAt: r.CreatedAt.Time, ExpiresAt: r.ExpiresAt.Time,
	}, ws.domain(), nil
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
