package main

import (
	"testing"
)

// TestActivityWhyNot asks, on a real past trigger event, what every rule
// makes of it: the rule that fired with its delivery, the rule whose
// condition was false with the row and the value it saw, and the filters
// of the list.
func TestActivityWhyNot(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		fired, big, teID := whyNotFixture(t, tl)

		// Newest first: the tag's contact_changed (made after the contact's
		// other triggers of the same event), then the tag_applied event.
		list := tl.must(200, "GET", "/v1/trigger-events", nil)["data"].([]any)
		if len(list) < 3 || list[0].(map[string]any)["type"] != "contact_changed" || list[1].(map[string]any)["id"] != teID {
			t.Fatalf("the list does not start with the newest events (contact_changed, then %s): %v", teID, list)
		}
		first := list[1].(map[string]any)
		if first["contact_name"] != "John Smith" || first["tag"] != "vip" || first["contact"] != nil {
			t.Fatalf("list item: %v", first)
		}
		if got := tl.must(200, "GET", "/v1/trigger-events?rule_id="+big["id"].(string), nil)["data"].([]any); len(got) != 1 || got[0].(map[string]any)["id"] != teID {
			t.Fatalf("?rule_id= lists %v, want the tag_applied event", got)
		}
		if got := tl.must(200, "GET", "/v1/trigger-events?contact_id=c_other", nil)["data"].([]any); len(got) != 0 {
			t.Fatalf("?contact_id=c_other lists %v", got)
		}
		if got := tl.must(200, "GET", "/v1/trigger-events?type=new_contact,new_lead", nil)["data"].([]any); len(got) != 2 {
			t.Fatalf("?type=new_contact,new_lead lists %v", got)
		}
		page := tl.must(200, "GET", "/v1/trigger-events?limit=1", nil)
		next := tl.must(200, "GET", "/v1/trigger-events?limit=1&cursor="+page["next_cursor"].(string), nil)["data"].([]any)
		if len(next) != 1 || next[0].(map[string]any)["id"] != teID { // the second newest
			t.Fatalf("the second page: %v", next)
		}
		tl.must(400, "GET", "/v1/trigger-events?rule_id=rul_nope", nil)

		detail := tl.must(200, "GET", "/v1/trigger-events/"+teID, nil)
		if detail["note"] == "" || detail["trigger_event"].(map[string]any)["previous"] == nil {
			t.Fatalf("detail: %v", detail)
		}
		verdicts := map[string]map[string]any{}
		for _, v := range detail["rules"].([]any) {
			v := v.(map[string]any)
			verdicts[v["rule_id"].(string)] = v
		}
		f := verdicts[fired["id"].(string)]
		if f["fired"] != true || len(f["deliveries"].([]any)) != 1 {
			t.Fatalf("the rule that fired: %v", f)
		}
		b := verdicts[big["id"].(string)]
		if b["matched"] != false || b["reason"] != "condition_false" || b["fired"] != false || b["condition_logic"] != "and" {
			t.Fatalf("the rule whose condition was false: %v", b)
		}
		rows := b["condition_rows"].([]any)
		r0, r1 := rows[0].(map[string]any), rows[1].(map[string]any)
		if r0["result"] != true || r0["value"] != "whatsapp" || r1["result"] != false || r1["field"] != "contact.custom_fields.budget" || r1["value"] != float64(500) {
			t.Fatalf("condition rows: %v", rows)
		}
		// The rules as they are now: switched off, the rule says so.
		tl.must(200, "PATCH", "/v1/rules/"+big["id"].(string), map[string]any{"enabled": false})
		for _, v := range tl.must(200, "GET", "/v1/trigger-events/"+teID, nil)["rules"].([]any) {
			if v := v.(map[string]any); v["rule_id"] == big["id"] && v["reason"] != "rule_disabled" {
				t.Fatalf("a rule switched off: %v", v)
			}
		}
		if got := tl.must(200, "GET", "/v1/deliveries?trigger_event_id="+teID, nil)["data"].([]any); len(got) != 1 {
			t.Fatalf("deliveries of the event: %v", got)
		}
		tl.must(404, "GET", "/v1/trigger-events/evt_nope", nil)

		// Contacts search by part of a name, email, phone or id, ignoring case.
		for _, q := range []string{"smith", "JOHN@", "c_jo"} {
			if got := tl.must(200, "GET", "/v1/contacts?q="+q, nil)["data"].([]any); len(got) != 1 {
				t.Fatalf("?q=%s found %v", q, got)
			}
		}
		if got := tl.must(200, "GET", "/v1/contacts?q=%25", nil)["data"].([]any); len(got) != 0 {
			t.Fatalf("?q=%% is a wildcard: %v", got)
		}
	})
}

// whyNotFixture makes two rules on tag_applied "vip": one that fires and one
// whose condition is false for John (a budget of 500), applies the tag, waits
// for the delivery and returns the rules and the tag_applied event's id.
func whyNotFixture(t *testing.T, tl *instance) (fired, big map[string]any, teID string) {
	t.Helper()
	rc := newReceiver(t)
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"url": rc.URL, "name": "CRM"})
	rc.setSecret(ep["secret"].(string))
	fired = tl.must(201, "POST", "/v1/rules", map[string]any{
		"name": "VIP to CRM", "trigger": map[string]any{"type": "tag_applied", "tag": "vip"},
		"actions": []any{map[string]any{"endpoint_id": ep["id"]}},
	})
	big = tl.must(201, "POST", "/v1/rules", map[string]any{
		"name": "Big budgets", "trigger": map[string]any{"type": "tag_applied", "tag": "vip"},
		"condition": `contact.channel == "whatsapp" && number(contact.custom_fields.budget) > 1000`,
		"actions":   []any{map[string]any{"endpoint_id": ep["id"]}},
	})
	tl.must(202, "POST", "/v1/events", map[string]any{"type": "contact_updated", "contact_id": "c_john",
		"contact": map[string]any{"name": "John Smith", "email": "john@example.com", "channel": "whatsapp", "custom_fields": map[string]any{"budget": 500}}})
	res := tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_john", "tag": "vip"})
	rc.next(t)
	return fired, big, res["trigger_events"].([]any)[0].(string)
}
