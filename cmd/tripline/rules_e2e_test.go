package main

import (
	"strings"
	"testing"
)

// TestRulesMarketersCanBuild drives issue 3 through the real server on each
// database: builder rows compiled to a condition, the trigger catalogue, a dry
// run that stores nothing, then an ingest whose runtime errors show on the
// rule and in the delivery log.
func TestRulesMarketersCanBuild(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "Sheets", "url": rc.URL + "/hook"})
		rc.setSecret(ep["secret"].(string))

		cond := tl.must(200, "POST", "/v1/conditions/compile", map[string]any{"logic": "and", "rows": []any{
			map[string]any{"field": "contact.custom_fields.budget", "operator": ">", "value": 1000},
			map[string]any{"field": "contact.channel", "operator": "in list", "value": []any{"whatsapp", "sms"}},
		}})["condition"].(string)
		rule := func(name, condition string, extra map[string]any) string {
			body := map[string]any{
				"name": name, "trigger": map[string]any{"type": "tag_applied", "tag": "Order Closed"}, "condition": condition,
				"actions": []any{map[string]any{"endpoint_id": ep["id"], "body": map[string]any{"name": "{{ contact.name }}", "budget": "{{ contact.custom_fields.budget }}"}}},
			}
			for k, v := range extra {
				body[k] = v
			}
			return tl.must(201, "POST", "/v1/rules", body)["id"].(string)
		}
		good := rule("builder", cond, map[string]any{"frequency": map[string]any{"once_per_contact": true}})
		broken := rule("broken condition", "contact.custom_fields.missing > 3", nil)
		badTpl := rule("broken template", "", map[string]any{"actions": []any{map[string]any{"endpoint_id": ep["id"], "body": map[string]any{"city": "{{ contact.custom_fields.address.city }}"}}}})

		if cat := tl.must(200, "GET", "/v1/triggers", nil)["data"].([]any); len(cat) < 20 {
			t.Fatalf("catalogue has %d triggers", len(cat))
		}

		event := map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "Order Closed",
			"contact": map[string]any{"name": "Ann \"A\" O'Neil", "channel": "whatsapp", "custom_fields": map[string]any{"budget": "5000"}}}
		outcomes := func(contact any) map[string]map[string]any {
			body := map[string]any{"event": event}
			if contact != nil {
				body["contact"] = contact
			}
			res := tl.must(200, "POST", "/v1/simulate", body)
			out := map[string]map[string]any{}
			for _, r := range res["rules"].([]any) {
				o := r.(map[string]any)
				out[o["rule_id"].(string)] = o
			}
			return out
		}
		sim := outcomes(nil)
		if o := sim[good]; o["matched"] != true || o["actions"].([]any)[0].(map[string]any)["payload"].(map[string]any)["budget"] != "5000" {
			t.Fatalf("builder rule: %v", o)
		}
		if o := sim[broken]; o["reason"] != "condition_error" || o["error"] == "" {
			t.Fatalf("broken rule: %v", o)
		}
		if o := sim[badTpl]; !strings.HasPrefix(o["actions"].([]any)[0].(map[string]any)["error"].(string), "template: ") {
			t.Fatalf("template rule: %v", o)
		}
		if ds := tl.must(200, "GET", "/v1/deliveries", nil)["data"].([]any); len(ds) != 0 {
			t.Fatalf("the dry run stored %d deliveries", len(ds))
		}

		tl.must(202, "POST", "/v1/events", event)
		if got := rc.next(t); got.err != nil || got.body["name"] != "Ann \"A\" O'Neil" {
			t.Fatalf("delivery: %v %v", got.err, got.body)
		}
		if r := tl.must(200, "GET", "/v1/rules/"+broken, nil); r["error_count"] != 1.0 || r["last_error"] == nil || r["last_error_at"] == nil {
			t.Fatalf("broken rule after ingest: %v", r)
		}
		dead := tl.must(200, "GET", "/v1/deliveries?status=dead&rule_id="+badTpl, nil)["data"].([]any)
		if len(dead) != 1 || !strings.HasPrefix(dead[0].(map[string]any)["last_error"].(string), "template: actions[0].body.city") ||
			dead[0].(map[string]any)["attempt_count"] != 0.0 {
			t.Fatalf("dead deliveries: %v", dead)
		}
		// The builder rule fired once for c_1: a dry run from a state without
		// the tag now says frequency.
		if o := outcomes(map[string]any{"name": "Ann"})[good]; o["matched"] != false || o["reason"] != "frequency" {
			t.Fatalf("after firing: %v", o)
		}
	})
}
