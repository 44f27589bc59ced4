package triggers

import "time"

// StoredTriggerEvent is a trigger event as stored: the event (only its id,
// type and contact id once erased) and when it was stored.
type StoredTriggerEvent struct {
	Event     TriggerEvent
	Erased    bool
	CreatedAt time.Time
}
