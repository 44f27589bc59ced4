package store

import (
	"context"
	"time"
)

// TriggerEventInsertRaw stores a trigger event row with a payload as given:
// the tests of the source filter write the JSON a sourced event has.
func (s *Store) TriggerEventInsertRaw(ctx context.Context, ws, id, typ, contactID, payload string, at time.Time) error {
	return s.db.WithContext(ctx).Create(&triggerEventRow{ID: id, WorkspaceID: ws, Type: typ, ContactID: contactID, Payload: payload, CreatedAt: ts(at)}).Error
}
