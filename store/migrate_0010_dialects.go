package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0010 adds the workspace settings (time zone, HTTPS only) and the
// endpoint settings of the platform dialects (SPEC sections 11 and 12): the
// signature schemes, when to disable after failures, and the times of the
// last attempt and the last failure shown in endpoint lists.
var migration0010 = &gormigrate.Migration{
	ID: "0010_dialects",
	Migrate: func(tx *gorm.DB) error {
		m := tx.Migrator()
		for _, col := range m0010WorkspaceColumns {
			if err := m.AddColumn(&m0010Workspace{}, col); err != nil {
				return err
			}
		}
		for _, col := range m0010EndpointColumns {
			if err := m.AddColumn(&m0010Endpoint{}, col); err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		// ALTER TABLE … DROP COLUMN, not the migrator's DropColumn: on SQLite
		// that rebuilds the table and loses its indexes.
		for table, cols := range map[string][]string{
			"endpoints":  {"signatures", "disable_after_failures", "disable_after_counting", "last_attempt_at", "last_failure_at"},
			"workspaces": {"timezone", "require_https"},
		} {
			for _, col := range cols {
				if err := tx.Exec("ALTER TABLE " + table + " DROP COLUMN " + col).Error; err != nil {
					return err
				}
			}
		}
		return nil
	},
}

var (
	m0010WorkspaceColumns = []string{"Timezone", "RequireHTTPS"}
	m0010EndpointColumns  = []string{"Signatures", "DisableAfterFailures", "DisableAfterCounting", "LastAttemptAt", "LastFailureAt"}
)

// m0010Workspace is the columns migration 0010 adds to workspaces (a
// snapshot: do not change it, add a migration).
type m0010Workspace struct {
	// Timezone is the workspace's IANA time zone.
	Timezone string `gorm:"type:text;not null;default:'UTC'"`
	// RequireHTTPS refuses http:// endpoint URLs.
	RequireHTTPS bool `gorm:"column:require_https;not null;default:false"`
}

func (m0010Workspace) TableName() string { return "workspaces" }

// m0010Endpoint is the columns migration 0010 adds to endpoints (a snapshot).
type m0010Endpoint struct {
	// Signatures is the JSON list of signature schemes; NULL is the
	// default (Standard Webhooks, and the legacy header when
	// legacy_signature is set).
	Signatures *string `gorm:"type:text"`
	// DisableAfterFailures and DisableAfterCounting: disabled after that
	// many failures in a row, counting failed attempts or dead deliveries.
	DisableAfterFailures int    `gorm:"not null;default:5"`
	DisableAfterCounting string `gorm:"type:text;not null;default:'dead_deliveries'"`
	LastAttemptAt        *timestamp
	LastFailureAt        *timestamp
}

func (m0010Endpoint) TableName() string { return "endpoints" }
