package api

import (
	"context"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// Store is what the HTTP handlers need from storage. Every method is scoped to
// a workspace: an object of another workspace is tripline.ErrNotFound. Lists
// return at most Limit items after Cursor (an id; "" for the first page) and are
// ordered by id: ascending for folders, rules and endpoints, descending (newest
// first) for deliveries.
type Store interface {
	WorkspaceGetByAPIKey(ctx context.Context, keyHash string) (engine.Workspace, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error

	FolderList(ctx context.Context, params ListParams) ([]engine.Folder, error)
	FolderGet(ctx context.Context, workspaceID, id string) (engine.Folder, error)
	FolderInsert(ctx context.Context, folder engine.Folder) error
	FolderUpdate(ctx context.Context, folder engine.Folder) error
	// FolderDelete deletes an empty folder; one that still holds rules is
	// tripline.ErrConflict.
	FolderDelete(ctx context.Context, workspaceID, id string) error

	RuleList(ctx context.Context, params RuleListParams) ([]engine.Rule, error)
	RuleGet(ctx context.Context, workspaceID, id string) (engine.Rule, error)
	RuleInsert(ctx context.Context, rule engine.Rule) error
	RuleUpdate(ctx context.Context, rule engine.Rule) error
	RuleDelete(ctx context.Context, workspaceID, id string) error

	// Endpoint methods return secrets decrypted.
	EndpointList(ctx context.Context, params ListParams) ([]actions.Endpoint, error)
	EndpointGet(ctx context.Context, workspaceID, id string) (actions.Endpoint, error)
	EndpointInsert(ctx context.Context, endpoint actions.Endpoint) error
	EndpointUpdate(ctx context.Context, endpoint actions.Endpoint) error
	// EndpointDelete deletes an endpoint that no rule uses; one still used is
	// tripline.ErrConflict. Its deliveries are kept.
	EndpointDelete(ctx context.Context, workspaceID, id string) error
	// EndpointStats counts an endpoint's deliveries by status.
	EndpointStats(ctx context.Context, workspaceID, id string) (map[actions.Status]int, error)

	DeliveryList(ctx context.Context, params DeliveryListParams) ([]actions.Delivery, error)
	// DeliveryGet returns a delivery with its message and attempts, oldest first.
	DeliveryGet(ctx context.Context, workspaceID, id string) (actions.Delivery, actions.Message, []actions.Attempt, error)
	// DeliveryStats counts the deliveries created in [Since, Until) by the
	// UTC hour of their creation and their status, ordered by hour then
	// status; hours without deliveries are left out.
	DeliveryStats(ctx context.Context, params DeliveryStatsParams) ([]DeliveryHourCount, error)

	HookStore
	IntegrationStore
	OpsStore
	WorkspaceStore
	EndpointStatsStore
	SessionStore
	SourceStore
	ActivityStore
	KeyStore

	// The read-only methods of POST /v1/simulate (rules and folders,
	// contacts, last fires); they write nothing.
	engine.SimulateStore
}

// ListParams select one page of a list.
type ListParams struct {
	WorkspaceID string
	Limit       int
	Cursor      string
}

// RuleListParams select one page of rules.
type RuleListParams struct {
	ListParams
	FolderID string // "" for all
}

// DeliveryListParams select one page of deliveries; empty filters match all.
type DeliveryListParams struct {
	ListParams
	EndpointID string
	RuleID     string
	ContactID  string
	Event      string
	Status     actions.Status
	Since      time.Time // created at or after; zero for all
	SourceID   string    // deliveries of trigger events from this inbound source
	// TriggerEventID: the deliveries one trigger event made. Set ContactID
	// beside it (the event's contact): the list walks that contact's index.
	TriggerEventID string
}

// DeliveryStatsParams select the deliveries GET /v1/deliveries/stats
// counts; empty filters match all.
type DeliveryStatsParams struct {
	WorkspaceID string
	EndpointID  string
	RuleID      string
	Since       time.Time // created at or after
	Until       time.Time // created before
}

// DeliveryHourCount is how many deliveries of one status were created in
// one hour.
type DeliveryHourCount struct {
	Hour   time.Time // UTC, on the hour
	Status actions.Status
	Count  int
}

// HookStore is what the REST-hook and contact handlers need from storage; it
// is part of Store. Hooks are ordered by id, ascending; contacts by id,
// ascending.
type HookStore interface {
	// HookInsert stores a hook with the rule and endpoint it manages, in one
	// transaction.
	HookInsert(ctx context.Context, params HookInsertParams) error
	HookList(ctx context.Context, params ListParams) ([]Hook, error)
	// HookFind returns the hook that manages a rule or an endpoint (set one
	// of RuleID and EndpointID), or tripline.ErrNotFound.
	HookFind(ctx context.Context, params HookFindParams) (Hook, error)
	// HookDelete deletes a hook with its rule and endpoint; the endpoint's
	// unsent deliveries are discarded, the others kept for the log.
	HookDelete(ctx context.Context, workspaceID, id string) error
	// HookDeleteByEndpoint deletes the hook that manages an endpoint, as
	// HookDelete does; tripline.ErrNotFound when no hook manages it.
	HookDeleteByEndpoint(ctx context.Context, workspaceID, endpointID string) error

	// TriggerEventListRecent returns the workspace's most recent stored
	// trigger events of one type, newest first, leaving out erased ones.
	TriggerEventListRecent(ctx context.Context, params TriggerEventListParams) ([]triggers.TriggerEvent, error)

	ContactList(ctx context.Context, params ContactListParams) ([]triggers.Contact, error)
	ContactGet(ctx context.Context, workspaceID, id string) (triggers.Contact, error)
	// ContactErase erases a contact (GDPR): its state, its trigger events'
	// payloads, its deliveries' payloads and headers and their attempts'
	// response headers and bodies. Delivery metadata is kept; deliveries not
	// yet sent are discarded. Erasing an unknown or erased contact is no error.
	ContactErase(ctx context.Context, workspaceID, id string) error
}

// Hook is a REST-hook subscription (Zapier, Make): a rule and an endpoint
// that Tripline manages for the subscriber.
type Hook struct {
	ID          string
	WorkspaceID string
	RuleID      string
	EndpointID  string
	TargetURL   string
	Event       string // a trigger type
	Condition   string // the rule's condition, filled by HookList
	CreatedAt   time.Time
}

// HookInsertParams are a new hook, its rule and its endpoint.
type HookInsertParams struct {
	Hook     Hook
	Rule     engine.Rule
	Endpoint actions.Endpoint
}

// HookFindParams name a rule or an endpoint of a workspace.
type HookFindParams struct {
	WorkspaceID string
	RuleID      string
	EndpointID  string
}

// TriggerEventListParams select recent trigger events of one type.
type TriggerEventListParams struct {
	WorkspaceID string
	Type        string
	Limit       int
}

// ContactListParams select one page of contacts; empty filters match all.
type ContactListParams struct {
	ListParams
	Tag string // contacts that have this tag
	// Query: contacts whose id, name, email or phone contains this text,
	// ignoring case.
	Query string
	// FieldPath and Value: contacts whose field has this value, compared as
	// text (a JSON string unquoted; a number, true or false as written).
	// FieldPath is a top-level field ["email"] or a custom field
	// ["custom_fields", "budget"]; its names hold no quotes or dots.
	FieldPath []string
	Value     string
}

// OpsStore is the part of Store behind the delivery operations: enable,
// discard, redeliver, recover and secret rotation. A delivery or endpoint in
// a state the operation does not apply to is a *StateError.
type OpsStore interface {
	// EndpointEnable enables an endpoint, clears its disabled reason and
	// restarts its failure streaks; in the same transaction its paused
	// deliveries become due at once, or discarded when DiscardPaused.
	EndpointEnable(ctx context.Context, params EndpointEnableParams) (actions.Endpoint, error)
	// EndpointRotateSecret replaces the endpoint's secret with Secret; the
	// old one signs beside it until PreviousExpiresAt (nil: not at all).
	EndpointRotateSecret(ctx context.Context, params EndpointRotateSecretParams) (actions.Endpoint, error)
	// EndpointRecover re-queues the endpoint's deliveries created at or
	// after Since whose status is among Statuses, as DeliveryRedeliver does
	// each, and returns how many. Those whose payload retention deleted are
	// left as they are.
	EndpointRecover(ctx context.Context, params EndpointRecoverParams) (int, error)
	// DeliveryRedeliver starts a new series of attempts for a delivery,
	// whatever its status but sending: attempt_count 0, status pending, due
	// Now (paused when its endpoint is disabled). Its id, the webhook-id,
	// and its attempts so far are kept.
	DeliveryRedeliver(ctx context.Context, params DeliveryOpParams) (actions.Delivery, error)
	// DeliveryDiscard gives up a pending, failed or paused delivery.
	DeliveryDiscard(ctx context.Context, params DeliveryOpParams) (actions.Delivery, error)
}

// StateError says why an object's state refuses an operation; it is
// answered 409 with Detail.
type StateError struct{ Detail string }

func (e *StateError) Error() string { return e.Detail }

// EndpointEnableParams are the parameters of OpsStore.EndpointEnable.
type EndpointEnableParams struct {
	WorkspaceID   string
	ID            string
	DiscardPaused bool
	Now           time.Time
}

// EndpointRotateSecretParams are the parameters of OpsStore.EndpointRotateSecret.
type EndpointRotateSecretParams struct {
	WorkspaceID       string
	ID                string
	Secret            string
	PreviousExpiresAt *time.Time
	Now               time.Time
}

// EndpointRecoverParams are the parameters of OpsStore.EndpointRecover.
type EndpointRecoverParams struct {
	WorkspaceID string
	ID          string
	Since       time.Time
	Statuses    []actions.Status
	Now         time.Time
}

// DeliveryOpParams name one delivery for OpsStore operations.
type DeliveryOpParams struct {
	WorkspaceID string
	ID          string
	Now         time.Time
}

// SessionStore keeps the web UI's sign-in sessions; it is part of Store.
type SessionStore interface {
	// SessionInsert stores a new session and deletes the expired ones.
	SessionInsert(ctx context.Context, session Session) error
	// SessionGet returns the session of a token hash with its workspace. An
	// unknown or expired session, or one whose API key was deleted, is
	// tripline.ErrNotFound.
	SessionGet(ctx context.Context, tokenHash string, now time.Time) (Session, engine.Workspace, error)
	// SessionDelete ends a session; an unknown one is no error.
	SessionDelete(ctx context.Context, tokenHash string) error
}

// Session is a browser signed in to the web UI with an API key. Only hashes
// of the cookie's token and of the key are kept.
type Session struct {
	TokenHash   string
	WorkspaceID string
	KeyHash     string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// ActivityStore is the part of Store behind the activity pages (GET
// /v1/trigger-events): stored trigger events, newest first, and the
// contact search of GET /v1/contacts?q=.
type ActivityStore interface {
	// TriggerEventList returns one page of the workspace's trigger events,
	// newest first (by id, descending), erased ones included as Erased.
	TriggerEventList(ctx context.Context, params TriggerEventPageParams) ([]StoredTriggerEvent, error)
	// TriggerEventGet returns one stored trigger event, or tripline.ErrNotFound.
	TriggerEventGet(ctx context.Context, workspaceID, id string) (StoredTriggerEvent, error)
}

// TriggerEventPageParams select one page of trigger events; empty filters
// match all.
type TriggerEventPageParams struct {
	ListParams
	Types     []string // of these trigger types; nil for all
	ContactID string
	// Source matches the id or the name of the source (SPEC section 13) the
	// trigger event came through.
	Source string
}

// StoredTriggerEvent is a trigger event as stored: the event (only its id,
// type and contact id once erased) and when it was stored.
type StoredTriggerEvent struct {
	Event     triggers.TriggerEvent
	Erased    bool
	CreatedAt time.Time
}
