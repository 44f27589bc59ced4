package api_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestHooksManyEvents: a REST hook may subscribe to every trigger type ("*")
// or to a list, and answers the event as it was given.
func TestHooksManyEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	all := b.do(http.MethodPost, "/v1/hooks", map[string]any{"target_url": "https://hooks.zapier.com/1", "event": "*"}).want(t, http.StatusCreated)
	if all.Body["event"] != "*" {
		t.Errorf("event %v", all.Body["event"])
	}
	rule := b.do(http.MethodGet, "/v1/rules/"+all.str("rule_id"), nil).want(t, http.StatusOK)
	if rule.Body["trigger"].(map[string]any)["type"] != "*" {
		t.Errorf("rule of \"*\": %s", rule.Raw)
	}

	list := []any{"tag_applied", "contact_changed"}
	some := b.do(http.MethodPost, "/v1/hooks", map[string]any{"target_url": "https://hooks.zapier.com/2", "event": list}).want(t, http.StatusCreated)
	if !reflect.DeepEqual(some.Body["event"], list) {
		t.Errorf("event %v", some.Body["event"])
	}
	rule = b.do(http.MethodGet, "/v1/rules/"+some.str("rule_id"), nil).want(t, http.StatusOK)
	if tr := rule.Body["trigger"].(map[string]any); !reflect.DeepEqual(tr["types"], list) || tr["type"] != nil {
		t.Errorf("rule of a list: %s", rule.Raw)
	}
	listed := b.do(http.MethodGet, "/v1/hooks", nil).want(t, http.StatusOK)
	for _, h := range listed.Body["data"].([]any) {
		h := h.(map[string]any)
		if h["id"] == some.str("id") && !reflect.DeepEqual(h["event"], list) {
			t.Errorf("listed event %v", h["event"])
		}
	}
	one := b.do(http.MethodPost, "/v1/hooks", map[string]any{"target_url": "https://hooks.zapier.com/3", "event": []any{"new_lead"}}).want(t, http.StatusCreated)
	if one.Body["event"] != "new_lead" {
		t.Errorf("a list of one: %v", one.Body["event"])
	}

	for _, tc := range []struct {
		name         string
		event        any
		field, inMsg string
	}{
		{"empty list", []any{}, "event", "non-empty list"},
		{"a number", 5, "event", "trigger type"},
		{"unknown in a list", []any{"tag_applied", "tag_aplied"}, "event[1]", `"tag_aplied" is not a trigger type`},
		{"twice in a list", []any{"tag_applied", "tag_applied"}, "event[1]", "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.do(http.MethodPost, "/v1/hooks", map[string]any{"target_url": "https://a.example", "event": tc.event}).field(t, tc.field, tc.inMsg)
		})
	}
}

// TestRulesManyTypes: the rules API takes "types" or "type": "*" and says
// which field is wrong.
func TestRulesManyTypes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id, _ := b.createRule(keyA, map[string]any{"trigger": map[string]any{"types": []any{"tag_applied", "tag_removed"}, "tag": "vip"}})
	got := b.do(http.MethodGet, "/v1/rules/"+id, nil).want(t, http.StatusOK)
	if tr := got.Body["trigger"].(map[string]any); tr["tag"] != "vip" || len(tr["types"].([]any)) != 2 {
		t.Errorf("rule %s", got.Raw)
	}
	b.createRule(keyA, map[string]any{"trigger": map[string]any{"type": "*"}})
	b.do(http.MethodPost, "/v1/rules/validate", map[string]any{"name": "x", "trigger": map[string]any{"type": "tag_applied", "types": []any{"new_lead"}},
		"actions": []any{map[string]any{"endpoint_id": "ep_1"}}}).field(t, "trigger.types", "not both")
}
