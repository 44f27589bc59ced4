package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0005 adds REST-hook subscriptions and the indexes the contacts API
// needs. Its rows below are a snapshot: do not change them, add a migration.
var migration0005 = &gormigrate.Migration{
	ID: "0005_hooks",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.Migrator().CreateTable(&m0005Hook{}); err != nil {
			return err
		}
		// Erasing a contact (GDPR) finds its trigger events by contact.
		sqls := []string{`CREATE INDEX trigger_events_workspace_contact_idx ON trigger_events (workspace_id, contact_id)`}
		if tx.Dialector.Name() == "postgres" {
			// GET /v1/contacts?tag= on Postgres: a GIN index on the tag array
			// of the JSON state, used by the query's @> containment test.
			// SQLite has no such index; there the query walks the workspace's
			// contacts in id order and stops when a page is full.
			sqls = append(sqls, `CREATE INDEX contacts_tags_idx ON contacts USING gin (((state::jsonb) -> 'tags'))`)
		}
		for _, sql := range sqls {
			if err := tx.Exec(sql).Error; err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec(`DROP INDEX IF EXISTS contacts_tags_idx`).Error; err != nil {
				return err
			}
		}
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
