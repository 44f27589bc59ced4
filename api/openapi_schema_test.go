package api

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api/openapi"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/sources"
	"github.com/tripline/tripline/triggers"
)

// TestOpenAPISchemasMatchGoTypes fails when a schema of the OpenAPI document
// and the Go type the API reads or writes with it have different JSON fields,
// so that a field added to one is added to the other.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	raw, err := openapi.Document()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	detail := schemas["DeliveryDetail"]
	if len(detail.AllOf) != 2 {
		t.Fatalf("DeliveryDetail: want allOf [Delivery, its own fields], got %d parts", len(detail.AllOf))
	}
	// The detail is the list item plus its own fields.
	merged := schema{Properties: map[string]json.RawMessage{}}
	maps.Copy(merged.Properties, schemas["Delivery"].Properties)
	maps.Copy(merged.Properties, detail.AllOf[1].Properties)
	schemas["DeliveryDetail"] = merged
	for name, v := range map[string]any{
		"Problem": problem{}, "ProblemField": problemField{},
		"Event": triggers.Event{}, "EventsResult": eventsJSON{},
		"FolderInput": folderInput{}, "Folder": folderJSON{},
		"RuleInput": ruleInput{}, "Rule": ruleJSON{},
		"Trigger": engine.Trigger{}, "Action": engine.Action{}, "Frequency": engine.Frequency{},
		"EndpointInput": endpointInput{}, "Endpoint": endpointJSON{}, "EndpointStats": endpointStats{},
		"Delivery": deliveryJSON{}, "DeliveryDetail": deliveryDetailJSON{}, "Attempt": attemptJSON{},
		"DeliveryStats": deliveryStatsJSON{}, "DeliveryHourBucket": deliveryBucketJSON{},
		"EndpointTestResult": testResultJSON{}, "ConditionSource": conditionJSON{},
		"ConditionRow": engine.Row{}, "Conditions": engine.Conditions{},
		"ParsedCondition": parsedJSON{}, "TriggerParam": triggers.Param{}, "TriggerSpec": triggerJSON{},
		"SimulateInput": simulateInput{}, "Simulation": engine.Simulation{},
		"RuleOutcome": engine.RuleOutcome{}, "SimulatedAction": engine.SimulatedAction{},
		"Contact": triggers.Contact{}, "ContactState": triggers.Contact{}, "Conversation": triggers.Conversation{},
		"HookInput": hookInput{}, "Hook": hookJSON{},
		"TriggerEventDetail": triggerEventDetailJSON{}, "RuleVerdict": ruleVerdictJSON{}, "ConditionPart": engine.ConditionRow{},
		"WorkspaceInput": workspaceInput{}, "Workspace": workspaceJSON{},
		"Signature": actions.Signature{}, "DisableAfter": actions.DisableAfter{},
		"SourceInput": sourceInput{}, "Source": sourceJSON{}, "SourceVerify": verifyJSON{}, "SourceTryInput": tryJSON{},
		"SourceTryResult": tryAnswer{}, "SourceProblem": sources.Problem{}, "SourceRequest": requestJSON{}, "SourceIngestResult": ingestJSON{},
		"APIKeyInput": keyInput{}, "APIKey": keyJSON{},
	} {
		s, ok := schemas[name]
		if !ok {
			t.Errorf("the OpenAPI document has no schema %s", name)
			continue
		}
		fields := slices.Sorted(maps.Keys(jsonFields(reflect.TypeOf(v))))
		var documented []string
		for k := range s.Properties {
			// A property documented ahead of its Go field is left out
			// until the field exists.
			documented = append(documented, k)
		}
		slices.Sort(documented)
		if !slices.Equal(fields, documented) {
			t.Errorf("schema %s has properties %v; %T has JSON fields %v", name, documented, v, fields)
		}
	}
}

type schema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	AllOf      []schema                   `json:"allOf"`
}
