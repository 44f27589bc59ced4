package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0016 gives API keys a name and the time they were last used, for
// the key list of the settings page (GET /v1/keys).
var migration0016 = &gormigrate.Migration{
	ID: "0016_api_keys",
	Migrate: func(tx *gorm.DB) error {
		m := tx.Migrator()
		for _, col := range []string{"Name", "LastUsedAt"} {
			if err := m.AddColumn(&m0016APIKey{}, col); err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		// ALTER TABLE … DROP COLUMN: the migrator's DropColumn rebuilds the
		// table on SQLite and loses its indexes.
		for _, col := range []string{"name", "last_used_at"} {
			if err := tx.Exec("ALTER TABLE api_keys DROP COLUMN " + col).Error; err != nil {
				return err
			}
		}
		return nil
	},
}

// m0016APIKey is the columns migration 0016 adds to api_keys (a snapshot: do
// not change it, add a migration).
type m0016APIKey struct {
	Name       string `gorm:"type:text;not null;default:''"`
	LastUsedAt *timestamp
}

func (m0016APIKey) TableName() string { return "api_keys" }
