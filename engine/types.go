package engine

import (
	"encoding/json"
	"time"
)

// Folder groups rules under one enabled toggle.
type Folder struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Name        string    `json:"name"`
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Trigger is a rule's "when this happens": a trigger type and its parameters.
// Only the parameters of the type's catalogue entry may be set. Instead of one
// Type, a rule may name several in Types, or every type with Type "*"
// (AllTypes), including types added in later versions; a parameter then
// applies to the types that have it and the others ignore it.
type Trigger struct {
	Type     string   `json:"type,omitempty"`
	Types    []string `json:"types,omitempty"`
	Tag      string   `json:"tag,omitempty"`
	Field    string   `json:"field,omitempty"`
	Info     string   `json:"info,omitempty"`
	Sequence string   `json:"sequence,omitempty"`
	Assignee string   `json:"assignee,omitempty"`
	Author   string   `json:"author,omitempty"`
	Name     string   `json:"name,omitempty"`

	// datetime_based_trigger (Field is the date field); see docs/datetime.md.
	Direction string `json:"direction,omitempty"` // before, after or on (the default)
	Amount    int    `json:"amount,omitempty"`    // units before or after
	Unit      string `json:"unit,omitempty"`      // minutes, hours or days
	At        string `json:"at,omitempty"`        // "HH:MM", with days or on
	Timezone  string `json:"timezone,omitempty"`  // IANA; "" is the workspace's (UTC)
}

// Action is what a rule does when it fires. The one type is "webhook".
type Action struct {
	Type       string            `json:"type"`
	EndpointID string            `json:"endpoint_id"`
	Body       json.RawMessage   `json:"body,omitempty"`    // a payload template; absent means the default payload
	Headers    map[string]string `json:"headers,omitempty"` // extra request headers; values may hold placeholders
}

// Frequency limits how often a rule fires for one contact.
type Frequency struct {
	OncePerContact  bool `json:"once_per_contact"`
	CooldownSeconds int  `json:"cooldown_seconds"`
}

// Rule is a trigger, an optional condition and actions (SPEC section 6).
type Rule struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	FolderID    string    `json:"folder_id"` // "" when outside any folder
	Name        string    `json:"name"`
	Enabled     bool      `json:"enabled"`
	Trigger     Trigger   `json:"trigger"`
	Condition   string    `json:"condition"`
	Actions     []Action  `json:"actions"`
	Frequency   Frequency `json:"frequency"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	// The last runtime error of the rule's condition, when it had one, and
	// how many it had. Ingest records them; saving a rule leaves them alone.
	LastError   string     `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
	ErrorCount  int64      `json:"error_count"`

	// LastFiredAt is when the rule last made a delivery, nil if never. It is
	// read from the delivery log by the store's rule reads (for the UI and
	// the API); saving a rule ignores it.
	LastFiredAt *time.Time `json:"last_fired_at"`
}
