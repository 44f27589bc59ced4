package engine

import (
	"context"
	"time"
)

// DueTrigger is the stored due time of one datetime_based_trigger rule for
// one contact: when it fires, and for which value of the field.
type DueTrigger struct {
	WorkspaceID string
	RuleID      string
	ContactID   string
	ValueHash   string // DatetimeValueHash of the field value it was computed from
	DueAt       time.Time
}

// DueTx is the storage of due times inside an ingest transaction. The
// IngestTx of a store that supports datetime_based_trigger implements it
// (store's does); it is a separate interface so that other IngestTx
// implementations need not.
type DueTx interface {
	// DatetimeDueArmMany writes due times: a (rule, contact) pair without a
	// row gets a pending one; a pending row takes the new value and time; a
	// row that already fired for the same ValueHash is left as it is (a due
	// time fires once per rule, contact and value), one that fired for
	// another value is armed again.
	DatetimeDueArmMany(ctx context.Context, params DatetimeDueArmManyParams) error

	// DatetimeDueCancelMany deletes the pending rows of (rule, contact)
	// pairs; rows that fired are kept, to remember their value.
	DatetimeDueCancelMany(ctx context.Context, params DatetimeDueCancelManyParams) error

	// DatetimeDueMarkFiredMany marks fired at Now the pending rows that still
	// hold their Due's ValueHash and DueAt, and returns the keys it marked.
	// On Postgres a concurrent transaction marking the same row waits for
	// this one and then finds it fired: a due time fires once.
	DatetimeDueMarkFiredMany(ctx context.Context, params DatetimeDueMarkFiredManyParams) (map[DueKey]bool, error)
}

// DueStore is what the Scheduler needs from storage.
type DueStore interface {
	Store

	// DatetimeDueClaim claims up to Limit pending due rows whose due time is
	// at or before Now and that no live claim holds, oldest due first: they
	// are Owner's until LeaseUntil. Concurrent claimers (Postgres: FOR UPDATE
	// SKIP LOCKED) never get the same row while its lease runs.
	DatetimeDueClaim(ctx context.Context, params DatetimeDueClaimParams) ([]DueTrigger, error)

	// DatetimeDueNext returns the earliest due time after After among the
	// pending rows, and false when there is none. (Rows already due are
	// claimed; those under another scheduler's lease come back within the
	// poll interval.)
	DatetimeDueNext(ctx context.Context, after time.Time) (time.Time, bool, error)

	// DatetimeDueReleaseClaims gives back Owner's claims on rows still
	// pending, so that another scheduler fires them without waiting for the
	// lease.
	DatetimeDueReleaseClaims(ctx context.Context, owner string) error
}

// DatetimeDueArmManyParams are the parameters of DueTx.DatetimeDueArmMany.
type DatetimeDueArmManyParams struct {
	WorkspaceID string
	Due         []DueTrigger
}

// DueKey names a (rule, contact) pair.
type DueKey struct {
	RuleID    string
	ContactID string
}

// DatetimeDueCancelManyParams are the parameters of DueTx.DatetimeDueCancelMany.
type DatetimeDueCancelManyParams struct {
	WorkspaceID string
	Keys        []DueKey
}

// DatetimeDueMarkFiredManyParams are the parameters of DueTx.DatetimeDueMarkFiredMany.
type DatetimeDueMarkFiredManyParams struct {
	Due []DueTrigger
	Now time.Time
}

// DatetimeDueClaimParams are the parameters of DueStore.DatetimeDueClaim.
type DatetimeDueClaimParams struct {
	Now        time.Time
	Limit      int
	Owner      string
	LeaseUntil time.Time
}
