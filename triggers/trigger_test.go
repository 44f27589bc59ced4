package triggers

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCatalogue(t *testing.T) {
	t.Parallel()
	tags := map[string]bool{}
	for name := range fieldIndex {
		tags[name] = true
	}
	seen := map[string]bool{}
	for _, spec := range Catalogue() {
		if seen[spec.Type] {
			t.Errorf("%s listed twice", spec.Type)
		}
		seen[spec.Type] = true
		for _, f := range spec.Fields {
			if !tags[f] {
				t.Errorf("%s: field %q is not a json tag of Fields", spec.Type, f)
			}
		}
		if spec.MatchParam != "" && !slices.ContainsFunc(spec.Params, func(p Param) bool { return p.Name == spec.MatchParam }) {
			t.Errorf("%s: match param %q is not one of its params", spec.Type, spec.MatchParam)
		}
		if got, ok := Lookup(spec.Type); !ok || !reflect.DeepEqual(got, spec) {
			t.Errorf("Lookup(%q) = %+v, %v", spec.Type, got, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found an unknown type")
	}
	c := Catalogue()
	c[0].Type = "changed"
	if Catalogue()[0].Type == "changed" {
		t.Error("Catalogue returns its own slice")
	}
}

func TestMatchValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ    string
		fields Fields
		want   []string
	}{
		{TriggerTagApplied, Fields{Tag: "vip"}, []string{"vip"}},
		{TriggerTagRemoved, Fields{Tag: "vip"}, []string{"vip"}},
		{TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{Name: "budget"}}, []string{"budget"}},
		{TriggerCustomFieldChanged, Fields{}, nil},
		{TriggerContactInfoUpdated, Fields{Changed: []string{"first_name", "last_name", "phone"}}, []string{"name", "phone"}},
		{TriggerContactInfoUpdated, Fields{Changed: []string{"email", "name"}}, []string{"name", "email"}},
		{TriggerSubscribedToSequence, Fields{SequenceID: "seq_1", SequenceName: "Welcome"}, []string{"seq_1", "Welcome"}},
		{TriggerUnsubscribedFromSequence, Fields{SequenceName: "Welcome"}, []string{"Welcome"}},
		{TriggerConversationAssigned, Fields{AssignedTo: "alice", AssignedBy: "bob"}, []string{"alice"}},
		{TriggerConversationUnassigned, Fields{AssignedTo: "alice"}, []string{"alice"}},
		{TriggerMessageCreated, Fields{Message: &Message{Author: "visitor", Text: "hi"}}, []string{"visitor"}},
		{TriggerMessageCreated, Fields{}, nil},
		{TriggerCustom, Fields{Name: "paid"}, []string{"paid"}},
		{TriggerContactChanged, Fields{Changes: []Change{{Field: "email"}, {Field: "custom_fields.plan"}}}, []string{"email", "custom_fields.plan"}},
		{TriggerContactChanged, Fields{CustomField: &CustomFieldChange{Name: "not its own"}}, []string{}},
		{TriggerOfflineMessageCreated, Fields{Message: &Message{Author: "visitor"}}, nil},
		{TriggerNewContact, Fields{Tag: "ignored"}, nil},
		{TriggerChatRated, Fields{Rating: 5}, nil},
		{"unknown", Fields{Tag: "x"}, nil},
	}
	for _, tc := range tests {
		if got := (TriggerEvent{Type: tc.typ, Fields: tc.fields}).MatchValues(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %+v: %q, want %q", tc.typ, tc.fields, got, tc.want)
		}
	}
}

func TestFieldsMap(t *testing.T) {
	t.Parallel()
	transcript := []map[string]any{{"author": "visitor", "text": "hi"}}
	tests := []struct {
		typ    string
		fields Fields
		want   map[string]any
	}{
		{TriggerNewContact, Fields{Tag: "not its own"}, map[string]any{}},
		{TriggerTagApplied, Fields{Tag: "vip"}, map[string]any{"tag": "vip"}},
		{TriggerContactInfoUpdated, Fields{Changed: []string{"email"}}, map[string]any{"changed": []string{"email"}}},
		{TriggerContactInfoUpdated, Fields{}, map[string]any{"changed": []string{}}},
		{TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{"budget", nil, 1.5}},
			map[string]any{"custom_field": map[string]any{"name": "budget", "old_value": nil, "new_value": 1.5}}},
		{TriggerCustomFieldChanged, Fields{}, map[string]any{"custom_field": nil}},
		{TriggerConversationClosed, Fields{ConversationID: "cv_1"},
			map[string]any{"conversation_id": "cv_1", "summary": "", "message_count": 0, "duration_seconds": 0, "messages": []map[string]any{}}},
		{TriggerConversationClosed, Fields{ConversationID: "cv_1", Summary: "s", MessageCount: 3, DurationSeconds: 60, Messages: transcript},
			map[string]any{"conversation_id": "cv_1", "summary": "s", "message_count": 3, "duration_seconds": 60, "messages": transcript}},
		{TriggerConversationAssigned, Fields{ConversationID: "cv_1", AssignedTo: "alice"},
			map[string]any{"conversation_id": "cv_1", "assigned_to": "alice", "assigned_by": ""}},
		{TriggerSubscribedToSequence, Fields{SequenceID: "s"}, map[string]any{"sequence_id": "s", "sequence_name": ""}},
		{TriggerContactReferredANewContact, Fields{ReferredContactID: "c_2"},
			map[string]any{"referred_contact_id": "c_2", "ref_name": "", "reflink_id": ""}},
		{TriggerMessageCreated, Fields{Message: &Message{"m_1", "ai", "hi"}, Data: map[string]any{"score": 0.85}},
			map[string]any{"conversation_id": "", "message": map[string]any{"id": "m_1", "author": "ai", "text": "hi"}, "data": map[string]any{"score": 0.85}}},
		{TriggerMessageCreated, Fields{}, map[string]any{"conversation_id": "", "message": nil, "data": map[string]any{}}},
		{TriggerOfflineMessageCreated, Fields{Message: &Message{"om_1", "visitor", "call me"}},
			map[string]any{"message": map[string]any{"id": "om_1", "author": "visitor", "text": "call me"}}},
		{TriggerContactBanned, Fields{BannedBy: "anna", UnbannedBy: "not its own"}, map[string]any{"banned_by": "anna"}},
		{TriggerContactUnbanned, Fields{UnbannedBy: "anna"}, map[string]any{"unbanned_by": "anna"}},
		{TriggerConversationOpened, Fields{ConversationID: "cv_1", OpenedBy: "visitor"}, map[string]any{"conversation_id": "cv_1", "opened_by": "visitor"}},
		{TriggerContactChanged, Fields{Changes: []Change{{"email", "", "a@b.c"}, {"custom_fields.plan", nil, "pro"}}},
			map[string]any{"changes": []map[string]any{{"field": "email", "old_value": "", "new_value": "a@b.c"},
				{"field": "custom_fields.plan", "old_value": nil, "new_value": "pro"}}}},
		{TriggerContactChanged, Fields{}, map[string]any{"changes": []map[string]any{}}},
		{TriggerChatRated, Fields{Rating: 4}, map[string]any{"conversation_id": "", "rating": 4, "comment": ""}},
		{TriggerCustom, Fields{Name: "paid"}, map[string]any{"name": "paid", "data": map[string]any{}}},
		{TriggerEndpointDisabled, Fields{EndpointID: "ep_1", DisabledReason: "5 dead deliveries"},
			map[string]any{"endpoint_id": "ep_1", "disabled_reason": "5 dead deliveries"}},
		{"unknown", Fields{Tag: "x"}, map[string]any{}},
	}
	for _, tc := range tests {
		if got := (TriggerEvent{Type: tc.typ, Fields: tc.fields}).FieldsMap(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %#v, want %#v", tc.typ, got, tc.want)
		}
	}
}

func TestTriggerEventJSON(t *testing.T) {
	t.Parallel()
	prev := known()
	after := known(conv(func(cv *Conversation) { cv.Status = StatusClosed }))
	after.UpdatedAt = now
	te := TriggerEvent{
		ID: "evt_01", Type: TriggerConversationClosed, ContactID: "c_1",
		Timestamp: time.Date(2026, 11, 22, 11, 0, 0, 5e6, time.FixedZone("CET", 3600)),
		Contact:   *after, Previous: prev,
		Fields: Fields{ConversationID: "cv_1", Tag: "not its own"},
	}
	b, err := json.Marshal(te)
	if err != nil {
		t.Fatal(err)
	}
	contact, _ := json.Marshal(after)
	previous, _ := json.Marshal(prev)
	want := `{"id":"evt_01","type":"conversation_closed","timestamp":"2026-11-22T10:00:00.005Z","contact_id":"c_1",` +
		`"contact":` + string(contact) + `,"previous":` + string(previous) +
		`,"conversation_id":"cv_1","summary":"","message_count":0,"duration_seconds":0,"messages":[]}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}

	var back TriggerEvent
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	te.Fields.Tag, te.Fields.Messages = "", []map[string]any{}
	if !back.Timestamp.Equal(te.Timestamp) || back.ID != te.ID || back.Type != te.Type || back.ContactID != te.ContactID ||
		!reflect.DeepEqual(back.Fields, te.Fields) || !sameState(&back.Contact, after) || !sameState(back.Previous, prev) {
		t.Errorf("round trip\n%+v\nwant\n%+v", back, te)
	}
	if err := json.Unmarshal([]byte(`{"id":1}`), &back); err == nil {
		t.Error("bad JSON accepted")
	}
	if err := json.Unmarshal([]byte(`{"tag":1}`), &back); err == nil {
		t.Error("bad fields accepted")
	}

	// Without a contact (endpoint_disabled) and on a first appearance.
	b, err = json.Marshal(TriggerEvent{ID: "evt_02", Type: TriggerEndpointDisabled, Timestamp: now, Fields: Fields{EndpointID: "ep_1"}})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"id":"evt_02","type":"endpoint_disabled","timestamp":"2026-11-22T10:00:00.000Z","contact_id":"","contact":null,"previous":null,"endpoint_id":"ep_1","disabled_reason":""}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Contact.ID != "" || back.Previous != nil || back.Fields.EndpointID != "ep_1" {
		t.Errorf("round trip: %+v %v", back, err)
	}

	_, err = json.Marshal(TriggerEvent{Type: TriggerCustom, Fields: Fields{Data: map[string]any{"f": func() {}}}})
	if err == nil || !strings.Contains(err.Error(), "marshal trigger event data") {
		t.Errorf("error %v, want one naming data", err)
	}
}

// TestApplyOutputMarshals checks that what Apply produces marshals with every
// catalogue field of its type.
func TestApplyOutputMarshals(t *testing.T) {
	t.Parallel()
	for typ, ev := range validEvents() {
		ev.Contact = nil
		if typ == EventContactUpdated {
			ev.Contact = ContactPatch{"email": json.RawMessage(`"a@b.c"`)}
		}
		got, err := Apply(map[string]*Contact{"c_1": known()}, ev, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, te := range got {
			m, b := jsonObject(t, te)
			spec, _ := Lookup(te.Type)
			if len(m) != 6+len(spec.Fields) {
				t.Errorf("%s: %d keys, want %d: %s", te.Type, len(m), 6+len(spec.Fields), b)
			}
		}
	}
}
