package engine

import (
	"context"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/triggers"
)

// Store is what the ingest Pipeline needs from storage.
type Store interface {
	// IngestInTx runs fn in one write transaction and commits when fn returns nil.
	// If the transaction fails with tripline.ErrConflict (a concurrent writer),
	// the caller may run it again.
	IngestInTx(ctx context.Context, fn func(tx IngestTx) error) error
}

// IngestTx is the storage of one ingest transaction. Every method sees the
// transaction's own writes.
type IngestTx interface {
	// WorkspaceRulesVersion returns a number that changes whenever a folder or
	// rule of the workspace is created, changed or deleted (on any instance).
	WorkspaceRulesVersion(ctx context.Context, workspaceID string) (int64, error)

	// RuleListAll returns every rule and folder of the workspace, to build the
	// rule index.
	RuleListAll(ctx context.Context, workspaceID string) ([]Rule, []Folder, error)

	// EventKeyInsertMany records idempotency keys of inbound events and returns
	// the keys that were already recorded (duplicates), which it leaves as they were.
	EventKeyInsertMany(ctx context.Context, params EventKeyInsertManyParams) (duplicates map[string]bool, err error)

	// ContactGetMany returns the stored contacts among IDs; absent ids are absent.
	ContactGetMany(ctx context.Context, params ContactGetManyParams) (map[string]*triggers.Contact, error)

	// ContactUpsertMany inserts or replaces contacts.
	ContactUpsertMany(ctx context.Context, params ContactUpsertManyParams) error

	// TriggerEventInsertMany stores trigger events.
	TriggerEventInsertMany(ctx context.Context, params TriggerEventInsertManyParams) error

	// EndpointGetMany returns the endpoints among IDs; absent ids are absent.
	// Their secrets are opened only when Secrets is set, and may be empty
	// otherwise.
	EndpointGetMany(ctx context.Context, params EndpointGetManyParams) (map[string]actions.Endpoint, error)

	// DeliveryInsertMany stores new deliveries and their messages.
	DeliveryInsertMany(ctx context.Context, deliveries []actions.NewDelivery) error

	// RuleFireClaim records that a rule fires for a contact at Now, if its
	// frequency allows it: when the rule never fired for the contact, or when it
	// last fired before FiredBefore (a zero FiredBefore: never again). It reports
	// whether the rule may fire. Two concurrent claims for one rule and contact
	// never both succeed.
	RuleFireClaim(ctx context.Context, params RuleFireClaimParams) (bool, error)

	// RuleErrorRecordMany records runtime errors of rule conditions, in one
	// statement: each rule's last_error and last_error_at are set and its
	// error_count grows by Count. It does not change the rules' version or
	// updated_at: an error is not an edit.
	RuleErrorRecordMany(ctx context.Context, params RuleErrorRecordManyParams) error
}

// RuleErrorRecordManyParams are the parameters of IngestTx.RuleErrorRecordMany.
type RuleErrorRecordManyParams struct {
	WorkspaceID string
	At          time.Time
	Errors      []RuleError // one per rule
}

// RuleError is the runtime errors of one rule's condition in one ingest.
type RuleError struct {
	RuleID string
	Error  string // the last one
	Count  int
}

// SimulateStore is the read-only storage a Simulator needs.
type SimulateStore interface {
	// RuleListAll returns every rule and folder of the workspace.
	RuleListAll(ctx context.Context, workspaceID string) ([]Rule, []Folder, error)
	// ContactGetMany returns the stored contacts among IDs.
	ContactGetMany(ctx context.Context, params ContactGetManyParams) (map[string]*triggers.Contact, error)
	// RuleFireGetMany returns when each of the rules last fired for the
	// contact; rules that never fired for it are absent.
	RuleFireGetMany(ctx context.Context, params RuleFireGetManyParams) (map[string]time.Time, error)
}

// RuleFireGetManyParams are the parameters of SimulateStore.RuleFireGetMany.
type RuleFireGetManyParams struct {
	WorkspaceID string
	ContactID   string
	RuleIDs     []string
}

// EventKeyInsertManyParams are the parameters of IngestTx.EventKeyInsertMany.
type EventKeyInsertManyParams struct {
	WorkspaceID string
	Keys        []string // distinct
	Now         time.Time
}

// ContactGetManyParams are the parameters of IngestTx.ContactGetMany.
type ContactGetManyParams struct {
	WorkspaceID string
	IDs         []string
}

// ContactUpsertManyParams are the parameters of IngestTx.ContactUpsertMany.
type ContactUpsertManyParams struct {
	WorkspaceID string
	Contacts    []*triggers.Contact
}

// TriggerEventInsertManyParams are the parameters of IngestTx.TriggerEventInsertMany.
type TriggerEventInsertManyParams struct {
	WorkspaceID string
	Events      []triggers.TriggerEvent
}

// EndpointGetManyParams are the parameters of IngestTx.EndpointGetMany.
type EndpointGetManyParams struct {
	WorkspaceID string
	IDs         []string
	Secrets     bool // open the signing secrets too, for deliveries sent straight from ingest
}

// RuleFireClaimParams are the parameters of IngestTx.RuleFireClaim.
type RuleFireClaimParams struct {
	WorkspaceID string
	RuleID      string
	ContactID   string
	Now         time.Time
	FiredBefore time.Time
}
