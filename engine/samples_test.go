package engine

import (
	"strings"
	"testing"

	"github.com/tripline/tripline/triggers"
)

// TestSampleTriggerEvents: every catalogue type has a sample, and all but the
// types no inbound event causes come from triggers.Apply.
func TestSampleTriggerEvents(t *testing.T) {
	t.Parallel()
	samples, err := SampleTriggerEvents()
	if err != nil {
		t.Fatal(err)
	}
	handMade := map[string]bool{triggers.TriggerEndpointDisabled: true, triggers.TriggerDatetimeBased: true}
	for _, spec := range triggers.Catalogue() {
		te, ok := samples[spec.Type]
		if !ok {
			t.Errorf("no sample for %s", spec.Type)
			continue
		}
		if !handMade[spec.Type] && strings.HasPrefix(te.ID, "evt_01JDSAMPLE") {
			t.Errorf("%s: sample is made by hand; add an event to sampleStory", spec.Type)
		}
		if _, err := DefaultPayload("ws_1", &te, RuleEnv{ID: "rul_1", Name: "R"}); err != nil {
			t.Errorf("%s: %v", spec.Type, err)
		}
	}
}
