package tripline

import "time"

// Hook is a REST-hook subscription (Zapier, Make): a rule and an endpoint
// that Tripline manages for the subscriber.
type Hook struct {
	ID          string
	WorkspaceID string
	RuleID      string
	EndpointID  string
	TargetURL   string
	Event       string // a trigger type
	Condition   string // the rule's condition, filled by the store's reads
	CreatedAt   time.Time
}

// HookFindParams name a rule or an endpoint of a workspace (set one of
// RuleID and EndpointID), to find the hook that manages it.
type HookFindParams struct {
	WorkspaceID string
	RuleID      string
	EndpointID  string
}
