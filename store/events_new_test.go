package store_test

import (
	"encoding/json"
	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
	"reflect"
	"testing"
)

// TestNewInboundEvents runs the events of SPEC section 12 through the
// pipeline on each database: their trigger events fire rules, the delivery
// log filters by their names, and their payloads carry their fields.
func TestNewInboundEvents(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		w := openWorld(t, dialect, 1)
		p := w.pipeline(t, 0)
		for _, typ := range []string{triggers.TriggerOfflineMessageCreated, triggers.TriggerContactBanned,
			triggers.TriggerContactUnbanned, triggers.TriggerContactChanged, triggers.TriggerMessageCreated, triggers.TriggerConversationOpened} {
			w.rule(t, func(r *engine.Rule) { r.Trigger = engine.Trigger{Type: typ} })
		}
		raw := func(s string) json.RawMessage { return json.RawMessage(s) }
		ingestEvents(t, p, w.ws.ID,
			triggers.Event{Type: triggers.EventOfflineMessageCreated, ContactID: "c_1",
				Contact: triggers.ContactPatch{"name": raw(`"Bo"`), "email": raw(`"bo@example.com"`)},
				Message: &triggers.InboundMessage{ID: "om_1", Text: "Call me"}},
			triggers.Event{Type: triggers.EventContactBanned, ContactID: "c_1", By: "anna"},
			triggers.Event{Type: triggers.EventContactBanned, ContactID: "c_1", By: "anna"}, // no change: nothing
			triggers.Event{Type: triggers.EventContactUnbanned, ContactID: "c_1", By: "bob"},
			triggers.Event{Type: triggers.EventConversationOpened, ContactID: "c_1", ConversationID: "cv_1", By: "visitor"},
			triggers.Event{Type: triggers.EventMessageCreated, ContactID: "c_1", Author: "ai", Text: "Hello",
				Data: map[string]any{"score": 0.85, "cost_credits": 20.0}},
			// One update of three fields: one contact_changed.
			triggers.Event{Type: triggers.EventContactUpdated, ContactID: "c_1",
				Contact: triggers.ContactPatch{"phone": raw(`"+4711"`), "tags": raw(`["vip"]`), "custom_fields": raw(`{"plan":"pro"}`)}},
		)
		payloadsOf := func(event string) []map[string]any {
			ds, err := w.stores[0].DeliveryList(t.Context(), actions.DeliveryListParams{ListParams: tripline.ListParams{WorkspaceID: w.ws.ID, Limit: 100}, Event: event})
			if err != nil {
				t.Fatal(err)
			}
			var out []map[string]any
			for i := len(ds) - 1; i >= 0; i-- { // oldest first
				if ds[i].Event != event {
					t.Fatalf("filter %s listed a %s delivery", event, ds[i].Event)
				}
				_, m, _ := (fixture{s: w.stores[0], ws: w.ws}).get(t, ds[i].ID)
				var p map[string]any
				if err := json.Unmarshal(m.Payload, &p); err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
			return out
		}
		want := func(event string, n int) []map[string]any {
			t.Helper()
			ps := payloadsOf(event)
			if len(ps) != n {
				t.Fatalf("%s: %d deliveries, want %d", event, len(ps), n)
			}
			return ps
		}
		if p := want(triggers.TriggerOfflineMessageCreated, 1)[0]; !reflect.DeepEqual(p["message"], map[string]any{"id": "om_1", "author": "visitor", "text": "Call me"}) ||
			p["contact"].(map[string]any)["email"] != "bo@example.com" {
			t.Errorf("offline message payload %v", p)
		}
		if p := want(triggers.TriggerContactBanned, 1)[0]; p["banned_by"] != "anna" || p["contact"].(map[string]any)["banned"] != true {
			t.Errorf("banned payload %v", p)
		}
		if p := want(triggers.TriggerContactUnbanned, 1)[0]; p["unbanned_by"] != "bob" || p["contact"].(map[string]any)["banned"] != false {
			t.Errorf("unbanned payload %v", p)
		}
		if p := want(triggers.TriggerConversationOpened, 1)[0]; p["opened_by"] != "visitor" {
			t.Errorf("opened payload %v", p)
		}
		if p := want(triggers.TriggerMessageCreated, 1)[0]; !reflect.DeepEqual(p["data"], map[string]any{"score": 0.85, "cost_credits": 20.0}) {
			t.Errorf("message payload %v", p)
		}
		// banned, unbanned, opened and the update changed c_1; the
		// offline message was its first appearance, the second ban nothing.
		changed := want(triggers.TriggerContactChanged, 4)
		wantChanges := []any{
			map[string]any{"field": "phone", "old_value": "", "new_value": "+4711"},
			map[string]any{"field": "tags", "old_value": []any{}, "new_value": []any{"vip"}},
			map[string]any{"field": "custom_fields.plan", "old_value": nil, "new_value": "pro"},
		}
		if got := changed[3]["changes"]; !reflect.DeepEqual(got, wantChanges) {
			t.Errorf("changes %v, want %v", got, wantChanges)
		}
		if got := changed[0]["changes"]; !reflect.DeepEqual(got, []any{map[string]any{"field": "banned", "old_value": false, "new_value": true}}) {
			t.Errorf("ban's changes %v", got)
		}
		c, err := w.stores[0].ContactGet(t.Context(), w.ws.ID, "c_1")
		if err != nil || c.Banned || c.Phone != "+4711" {
			t.Errorf("contact %+v, %v", c, err)
		}
	})
}
