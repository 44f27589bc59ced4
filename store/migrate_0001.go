package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0001 creates the first schema. Its rows below are a snapshot: do
// not change them, add a migration.
var migration0001 = &gormigrate.Migration{
	ID: "0001_initial",
	Migrate: func(tx *gorm.DB) error {
		err := tx.Migrator().CreateTable(
			&m0001Workspace{},
			&m0001APIKey{},
			&m0001Contact{},
			&m0001EventKey{},
			&m0001TriggerEvent{},
			&m0001Folder{},
			&m0001Rule{},
			&m0001RuleFire{},
			&m0001Endpoint{},
			&m0001Delivery{},
			&m0001DeliveryMessage{},
			&m0001Attempt{},
		)
		if err != nil {
			return err
		}
		// Partial indexes, the same SQL on both dialects: the claim query
		// reads the due deliveries in order and stops after its limit; the
		// lease sweep reads only deliveries in flight.
		for _, sql := range []string{
			`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at, id) WHERE status IN ('pending', 'failed')`,
			`CREATE INDEX deliveries_lease_idx ON deliveries (lease_until) WHERE status = 'sending'`,
		} {
			if err := tx.Exec(sql).Error; err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable(
			"attempts", "delivery_messages", "deliveries", "endpoints", "rule_fires",
			"rules", "folders", "trigger_events", "event_keys", "contacts", "api_keys", "workspaces",
		)
	},
}

type m0001Workspace struct {
	ID           string    `gorm:"type:text;not null;primaryKey"`
	Name         string    `gorm:"type:text;not null;uniqueIndex:workspaces_name_key"`
	RulesVersion int64     `gorm:"not null;default:0"`
	CreatedAt    timestamp `gorm:"not null"`
}

func (m0001Workspace) TableName() string { return "workspaces" }

type m0001APIKey struct {
	ID          string          `gorm:"type:text;not null;primaryKey"`
	WorkspaceID string          `gorm:"type:text;not null;index:api_keys_workspace_id_idx"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	Hash        string          `gorm:"type:text;not null;uniqueIndex:api_keys_hash_key"`
	Prefix      string          `gorm:"type:text;not null;default:''"`
	CreatedAt   timestamp       `gorm:"not null"`
}

func (m0001APIKey) TableName() string { return "api_keys" }

type m0001Contact struct {
	WorkspaceID string          `gorm:"type:text;not null;primaryKey"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	ID          string          `gorm:"type:text;not null;primaryKey"`
	State       string          `gorm:"type:text;not null"` // triggers.Contact as JSON
	CreatedAt   timestamp       `gorm:"not null"`
	UpdatedAt   timestamp       `gorm:"not null"`
}

func (m0001Contact) TableName() string { return "contacts" }

type m0001EventKey struct {
	WorkspaceID string          `gorm:"type:text;not null;primaryKey"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	Key         string          `gorm:"type:text;not null;primaryKey"`
	CreatedAt   timestamp       `gorm:"not null"`
}

func (m0001EventKey) TableName() string { return "event_keys" }

type m0001TriggerEvent struct {
	ID          string          `gorm:"type:text;not null;primaryKey;index:trigger_events_workspace_type_idx,priority:3"`
	WorkspaceID string          `gorm:"type:text;not null;index:trigger_events_workspace_type_idx,priority:1"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	Type        string          `gorm:"type:text;not null;index:trigger_events_workspace_type_idx,priority:2"`
	ContactID   string          `gorm:"type:text;not null"`
	Payload     string          `gorm:"type:text;not null"` // triggers.TriggerEvent as JSON
	CreatedAt   timestamp       `gorm:"not null"`
}

func (m0001TriggerEvent) TableName() string { return "trigger_events" }

type m0001Folder struct {
	ID          string          `gorm:"type:text;not null;primaryKey;uniqueIndex:folders_workspace_id_id_key,priority:2"`
	WorkspaceID string          `gorm:"type:text;not null;uniqueIndex:folders_workspace_id_id_key,priority:1"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	Name        string          `gorm:"type:text;not null"`
	Enabled     bool            `gorm:"not null"`
	CreatedAt   timestamp       `gorm:"not null"`
	UpdatedAt   timestamp       `gorm:"not null"`
}

func (m0001Folder) TableName() string { return "folders" }

type m0001Rule struct {
	ID          string          `gorm:"type:text;not null;primaryKey;index:rules_workspace_id_idx,priority:2"`
	WorkspaceID string          `gorm:"type:text;not null;index:rules_workspace_id_idx,priority:1;index:rules_folder_idx,priority:1"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	// FolderID is NULL outside any folder. The key includes workspace_id so a
	// rule cannot sit in another workspace's folder; a folder with rules
	// cannot be deleted.
	FolderID    *string      `gorm:"type:text;index:rules_folder_idx,priority:2"`
	Folder      *m0001Folder `gorm:"foreignKey:WorkspaceID,FolderID;references:WorkspaceID,ID;constraint:OnDelete:RESTRICT"`
	Name        string       `gorm:"type:text;not null"`
	Enabled     bool         `gorm:"not null"`
	TriggerType string       `gorm:"type:text;not null"`
	Trigger     string       `gorm:"type:text;not null"` // engine.Trigger as JSON
	Condition   string       `gorm:"type:text;not null;default:''"`
	Actions     string       `gorm:"type:text;not null"` // []engine.Action as JSON
	Frequency   string       `gorm:"type:text;not null"` // engine.Frequency as JSON
	CreatedAt   timestamp    `gorm:"not null"`
	UpdatedAt   timestamp    `gorm:"not null"`
}

func (m0001Rule) TableName() string { return "rules" }

type m0001RuleFire struct {
	WorkspaceID string          `gorm:"type:text;not null"`
	Workspace   *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	RuleID      string          `gorm:"type:text;not null;primaryKey"`
	Rule        *m0001Rule      `gorm:"foreignKey:RuleID;references:ID;constraint:OnDelete:CASCADE"`
	ContactID   string          `gorm:"type:text;not null;primaryKey"`
	FiredAt     timestamp       `gorm:"not null"`
}

func (m0001RuleFire) TableName() string { return "rule_fires" }

type m0001Endpoint struct {
	ID                 string          `gorm:"type:text;not null;primaryKey;index:endpoints_workspace_id_idx,priority:2"`
	WorkspaceID        string          `gorm:"type:text;not null;index:endpoints_workspace_id_idx,priority:1"`
	Workspace          *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	Name               string          `gorm:"type:text;not null;default:''"`
	URL                string          `gorm:"type:text;not null"`
	Description        string          `gorm:"type:text;not null;default:''"`
	Enabled            bool            `gorm:"not null"`
	DisabledReason     string          `gorm:"type:text;not null;default:''"`
	Secret             string          `gorm:"type:text;not null"` // sealed
	Headers            string          `gorm:"type:text;not null"` // map as JSON
	TimeoutSeconds     int             `gorm:"not null;default:0"`
	RetrySchedule      *string         `gorm:"type:text"` // []int as JSON; NULL for the default
	RateLimitPerSecond int             `gorm:"not null;default:0"`
	MaxInFlight        int             `gorm:"not null;default:0"`
	LegacySignature    bool            `gorm:"not null;default:false"`
	CreatedAt          timestamp       `gorm:"not null"`
	UpdatedAt          timestamp       `gorm:"not null"`
}

func (m0001Endpoint) TableName() string { return "endpoints" }

// m0001Delivery is the queue row: narrow, rewritten by every status change.
// No foreign key to endpoints or rules: the log outlives them.
type m0001Delivery struct {
	ID             string          `gorm:"type:text;not null;primaryKey;index:deliveries_workspace_id_idx,priority:2;index:deliveries_workspace_endpoint_idx,priority:3;index:deliveries_workspace_rule_idx,priority:3;index:deliveries_workspace_contact_idx,priority:3"`
	WorkspaceID    string          `gorm:"type:text;not null;index:deliveries_workspace_id_idx,priority:1;index:deliveries_workspace_endpoint_idx,priority:1;index:deliveries_workspace_rule_idx,priority:1;index:deliveries_workspace_contact_idx,priority:1"`
	Workspace      *m0001Workspace `gorm:"foreignKey:WorkspaceID;references:ID;constraint:OnDelete:CASCADE"`
	EndpointID     string          `gorm:"type:text;not null;index:deliveries_workspace_endpoint_idx,priority:2;index:deliveries_endpoint_status_idx,priority:1"`
	RuleID         string          `gorm:"type:text;not null;default:'';index:deliveries_workspace_rule_idx,priority:2"`
	TriggerEventID string          `gorm:"type:text;not null;default:''"`
	Event          string          `gorm:"type:text;not null;default:''"`
	ContactID      string          `gorm:"type:text;not null;default:'';index:deliveries_workspace_contact_idx,priority:2"`
	Status         string          `gorm:"type:text;not null;index:deliveries_endpoint_status_idx,priority:2"`
	AttemptCount   int             `gorm:"not null;default:0"`
	NextAttemptAt  *int64          // Unix ms; see deliveries_due_idx
	LastStatusCode int             `gorm:"not null;default:0"`
	LastError      string          `gorm:"type:text;not null;default:''"`
	CreatedAt      timestamp       `gorm:"not null"`
	DeliveredAt    *timestamp
	ClaimedBy      *string `gorm:"type:text"`
	LeaseUntil     *int64  // Unix ms
}

func (m0001Delivery) TableName() string { return "deliveries" }

// m0001DeliveryMessage is written once with its delivery and never updated.
type m0001DeliveryMessage struct {
	DeliveryID string         `gorm:"type:text;not null;primaryKey"`
	Delivery   *m0001Delivery `gorm:"foreignKey:DeliveryID;references:ID;constraint:OnDelete:CASCADE"`
	Payload    string         `gorm:"type:text;not null"` // the body, byte for byte
	Headers    string         `gorm:"type:text;not null"` // map as JSON
}

func (m0001DeliveryMessage) TableName() string { return "delivery_messages" }

type m0001Attempt struct {
	ID              string         `gorm:"type:text;not null;primaryKey"`
	DeliveryID      string         `gorm:"type:text;not null;index:attempts_delivery_id_idx"`
	Delivery        *m0001Delivery `gorm:"foreignKey:DeliveryID;references:ID;constraint:OnDelete:CASCADE"`
	At              timestamp      `gorm:"not null"`
	DurationMS      int64          `gorm:"column:duration_ms;not null;default:0"`
	StatusCode      int            `gorm:"not null;default:0"`
	ResponseHeaders string         `gorm:"type:text;not null"` // map as JSON
	ResponseBody    string         `gorm:"type:text;not null;default:''"`
	Error           string         `gorm:"type:text;not null;default:''"`
}

func (m0001Attempt) TableName() string { return "attempts" }
