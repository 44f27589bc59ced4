package api_test

import (
	"net/http"
	"testing"
)

func TestConditionsRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rows := []any{
		map[string]any{"field": "contact.custom_fields.budget", "operator": ">", "value": 1000},
		map[string]any{"field": "contact.tags", "operator": "has tag", "value": "vip"},
	}
	res := b.do(http.MethodPost, "/v1/conditions/compile", map[string]any{"logic": "or", "rows": rows}).want(t, http.StatusOK)
	cond := res.str("condition")
	if cond != `number(contact.custom_fields.budget) > 1000 || "vip" in contact.tags` {
		t.Fatalf("condition %q", cond)
	}
	res = b.do(http.MethodPost, "/v1/conditions/parse", map[string]any{"condition": cond}).want(t, http.StatusOK)
	if res.Body["logic"] != "or" || len(res.Body["rows"].([]any)) != 2 || res.Body["advanced"] != nil {
		t.Fatalf("parse: %s", res.Raw)
	}
	res = b.do(http.MethodPost, "/v1/conditions/parse", map[string]any{"condition": `len(contact.tags) > 2`}).want(t, http.StatusOK)
	if res.Body["advanced"] != true || res.str("reason") == "" {
		t.Fatalf("advanced: %s", res.Raw)
	}
	// A rule saved with the compiled condition is valid.
	b.createRule(keyA, map[string]any{"condition": cond})
}

func TestConditionsCompileErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rows := []any{
		map[string]any{"field": "contact.email", "operator": "is set"},
		map[string]any{"field": "contact.email", "operator": "is set"},
		map[string]any{"field": "contact.subscribed", "operator": "is", "value": "yes"},
	}
	b.do(http.MethodPost, "/v1/conditions/compile", map[string]any{"logic": "and", "rows": rows}).field(t, "rows[2].value", "does not fit")
	b.do(http.MethodPost, "/v1/conditions/compile", map[string]any{"logic": "and", "rowz": rows}).problem(t, http.StatusBadRequest)
	b.do(http.MethodPost, "/v1/conditions/parse", `{"condition": 5}`).problem(t, http.StatusBadRequest)
}

func TestTriggerCatalogue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(http.MethodGet, "/v1/triggers", nil).want(t, http.StatusOK)
	data := res.Body["data"].([]any)
	byType := map[string]map[string]any{}
	for _, d := range data {
		m := d.(map[string]any)
		byType[m["type"].(string)] = m
		sample, ok := m["sample_payload"].(map[string]any)
		if !ok || sample["event"] != m["type"] || sample["workspace_id"] != "ws_a" {
			t.Errorf("%s: sample payload %v", m["type"], m["sample_payload"])
		}
	}
	tag := byType["tag_applied"]
	if tag["sample_payload"].(map[string]any)["tag"] != "Order Closed" {
		t.Errorf("tag_applied sample: %v", tag["sample_payload"])
	}
	params := tag["params"].([]any)
	if len(params) != 1 || params[0].(map[string]any)["name"] != "tag" {
		t.Errorf("tag_applied params: %v", params)
	}
	msg := byType["message_created"]["params"].([]any)[0].(map[string]any)
	if len(msg["enum"].([]any)) != 4 {
		t.Errorf("message_created author enum: %v", msg)
	}
}
