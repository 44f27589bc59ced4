package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0005 adds REST-hook subscriptions and the index that erasing a
// contact needs. Its rows below are a snapshot: do not change them, add a migration.
var migration0005 = &gormigrate.Migration{
	ID: "0005_hooks",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.Migrator().CreateTable(&m0005Hook{}); err != nil {
			return err
		}
		// Erasing a contact (GDPR) finds its trigger events by contact.
		// (Contact lists filter while walking the primary key: no index; see
		// Store.ContactList and docs/contacts.md.)
		return tx.Exec(`CREATE INDEX trigger_events_workspace_contact_idx ON trigger_events (workspace_id, contact_id)`).Error
	},
	Rollback: func(tx *gorm.DB) error {
		if err := tx.Exec(`DROP INDEX IF EXISTS trigger_events_workspace_contact_idx`).Error; err != nil {
			return err
		}
		return tx.Migrator().DropTable("hooks")
	},
}

// m0005Hook is a REST-hook subscription: the rule and endpoint it manages
// are deleted with it (by the store, in one transaction), so no foreign key
// cascades from them; rule_id and endpoint_id are unique, which both finds
// the hook of a rule or endpoint and keeps one hook per rule and endpoint.
type m0005Hook struct {
	ID          string          `gorm:"type:text;not null;primaryKey;index:hooks_workspace_id_idx,priority:2"`
	WorkspaceID string          `gorm:"type:text;not null;index:hooks_workspace_id_idx,priority:1"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	RuleID      string          `gorm:"type:text;not null;uniqueIndex:hooks_rule_id_key"`
	EndpointID  string          `gorm:"type:text;not null;uniqueIndex:hooks_endpoint_id_key"`
	TargetURL   string          `gorm:"type:text;not null"`
	Event       string          `gorm:"type:text;not null"`
	CreatedAt   timestamp       `gorm:"not null"`
}

func (m0005Hook) TableName() string { return "hooks" }
