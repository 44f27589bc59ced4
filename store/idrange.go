package store

import (
	"time"

	"github.com/tripline/tripline/id"
)

// Time ranges as id ranges. Deliveries, attempts and trigger events are
// stamped twice: their id is a ULID whose first 48 bits are the millisecond
// it was made in (id.NewAt with the row's time), and a time column
// (created_at, at). Conditions on those times are written as ranges of the
// id, so that they read the primary key or (workspace_id, id) instead of an
// index on the time that every insert would have to write (migration 0009
// dropped them).
//
// A delivery's id and created_at are the same time (engine.Pipeline makes
// both from one clock reading), as are an attempt's id and at (the
// sender's). A trigger event's id is the time the pipeline processed it and
// its created_at the store's clock when it was inserted, in the same
// transaction, a little later.

// idFrom is the smallest id of prefix made at t or later: every id made in
// t's millisecond or after sorts at or after it, every id made before sorts
// before it.
func idFrom(prefix string, t time.Time) string { return id.MinAt(prefix, t) }

// idBefore bounds the ids of prefix made before t: each sorts before it.
// Ids made in the rest of t's millisecond (after t) sort before it too, so
// a condition "id < idBefore(t)" is combined with the exact time condition.
func idBefore(prefix string, t time.Time) string {
	return id.MinAt(prefix, t.Add(time.Millisecond-time.Nanosecond)) // the next whole millisecond, unless t is one
}
