package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0012 adds inbound sources (SPEC section 13), their request log,
// and the source of each trigger event, which the delivery log filters by
// (GET /v1/deliveries?source_id=). Its rows below are a snapshot: do not
// change them, add a migration.
var migration0012 = &gormigrate.Migration{
	ID: "0012_sources",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.Migrator().CreateTable(&m0012Source{}, &m0012SourceRequest{}); err != nil {
			return err
		}
		// A constant default: neither Postgres (11+) nor SQLite rewrites
		// the table to add it.
		if err := tx.Exec(`ALTER TABLE trigger_events ADD COLUMN source_id text NOT NULL DEFAULT ''`).Error; err != nil {
			return err
		}
		// Partial: events of POST /v1/events, the most, pay nothing for it.
		return tx.Exec(`CREATE INDEX trigger_events_source_idx ON trigger_events (source_id, id) WHERE source_id <> ''`).Error
	},
	Rollback: func(tx *gorm.DB) error {
		if err := tx.Exec(`DROP INDEX IF EXISTS trigger_events_source_idx`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`ALTER TABLE trigger_events DROP COLUMN source_id`).Error; err != nil {
			return err
		}
		return tx.Migrator().DropTable("source_requests", "sources")
	},
}

// m0012Source is an inbound source. token_hash is the SHA-256 of its ingest
// token (the token is never stored), unique: POST /in/{token} finds the
// source by it. verify holds the scheme, header, encoding and prefix as
// JSON (null: unsigned); secret the signing secret, sealed like endpoint
// secrets. mapping is a custom source's mapping as written; null for the
// built-in kinds.
type m0012Source struct {
	ID          string          `gorm:"type:text;not null;primaryKey;index:sources_workspace_id_idx,priority:2"`
	WorkspaceID string          `gorm:"type:text;not null;index:sources_workspace_id_idx,priority:1"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	Name        string          `gorm:"type:text;not null"`
	Kind        string          `gorm:"type:text;not null"`
	Verify      *string         `gorm:"type:text"`
	Secret      string          `gorm:"type:text;not null;default:''"`
	Mapping     *string         `gorm:"type:text"`
	Enabled     bool            `gorm:"not null"`
	Token       string          `gorm:"type:text;not null"` // sealed, to show ingest_url again
	TokenHash   string          `gorm:"type:text;not null;uniqueIndex:sources_token_hash_key"`
	CreatedAt   timestamp       `gorm:"not null"`
	UpdatedAt   timestamp       `gorm:"not null"`
}

func (m0012Source) TableName() string { return "sources" }

// m0012SourceRequest is one inbound request of a source, kept for
// debugging: the last 100 per source, under retention (by the time in its
// id), erased with its contact. It never holds the signature header.
type m0012SourceRequest struct {
	ID            string       `gorm:"type:text;not null;primaryKey;index:source_requests_source_idx,priority:2"`
	WorkspaceID   string       `gorm:"type:text;not null;index:source_requests_contact_idx,priority:1"`
	SourceID      string       `gorm:"type:text;not null;index:source_requests_source_idx,priority:1"`
	Source        *m0012Source `gorm:"foreignKey:SourceID;references:ID;constraint:OnDelete:CASCADE"`
	ReceivedAt    timestamp    `gorm:"not null"`
	Status        int          `gorm:"not null"`
	Outcome       string       `gorm:"type:text;not null"`
	EventName     string       `gorm:"type:text;not null"`
	ContactID     string       `gorm:"type:text;not null;index:source_requests_contact_idx,priority:2"`
	Detail        string       `gorm:"type:text;not null"`
	Problems      string       `gorm:"type:text;not null"` // JSON array
	TriggerEvents string       `gorm:"type:text;not null"` // JSON array of ids
	Headers       string       `gorm:"type:text;not null"` // JSON object
	Body          string       `gorm:"type:text;not null"`
}

func (m0012SourceRequest) TableName() string { return "source_requests" }
