package api

import (
	"context"
	"time"

	"github.com/tripline/tripline"
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
	WorkspaceGetByAPIKey(ctx context.Context, keyHash string) (tripline.Workspace, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error

	FolderList(ctx context.Context, params tripline.ListParams) ([]engine.Folder, error)
	FolderGet(ctx context.Context, workspaceID, id string) (engine.Folder, error)
	FolderInsert(ctx context.Context, folder engine.Folder) error
	FolderUpdate(ctx context.Context, folder engine.Folder) error
	// FolderDelete deletes an empty folder; one that still holds rules is
	// tripline.ErrConflict.
	FolderDelete(ctx context.Context, workspaceID, id string) error

	RuleList(ctx context.Context, params tripline.RuleListParams) ([]engine.Rule, error)
	RuleGet(ctx context.Context, workspaceID, id string) (engine.Rule, error)
	RuleInsert(ctx context.Context, rule engine.Rule) error
	RuleUpdate(ctx context.Context, rule engine.Rule) error
	RuleDelete(ctx context.Context, workspaceID, id string) error

	// Endpoint methods return secrets decrypted.
	EndpointList(ctx context.Context, params tripline.ListParams) ([]actions.Endpoint, error)
	EndpointGet(ctx context.Context, workspaceID, id string) (actions.Endpoint, error)
	EndpointInsert(ctx context.Context, endpoint actions.Endpoint) error
	EndpointUpdate(ctx context.Context, endpoint actions.Endpoint) error
	// EndpointDelete deletes an endpoint that no rule uses; one still used is
	// tripline.ErrConflict. Its deliveries are kept.
	EndpointDelete(ctx context.Context, workspaceID, id string) error
	// EndpointStats counts an endpoint's deliveries by status.
	EndpointStats(ctx context.Context, workspaceID, id string) (map[actions.Status]int, error)

	DeliveryList(ctx context.Context, params actions.DeliveryListParams) ([]actions.Delivery, error)
	// DeliveryGet returns a delivery with its message and attempts, oldest first.
	DeliveryGet(ctx context.Context, workspaceID, id string) (actions.Delivery, actions.Message, []actions.Attempt, error)
	// DeliveryStats counts the deliveries created in [Since, Until) by the
	// UTC hour of their creation and their status, ordered by hour then
	// status; hours without deliveries are left out.
	DeliveryStats(ctx context.Context, params actions.DeliveryStatsParams) ([]actions.DeliveryHourCount, error)

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

// HookStore is what the REST-hook and contact handlers need from storage; it
// is part of Store. Hooks are ordered by id, ascending; contacts by id,
// ascending.
type HookStore interface {
	// HookInsert stores a hook with the rule and endpoint it manages, in one
	// transaction.
	HookInsert(ctx context.Context, hook tripline.Hook, rule engine.Rule, endpoint actions.Endpoint) error
	HookList(ctx context.Context, params tripline.ListParams) ([]tripline.Hook, error)
	// HookFind returns the hook that manages a rule or an endpoint (set one
	// of RuleID and EndpointID), or tripline.ErrNotFound.
	HookFind(ctx context.Context, params tripline.HookFindParams) (tripline.Hook, error)
	// HookDelete deletes a hook with its rule and endpoint; the endpoint's
	// unsent deliveries are discarded, the others kept for the log.
	HookDelete(ctx context.Context, workspaceID, id string) error
	// HookDeleteByEndpoint deletes the hook that manages an endpoint, as
	// HookDelete does; tripline.ErrNotFound when no hook manages it.
	HookDeleteByEndpoint(ctx context.Context, workspaceID, endpointID string) error

	// TriggerEventListRecent returns the workspace's most recent stored
	// trigger events of one type, newest first, leaving out erased ones.
	TriggerEventListRecent(ctx context.Context, params tripline.TriggerEventListParams) ([]triggers.TriggerEvent, error)

	ContactList(ctx context.Context, params tripline.ContactListParams) ([]triggers.Contact, error)
	ContactGet(ctx context.Context, workspaceID, id string) (triggers.Contact, error)
	// ContactErase erases a contact (GDPR): its state, its trigger events'
	// payloads, its deliveries' payloads and headers and their attempts'
	// response headers and bodies. Delivery metadata is kept; deliveries not
	// yet sent are discarded. Erasing an unknown or erased contact is no error.
	ContactErase(ctx context.Context, workspaceID, id string) error
}

// OpsStore is the part of Store behind the delivery operations: enable,
// discard, redeliver, recover and secret rotation. A delivery or endpoint in
// a state the operation does not apply to is a *tripline.StateError.
type OpsStore interface {
	// EndpointEnable enables an endpoint, clears its disabled reason and
	// restarts its failure streaks; in the same transaction its paused
	// deliveries become due at once, or discarded when DiscardPaused.
	EndpointEnable(ctx context.Context, params actions.EndpointEnableParams) (actions.Endpoint, error)
	// EndpointRotateSecret replaces the endpoint's secret with Secret; the
	// old one signs beside it until PreviousExpiresAt (nil: not at all).
	EndpointRotateSecret(ctx context.Context, params actions.EndpointRotateSecretParams) (actions.Endpoint, error)
	// EndpointRecover re-queues the endpoint's deliveries created at or
	// after Since whose status is among Statuses, as DeliveryRedeliver does
	// each, and returns how many. Those whose payload retention deleted are
	// left as they are.
	EndpointRecover(ctx context.Context, params actions.EndpointRecoverParams) (int, error)
	// DeliveryRedeliver starts a new series of attempts for a delivery,
	// whatever its status but sending: attempt_count 0, status pending, due
	// Now (paused when its endpoint is disabled). Its id, the webhook-id,
	// and its attempts so far are kept.
	DeliveryRedeliver(ctx context.Context, params actions.DeliveryOpParams) (actions.Delivery, error)
	// DeliveryDiscard gives up a pending, failed or paused delivery.
	DeliveryDiscard(ctx context.Context, params actions.DeliveryOpParams) (actions.Delivery, error)
}

// SessionStore keeps the web UI's sign-in sessions; it is part of Store.
type SessionStore interface {
	// SessionInsert stores a new session and deletes the expired ones.
	SessionInsert(ctx context.Context, session tripline.Session) error
	// SessionGet returns the session of a token hash with its workspace. An
	// unknown or expired session, or one whose API key was deleted, is
	// tripline.ErrNotFound.
	SessionGet(ctx context.Context, tokenHash string, now time.Time) (tripline.Session, tripline.Workspace, error)
	// SessionDelete ends a session; an unknown one is no error.
	SessionDelete(ctx context.Context, tokenHash string) error
}

// ActivityStore is the part of Store behind the activity pages (GET
// /v1/trigger-events): stored trigger events, newest first, and the
// contact search of GET /v1/contacts?q=.
type ActivityStore interface {
	// TriggerEventList returns one page of the workspace's trigger events,
	// newest first (by id, descending), erased ones included as Erased.
	TriggerEventList(ctx context.Context, params tripline.TriggerEventPageParams) ([]triggers.StoredTriggerEvent, error)
	// TriggerEventGet returns one stored trigger event, or tripline.ErrNotFound.
	TriggerEventGet(ctx context.Context, workspaceID, id string) (triggers.StoredTriggerEvent, error)
}
