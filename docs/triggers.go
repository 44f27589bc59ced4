package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// sampleNow is the clock of the samples, so that the reference is stable.
var sampleNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// The ids the samples show.
const (
	sampleWorkspace = "ws_01JD8X3Q2W5E7R9T1Y3U5I7O9P"
	sampleEventID   = "evt_01JD8X4K6M8N0B2V4C6X8Z0A2S"
	sampleRuleID    = "rul_01JD8X2F4G6H8J0K2L4Z6X8C0V"
	sampleRuleName  = "My rule"
)

// A contact as a platform first reports it; most samples start with it.
const newContact = `{"type": "contact_updated", "contact_id": "c_123", "contact": {"name": "John Smith", "first_name": "John", "last_name": "Smith", "email": "john@example.com", "phone": "+15551234567", "channel": "whatsapp", "custom_fields": {"budget": 10000}}}`

// A conversation being opened for that contact.
const opened = `{"type": "conversation_opened", "contact_id": "c_123", "conversation_id": "cv_9", "by": "visitor"}`

// The contact being banned by an agent.
const banned = `{"type": "contact_banned", "contact_id": "c_123", "by": "maria@example.com"}`

// sampleScripts holds, for each trigger type that inbound events cause, the
// events that lead to one: the last event causes the trigger event sampled;
// the ones before set the scene.
var sampleScripts = map[string][]string{
	triggers.TriggerNewContact: {newContact},
	triggers.TriggerNewLead:    {newContact},
	triggers.TriggerContactInfoUpdated: {newContact,
		`{"type": "contact_updated", "contact_id": "c_123", "contact": {"email": "john.smith@example.com"}}`},
	triggers.TriggerCustomFieldChanged: {newContact,
		`{"type": "contact_updated", "contact_id": "c_123", "contact": {"custom_fields": {"budget": 12000}}}`},
	triggers.TriggerTagApplied: {newContact, `{"type": "tag_applied", "contact_id": "c_123", "tag": "Order Closed"}`},
	triggers.TriggerTagRemoved: {newContact, `{"type": "tag_applied", "contact_id": "c_123", "tag": "vip"}`,
		`{"type": "tag_removed", "contact_id": "c_123", "tag": "vip"}`},
	triggers.TriggerContactUnsubscribed: {newContact,
		`{"type": "contact_updated", "contact_id": "c_123", "contact": {"subscribed": false}}`},
	triggers.TriggerContactBanned: {newContact, banned},
	triggers.TriggerContactUnbanned: {newContact, banned,
		`{"type": "contact_unbanned", "contact_id": "c_123", "by": "maria@example.com"}`},
	triggers.TriggerContactChanged: {newContact,
		`{"type": "contact_updated", "contact_id": "c_123", "contact": {"email": "john.smith@example.com", "tags": ["vip"], "custom_fields": {"budget": 12000, "plan": "pro"}}}`},
	triggers.TriggerOfflineMessageCreated: {
		`{"type": "offline_message_created", "contact_id": "c_123", "contact": {"name": "John Smith", "email": "john@example.com", "phone": "+15551234567", "channel": "web"}, "message": {"id": "om_1", "text": "Please call me back tomorrow morning."}}`},
	triggers.TriggerConversationOpened: {newContact, opened},
	triggers.TriggerConversationClosed: {newContact, opened,
		`{"type": "conversation_closed", "contact_id": "c_123", "conversation_id": "cv_9", "summary": "Asked for the delivery date; told Friday.", "message_count": 2, "duration_seconds": 340, "messages": [{"author": "visitor", "text": "When will my order arrive?", "at": "2026-11-22T09:54:20Z"}, {"author": "agent", "text": "On Friday.", "at": "2026-11-22T10:00:00Z"}]}`},
	triggers.TriggerConversationTransferredToHuman: {newContact, opened,
		`{"type": "conversation_transferred_to_human", "contact_id": "c_123", "conversation_id": "cv_9", "by": "bot"}`},
	triggers.TriggerConversationTransferredToBot: {newContact, opened,
		`{"type": "conversation_transferred_to_human", "contact_id": "c_123", "conversation_id": "cv_9", "by": "bot"}`,
		`{"type": "conversation_transferred_to_bot", "contact_id": "c_123", "conversation_id": "cv_9", "by": "maria@example.com"}`},
	triggers.TriggerConversationAssigned: {newContact, opened,
		`{"type": "conversation_assigned", "contact_id": "c_123", "conversation_id": "cv_9", "assignee": "maria@example.com", "by": "lead@example.com"}`},
	triggers.TriggerConversationUnassigned: {newContact, opened,
		`{"type": "conversation_assigned", "contact_id": "c_123", "conversation_id": "cv_9", "assignee": "maria@example.com", "by": "lead@example.com"}`,
		`{"type": "conversation_unassigned", "contact_id": "c_123", "conversation_id": "cv_9", "by": "lead@example.com"}`},
	triggers.TriggerConversationArchived: {newContact, opened,
		`{"type": "conversation_archived", "contact_id": "c_123", "conversation_id": "cv_9", "by": "maria@example.com"}`},
	triggers.TriggerMarkedAsFollowUp: {newContact, opened,
		`{"type": "marked_as_follow_up", "contact_id": "c_123", "conversation_id": "cv_9", "by": "maria@example.com"}`},
	triggers.TriggerSubscribedToSequence: {newContact,
		`{"type": "subscribed_to_sequence", "contact_id": "c_123", "sequence_id": "seq_1", "sequence_name": "welcome"}`},
	triggers.TriggerUnsubscribedFromSequence: {newContact,
		`{"type": "subscribed_to_sequence", "contact_id": "c_123", "sequence_id": "seq_1", "sequence_name": "welcome"}`,
		`{"type": "unsubscribed_from_sequence", "contact_id": "c_123", "sequence_id": "seq_1", "sequence_name": "welcome"}`},
	triggers.TriggerContactReferredANewContact: {newContact,
		`{"type": "contact_referred", "contact_id": "c_123", "referred_contact_id": "c_456", "ref_name": "spring-promo", "reflink_id": "rl_7"}`},
	triggers.TriggerContactReferredExistingContact: {newContact,
		`{"type": "contact_updated", "contact_id": "c_456", "contact": {"name": "Ann Lee"}}`,
		`{"type": "contact_referred", "contact_id": "c_123", "referred_contact_id": "c_456", "ref_name": "spring-promo", "reflink_id": "rl_7"}`},
	triggers.TriggerMessageCreated: {newContact, opened,
		`{"type": "message_created", "contact_id": "c_123", "conversation_id": "cv_9", "message_id": "m_1", "author": "ai", "text": "Yes, the red one ships today.", "data": {"score": 0.85, "cost_credits": 20, "client_ip": "203.0.113.7"}}`},
	triggers.TriggerChatRated: {newContact, opened,
		`{"type": "chat_rated", "contact_id": "c_123", "conversation_id": "cv_9", "rating": 5, "comment": "Quick and kind."}`},
	triggers.TriggerCustom: {newContact,
		`{"type": "custom", "contact_id": "c_123", "name": "order_paid", "data": {"order_id": "o_42", "total": 129.5}}`},
}

// sampleEvents holds the trigger events no inbound event causes, made as
// Tripline makes them.
var sampleEvents = map[string]triggers.TriggerEvent{
	// Raised by the scheduler: "1 day before appointment_at at 09:00 Europe/Berlin".
	triggers.TriggerDatetimeBased: {Type: triggers.TriggerDatetimeBased, ContactID: "c_123",
		Contact: triggers.Contact{ID: "c_123", Name: "John Smith", FirstName: "John", LastName: "Smith", Email: "john@example.com",
			Channel: "whatsapp", Subscribed: true, CustomFields: map[string]any{"appointment_at": "2026-12-01T15:00:00Z"},
			CreatedAt: sampleNow.Add(-24 * time.Hour), UpdatedAt: sampleNow.Add(-time.Hour)},
		Fields: triggers.Fields{Field: "appointment_at", FieldValue: "2026-12-01T15:00:00Z",
			ScheduledFor: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}},
	triggers.TriggerEndpointDisabled: {Type: triggers.TriggerEndpointDisabled, Fields: triggers.Fields{
		EndpointID: "ep_01JD8X5P7Q9R1S3T5U7V9W1X3Y", DisabledReason: "5 deliveries in a row were dead; the last answered HTTP 500"}},
}

// Sample is a trigger type's sample: the inbound event that causes it (nil
// for a trigger event Tripline itself makes) and the default payload a rule
// without a body template sends for it.
type Sample struct {
	Cause   json.RawMessage
	Payload json.RawMessage
}

// SampleOf runs the type's sample script through the real triggers.Apply and
// renders the trigger event with engine.DefaultPayload.
func SampleOf(triggerType string) (Sample, error) {
	te, cause, err := sampleTriggerEvent(triggerType)
	if err != nil {
		return Sample{}, err
	}
	te.ID, te.Timestamp = sampleEventID, sampleNow
	payload, err := engine.DefaultPayload(sampleWorkspace, &te, engine.RuleEnv{ID: sampleRuleID, Name: sampleRuleName})
	if err != nil {
		return Sample{}, fmt.Errorf("%s: payload: %w", triggerType, err)
	}
	return Sample{Cause: cause, Payload: payload}, nil
}

func sampleTriggerEvent(triggerType string) (triggers.TriggerEvent, json.RawMessage, error) {
	if te, ok := sampleEvents[triggerType]; ok {
		return te, nil, nil
	}
	script, ok := sampleScripts[triggerType]
	if !ok {
		return triggers.TriggerEvent{}, nil, fmt.Errorf("%s: no sample: add its events to sampleScripts (or sampleEvents) in docs/triggers.go", triggerType)
	}
	contacts := map[string]*triggers.Contact{}
	var last []triggers.TriggerEvent
	for i, raw := range script {
		var ev triggers.Event
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			return triggers.TriggerEvent{}, nil, fmt.Errorf("%s: event %d: %w", triggerType, i, err)
		}
		if errs := ev.Validate(); len(errs) > 0 {
			return triggers.TriggerEvent{}, nil, fmt.Errorf("%s: event %d: %v", triggerType, i, errs)
		}
		var err error
		if last, err = triggers.Apply(contacts, ev, sampleNow.Add(time.Duration(i-len(script)+1)*time.Minute)); err != nil {
			return triggers.TriggerEvent{}, nil, fmt.Errorf("%s: event %d: %w", triggerType, i, err)
		}
	}
	i := slices.IndexFunc(last, func(te triggers.TriggerEvent) bool { return te.Type == triggerType })
	if i < 0 {
		return triggers.TriggerEvent{}, nil, fmt.Errorf("%s: the last event of its sample script does not cause one", triggerType)
	}
	return last[i], json.RawMessage(script[len(script)-1]), nil
}

// TriggerReference renders docs/triggers.md from the catalogue.
func TriggerReference() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`# Trigger reference

<!-- Generated from the trigger catalogue (triggers/catalogue.go) by
     go test ./docs -run TestTriggerReference -update
     Do not edit: a test fails when this file differs from what the code makes. -->

A rule's ` + "`trigger`" + ` names one of these types, and optionally its parameters:
` + "`{\"type\": \"tag_applied\", \"tag\": \"Order Closed\"}`" + ` fires only for that tag; a
parameter left out matches every value. ` + "`GET /v1/triggers`" + `, where available,
answers the same catalogue.

Each type lists the fields its trigger events carry: conditions and templates
read them as ` + "`event.<field>`" + `, and the default payload (a rule's action without
a ` + "`body`" + `) has them flat, beside ` + "`id`" + `, ` + "`event`" + `, ` + "`timestamp`" + `,
` + "`workspace_id`" + `, ` + "`contact_id`" + `, ` + "`contact`" + ` (the state after the change) and
` + "`rule`" + `. Each sample below was made by running the inbound event shown through
Tripline's own code. See [concepts](concepts.md) for when triggers fire.

| trigger | fires when | parameters |
|---|---|---|
`)
	cat := triggers.Catalogue()
	for _, s := range cat {
		params := "—"
		if len(s.Params) > 0 {
			names := make([]string, len(s.Params))
			for i, p := range s.Params {
				names[i] = "`" + p.Name + "`"
			}
			params = strings.Join(names, ", ")
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", s.Type, s.Type, s.Description, params)
	}
	for _, s := range cat {
		sample, err := SampleOf(s.Type)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", s.Type, s.Description)
		if len(s.Params) == 0 {
			b.WriteString("Parameters: none.\n\n")
		} else {
			b.WriteString("| parameter | meaning | values |\n|---|---|---|\n")
			for _, p := range s.Params {
				values := "any"
				if len(p.Enum) > 0 {
					values = "`" + strings.Join(p.Enum, "`, `") + "`"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", p.Name, p.Description, values)
			}
			b.WriteString("\n")
		}
		if len(s.Fields) == 0 {
			b.WriteString("Fields of its own: none.\n\n")
		} else {
			fmt.Fprintf(&b, "Fields of its own: `%s`.\n\n", strings.Join(s.Fields, "`, `"))
		}
		if sample.Cause != nil {
			fmt.Fprintf(&b, "Caused by, for example (`POST /v1/events`):\n\n```json\n%s\n```\n\n", sample.Cause)
		} else {
			b.WriteString("Tripline itself makes this trigger event; no inbound event causes it.\n\n")
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, sample.Payload, "", "  "); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Type, err)
		}
		fmt.Fprintf(&b, "Default payload:\n\n```json\n%s\n```\n", pretty.String())
	}
	return b.Bytes(), nil
}
