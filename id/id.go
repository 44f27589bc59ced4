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
