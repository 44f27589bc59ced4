package actions

import (
	"context"
	"time"
)

// Queue is what the Worker needs from storage. The deliveries table is the queue;
// store implements it for SQLite and Postgres.
type Queue interface {
	// DeliveryClaimDue marks up to Limit due deliveries as sending, owned by Owner
	// until LeaseUntil, and returns them with their message and endpoint. Due means:
	// status pending or failed with next_attempt_at <= Now and an enabled endpoint,
	// or status sending whose lease ran out before Now (its worker died). A due
	// delivery whose endpoint is disabled is set to paused instead of claimed.
	// Deliveries are claimed oldest next_attempt_at first. On Postgres concurrent
	// callers never claim the same row (FOR UPDATE SKIP LOCKED).
	DeliveryClaimDue(ctx context.Context, params DeliveryClaimDueParams) ([]Claimed, error)

	// DeliveryRecordOutcomes stores the outcome of attempts in one transaction:
	// each attempt row is inserted and its delivery updated, but only while the
	// delivery is still claimed by Owner (a delivery whose lease was taken over
	// is left to its new owner; its attempt is still recorded).
	DeliveryRecordOutcomes(ctx context.Context, params DeliveryRecordOutcomesParams) error

	// DeliveryReleaseClaims gives back deliveries claimed by Owner that were not
	// attempted (shutdown, or held back by their endpoint's limits): they are
	// due again at once, with their previous status (pending or failed),
	// attempt count and next_attempt_at, so they keep their place in the queue.
	DeliveryReleaseClaims(ctx context.Context, params DeliveryReleaseClaimsParams) error

	// DeliveryExtendClaims is the worker's heartbeat: every delivery still
	// claimed by Owner (sending, held back, or answered and not yet
	// recorded) is leased until LeaseUntil. Others' claims are left alone.
	DeliveryExtendClaims(ctx context.Context, params DeliveryExtendClaimsParams) error
}

// DeliveryExtendClaimsParams are the parameters of Queue.DeliveryExtendClaims.
type DeliveryExtendClaimsParams struct {
	Owner      string
	LeaseUntil time.Time
}

// DeliveryClaimDueParams are the parameters of Queue.DeliveryClaimDue.
type DeliveryClaimDueParams struct {
	Owner      string // the claiming worker's unique id
	Now        time.Time
	LeaseUntil time.Time
	Limit      int

	// ExcludeEndpoints are endpoints whose due deliveries are left alone:
	// the worker cannot send to them now (max_in_flight reached, no rate
	// token, circuit breaker open), so claiming them would only take them
	// from other workers and give them back.
	ExcludeEndpoints []string
}

// Claimed is a claimed delivery with what is needed to send it.
type Claimed struct {
	Delivery Delivery // Status is the status it had before the claim (pending or failed)
	Message  Message
	Endpoint Endpoint // with Secret decrypted
}

// Outcome is the result of one attempt at one claimed delivery.
type Outcome struct {
	Attempt        Attempt
	Status         Status     // succeeded, failed or dead
	AttemptCount   int        // including this attempt
	NextAttemptAt  *time.Time // when failed
	LastStatusCode int
	LastError      string
	DeliveredAt    *time.Time // when succeeded

	// Charged says no request was sent for this attempt: its endpoint's
	// circuit breaker was open and the probe sent in its stead failed, so
	// the probe's outcome counts as this delivery's attempt (SPEC section
	// 12). Charged attempts do not count as failed requests for the
	// endpoint's health; the deliveries they kill count as dead.
	Charged bool
}

// DeliveryRecordOutcomesParams are the parameters of Queue.DeliveryRecordOutcomes.
type DeliveryRecordOutcomesParams struct {
	Owner    string
	Outcomes []Outcome
}

// DeliveryReleaseClaimsParams are the parameters of Queue.DeliveryReleaseClaims.
type DeliveryReleaseClaimsParams struct {
	Owner string
	IDs   []string // the deliveries to give back; nil means all claimed by Owner
}
