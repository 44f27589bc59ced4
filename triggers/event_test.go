package triggers

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// validEvents has one valid event of each inbound type, with every field its
// type allows.
func validEvents() map[string]Event {
	base := func(e Event) Event {
		e.ContactID, e.ID = "c_1", "idem_1"
		e.Contact = ContactPatch{"name": json.RawMessage(`"Ann"`)}
		return e
	}
	conv := func(typ string) Event { return base(Event{Type: typ, ConversationID: "cv_1", By: "bob"}) }
	return map[string]Event{
		EventContactUpdated:     base(Event{Type: EventContactUpdated}),
		EventTagApplied:         base(Event{Type: EventTagApplied, Tag: "vip"}),
		EventTagRemoved:         base(Event{Type: EventTagRemoved, Tag: "vip"}),
		EventConversationOpened: base(Event{Type: EventConversationOpened, ConversationID: "cv_1", By: "visitor"}),
		EventConversationClosed: base(Event{Type: EventConversationClosed, ConversationID: "cv_1", Summary: "s",
			MessageCount: ptr(0), DurationSeconds: ptr(0), Messages: []map[string]any{}}),
		EventConversationTransferredToHuman: conv(EventConversationTransferredToHuman),
		EventConversationTransferredToBot:   conv(EventConversationTransferredToBot),
		EventConversationAssigned:           base(Event{Type: EventConversationAssigned, ConversationID: "cv_1", Assignee: "alice", By: "bob"}),
		EventConversationUnassigned:         base(Event{Type: EventConversationUnassigned, ConversationID: "cv_1", Assignee: "alice", By: "bob"}),
		EventConversationArchived:           conv(EventConversationArchived),
		EventConversationUnarchived:         conv(EventConversationUnarchived),
		EventMarkedAsFollowUp:               conv(EventMarkedAsFollowUp),
		EventSubscribedToSequence:           base(Event{Type: EventSubscribedToSequence, SequenceID: "seq_1", SequenceName: "Welcome"}),
		EventUnsubscribedFromSequence:       base(Event{Type: EventUnsubscribedFromSequence, SequenceID: "seq_1", SequenceName: "Welcome"}),
		EventContactReferred:                base(Event{Type: EventContactReferred, ReferredContactID: "c_2", RefName: "r", ReflinkID: "rl_1"}),
		EventMessageCreated: base(Event{Type: EventMessageCreated, ConversationID: "cv_1", MessageID: "m_1", Author: "ai", Text: "hi",
			Data: map[string]any{"score": 0.85, "cost_credits": 20, "client_ip": "203.0.113.7"}}),
		EventChatRated:             base(Event{Type: EventChatRated, ConversationID: "cv_1", Rating: 1, Comment: "meh"}),
		EventCustom:                base(Event{Type: EventCustom, Name: "paid", Data: map[string]any{}}),
		EventOfflineMessageCreated: base(Event{Type: EventOfflineMessageCreated, Message: &InboundMessage{ID: "om_1", Text: "Call me back"}}),
		EventContactBanned:         base(Event{Type: EventContactBanned, By: "anna@example.com"}),
		EventContactUnbanned:       base(Event{Type: EventContactUnbanned, By: "anna@example.com"}),
	}
}

func TestValidateAcceptsEveryType(t *testing.T) {
	t.Parallel()
	valid := validEvents()
	if got, want := slices.Sorted(maps.Keys(valid)), slices.Sorted(slices.Values(eventTypes)); !slices.Equal(got, want) {
		t.Fatalf("test covers %v, want %v", got, want)
	}
	if got := slices.Sorted(maps.Keys(eventSpecs)); !slices.Equal(got, slices.Sorted(slices.Values(eventTypes))) {
		t.Fatalf("eventSpecs has %v, eventTypes %v", got, eventTypes)
	}
	for typ, e := range valid {
		if errs := e.Validate(); errs != nil {
			t.Errorf("%s: %v", typ, errs)
		}
		// Minimal events: only what is required.
		min := Event{Type: typ, ContactID: "c_1", Contact: ContactPatch{}, Tag: e.Tag, Assignee: e.Assignee,
			SequenceName: e.SequenceName, ReferredContactID: e.ReferredContactID, Author: e.Author, Text: e.Text, Rating: e.Rating, Name: e.Name,
			Message: e.Message}
		if typ == EventConversationOpened {
			min.ConversationID = "cv_1"
		}
		if errs := min.Validate(); errs != nil {
			t.Errorf("minimal %s: %v", typ, errs)
		}
	}
}

// TestValidateRejectsForeignFields sets every field on every type: each one
// the type does not take is named.
func TestValidateRejectsForeignFields(t *testing.T) {
	t.Parallel()
	all := Event{ContactID: "c_1", Contact: ContactPatch{}, Tag: "t", ConversationID: "cv", By: "ai", Assignee: "a", Summary: "s",
		MessageCount: ptr(1), DurationSeconds: ptr(1), Messages: []map[string]any{}, SequenceID: "s", SequenceName: "n",
		ReferredContactID: "c_2", RefName: "r", ReflinkID: "l", MessageID: "m", Author: "ai", Text: "x", Rating: 3, Comment: "c",
		Name: "n", Data: map[string]any{}, Message: &InboundMessage{Text: "x"}}
	for _, typ := range eventTypes {
		e := all
		e.Type = typ
		var got []string
		for _, fe := range e.Validate() {
			if fe.Message != "not a field of "+typ+" events" {
				t.Errorf("%s: unexpected %v", typ, fe)
			}
			got = append(got, fe.Field)
		}
		var want []string
		for _, f := range eventFields {
			if f.name != "contact" && !slices.Contains(eventSpecs[typ].fields, f.name) {
				want = append(want, f.name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: rejected %v, want %v", typ, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 256)
	valid := validEvents()
	with := func(typ string, mod func(e *Event)) Event {
		e := valid[typ]
		mod(&e)
		return e
	}
	patched := func(js string) Event {
		e := valid[EventContactUpdated]
		e.Contact = nil
		if err := json.Unmarshal([]byte(js), &e.Contact); err != nil {
			panic(err)
		}
		return e
	}
	types := strings.Join(eventTypes, ", ")
	tests := []struct {
		name string
		ev   Event
		want []FieldError // Message is a part of the expected message
	}{
		{"empty", Event{}, []FieldError{{"type", "is required; one of " + types}, {"contact_id", "is required"}}},
		{"unknown type, bad patch", Event{Type: "tag_added", ContactID: "c_1", Contact: ContactPatch{"emial": json.RawMessage(`"x"`)}},
			[]FieldError{{"type", `unknown event type "tag_added"; one of ` + types}, {"contact.emial", "not a contact field; the fields are banned, channel, email,"}}},
		{"long ids", with(EventTagApplied, func(e *Event) { e.ContactID, e.ID = long, long }),
			[]FieldError{{"contact_id", "must be at most 255 characters"}, {"id", "must be at most 255 characters"}}},
		{"255 characters is fine", with(EventTagApplied, func(e *Event) { e.ContactID = long[2:] }), nil},
		{"tag on chat_rated", with(EventChatRated, func(e *Event) { e.Tag = "vip" }), []FieldError{{"tag", "not a field of chat_rated events"}}},
		{"tag_applied without tag", with(EventTagApplied, func(e *Event) { e.Tag = "" }), []FieldError{{"tag", "tag is required for tag_applied events"}}},
		{"tag_removed without tag", with(EventTagRemoved, func(e *Event) { e.Tag = "" }), []FieldError{{"tag", "tag is required for tag_removed events"}}},
		{"contact_updated without contact", with(EventContactUpdated, func(e *Event) { e.Contact = nil }),
			[]FieldError{{"contact", "contact is required for contact_updated events"}}},
		{"opened without conversation_id", with(EventConversationOpened, func(e *Event) { e.ConversationID = "" }),
			[]FieldError{{"conversation_id", "conversation_id is required for conversation_opened events"}}},
		{"closed: by, negative counts", with(EventConversationClosed, func(e *Event) { e.By, e.MessageCount, e.DurationSeconds = "bob", ptr(-1), ptr(-2) }),
			[]FieldError{{"by", "not a field of conversation_closed events"}, {"message_count", "must not be negative"}, {"duration_seconds", "must not be negative"}}},
		{"transfer with assignee", with(EventConversationTransferredToHuman, func(e *Event) { e.Assignee = "alice" }),
			[]FieldError{{"assignee", "not a field of conversation_transferred_to_human events"}}},
		{"assigned without assignee", with(EventConversationAssigned, func(e *Event) { e.Assignee = "" }),
			[]FieldError{{"assignee", "assignee is required for conversation_assigned events"}}},
		{"sequence without id or name", with(EventSubscribedToSequence, func(e *Event) { e.SequenceID, e.SequenceName = "", "" }),
			[]FieldError{{"sequence_id", "sequence_id or sequence_name is required for subscribed_to_sequence events"}}},
		{"unsubscribe by id alone", with(EventUnsubscribedFromSequence, func(e *Event) { e.SequenceName = "" }), nil},
		{"referral without referred", with(EventContactReferred, func(e *Event) { e.ReferredContactID = "" }),
			[]FieldError{{"referred_contact_id", "referred_contact_id is required for contact_referred events"}}},
		{"self referral", with(EventContactReferred, func(e *Event) { e.ReferredContactID = "c_1" }),
			[]FieldError{{"referred_contact_id", "must differ from contact_id"}}},
		{"long referred id", with(EventContactReferred, func(e *Event) { e.ReferredContactID = long }),
			[]FieldError{{"referred_contact_id", "must be at most 255 characters"}}},
		{"message: bad author", with(EventMessageCreated, func(e *Event) { e.Author = "bot" }),
			[]FieldError{{"author", "must be one of visitor, agent, ai, trigger"}}},
		{"message: nothing", with(EventMessageCreated, func(e *Event) { e.Author, e.Text, e.Rating = "", "", 4 }),
			[]FieldError{{"rating", "not a field of message_created events"}, {"author", "author is required"}, {"text", "text is required"}}},
		{"rating 0", with(EventChatRated, func(e *Event) { e.Rating = 0 }), []FieldError{{"rating", "must be a whole number from 1 to 5"}}},
		{"rating 6", with(EventChatRated, func(e *Event) { e.Rating = 6 }), []FieldError{{"rating", "from 1 to 5"}}},
		{"rating 5", with(EventChatRated, func(e *Event) { e.Rating = 5 }), nil},
		{"custom without name", with(EventCustom, func(e *Event) { e.Name = "" }), []FieldError{{"name", "name is required for custom events"}}},
		{"opened: bad by", with(EventConversationOpened, func(e *Event) { e.By = "bob" }),
			[]FieldError{{"by", "must be one of visitor, agent, ai, trigger"}}},
		{"opened without by", with(EventConversationOpened, func(e *Event) { e.By = "" }), nil},
		{"message: data on chat_rated", with(EventChatRated, func(e *Event) { e.Data = map[string]any{"x": 1} }),
			[]FieldError{{"data", "not a field of chat_rated events"}}},
		{"offline message without message", with(EventOfflineMessageCreated, func(e *Event) { e.Message = nil }),
			[]FieldError{{"message", "message is required for offline_message_created events"}}},
		{"offline message without text", with(EventOfflineMessageCreated, func(e *Event) { e.Message = &InboundMessage{ID: "om_1"} }),
			[]FieldError{{"message.text", "is required for offline_message_created events"}}},
		{"offline message: long id", with(EventOfflineMessageCreated, func(e *Event) { e.Message = &InboundMessage{ID: long, Text: "x"} }),
			[]FieldError{{"message.id", "must be at most 255 characters"}}},
		{"message on message_created", with(EventMessageCreated, func(e *Event) { e.Message = &InboundMessage{Text: "x"} }),
			[]FieldError{{"message", "not a field of message_created events"}}},
		{"banned: tag", with(EventContactBanned, func(e *Event) { e.Tag = "x" }), []FieldError{{"tag", "not a field of contact_banned events"}}},
		{"unbanned without by", with(EventContactUnbanned, func(e *Event) { e.By = "" }), nil},

		{"patch: string types", patched(`{"email":5,"phone":true,"name":null,"first_name":{},"channel":[]}`),
			[]FieldError{{"contact.channel", "must be a string or null"}, {"contact.email", "must be a string or null"},
				{"contact.first_name", "must be a string or null"}, {"contact.phone", "must be a string or null"}}},
		{"patch: subscribed null", patched(`{"subscribed":null}`), []FieldError{{"contact.subscribed", "must be true or false"}}},
		{"patch: subscribed string", patched(`{"subscribed":"yes"}`), []FieldError{{"contact.subscribed", "must be true or false"}}},
		{"patch: banned string", patched(`{"banned":"yes"}`), []FieldError{{"contact.banned", "must be true or false"}}},
		{"patch: tags a string", patched(`{"tags":"vip"}`), []FieldError{{"contact.tags", "must be an array of strings"}}},
		{"patch: tags null", patched(`{"tags":null}`), []FieldError{{"contact.tags", "must be an array of strings"}}},
		{"patch: tags numbers", patched(`{"tags":[1]}`), []FieldError{{"contact.tags", "must be an array of strings"}}},
		{"patch: empty tag", patched(`{"tags":["a",""]}`), []FieldError{{"contact.tags", "must not contain empty strings"}}},
		{"patch: sequences", patched(`{"sequences":{}}`), []FieldError{{"contact.sequences", "must be an array of strings"}}},
		{"patch: custom_fields an array", patched(`{"custom_fields":[]}`), []FieldError{{"contact.custom_fields", "must be an object"}}},
		{"patch: custom_fields null", patched(`{"custom_fields":null}`), []FieldError{{"contact.custom_fields", "must be an object"}}},
		{"patch: custom field names", patched(fmt.Sprintf(`{"custom_fields":{"":1,"%s":2,"%s":3}}`, strings.Repeat("a", 101), strings.Repeat("é", 100))),
			[]FieldError{{"contact.custom_fields", "must not be empty"},
				{"contact.custom_fields", `custom field name "aaaaaaaaaaaaaaaaaaaa"… is longer than 100 characters`}}},
		{"patch: another id", patched(`{"id":"c_2"}`), []FieldError{{"contact.id", "must equal contact_id"}}},
		{"patch: a numeric id", patched(`{"id":1}`), []FieldError{{"contact.id", "must equal contact_id"}}},
		{"patch: read-only keys", patched(`{"conversation":{},"referred_by":"c_2","created_at":"x","updated_at":"x"}`),
			[]FieldError{{"contact.conversation", "send conversation_* events"}, {"contact.created_at", "is kept by Tripline"},
				{"contact.referred_by", "send a contact_referred event"}, {"contact.updated_at", "is kept by Tripline"}}},
		{"patch on any type", with(EventChatRated, func(e *Event) { e.Contact = ContactPatch{"tags": json.RawMessage(`1`)} }),
			[]FieldError{{"contact.tags", "must be an array of strings"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.ev.Validate()
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = got[i].Field == tc.want[i].Field && strings.Contains(got[i].Message, tc.want[i].Message)
			}
			if !ok {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestFieldErrorError(t *testing.T) {
	t.Parallel()
	if got := (FieldError{"tag", "is required"}).Error(); got != "tag: is required" {
		t.Errorf("got %q", got)
	}
}
