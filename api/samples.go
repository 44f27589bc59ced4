package api

import (
	"fmt"
	"time"

	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// sampleTriggerEvent returns the catalogue sample of a trigger type (made by
// engine.SampleTriggerEvents with triggers.Apply, so it has the exact shape
// of a live one), with a fresh id and time: a receiver de-duplicating on the
// payload id must not drop a second test send.
func sampleTriggerEvent(triggerType string, now time.Time) (triggers.TriggerEvent, error) {
	samples, err := sampleEvents()
	if err != nil {
		return triggers.TriggerEvent{}, fmt.Errorf("build trigger samples: %w", err)
	}
	te, ok := samples[triggerType]
	if !ok {
		return triggers.TriggerEvent{}, fmt.Errorf("no sample of trigger type %q", triggerType)
	}
	te.ID, te.Timestamp = id.NewAt(id.TriggerEvent, now), now
	return te, nil
}
