package main

import (
	"testing"
	"time"
)

// TestDatetimeTriggerEndToEnd: a rule with a datetime_based_trigger, a
// contact_updated event setting appointment_at a moment ahead, and the
// webhook arrives once, at its time, through the real server.
func TestDatetimeTriggerEndToEnd(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "Reminders", "url": rc.URL + "/hook"})
		rc.setSecret(ep["secret"].(string))

		// Bad parameters are a 400 naming the field.
		status, problem := tl.do("POST", "/v1/rules", map[string]any{"name": "x",
			"trigger": map[string]any{"type": "datetime_based_trigger", "field": "appointment_at", "timezone": "Mars/Olympus"},
			"actions": []any{map[string]any{"endpoint_id": ep["id"]}}})
		if errs, _ := problem["errors"].([]any); status != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != "trigger.timezone" {
			t.Fatalf("unknown zone: %d %v", status, problem)
		}

		rule := tl.must(201, "POST", "/v1/rules", map[string]any{
			"name":    "Appointment reminder",
			"trigger": map[string]any{"type": "datetime_based_trigger", "field": "appointment_at", "direction": "after", "amount": 1, "unit": "minutes", "timezone": "Europe/Berlin"},
			"actions": []any{map[string]any{"endpoint_id": ep["id"]}},
		})
		if tr := rule["trigger"].(map[string]any); tr["amount"] != 1.0 || tr["unit"] != "minutes" || tr["timezone"] != "Europe/Berlin" {
			t.Fatalf("rule trigger round trip %v", tr)
		}
		// Due one minute after a time 58.5 s ago: in 1.5 s.
		at := time.Now().Add(-58500 * time.Millisecond).UTC().Truncate(time.Millisecond)
		want := at.Add(time.Minute)
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "contact_updated", "contact_id": "c_1",
			"contact": map[string]any{"custom_fields": map[string]any{"appointment_at": at.Format(time.RFC3339Nano)}}})

		got := rc.next(t)
		arrived := time.Now()
		if got.err != nil {
			t.Fatalf("signature: %v", got.err)
		}
		b := got.body
		if b["event"] != "datetime_based_trigger" || b["contact_id"] != "c_1" || b["field"] != "appointment_at" ||
			b["scheduled_for"] != want.Format("2006-01-02T15:04:05.000Z07:00") {
			t.Fatalf("payload %v", b)
		}
		if arrived.Before(want) {
			t.Fatalf("arrived at %v, before its time %v", arrived, want)
		}
		// Once: the delivery log holds one delivery for the rule, and a
		// repeat of the same value arms nothing.
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "contact_updated", "contact_id": "c_1",
			"contact": map[string]any{"custom_fields": map[string]any{"appointment_at": at.Format(time.RFC3339Nano), "x": 1}}})
		list := tl.must(200, "GET", "/v1/deliveries?rule_id="+rule["id"].(string), nil)
		if items := list["data"].([]any); len(items) != 1 {
			t.Fatalf("deliveries %v", list)
		}
		select {
		case r := <-rc.arrived:
			t.Fatalf("a second webhook arrived: %v", r.body)
		default:
		}
	})
}
