package api

import (
	"context"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
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
}
