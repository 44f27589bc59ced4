package store_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/triggers"
)

// hookParts are a hook with its rule and endpoint, for HookInsert.
type hookParts struct {
	Hook     tripline.Hook
	Rule     engine.Rule
	Endpoint actions.Endpoint
}

// newHook makes a hook of f's workspace with its rule and endpoint.
func (f fixture) newHook(event, target string) hookParts {
	ep := newEndpoint(f.ws.ID)
	ep.URL = target
	rule := engine.Rule{
		ID: id.New(id.Rule), WorkspaceID: f.ws.ID, Name: "REST hook", Enabled: true,
		Trigger: engine.Trigger{Type: event}, Condition: `contact.channel == "web"`,
		Actions:   []engine.Action{{Type: "webhook", EndpointID: ep.ID}},
		CreatedAt: t0, UpdatedAt: t0,
	}
	return hookParts{
		Hook:     tripline.Hook{ID: id.New("hk"), WorkspaceID: f.ws.ID, TargetURL: target, Event: event, CreatedAt: t0},
		Rule:     rule,
		Endpoint: ep,
	}
}

func TestHooks(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		v0 := rulesVersion(t, s, f.ws.ID)

		h1 := f.newHook(triggers.TriggerTagApplied, "https://hooks.zapier.com/1")
		h2 := f.newHook(triggers.TriggerNewLead, "https://hook.make.com/2")
		for _, h := range []hookParts{h1, h2} {
			if err := s.HookInsert(ctx, h.Hook, h.Rule, h.Endpoint); err != nil {
				t.Fatalf("HookInsert: %v", err)
			}
		}
		if v := rulesVersion(t, s, f.ws.ID); v == v0 {
			t.Error("HookInsert did not bump the rules version")
		}
		if got, err := s.RuleGet(ctx, f.ws.ID, h1.Rule.ID); err != nil || got.Trigger.Type != triggers.TriggerTagApplied {
			t.Errorf("RuleGet of a hook's rule = %+v, %v", got, err)
		}
		if got, err := s.EndpointGet(ctx, f.ws.ID, h1.Endpoint.ID); err != nil || got.URL != h1.Hook.TargetURL || got.Secret != h1.Endpoint.Secret {
			t.Errorf("EndpointGet of a hook's endpoint = %+v, %v", got, err)
		}

		page1, err := s.HookList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 1})
		if err != nil || len(page1) != 1 {
			t.Fatalf("HookList page 1 = %+v, %v", page1, err)
		}
		want := h1.Hook
		want.RuleID, want.EndpointID, want.Condition = h1.Rule.ID, h1.Endpoint.ID, h1.Rule.Condition
		if !reflect.DeepEqual(page1[0], want) {
			t.Errorf("HookList[0] = %+v, want %+v", page1[0], want)
		}
		page2, err := s.HookList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 5, Cursor: page1[0].ID})
		if err != nil || len(page2) != 1 || page2[0].ID != h2.Hook.ID {
			t.Errorf("HookList page 2 = %+v, %v", page2, err)
		}
		if got, _ := s.HookList(ctx, tripline.ListParams{WorkspaceID: other.ws.ID}); len(got) != 0 {
			t.Errorf("HookList of another workspace = %+v", got)
		}

		got, err := s.HookFind(ctx, tripline.HookFindParams{WorkspaceID: f.ws.ID, RuleID: h1.Rule.ID})
		if err != nil || got.ID != h1.Hook.ID {
			t.Errorf("HookFind by rule = %+v, %v", got, err)
		}
		got, err = s.HookFind(ctx, tripline.HookFindParams{WorkspaceID: f.ws.ID, EndpointID: h2.Endpoint.ID})
		if err != nil || got.ID != h2.Hook.ID {
			t.Errorf("HookFind by endpoint = %+v, %v", got, err)
		}
		_, err = s.HookFind(ctx, tripline.HookFindParams{WorkspaceID: f.ws.ID, EndpointID: f.ep.ID})
		wantErr(t, err, tripline.ErrNotFound, "HookFind of an endpoint no hook manages")
		_, err = s.HookFind(ctx, tripline.HookFindParams{WorkspaceID: other.ws.ID, RuleID: h1.Rule.ID})
		wantErr(t, err, tripline.ErrNotFound, "HookFind in another workspace")

		// A pending delivery to the hook's endpoint is discarded with it; the log keeps it.
		d := f.newDelivery(t0)
		d.Delivery.EndpointID = h1.Endpoint.ID
		f.insertDeliveries(t, d)

		wantErr(t, s.HookDelete(ctx, other.ws.ID, h1.Hook.ID), tripline.ErrNotFound, "HookDelete from another workspace")
		if err := s.HookDelete(ctx, f.ws.ID, h1.Hook.ID); err != nil {
			t.Fatalf("HookDelete: %v", err)
		}
		wantErr(t, s.HookDelete(ctx, f.ws.ID, h1.Hook.ID), tripline.ErrNotFound, "HookDelete again")
		_, err = s.RuleGet(ctx, f.ws.ID, h1.Rule.ID)
		wantErr(t, err, tripline.ErrNotFound, "RuleGet of a deleted hook's rule")
		_, err = s.EndpointGet(ctx, f.ws.ID, h1.Endpoint.ID)
		wantErr(t, err, tripline.ErrNotFound, "EndpointGet of a deleted hook's endpoint")
		if dd, _, _ := f.get(t, d.Delivery.ID); dd.Status != actions.StatusDiscarded {
			t.Errorf("delivery of a deleted hook is %s, want discarded", dd.Status)
		}

		wantErr(t, s.HookDeleteByEndpoint(ctx, other.ws.ID, h2.Endpoint.ID), tripline.ErrNotFound, "HookDeleteByEndpoint from another workspace")
		if err := s.HookDeleteByEndpoint(ctx, f.ws.ID, h2.Endpoint.ID); err != nil {
			t.Fatalf("HookDeleteByEndpoint: %v", err)
		}
		wantErr(t, s.HookDeleteByEndpoint(ctx, f.ws.ID, h2.Endpoint.ID), tripline.ErrNotFound, "HookDeleteByEndpoint again")
		wantErr(t, s.HookDeleteByEndpoint(ctx, f.ws.ID, f.ep.ID), tripline.ErrNotFound, "HookDeleteByEndpoint of a plain endpoint")
		if _, err := s.EndpointGet(ctx, f.ws.ID, f.ep.ID); err != nil {
			t.Errorf("a plain endpoint was deleted: %v", err)
		}
		if left, _ := s.HookList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID}); len(left) != 0 {
			t.Errorf("hooks left: %+v", left)
		}
	})
}

// contact makes a contact state as Apply would leave it.
func contact(cid string, tags []string, fields map[string]any) *triggers.Contact {
	return &triggers.Contact{ID: cid, Email: cid + "@example.com", Tags: tags, CustomFields: fields,
		Subscribed: true, Sequences: []string{}, CreatedAt: t0, UpdatedAt: t0}
}

func TestContactsListGetErase(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		cs := []*triggers.Contact{
			contact("c_1", []string{"vip", "Order Closed"}, map[string]any{"budget": 10000.0, "plan": "pro"}),
			contact("c_2", []string{"Order Closed"}, map[string]any{"budget": 1.5, "ok": true}),
			contact("c_3", []string{"R&D"}, map[string]any{"plan": "free", "Order Date": "2026-12-01", "label": "vip", "note": "a<b & \"c\" é"}),
		}
		ingest(t, s, func(tx engine.IngestTx) error {
			if err := tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: f.ws.ID, Contacts: cs}); err != nil {
				return err
			}
			return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: other.ws.ID, Contacts: cs[:1]})
		})
		ids := func(p tripline.ContactListParams) []string {
			t.Helper()
			p.WorkspaceID = f.ws.ID
			got, err := s.ContactList(ctx, p)
			if err != nil {
				t.Fatalf("ContactList(%+v): %v", p, err)
			}
			out := []string{}
			for _, c := range got {
				out = append(out, c.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			p    tripline.ContactListParams
			want []string
		}{
			{"all", tripline.ContactListParams{}, []string{"c_1", "c_2", "c_3"}},
			{"page", tripline.ContactListParams{ListParams: tripline.ListParams{Limit: 1, Cursor: "c_1"}}, []string{"c_2"}},
			{"tag", tripline.ContactListParams{Tag: "Order Closed"}, []string{"c_1", "c_2"}},
			{"tag is whole", tripline.ContactListParams{Tag: "Order"}, []string{}},
			{"tag page", tripline.ContactListParams{ListParams: tripline.ListParams{Cursor: "c_1"}, Tag: "Order Closed"}, []string{"c_2"}},
			{"email", tripline.ContactListParams{FieldPath: []string{"email"}, Value: "c_3@example.com"}, []string{"c_3"}},
			{"string field", tripline.ContactListParams{FieldPath: []string{"custom_fields", "plan"}, Value: "pro"}, []string{"c_1"}},
			{"number field", tripline.ContactListParams{FieldPath: []string{"custom_fields", "budget"}, Value: "10000"}, []string{"c_1"}},
			{"decimal field", tripline.ContactListParams{FieldPath: []string{"custom_fields", "budget"}, Value: "1.5"}, []string{"c_2"}},
			{"bool field", tripline.ContactListParams{FieldPath: []string{"custom_fields", "ok"}, Value: "true"}, []string{"c_2"}},
			{"spaced name", tripline.ContactListParams{FieldPath: []string{"custom_fields", "Order Date"}, Value: "2026-12-01"}, []string{"c_3"}},
			{"tag, not a value", tripline.ContactListParams{Tag: "vip"}, []string{"c_1"}},
			{"escaped tag", tripline.ContactListParams{Tag: "R&D"}, []string{"c_3"}},
			{"escaped value", tripline.ContactListParams{FieldPath: []string{"custom_fields", "note"}, Value: "a<b & \"c\" é"}, []string{"c_3"}},
			{"value, not a key", tripline.ContactListParams{FieldPath: []string{"custom_fields", "plan"}, Value: "budget"}, []string{}},
			{"tag and field", tripline.ContactListParams{Tag: "Order Closed", FieldPath: []string{"custom_fields", "plan"}, Value: "pro"}, []string{"c_1"}},
		} {
			if got := ids(tc.p); !slices.Equal(got, tc.want) {
				t.Errorf("%s: ContactList = %v, want %v", tc.name, got, tc.want)
			}
		}

		got, err := s.ContactGet(ctx, f.ws.ID, "c_1")
		if err != nil || !reflect.DeepEqual(&got, cs[0]) {
			t.Errorf("ContactGet = %+v, %v; want %+v", got, err, cs[0])
		}
		_, err = s.ContactGet(ctx, f.ws.ID, "c_9")
		wantErr(t, err, tripline.ErrNotFound, "ContactGet of an unknown contact")

		// Trigger events and deliveries of c_1 (one sent with an attempt, one pending) and of c_2.
		te1 := triggers.TriggerEvent{ID: id.New(id.TriggerEvent), Type: triggers.TriggerTagApplied, Timestamp: t0, ContactID: "c_1", Contact: *cs[0], Fields: triggers.Fields{Tag: "vip"}}
		te2 := triggers.TriggerEvent{ID: id.New(id.TriggerEvent), Type: triggers.TriggerTagApplied, Timestamp: t0, ContactID: "c_2", Contact: *cs[1], Fields: triggers.Fields{Tag: "x"}}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.TriggerEventInsertMany(ctx, engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID, Events: []triggers.TriggerEvent{te1, te2}})
		})
		recent, err := s.TriggerEventListRecent(ctx, tripline.TriggerEventListParams{WorkspaceID: f.ws.ID, Type: triggers.TriggerTagApplied, Limit: 10})
		if err != nil || len(recent) != 2 || recent[0].ID != te2.ID || recent[1].ID != te1.ID || recent[1].Fields.Tag != "vip" {
			t.Fatalf("TriggerEventListRecent = %+v, %v; want te2, te1", recent, err)
		}
		sent, pending, kept := f.newDelivery(t0), f.newDelivery(t0.Add(time.Hour)), f.newDelivery(t0.Add(time.Hour))
		sent.Delivery.ContactID, pending.Delivery.ContactID, kept.Delivery.ContactID = "c_1", "c_1", "c_2"
		f.insertDeliveries(t, sent, pending, kept)
		claimed := f.claim(t, "w1", t0, 10)
		if len(claimed) != 1 {
			t.Fatalf("claimed %d deliveries, want 1", len(claimed))
		}
		err = s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: []actions.Outcome{{
			Attempt: actions.Attempt{ID: id.New(id.Attempt), DeliveryID: sent.Delivery.ID, At: t0, DurationMS: 7, StatusCode: 200,
				ResponseHeaders: map[string]string{"X-Echo": "john"}, ResponseBody: `{"email":"c_1@example.com"}`},
			Status: actions.StatusSucceeded, AttemptCount: 1, LastStatusCode: 200, DeliveredAt: &t0,
		}}})
		if err != nil {
			t.Fatalf("DeliveryRecordOutcomes: %v", err)
		}

		for range 2 { // idempotent
			if err := s.ContactErase(ctx, f.ws.ID, "c_1"); err != nil {
				t.Fatalf("ContactErase: %v", err)
			}
		}
		if err := s.ContactErase(ctx, f.ws.ID, "c_unknown"); err != nil {
			t.Errorf("ContactErase of an unknown contact: %v", err)
		}
		_, err = s.ContactGet(ctx, f.ws.ID, "c_1")
		wantErr(t, err, tripline.ErrNotFound, "ContactGet of an erased contact")
		if _, err := s.ContactGet(ctx, other.ws.ID, "c_1"); err != nil {
			t.Errorf("another workspace's c_1 was erased: %v", err)
		}
		recent, err = s.TriggerEventListRecent(ctx, tripline.TriggerEventListParams{WorkspaceID: f.ws.ID, Type: triggers.TriggerTagApplied, Limit: 10})
		if err != nil || len(recent) != 1 || recent[0].ID != te2.ID {
			t.Errorf("TriggerEventListRecent after erase = %+v, %v; want only te2", recent, err)
		}
		d, m, atts := f.get(t, sent.Delivery.ID)
		if d.Status != actions.StatusSucceeded || d.ContactID != "c_1" || d.LastStatusCode != 200 || len(atts) != 1 || atts[0].StatusCode != 200 {
			t.Errorf("erased delivery's metadata changed: %+v %+v", d, atts)
		}
		if string(m.Payload) != "null" || m.Headers != nil || atts[0].ResponseBody != "" || atts[0].ResponseHeaders != nil {
			t.Errorf("erased delivery keeps data: payload %s headers %v attempt %+v", m.Payload, m.Headers, atts[0])
		}
		if d, _, _ := f.get(t, pending.Delivery.ID); d.Status != actions.StatusDiscarded {
			t.Errorf("erased contact's pending delivery is %s, want discarded", d.Status)
		}
		if d, m, _ := f.get(t, kept.Delivery.ID); d.Status != actions.StatusPending || !json.Valid(m.Payload) || string(m.Payload) == "null" {
			t.Errorf("another contact's delivery changed: %+v %s", d, m.Payload)
		}
	})
}

func TestDeliveryQueueStats(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		n, oldest, err := s.DeliveryQueueStats(ctx, t0)
		if err != nil || n != 0 || !oldest.IsZero() {
			t.Fatalf("DeliveryQueueStats of an empty queue = %d, %v, %v", n, oldest, err)
		}
		f.insertDeliveries(t, f.newDelivery(t0.Add(-time.Minute)), f.newDelivery(t0.Add(-time.Second)), f.newDelivery(t0.Add(time.Hour)))
		n, oldest, err = s.DeliveryQueueStats(ctx, t0)
		if err != nil || n != 2 || !oldest.Equal(t0.Add(-time.Minute).Truncate(time.Millisecond)) {
			t.Errorf("DeliveryQueueStats = %d, %v, %v; want 2, %v", n, oldest, err, t0.Add(-time.Minute))
		}
	})
}
