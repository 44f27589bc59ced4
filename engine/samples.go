package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/tripline/tripline/triggers"
)

// sampleTime is when the sample story happens.
var sampleTime = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// sampleStory is a realistic life of one contact, as inbound events. Applying
// it with triggers.Apply yields a trigger event of (almost) every type, so the
// samples are what Tripline really sends and cannot drift from it.
func sampleStory() []triggers.Event {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	n := func(i int) *int { return &i }
	return []triggers.Event{
		{Type: triggers.EventContactUpdated, ContactID: "c_123", Contact: triggers.ContactPatch{
			"name": raw(`"John Smith"`), "first_name": raw(`"John"`), "last_name": raw(`"Smith"`),
			"email": raw(`"john@example.com"`), "phone": raw(`"+15551234567"`), "channel": raw(`"whatsapp"`),
			"custom_fields": raw(`{"budget": 10000, "appointment_at": "2026-12-01T15:00:00Z"}`),
		}},
		{Type: triggers.EventContactUpdated, ContactID: "c_123", Contact: triggers.ContactPatch{
			"email": raw(`"john.smith@example.com"`), "custom_fields": raw(`{"budget": 12000}`),
		}},
		{Type: triggers.EventTagApplied, ContactID: "c_123", Tag: "Order Closed"},
		{Type: triggers.EventTagApplied, ContactID: "c_123", Tag: "vip"},
		{Type: triggers.EventTagRemoved, ContactID: "c_123", Tag: "vip"},
		{Type: triggers.EventConversationOpened, ContactID: "c_123", ConversationID: "cv_9", By: "visitor"},
		{Type: triggers.EventMessageCreated, ContactID: "c_123", ConversationID: "cv_9", MessageID: "m_1", Author: "visitor", Text: "Hi, what does shipping cost?",
			Data: map[string]any{"client_ip": "203.0.113.7"}},
		{Type: triggers.EventConversationTransferredToHuman, ContactID: "c_123", ConversationID: "cv_9", By: "bot"},
		{Type: triggers.EventConversationAssigned, ContactID: "c_123", ConversationID: "cv_9", Assignee: "anna@example.com", By: "bot"},
		{Type: triggers.EventMarkedAsFollowUp, ContactID: "c_123", ConversationID: "cv_9", By: "anna@example.com"},
		{Type: triggers.EventConversationUnassigned, ContactID: "c_123", ConversationID: "cv_9", Assignee: "anna@example.com", By: "anna@example.com"},
		{Type: triggers.EventConversationTransferredToBot, ContactID: "c_123", ConversationID: "cv_9", By: "anna@example.com"},
		{Type: triggers.EventConversationClosed, ContactID: "c_123", ConversationID: "cv_9", Summary: "Asked about shipping; answered.",
			MessageCount: n(2), DurationSeconds: n(340), Messages: []map[string]any{
				{"author": "visitor", "text": "Hi, what does shipping cost?", "at": "2026-11-22T09:54:00Z"},
				{"author": "agent", "text": "It is free above $50.", "at": "2026-11-22T09:59:40Z"},
			}},
		{Type: triggers.EventConversationArchived, ContactID: "c_123", ConversationID: "cv_9", By: "anna@example.com"},
		{Type: triggers.EventChatRated, ContactID: "c_123", ConversationID: "cv_9", Rating: 5, Comment: "Quick answer, thanks!"},
		{Type: triggers.EventSubscribedToSequence, ContactID: "c_123", SequenceID: "seq_1", SequenceName: "welcome"},
		{Type: triggers.EventUnsubscribedFromSequence, ContactID: "c_123", SequenceID: "seq_1", SequenceName: "welcome"},
		{Type: triggers.EventContactReferred, ContactID: "c_123", ReferredContactID: "c_456", RefName: "friends", ReflinkID: "rl_1"},
		{Type: triggers.EventContactReferred, ContactID: "c_123", ReferredContactID: "c_456", RefName: "friends", ReflinkID: "rl_1"},
		{Type: triggers.EventOfflineMessageCreated, ContactID: "c_123", Message: &triggers.InboundMessage{ID: "om_1", Text: "Please call me back tomorrow."},
			Contact: triggers.ContactPatch{"phone": raw(`"+15557654321"`)}},
		{Type: triggers.EventContactBanned, ContactID: "c_123", By: "anna@example.com"},
		{Type: triggers.EventContactUnbanned, ContactID: "c_123", By: "anna@example.com"},
		{Type: triggers.EventCustom, ContactID: "c_123", Name: "order_paid", Data: map[string]any{"order_id": "o_77", "total": 129.9}},
		{Type: triggers.EventContactUpdated, ContactID: "c_123", Contact: triggers.ContactPatch{"subscribed": raw(`false`)}},
	}
}

// SampleTriggerEvents returns a realistic trigger event of every type of the
// catalogue, for the catalogue's sample payloads and the UI's previews. They
// come from applying a sample story with triggers.Apply; the types no inbound
// event causes (endpoint_disabled, scheduled triggers) are built by hand.
func SampleTriggerEvents() (map[string]triggers.TriggerEvent, error) {
	contacts := map[string]*triggers.Contact{}
	out := map[string]triggers.TriggerEvent{}
	var last triggers.Contact
	for i, ev := range sampleStory() {
		if errs := ev.Validate(); len(errs) > 0 {
			return nil, fmt.Errorf("sample event %d: %v", i, errs[0])
		}
		now := sampleTime.Add(time.Duration(i) * time.Minute)
		tes, err := triggers.Apply(contacts, ev, now)
		if err != nil {
			return nil, fmt.Errorf("sample event %d: %w", i, err)
		}
		for _, te := range tes {
			if _, ok := out[te.Type]; !ok && te.ContactID == "c_123" {
				out[te.Type] = te
			}
		}
		last = *contacts["c_123"]
	}
	for _, spec := range triggers.Catalogue() {
		if _, ok := out[spec.Type]; ok {
			continue
		}
		te := triggers.TriggerEvent{
			ID: "evt_01JDSAMPLE" + fmt.Sprintf("%04d", len(out)), Type: spec.Type, Timestamp: sampleTime,
			ContactID: last.ID, Contact: last, Previous: &last,
		}
		if spec.Type == triggers.TriggerEndpointDisabled {
			// Raised by Tripline itself, about no contact, as FireSystem raises it.
			te.ContactID, te.Contact, te.Previous = "", triggers.Contact{}, nil
			te.Fields = triggers.Fields{EndpointID: "ep_01JDSAMPLE", DisabledReason: "5 deliveries in a row were dead; the last answered HTTP 500"}
		}
		if spec.Type == triggers.TriggerDatetimeBased {
			// Raised by the scheduler for a date custom field.
			te.Fields = triggers.Fields{Field: "appointment_at", FieldValue: "2026-12-01T15:00:00Z",
				ScheduledFor: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
		}
		out[spec.Type] = te
	}
	return out, nil
}

// SampleFor returns te (a catalogue sample of t's type) with the rule
// trigger's parameter set, so a draft rule's preview passes the trigger and
// shows what its condition and actions do. te is not changed.
func SampleFor(t Trigger, te triggers.TriggerEvent) triggers.TriggerEvent {
	f := te.Fields
	switch {
	case t.Type == triggers.TriggerDatetimeBased:
		if t.Field != "" {
			f.Field = t.Field
			if v, ok := te.Contact.CustomFields[t.Field]; ok {
				f.FieldValue = v
			}
		}
	case t.Tag != "":
		f.Tag = t.Tag
	case t.Field != "" && te.Type == triggers.TriggerContactChanged:
		if !slices.ContainsFunc(f.Changes, func(c triggers.Change) bool { return c.Field == t.Field }) {
			f.Changes = append([]triggers.Change{{Field: t.Field}}, f.Changes...)
		}
	case t.Field != "" && f.CustomField != nil:
		cf := *f.CustomField
		cf.Name = t.Field
		f.CustomField = &cf
	case t.Info != "":
		f.Changed = []string{t.Info}
	case t.Sequence != "" && t.Sequence != f.SequenceID:
		f.SequenceName = t.Sequence
	case t.Assignee != "":
		f.AssignedTo = t.Assignee
	case t.Author != "" && f.Message != nil:
		m := *f.Message
		m.Author = t.Author
		f.Message = &m
	case t.Name != "":
		f.Name = t.Name
	}
	te.Fields = f
	return te
}
