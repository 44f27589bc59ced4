package actions

import (
	"time"

	"github.com/tripline/tripline"
)

// The params of the stores' delivery and endpoint reads and operations.
// They live beside Delivery and Endpoint, whose Status they name, rather
// than in the tripline package, which imports nothing of the project (see
// docs/adr/0007-domain-package.md).

// DeliveryListParams select one page of deliveries, newest first; empty
// filters match all.
type DeliveryListParams struct {
	tripline.ListParams
	EndpointID string
	RuleID     string
	ContactID  string
	Event      string
	Status     Status
	Since      time.Time // created at or after; zero for all
	SourceID   string    // deliveries of trigger events from this inbound source
	// TriggerEventID: the deliveries one trigger event made. Set ContactID
	// beside it (the event's contact): the list walks that contact's index.
	TriggerEventID string
}

// DeliveryStatsParams select the deliveries counted by hour; empty filters
// match all.
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
	Status Status
	Count  int
}

// EndpointEnableParams enable an endpoint: its paused deliveries become due
// at Now, or are discarded when DiscardPaused.
type EndpointEnableParams struct {
	WorkspaceID   string
	ID            string
	DiscardPaused bool
	Now           time.Time
}

// EndpointRotateSecretParams replace an endpoint's secret with Secret; the
// old one signs beside it until PreviousExpiresAt (nil: not at all).
type EndpointRotateSecretParams struct {
	WorkspaceID       string
	ID                string
	Secret            string
	PreviousExpiresAt *time.Time
	Now               time.Time
}

// EndpointRecoverParams re-queue an endpoint's deliveries created at or
// after Since whose status is among Statuses.
type EndpointRecoverParams struct {
	WorkspaceID string
	ID          string
	Since       time.Time
	Statuses    []Status
	Now         time.Time
}

// DeliveryOpParams name one delivery for an operation (redeliver,
// discard) made at Now.
type DeliveryOpParams struct {
	WorkspaceID string
	ID          string
	Now         time.Time
}
