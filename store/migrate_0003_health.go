package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0003 adds endpoint health (the failure streaks and the last
// success, which decide auto-disable), the previous secret of a rotation,
// and the indexes the retention job deletes by.
var migration0003 = &gormigrate.Migration{
	ID: "0003_endpoint_health",
	Migrate: func(tx *gorm.DB) error {
		m := tx.Migrator()
		for _, col := range []string{"FailureStreak", "ConsecutiveDead", "LastSuccessAt", "PreviousSecret", "PreviousSecretExpiresAt"} {
			if err := m.AddColumn(&m0003Endpoint{}, col); err != nil {
				return err
			}
		}
		for _, sql := range []string{
			`CREATE INDEX attempts_at_idx ON attempts (at)`,
			`CREATE INDEX trigger_events_created_at_idx ON trigger_events (created_at)`,
			`CREATE INDEX deliveries_created_at_idx ON deliveries (created_at)`,
		} {
			if err := tx.Exec(sql).Error; err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		m := tx.Migrator()
		for _, idx := range []string{"attempts_at_idx", "trigger_events_created_at_idx", "deliveries_created_at_idx"} {
			if err := tx.Exec("DROP INDEX IF EXISTS " + idx).Error; err != nil {
				return err
			}
		}
		for _, col := range []string{"FailureStreak", "ConsecutiveDead", "LastSuccessAt", "PreviousSecret", "PreviousSecretExpiresAt"} {
			if err := m.DropColumn(&m0003Endpoint{}, col); err != nil {
				return err
			}
		}
		return nil
	},
}

// m0003Endpoint is the columns migration 0003 adds to endpoints (a snapshot:
// do not change it, add a migration).
type m0003Endpoint struct {
	// FailureStreak counts failed attempts since the last success.
	FailureStreak int `gorm:"not null;default:0"`
	// ConsecutiveDead counts deliveries that died since the last success;
	// at 5 the endpoint is disabled.
	ConsecutiveDead int `gorm:"not null;default:0"`
	LastSuccessAt   *timestamp
	// PreviousSecret is the secret a rotation replaced, sealed; it signs
	// beside the new one until PreviousSecretExpiresAt.
	PreviousSecret          string `gorm:"type:text;not null;default:''"`
	PreviousSecretExpiresAt *timestamp
}

func (m0003Endpoint) TableName() string { return "endpoints" }
