package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0006 adds the due times of datetime_based_trigger rules: one row
// per (rule, contact), written when a contact's date field or a rule changes
// and claimed by the scheduler. Deleting the rule, the contact or the
// workspace deletes its rows. Its rows below are a snapshot: do not change
// them, add a migration.
var migration0006 = &gormigrate.Migration{
	ID: "0006_datetime_due",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.Migrator().CreateTable(&m0006DatetimeDue{}); err != nil {
			return err
		}
		// The claim reads pending rows in due order and stops at its limit.
		return tx.Exec(`CREATE INDEX datetime_due_pending_idx ON datetime_due (due_at) WHERE state = 'pending'`).Error
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("datetime_due")
	},
}

type m0006DatetimeDue struct {
	WorkspaceID string          `gorm:"type:text;not null;index:datetime_due_contact_idx,priority:1"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	RuleID      string          `gorm:"type:text;not null;primaryKey"`
	Rule        *m0001Rule      `gorm:"foreignKey:RuleID;references:ID;constraint:OnDelete:CASCADE"`
	ContactID   string          `gorm:"type:text;not null;primaryKey;index:datetime_due_contact_idx,priority:2"`
	Contact     *m0001Contact   `gorm:"foreignKey:WorkspaceID,ContactID;references:WorkspaceID,ID;constraint:OnDelete:CASCADE"`
	ValueHash   string          `gorm:"type:text;not null"` // engine.DatetimeValueHash of the field value
	DueAt       int64           `gorm:"not null"`           // Unix ms
	State       string          `gorm:"type:text;not null"` // pending or fired
	ClaimedBy   *string         `gorm:"type:text"`
	LeaseUntil  *int64          // Unix ms
	FiredAt     *timestamp
	CreatedAt   timestamp `gorm:"not null"`
}

func (m0006DatetimeDue) TableName() string { return "datetime_due" }
