package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0007 adds the web UI's sign-in sessions. Its rows below are a
// snapshot: do not change them, add a migration.
var migration0007 = &gormigrate.Migration{
	ID: "0007_ui_sessions",
	Migrate: func(tx *gorm.DB) error {
		return tx.Migrator().CreateTable(&m0007UISession{})
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("ui_sessions")
	},
}

// m0007UISession is a signed-in browser. Only the SHA-256 of the cookie's
// token is stored, like API keys. key_hash names the API key that signed in:
// deleting the key ends its sessions (Store.SessionGet joins api_keys), and
// deleting the workspace deletes them.
type m0007UISession struct {
	TokenHash   string          `gorm:"type:text;not null;primaryKey"`
	WorkspaceID string          `gorm:"type:text;not null;index:ui_sessions_workspace_id_idx"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	KeyHash     string          `gorm:"type:text;not null"`
	CreatedAt   timestamp       `gorm:"not null"`
	ExpiresAt   timestamp       `gorm:"not null;index:ui_sessions_expires_at_idx"`
}

func (m0007UISession) TableName() string { return "ui_sessions" }
