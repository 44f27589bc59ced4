package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0002 adds the runtime error record of rules: the last condition
// error, when it happened and how many there were. Its row below is a
// snapshot: do not change it, add a migration.
var migration0002 = &gormigrate.Migration{
	ID: "0002_rule_errors",
	Migrate: func(tx *gorm.DB) error {
		for _, col := range []string{"LastError", "LastErrorAt", "ErrorCount"} {
			if err := tx.Migrator().AddColumn(&m0002Rule{}, col); err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		for _, col := range []string{"last_error", "last_error_at", "error_count"} {
			if err := tx.Migrator().DropColumn(&m0002Rule{}, col); err != nil {
				return err
			}
		}
		return nil
	},
}

type m0002Rule struct {
	LastError   string     `gorm:"type:text;not null;default:''"`
	LastErrorAt *timestamp `gorm:""`
	ErrorCount  int64      `gorm:"not null;default:0"`
}

func (m0002Rule) TableName() string { return "rules" }
