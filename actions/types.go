package actions

import (
	"encoding/json"
	"time"
)

// Endpoint is a destination URL with its signing secret, headers, retry policy
// and health (SPEC section 9).
type Endpoint struct {
	ID                 string
	WorkspaceID        string
	Name               string
	URL                string
	Description        string
	Enabled            bool
	DisabledReason     string
	Secret             string // "whsec_" + base64 key; plaintext only in memory, encrypted at rest
	Headers            map[string]string
	TimeoutSeconds     int   // 0 means DefaultTimeout
	RetrySchedule      []int // seconds between attempts; nil means DefaultRetrySchedule
	RateLimitPerSecond int   // 0 means unlimited
	MaxInFlight        int   // 0 means unlimited
	LegacySignature    bool  // also send X-Tripline-Signature: sha256=<hex>; Signatures, when set, says it instead

	// Signatures are the signature schemes every delivery carries, presets
	// expanded; nil is the default (see SignatureSchemes).
	Signatures []Signature
	// DisableAfter says when failures disable the endpoint; zero is the
	// default, AutoDisableAfter dead deliveries in a row.
	DisableAfter DisableAfter
	// RequireHTTPS is the workspace's HTTPS-only setting, as claims read
	// it: attempts to an http:// URL fail (see SenderConfig.RequireHTTPS).
	RequireHTTPS bool
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// PreviousSecret is the secret a rotation replaced; until
	// PreviousSecretExpiresAt it signs beside Secret so receivers can switch
	// over. Empty when there is none.
	PreviousSecret          string
	PreviousSecretExpiresAt *time.Time

	// Health, kept by the store as outcomes are recorded; read-only.
	FailureStreak   int        // failed attempts since the last successful one
	ConsecutiveDead int        // deliveries that died since the last successful attempt
	LastSuccessAt   *time.Time // the last 2xx
	LastAttemptAt   *time.Time // the last request sent
	LastFailureAt   *time.Time // the last request that failed
}

// SigningSecrets returns the secrets that sign a request sent at now: the
// current one, and the previous one while its grace period lasts.
func (e Endpoint) SigningSecrets(now time.Time) []string {
	if e.PreviousSecret != "" && e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) {
		return []string{e.Secret, e.PreviousSecret}
	}
	return []string{e.Secret}
}

// AutoDisableAfter is how many consecutive dead deliveries disable an
// endpoint (SPEC section 8).
const AutoDisableAfter = 5

// What DisableAfter counts.
const (
	CountDeadDeliveries = "dead_deliveries" // deliveries that used up their schedule
	CountAttempts       = "attempts"        // failed requests
)

// DisableAfter disables an endpoint after Failures failures in a row with
// no success between, counting failed attempts or dead deliveries (SPEC
// section 12).
type DisableAfter struct {
	Failures int    `json:"failures"`
	Counting string `json:"counting"`
}

// OrDefault returns d, or the default (AutoDisableAfter dead deliveries)
// when d is zero.
func (d DisableAfter) OrDefault() DisableAfter {
	if d.Failures == 0 {
		d.Failures = AutoDisableAfter
	}
	if d.Counting == "" {
		d.Counting = CountDeadDeliveries
	}
	return d
}

// EndpointDisabled tells that Tripline disabled an endpoint: it answered 410
// Gone, or AutoDisableAfter of its deliveries died in a row.
type EndpointDisabled struct {
	WorkspaceID string
	EndpointID  string
	Reason      string
	At          time.Time
}

// Status is where a delivery stands (SPEC section 8).
type Status string

// The delivery statuses.
const (
	StatusPending   Status = "pending"   // waiting for its first attempt
	StatusSending   Status = "sending"   // claimed by a worker, attempt in flight
	StatusSucceeded Status = "succeeded" // a 2xx arrived
	StatusFailed    Status = "failed"    // the last attempt failed; a retry is scheduled
	StatusDead      Status = "dead"      // every attempt of the schedule failed
	StatusPaused    Status = "paused"    // its endpoint is disabled; sent when it is enabled again
	StatusDiscarded Status = "discarded" // the user gave it up
)

// Delivery is one payload for one endpoint. Its ID ("msg_…") is the webhook-id
// header, stable across retries and redeliveries.
type Delivery struct {
	ID             string
	WorkspaceID    string
	EndpointID     string
	RuleID         string
	TriggerEventID string
	Event          string // the trigger type
	ContactID      string
	Status         Status
	AttemptCount   int
	NextAttemptAt  *time.Time
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
}

// Message is what a delivery sends: written once when the delivery is created
// and never rewritten by status updates.
type Message struct {
	Payload json.RawMessage   // the request body, exactly as signed
	Headers map[string]string // the rule's extra headers, already rendered
}

// NewDelivery is a delivery to create, with its message.
type NewDelivery struct {
	Delivery Delivery
	Message  Message

	// ClaimedBy, when set, creates a pending delivery already claimed by
	// that worker until LeaseUntil (status sending), to be sent without a
	// claim: see Worker.Reserve.
	ClaimedBy  string
	LeaseUntil time.Time
}

// Attempt is one try at sending a delivery.
type Attempt struct {
	ID              string
	DeliveryID      string
	At              time.Time
	DurationMS      int64
	StatusCode      int // 0 when no response arrived
	ResponseHeaders map[string]string
	ResponseBody    string // the first MaxResponseBody bytes, after decompression
	Error           string // network error, timeout, or why the status is a failure
}
