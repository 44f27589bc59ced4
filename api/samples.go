package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// sampleContactID is the contact of catalogue samples.
const sampleContactID = "c_123"

// sampleSetup are the events every catalogue sample starts from: a known
// contact with the SPEC's example state and an open conversation.
var sampleSetup = []triggers.Event{
	{Type: triggers.EventContactUpdated, ContactID: sampleContactID, Contact: triggers.ContactPatch{
		"name": sampleJSON(`"John Smith"`), "first_name": sampleJSON(`"John"`), "last_name": sampleJSON(`"Smith"`),
		"email": sampleJSON(`"john@example.com"`), "phone": sampleJSON(`"+15551234567"`), "channel": sampleJSON(`"whatsapp"`),
		"tags":          sampleJSON(`["vip"]`),
		"custom_fields": sampleJSON(`{"budget": 10000, "appointment_at": "2026-12-01T15:00:00Z"}`),
	}},
	{Type: triggers.EventConversationOpened, ContactID: sampleContactID, ConversationID: "cv_9"},
}

// sampleEvents are, per trigger type, the inbound events applied after
// sampleSetup; the sample is the last trigger event of the type they cause.
var sampleEvents = map[string][]triggers.Event{
	triggers.TriggerNewContact: {{Type: triggers.EventContactUpdated, ContactID: "c_124",
		Contact: triggers.ContactPatch{"name": sampleJSON(`"Jane Doe"`), "email": sampleJSON(`"jane@example.com"`), "channel": sampleJSON(`"web"`)}}},
	triggers.TriggerNewLead: {
		{Type: triggers.EventContactUpdated, ContactID: "c_124", Contact: triggers.ContactPatch{"name": sampleJSON(`"Jane Doe"`)}},
		{Type: triggers.EventContactUpdated, ContactID: "c_124", Contact: triggers.ContactPatch{"email": sampleJSON(`"jane@example.com"`)}},
	},
	triggers.TriggerContactInfoUpdated: {{Type: triggers.EventContactUpdated, ContactID: sampleContactID,
		Contact: triggers.ContactPatch{"email": sampleJSON(`"john.smith@example.com"`)}}},
	triggers.TriggerCustomFieldChanged: {{Type: triggers.EventContactUpdated, ContactID: sampleContactID,
		Contact: triggers.ContactPatch{"custom_fields": sampleJSON(`{"budget": 15000}`)}}},
	triggers.TriggerTagApplied:          {{Type: triggers.EventTagApplied, ContactID: sampleContactID, Tag: "Order Closed"}},
	triggers.TriggerTagRemoved:          {{Type: triggers.EventTagRemoved, ContactID: sampleContactID, Tag: "vip"}},
	triggers.TriggerContactUnsubscribed: {{Type: triggers.EventContactUpdated, ContactID: sampleContactID, Contact: triggers.ContactPatch{"subscribed": sampleJSON(`false`)}}},
	triggers.TriggerConversationOpened:  {{Type: triggers.EventConversationOpened, ContactID: sampleContactID, ConversationID: "cv_10"}},
	triggers.TriggerConversationClosed: {{Type: triggers.EventConversationClosed, ContactID: sampleContactID, ConversationID: "cv_9",
		Summary: "Asked about delivery times; order confirmed.", MessageCount: sampleInt(4), DurationSeconds: sampleInt(312),
		Messages: []map[string]any{
			{"author": "visitor", "text": "When will my order arrive?", "at": "2026-11-22T09:55:00Z"},
			{"author": "agent", "text": "Tomorrow before noon.", "at": "2026-11-22T09:56:00Z"},
		}}},
	triggers.TriggerConversationTransferredToHuman: {{Type: triggers.EventConversationTransferredToHuman, ContactID: sampleContactID, ConversationID: "cv_9", By: "bot"}},
	triggers.TriggerConversationTransferredToBot: {
		{Type: triggers.EventConversationTransferredToHuman, ContactID: sampleContactID, ConversationID: "cv_9", By: "bot"},
		{Type: triggers.EventConversationTransferredToBot, ContactID: sampleContactID, ConversationID: "cv_9", By: "agent_7"},
	},
	triggers.TriggerConversationAssigned: {{Type: triggers.EventConversationAssigned, ContactID: sampleContactID, ConversationID: "cv_9", Assignee: "agent_7", By: "agent_1"}},
	triggers.TriggerConversationUnassigned: {
		{Type: triggers.EventConversationAssigned, ContactID: sampleContactID, ConversationID: "cv_9", Assignee: "agent_7", By: "agent_1"},
		{Type: triggers.EventConversationUnassigned, ContactID: sampleContactID, ConversationID: "cv_9", Assignee: "agent_7", By: "agent_1"},
	},
	triggers.TriggerConversationArchived: {{Type: triggers.EventConversationArchived, ContactID: sampleContactID, ConversationID: "cv_9", By: "agent_7"}},
	triggers.TriggerMarkedAsFollowUp:     {{Type: triggers.EventMarkedAsFollowUp, ContactID: sampleContactID, ConversationID: "cv_9", By: "agent_7"}},
	triggers.TriggerSubscribedToSequence: {{Type: triggers.EventSubscribedToSequence, ContactID: sampleContactID, SequenceID: "seq_1", SequenceName: "welcome"}},
	triggers.TriggerUnsubscribedFromSequence: {
		{Type: triggers.EventSubscribedToSequence, ContactID: sampleContactID, SequenceID: "seq_1", SequenceName: "welcome"},
		{Type: triggers.EventUnsubscribedFromSequence, ContactID: sampleContactID, SequenceID: "seq_1", SequenceName: "welcome"},
	},
	triggers.TriggerContactReferredANewContact: {{Type: triggers.EventContactReferred, ContactID: sampleContactID,
		ReferredContactID: "c_125", RefName: "spring-promo", ReflinkID: "ref_1"}},
	triggers.TriggerContactReferredExistingContact: {
		{Type: triggers.EventContactUpdated, ContactID: "c_125", Contact: triggers.ContactPatch{"name": sampleJSON(`"Ann Lee"`)}},
		{Type: triggers.EventContactReferred, ContactID: sampleContactID, ReferredContactID: "c_125", RefName: "spring-promo", ReflinkID: "ref_1"},
	},
	triggers.TriggerMessageCreated: {{Type: triggers.EventMessageCreated, ContactID: sampleContactID, ConversationID: "cv_9",
		MessageID: "m_1", Author: "visitor", Text: "Hi, is my order on its way?"}},
	triggers.TriggerChatRated: {{Type: triggers.EventChatRated, ContactID: sampleContactID, ConversationID: "cv_9", Rating: 5, Comment: "Quick and helpful!"}},
	triggers.TriggerCustom: {{Type: triggers.EventCustom, ContactID: sampleContactID, Name: "order_paid",
		Data: map[string]any{"order_id": "o_42", "amount": 129.9, "currency": "EUR"}}},
}

// sampleTriggerEvent makes a realistic trigger event of a type by applying
// sample events with triggers.Apply, so that a sample has the exact shape of
// a live one. endpoint_disabled, which Tripline raises itself with no
// contact (engine.Pipeline.FireSystem), is made as the server makes it.
// Other types no inbound event causes (a scheduled trigger) get the sample
// contact's last trigger event retyped.
func sampleTriggerEvent(triggerType string, now time.Time) (triggers.TriggerEvent, error) {
	spec, ok := triggers.Lookup(triggerType)
	if !ok {
		return triggers.TriggerEvent{}, fmt.Errorf("sample of unknown trigger type %q", triggerType)
	}
	if spec.Type == triggers.TriggerEndpointDisabled {
		return triggers.TriggerEvent{
			ID: id.NewAt(id.TriggerEvent, now), Type: spec.Type, Timestamp: now,
			Fields: triggers.Fields{EndpointID: "ep_01JD3Q5V4W8K9Z2M6N7P1R0S2T",
				DisabledReason: "the endpoint answered 410 Gone at " + now.UTC().Format(time.RFC3339)},
		}, nil
	}
	contacts := map[string]*triggers.Contact{}
	var last []triggers.TriggerEvent
	events := append(append([]triggers.Event{}, sampleSetup...), sampleEvents[spec.Type]...)
	for i, ev := range events {
		// Apply stamps trigger events with now; one second apart reads as a history.
		at := now.Add(time.Duration(i-len(events)+1) * time.Second)
		tes, err := triggers.Apply(contacts, ev, at)
		if err != nil {
			return triggers.TriggerEvent{}, fmt.Errorf("sample of %s: %w", triggerType, err)
		}
		last = tes
	}
	for i := len(last) - 1; i >= 0; i-- {
		if last[i].Type == spec.Type {
			return last[i], nil
		}
	}
	te := last[len(last)-1]
	te.Type, te.Fields = spec.Type, triggers.Fields{}
	return te, nil
}

func sampleJSON(s string) json.RawMessage { return json.RawMessage(s) }

func sampleInt(n int) *int { return &n }
