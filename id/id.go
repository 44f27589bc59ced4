// Package id makes Tripline's identifiers: a short type prefix and a ULID,
// such as "evt_01JD3Q5V4W8K9Z2M6N7P1R0S2T". ULIDs sort by creation time, so
// lists ordered by id are ordered by age and cursors are simply ids.
package id

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Prefixes of the identifiers Tripline hands out.
const (
	Workspace    = "ws"
	APIKey       = "key"
	Folder       = "fld"
	Rule         = "rul"
	Endpoint     = "ep"
	Delivery     = "msg"
	TriggerEvent = "evt"
	Attempt      = "att"
)

// MaxPrefixLen is the longest prefix an id may have, and MaxLen the longest
// id: a prefix, "_" and a ULID's 26 characters. A longer text is no id
// Tripline made, so the API answers 404 for it without asking the database.
const (
	MaxPrefixLen = 8
	MaxLen       = MaxPrefixLen + 1 + ulid.EncodedSize
)

var (
	mu      sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// New returns prefix + "_" + a new ULID for the current time.
func New(prefix string) string {
	return NewAt(prefix, time.Now())
}

// NewAt returns prefix + "_" + a new ULID for t. Ids made in one process are
// strictly increasing for non-decreasing t.
func NewAt(prefix string, t time.Time) string {
	mu.Lock()
	u := ulid.MustNew(ulid.Timestamp(t), entropy)
	mu.Unlock()
	return prefix + "_" + u.String()
}

// MinAt returns the smallest id of prefix that NewAt can make for a time in
// t's millisecond: prefix + "_" + the ULID of that millisecond with zero
// entropy. An id made by NewAt(prefix, u) sorts at or after it when u is in
// t's millisecond or later, and before it when u is earlier: a condition on
// a time column becomes a range of the primary key. Times before 1970 give
// the smallest ULID and times past ULIDs' range (year 10889) the largest
// millisecond.
func MinAt(prefix string, t time.Time) string {
	var u ulid.ULID
	ms := uint64(0)
	if t.UnixMilli() > 0 {
		ms = min(uint64(t.UnixMilli()), ulid.MaxTime())
	}
	_ = u.SetTime(ms) // ms <= MaxTime
	return prefix + "_" + u.String()
}
