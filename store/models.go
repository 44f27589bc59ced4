package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
)

// The live rows: how the code reads and writes the current schema. They stay
// private; the methods convert them to and from domain types.

type workspaceRow struct {
	ID           string
	Name         string
	RulesVersion int64
	CreatedAt    timestamp
	Timezone     string
	RequireHTTPS bool `gorm:"column:require_https"`
}

func (workspaceRow) TableName() string { return "workspaces" }

func (r workspaceRow) domain() tripline.Workspace {
	return tripline.Workspace{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.Time, Timezone: cmp.Or(r.Timezone, tripline.DefaultTimezone), RequireHTTPS: r.RequireHTTPS}
}

type apiKeyRow struct {
	ID          string
	WorkspaceID string
	Hash        string
	Prefix      string
	CreatedAt   timestamp
	Name        string
	LastUsedAt  *timestamp
}

func (apiKeyRow) TableName() string { return "api_keys" }

type contactRow struct {
	WorkspaceID string
	ID          string
	State       string
	CreatedAt   timestamp
	UpdatedAt   timestamp
}

func (contactRow) TableName() string { return "contacts" }

type triggerEventRow struct {
	ID          string
	WorkspaceID string
	Type        string
	ContactID   string
	Payload     string
	CreatedAt   timestamp
}

func (triggerEventRow) TableName() string { return "trigger_events" }

type folderRow struct {
	ID          string
	WorkspaceID string
	Name        string
	Enabled     bool
	CreatedAt   timestamp
	UpdatedAt   timestamp
}

func (folderRow) TableName() string { return "folders" }

func newFolderRow(f engine.Folder) folderRow {
	return folderRow{
		ID: f.ID, WorkspaceID: f.WorkspaceID, Name: f.Name, Enabled: f.Enabled,
		CreatedAt: ts(f.CreatedAt), UpdatedAt: ts(f.UpdatedAt),
	}
}

func (r folderRow) domain() engine.Folder {
	return engine.Folder{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Enabled: r.Enabled,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
	}
}

type ruleRow struct {
	ID          string
	WorkspaceID string
	FolderID    *string
	Name        string
	Enabled     bool
	TriggerType string
	Trigger     string
	Condition   string
	Actions     string
	Frequency   string
	CreatedAt   timestamp
	UpdatedAt   timestamp
	LastError   string     // written only by RuleErrorRecordMany
	LastErrorAt *timestamp // written only by RuleErrorRecordMany
	ErrorCount  int64      // written only by RuleErrorRecordMany
	// LastFiredAt is read by ruleSelect, never written.
	LastFiredAt *timestamp `gorm:"->;column:last_fired_at"`
}

func (ruleRow) TableName() string { return "rules" }

func newRuleRow(r engine.Rule) (ruleRow, error) {
	trigger, err := json.Marshal(r.Trigger)
	if err != nil {
		return ruleRow{}, fmt.Errorf("rule %s: trigger: %w", r.ID, err)
	}
	acts := r.Actions
	if acts == nil {
		acts = []engine.Action{}
	}
	actions, err := json.Marshal(acts)
	if err != nil {
		return ruleRow{}, fmt.Errorf("rule %s: actions: %w", r.ID, err)
	}
	freq, err := json.Marshal(r.Frequency)
	if err != nil {
		return ruleRow{}, fmt.Errorf("rule %s: frequency: %w", r.ID, err)
	}
	row := ruleRow{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Enabled: r.Enabled,
		TriggerType: cmp.Or(r.Trigger.Type, strings.Join(r.Trigger.Types, ",")), Trigger: string(trigger), Condition: r.Condition,
		Actions: string(actions), Frequency: string(freq),
		CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt),
	}
	if r.FolderID != "" {
		row.FolderID = &r.FolderID
	}
	return row, nil
}

func (r ruleRow) domain() (engine.Rule, error) {
	rule := engine.Rule{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Enabled: r.Enabled,
		Condition: r.Condition, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
		LastError: r.LastError, LastErrorAt: timePtr(r.LastErrorAt), ErrorCount: r.ErrorCount,
		LastFiredAt: timePtr(r.LastFiredAt),
	}
	if r.FolderID != nil {
		rule.FolderID = *r.FolderID
	}
	if err := json.Unmarshal([]byte(r.Trigger), &rule.Trigger); err != nil {
		return engine.Rule{}, fmt.Errorf("rule %s: trigger: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Actions), &rule.Actions); err != nil {
		return engine.Rule{}, fmt.Errorf("rule %s: actions: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Frequency), &rule.Frequency); err != nil {
		return engine.Rule{}, fmt.Errorf("rule %s: frequency: %w", r.ID, err)
	}
	return rule, nil
}

type ruleFireRow struct {
	WorkspaceID string
	RuleID      string
	ContactID   string
	FiredAt     timestamp
}

func (ruleFireRow) TableName() string { return "rule_fires" }

type endpointRow struct {
	ID                 string
	WorkspaceID        string
	Name               string
	URL                string
	Description        string
	Enabled            bool
	DisabledReason     string
	Secret             string
	Headers            string
	TimeoutSeconds     int
	RetrySchedule      *string
	RateLimitPerSecond int
	MaxInFlight        int
	LegacySignature    bool
	CreatedAt          timestamp
	UpdatedAt          timestamp

	PreviousSecret          string
	PreviousSecretExpiresAt *timestamp
	FailureStreak           int
	ConsecutiveDead         int
	LastSuccessAt           *timestamp

	Signatures           *string // JSON; NULL: the default
	DisableAfterFailures int
	DisableAfterCounting string
	LastAttemptAt        *timestamp
	LastFailureAt        *timestamp
}

func (endpointRow) TableName() string { return "endpoints" }

// newEndpointRow converts an endpoint for storage, sealing its secret.
func (s *Store) newEndpointRow(e actions.Endpoint) (endpointRow, error) {
	secret, prev := e.Secret, e.PreviousSecret
	if s.secrets != nil {
		var err error
		if secret, err = s.secrets.Seal(e.Secret); err != nil {
			return endpointRow{}, fmt.Errorf("endpoint %s: seal secret: %w", e.ID, err)
		}
		if prev != "" {
			if prev, err = s.secrets.Seal(e.PreviousSecret); err != nil {
				return endpointRow{}, fmt.Errorf("endpoint %s: seal previous secret: %w", e.ID, err)
			}
		}
	}
	headers, err := marshalMap(e.Headers)
	if err != nil {
		return endpointRow{}, fmt.Errorf("endpoint %s: headers: %w", e.ID, err)
	}
	row := endpointRow{
		ID: e.ID, WorkspaceID: e.WorkspaceID, Name: e.Name, URL: e.URL, Description: e.Description,
		Enabled: e.Enabled, DisabledReason: e.DisabledReason, Secret: secret, Headers: headers,
		TimeoutSeconds: e.TimeoutSeconds, RateLimitPerSecond: e.RateLimitPerSecond,
		MaxInFlight: e.MaxInFlight, LegacySignature: e.LegacySignature,
		CreatedAt: ts(e.CreatedAt), UpdatedAt: ts(e.UpdatedAt),
		PreviousSecret: prev, PreviousSecretExpiresAt: tsPtr(e.PreviousSecretExpiresAt),
		FailureStreak: e.FailureStreak, ConsecutiveDead: e.ConsecutiveDead, LastSuccessAt: tsPtr(e.LastSuccessAt),
		LastAttemptAt: tsPtr(e.LastAttemptAt), LastFailureAt: tsPtr(e.LastFailureAt),
	}
	da := e.DisableAfter.OrDefault()
	row.DisableAfterFailures, row.DisableAfterCounting = da.Failures, da.Counting
	if e.Signatures != nil {
		b, err := json.Marshal(e.Signatures)
		if err != nil {
			return endpointRow{}, fmt.Errorf("endpoint %s: signatures: %w", e.ID, err)
		}
		v := string(b)
		row.Signatures = &v
	}
	if e.RetrySchedule != nil {
		b, err := json.Marshal(e.RetrySchedule)
		if err != nil {
			return endpointRow{}, fmt.Errorf("endpoint %s: retry schedule: %w", e.ID, err)
		}
		v := string(b)
		row.RetrySchedule = &v
	}
	return row, nil
}

// endpoint converts a stored endpoint back, opening its secret when
// withSecret is set (and leaving Secret empty otherwise).
func (s *Store) endpoint(r endpointRow, withSecret bool) (actions.Endpoint, error) {
	e := actions.Endpoint{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, URL: r.URL, Description: r.Description,
		Enabled: r.Enabled, DisabledReason: r.DisabledReason,
		TimeoutSeconds: r.TimeoutSeconds, RateLimitPerSecond: r.RateLimitPerSecond,
		MaxInFlight: r.MaxInFlight, LegacySignature: r.LegacySignature,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
		PreviousSecretExpiresAt: timePtr(r.PreviousSecretExpiresAt),
		FailureStreak:           r.FailureStreak, ConsecutiveDead: r.ConsecutiveDead, LastSuccessAt: timePtr(r.LastSuccessAt),
		LastAttemptAt: timePtr(r.LastAttemptAt), LastFailureAt: timePtr(r.LastFailureAt),
	}
	// The default reads as the zero DisableAfter, as it was written.
	if da := (actions.DisableAfter{Failures: r.DisableAfterFailures, Counting: r.DisableAfterCounting}); da != (actions.DisableAfter{}).OrDefault() {
		e.DisableAfter = da
	}
	if r.Signatures != nil {
		if err := json.Unmarshal([]byte(*r.Signatures), &e.Signatures); err != nil {
			return actions.Endpoint{}, fmt.Errorf("endpoint %s: signatures: %w", r.ID, err)
		}
	}
	if withSecret {
		e.Secret, e.PreviousSecret = r.Secret, r.PreviousSecret
		if s.secrets != nil {
			var err error
			if e.Secret, err = s.secrets.Open(r.Secret); err != nil {
				return actions.Endpoint{}, fmt.Errorf("endpoint %s: open secret: %w", r.ID, err)
			}
			if r.PreviousSecret != "" {
				if e.PreviousSecret, err = s.secrets.Open(r.PreviousSecret); err != nil {
					return actions.Endpoint{}, fmt.Errorf("endpoint %s: open previous secret: %w", r.ID, err)
				}
			}
		}
	}
	var err error
	if e.Headers, err = unmarshalMap(r.Headers); err != nil {
		return actions.Endpoint{}, fmt.Errorf("endpoint %s: headers: %w", r.ID, err)
	}
	if r.RetrySchedule != nil {
		if err := json.Unmarshal([]byte(*r.RetrySchedule), &e.RetrySchedule); err != nil {
			return actions.Endpoint{}, fmt.Errorf("endpoint %s: retry schedule: %w", r.ID, err)
		}
	}
	return e, nil
}

type deliveryRow struct {
	ID             string
	WorkspaceID    string
	EndpointID     string
	RuleID         string
	TriggerEventID string
	Event          string
	ContactID      string
	Status         string
	AttemptCount   int
	NextAttemptAt  *int64
	LastStatusCode int
	LastError      string
	CreatedAt      timestamp
	DeliveredAt    *timestamp
	ClaimedBy      *string
	LeaseUntil     *int64
}

func (deliveryRow) TableName() string { return "deliveries" }

// deliveryColumns are the columns a delivery is read with, for raw queries.
const deliveryColumns = "id, workspace_id, endpoint_id, rule_id, trigger_event_id, event, contact_id, status, " +
	"attempt_count, next_attempt_at, last_status_code, last_error, created_at, delivered_at, claimed_by, lease_until"

// scanDest returns the destinations of deliveryColumns in r, for rows
// scanned by hand (gorm's reflective Scan costs more than the statement's
// round trip on the claim path).
func (r *deliveryRow) scanDest() []any {
	return []any{&r.ID, &r.WorkspaceID, &r.EndpointID, &r.RuleID, &r.TriggerEventID, &r.Event, &r.ContactID, &r.Status,
		&r.AttemptCount, &r.NextAttemptAt, &r.LastStatusCode, &r.LastError, &r.CreatedAt, &r.DeliveredAt, &r.ClaimedBy, &r.LeaseUntil}
}

func newDeliveryRow(d actions.Delivery) deliveryRow {
	return deliveryRow{
		ID: d.ID, WorkspaceID: d.WorkspaceID, EndpointID: d.EndpointID, RuleID: d.RuleID,
		TriggerEventID: d.TriggerEventID, Event: d.Event, ContactID: d.ContactID,
		Status: string(d.Status), AttemptCount: d.AttemptCount, NextAttemptAt: msPtr(d.NextAttemptAt),
		LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		CreatedAt: ts(d.CreatedAt), DeliveredAt: tsPtr(d.DeliveredAt),
	}
}

func (r deliveryRow) domain() actions.Delivery {
	return actions.Delivery{
		ID: r.ID, WorkspaceID: r.WorkspaceID, EndpointID: r.EndpointID, RuleID: r.RuleID,
		TriggerEventID: r.TriggerEventID, Event: r.Event, ContactID: r.ContactID,
		Status: actions.Status(r.Status), AttemptCount: r.AttemptCount, NextAttemptAt: fromMS(r.NextAttemptAt),
		LastStatusCode: r.LastStatusCode, LastError: r.LastError,
		CreatedAt: r.CreatedAt.Time, DeliveredAt: timePtr(r.DeliveredAt),
	}
}

type deliveryMessageRow struct {
	DeliveryID string
	Payload    string
	Headers    string
}

func (deliveryMessageRow) TableName() string { return "delivery_messages" }

func (r deliveryMessageRow) domain() (actions.Message, error) {
	h, err := unmarshalMap(r.Headers)
	if err != nil {
		return actions.Message{}, fmt.Errorf("delivery %s: message headers: %w", r.DeliveryID, err)
	}
	return actions.Message{Payload: json.RawMessage(r.Payload), Headers: h}, nil
}

type attemptRow struct {
	ID              string
	DeliveryID      string
	At              timestamp
	DurationMS      int64 `gorm:"column:duration_ms"`
	StatusCode      int
	ResponseHeaders string
	ResponseBody    string
	Error           string
}

func (attemptRow) TableName() string { return "attempts" }

func (r attemptRow) domain() (actions.Attempt, error) {
	h, err := unmarshalMap(r.ResponseHeaders)
	if err != nil {
		return actions.Attempt{}, fmt.Errorf("attempt %s: response headers: %w", r.ID, err)
	}
	return actions.Attempt{
		ID: r.ID, DeliveryID: r.DeliveryID, At: r.At.Time, DurationMS: r.DurationMS,
		StatusCode: r.StatusCode, ResponseHeaders: h, ResponseBody: r.ResponseBody, Error: r.Error,
	}, nil
}

// marshalMap writes a header map as a JSON object ("{}" for nil).
func marshalMap(m map[string]string) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// unmarshalMap reads a header map; an empty object is nil.
func unmarshalMap(s string) (map[string]string, error) {
	if s == "" || s == "{}" || s == "null" {
		return nil, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}
