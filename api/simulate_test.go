package api_test

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// The fake store's read methods of POST /v1/simulate: it keeps no contacts
// and no fires (every contact is new, no rule fired yet); the engine's tests
// and the store's conformance suite cover those.

func (s *fakeStore) RuleListAll(_ context.Context, ws string) ([]engine.Rule, []engine.Folder, error) {
	unlock, err := s.enter("RuleListAll")
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	all := tripline.ListParams{WorkspaceID: ws, Limit: math.MaxInt}
	return list(s.rules, all, false, ruleWS, nil), list(s.folders, all, false, folderWS, nil), nil
}

func (s *fakeStore) ContactGetMany(context.Context, engine.ContactGetManyParams) (map[string]*triggers.Contact, error) {
	unlock, err := s.enter("ContactGetMany")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return nil, nil
}

func (s *fakeStore) RuleFireGetMany(context.Context, engine.RuleFireGetManyParams) (map[string]time.Time, error) {
	unlock, err := s.enter("RuleFireGetMany")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return nil, nil
}

func TestSimulate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	matched, endpointID := b.createRule(keyA, map[string]any{"condition": `contact.channel == "whatsapp"`})
	other, _ := b.createRule(keyA, map[string]any{"trigger": map[string]any{"type": "tag_applied", "tag": "Other"}})
	b.createRule(keyB, nil) // another workspace's rule is not simulated

	rulesBefore, deliveriesBefore := len(b.store.rules), len(b.store.deliveries)
	res := b.do(http.MethodPost, "/v1/simulate", map[string]any{
		"event":   map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "Order Closed"},
		"contact": map[string]any{"name": "Ann", "channel": "whatsapp"},
	}).want(t, http.StatusOK)
	tes := res.Body["trigger_events"].([]any)
	if len(tes) != 2 || tes[0].(map[string]any)["contact"].(map[string]any)["subscribed"] != true || // a given contact is not new
		tes[1].(map[string]any)["type"] != "contact_changed" {
		t.Fatalf("trigger events: %s", res.Raw)
	}
	rules := res.Body["rules"].([]any)
	if len(rules) != 2 {
		t.Fatalf("rules: %s", res.Raw)
	}
	for _, r := range rules {
		o := r.(map[string]any)
		switch o["rule_id"] {
		case matched:
			acts := o["actions"].([]any)
			a := acts[0].(map[string]any)
			if o["matched"] != true || a["endpoint_id"] != endpointID || a["payload"].(map[string]any)["tag"] != "Order Closed" {
				t.Errorf("matched rule: %v", o)
			}
		case other:
			if o["matched"] != false || o["reason"] != "trigger_param" {
				t.Errorf("other rule: %v", o)
			}
		}
	}
	if len(b.store.rules) != rulesBefore || len(b.store.deliveries) != deliveriesBefore || len(b.ingester.calls) != 0 {
		t.Error("simulate stored or ingested something")
	}

	b.do(http.MethodPost, "/v1/simulate", map[string]any{"event": map[string]any{"type": "tag_applied", "contact_id": "c_1"}}).
		field(t, "event.tag", "")
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"contact": map[string]any{}}).field(t, "event", "required")
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"event": map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "x", "nope": 1}}).
		field(t, "event.nope", "")
}

// A draft rule is simulated alone against the catalogue's sample of its
// trigger type (its parameter set), or a stored contact; its errors name
// rule.<field>.
func TestSimulateDraftRule(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stored, endpointID := b.createRule(keyA, nil)
	draft := map[string]any{
		"name":      "Big budget",
		"enabled":   false,
		"trigger":   map[string]any{"type": "tag_applied", "tag": "Paid"},
		"condition": `number(contact.custom_fields.budget) > 1000 && "Order Closed" in contact.tags`,
		"actions": []any{map[string]any{"endpoint_id": endpointID,
			"body": map[string]any{"email": "{{ contact.email }}", "tag": "{{ event.tag }}", "rule": "{{ rule.name }}"}}},
	}
	res := b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": draft}).want(t, http.StatusOK)
	rules := res.Body["rules"].([]any)
	if len(rules) != 1 {
		t.Fatalf("want the draft alone, not the stored rule %s: %s", stored, res.Raw)
	}
	o := rules[0].(map[string]any)
	payload := o["actions"].([]any)[0].(map[string]any)["payload"].(map[string]any)
	if o["matched"] != true || payload["email"] != "john.smith@example.com" || payload["tag"] != "Paid" || payload["rule"] != "Big budget" {
		t.Fatalf("draft against the sample: %s", res.Raw)
	}

	// A stored contact without the budget: the condition is false.
	b.store.putContact("ws_a", triggers.Contact{ID: "c_9", Email: "z@example.com", Tags: []string{"Order Closed"}, CustomFields: map[string]any{}})
	res = b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": draft, "contact_id": "c_9"}).want(t, http.StatusOK)
	if o = res.Body["rules"].([]any)[0].(map[string]any); o["matched"] != false || o["reason"] != "condition_false" {
		t.Fatalf("draft against c_9: %s", res.Raw)
	}
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": draft, "contact_id": "c_404"}).field(t, "contact_id", "no contact")
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"contact_id": "c_9",
		"event": map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "x"}}).field(t, "contact_id", "goes with rule")
	// A contact state without an event would be silently ignored: refused.
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": draft, "contact": map[string]any{"tags": []string{"a"}}}).field(t, "contact", "goes with event")

	// With an event, the draft alone meets the event's trigger events.
	res = b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": draft,
		"event": map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "Other"}}).want(t, http.StatusOK)
	if o = res.Body["rules"].([]any)[0].(map[string]any); len(res.Body["rules"].([]any)) != 1 || o["reason"] != "trigger_param" {
		t.Fatalf("draft with an event: %s", res.Raw)
	}

	// The sample meets the draft's trigger parameter whatever its type.
	for _, trig := range []map[string]any{
		{"type": "datetime_based_trigger", "field": "appointment_at", "direction": "before", "amount": 1, "unit": "days"},
		{"type": "custom_field_changed", "field": "plan"},
		{"type": "contact_info_updated", "info": "phone"},
		{"type": "custom", "name": "order_refunded"},
	} {
		d := map[string]any{"name": "Any", "trigger": trig, "actions": []any{map[string]any{"endpoint_id": endpointID}}}
		res = b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": d}).want(t, http.StatusOK)
		if o = res.Body["rules"].([]any)[0].(map[string]any); o["matched"] != true {
			t.Errorf("draft with trigger %v against its sample: %s", trig, res.Raw)
		}
	}

	draft["condition"] = "contact.custom_fields.budget >"
	e := b.do(http.MethodPost, "/v1/simulate", map[string]any{"rule": draft}).field(t, "rule.condition", "")
	if e["line"] != float64(1) || e["column"] == nil {
		t.Fatalf("condition error without its place: %v", e)
	}
}
