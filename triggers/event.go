package triggers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Inbound event types of SPEC section 4.
const (
	EventContactUpdated                 = "contact_updated"
	EventTagApplied                     = "tag_applied"
	EventTagRemoved                     = "tag_removed"
	EventConversationOpened             = "conversation_opened"
	EventConversationClosed             = "conversation_closed"
	EventConversationTransferredToHuman = "conversation_transferred_to_human"
	EventConversationTransferredToBot   = "conversation_transferred_to_bot"
	EventConversationAssigned           = "conversation_assigned"
	EventConversationUnassigned         = "conversation_unassigned"
	EventConversationArchived           = "conversation_archived"
	EventConversationUnarchived         = "conversation_unarchived"
	EventMarkedAsFollowUp               = "marked_as_follow_up"
	EventSubscribedToSequence           = "subscribed_to_sequence"
	EventUnsubscribedFromSequence       = "unsubscribed_from_sequence"
	EventContactReferred                = "contact_referred"
	EventMessageCreated                 = "message_created"
	EventChatRated                      = "chat_rated"
	EventCustom                         = "custom"

	// SPEC section 12: events the platforms have that section 4 lacked.
	EventOfflineMessageCreated = "offline_message_created"
	EventContactBanned         = "contact_banned"
	EventContactUnbanned       = "contact_unbanned"
)

// MaxIDLength is the longest contact id or event id, in characters.
const MaxIDLength = 255

// authors are the values of a message_created event's author.
var authors = []string{"visitor", "agent", "ai", "trigger"}

// eventSpec is what the package knows of one inbound event type.
type eventSpec struct {
	fields   []string                   // the type's own fields (JSON names); contact is allowed on every type
	required [][]string                 // groups of fields of which at least one must be set
	check    func(e Event) []FieldError // further rules
	change   func(c *Contact, e Event)  // the state change; nil when none
}

// eventTypes lists the inbound types in SPEC order, for messages.
var eventTypes = []string{
	EventContactUpdated, EventTagApplied, EventTagRemoved,
	EventConversationOpened, EventConversationClosed,
	EventConversationTransferredToHuman, EventConversationTransferredToBot,
	EventConversationAssigned, EventConversationUnassigned,
	EventConversationArchived, EventConversationUnarchived, EventMarkedAsFollowUp,
	EventSubscribedToSequence, EventUnsubscribedFromSequence,
	EventContactReferred, EventMessageCreated, EventChatRated, EventCustom,
	EventOfflineMessageCreated, EventContactBanned, EventContactUnbanned,
}

var (
	convBy     = []string{"conversation_id", "by"}
	convAssign = []string{"conversation_id", "assignee", "by"}
	sequence   = []string{"sequence_id", "sequence_name"}
)

// eventSpecs holds SPEC section 4. Every conversation_* type and
// marked_as_follow_up takes conversation_id, but only conversation_opened
// requires it: the others fall back to the contact's current conversation and
// change nothing when there is none.
var eventSpecs = map[string]eventSpec{
	EventContactUpdated: {required: [][]string{{"contact"}}},
	EventTagApplied: {fields: []string{"tag"}, required: [][]string{{"tag"}},
		change: func(c *Contact, e Event) { c.Tags = addTo(c.Tags, e.Tag) }},
	EventTagRemoved: {fields: []string{"tag"}, required: [][]string{{"tag"}},
		change: func(c *Contact, e Event) {
			c.Tags = slices.DeleteFunc(c.Tags, func(t string) bool { return t == e.Tag })
		}},
	EventConversationOpened: {fields: []string{"conversation_id", "by"}, required: [][]string{{"conversation_id"}},
		check:  func(e Event) []FieldError { return oneOf("by", e.By, authors) },
		change: onConversation(func(cv *Conversation, _ Event) { cv.Status = StatusOpen })},
	EventConversationClosed: {fields: []string{"conversation_id", "summary", "message_count", "duration_seconds", "messages"},
		check: func(e Event) []FieldError {
			return append(nonNegative("message_count", e.MessageCount), nonNegative("duration_seconds", e.DurationSeconds)...)
		},
		change: onConversation(func(cv *Conversation, _ Event) { cv.Status = StatusClosed })},
	EventConversationTransferredToHuman: {fields: convBy,
		change: onConversation(func(cv *Conversation, _ Event) { cv.Handler = HandlerHuman })},
	EventConversationTransferredToBot: {fields: convBy,
		change: onConversation(func(cv *Conversation, _ Event) { cv.Handler = HandlerBot })},
	EventConversationAssigned: {fields: convAssign, required: [][]string{{"assignee"}},
		change: onConversation(func(cv *Conversation, e Event) { cv.Assignee = e.Assignee })},
	// An unassignment clears the assignee whoever it is; its assignee field is informative.
	EventConversationUnassigned: {fields: convAssign,
		change: onConversation(func(cv *Conversation, _ Event) { cv.Assignee = "" })},
	EventConversationArchived: {fields: convBy,
		change: onConversation(func(cv *Conversation, _ Event) { cv.Archived = true })},
	EventConversationUnarchived: {fields: convBy,
		change: onConversation(func(cv *Conversation, _ Event) { cv.Archived = false })},
	EventMarkedAsFollowUp: {fields: convBy,
		change: onConversation(func(cv *Conversation, _ Event) { cv.FollowUp = true })},
	// A sequence is kept in the contact's set by its id, or by its name when the
	// event has no id; either one names it in events that follow.
	EventSubscribedToSequence: {fields: sequence, required: [][]string{sequence},
		change: func(c *Contact, e Event) {
			if !slices.ContainsFunc(c.Sequences, e.isSequence) {
				c.Sequences = append(c.Sequences, cmp.Or(e.SequenceID, e.SequenceName))
			}
		}},
	EventUnsubscribedFromSequence: {fields: sequence, required: [][]string{sequence},
		change: func(c *Contact, e Event) { c.Sequences = slices.DeleteFunc(c.Sequences, e.isSequence) }},
	EventContactReferred: {fields: []string{"referred_contact_id", "ref_name", "reflink_id"}, required: [][]string{{"referred_contact_id"}},
		check: func(e Event) []FieldError {
			if e.ReferredContactID == e.ContactID {
				return []FieldError{{"referred_contact_id", "must differ from contact_id: a contact cannot refer itself"}}
			}
			return checkID("referred_contact_id", e.ReferredContactID)
		}},
	EventMessageCreated: {fields: []string{"conversation_id", "message_id", "author", "text", "data"}, required: [][]string{{"author"}, {"text"}},
		check: func(e Event) []FieldError { return oneOf("author", e.Author, authors) }},
	EventChatRated: {fields: []string{"conversation_id", "rating", "comment"},
		check: func(e Event) []FieldError {
			if e.Rating < 1 || e.Rating > 5 {
				return []FieldError{{"rating", "must be a whole number from 1 to 5"}}
			}
			return nil
		}},
	EventCustom: {fields: []string{"name", "data"}, required: [][]string{{"name"}}},
	// An offline message (a form sent while no agent is available) carries
	// the visitor's details in contact; it changes nothing else.
	EventOfflineMessageCreated: {fields: []string{"message"}, required: [][]string{{"message"}},
		check: func(e Event) []FieldError {
			if e.Message != nil && e.Message.Text == "" {
				return []FieldError{{"message.text", "is required for offline_message_created events"}}
			}
			if e.Message != nil {
				return checkID("message.id", e.Message.ID)
			}
			return nil
		}},
	EventContactBanned: {fields: []string{"by"},
		change: func(c *Contact, _ Event) { c.Banned = true }},
	EventContactUnbanned: {fields: []string{"by"},
		change: func(c *Contact, _ Event) { c.Banned = false }},
}

// eventFields tell which optional fields of an Event are set, by JSON name.
var eventFields = []struct {
	name string
	set  func(e *Event) bool
}{
	{"contact", func(e *Event) bool { return e.Contact != nil }},
	{"tag", func(e *Event) bool { return e.Tag != "" }},
	{"conversation_id", func(e *Event) bool { return e.ConversationID != "" }},
	{"by", func(e *Event) bool { return e.By != "" }},
	{"assignee", func(e *Event) bool { return e.Assignee != "" }},
	{"summary", func(e *Event) bool { return e.Summary != "" }},
	{"message_count", func(e *Event) bool { return e.MessageCount != nil }},
	{"duration_seconds", func(e *Event) bool { return e.DurationSeconds != nil }},
	{"messages", func(e *Event) bool { return e.Messages != nil }},
	{"sequence_id", func(e *Event) bool { return e.SequenceID != "" }},
	{"sequence_name", func(e *Event) bool { return e.SequenceName != "" }},
	{"referred_contact_id", func(e *Event) bool { return e.ReferredContactID != "" }},
	{"ref_name", func(e *Event) bool { return e.RefName != "" }},
	{"reflink_id", func(e *Event) bool { return e.ReflinkID != "" }},
	{"message_id", func(e *Event) bool { return e.MessageID != "" }},
	{"author", func(e *Event) bool { return e.Author != "" }},
	{"text", func(e *Event) bool { return e.Text != "" }},
	{"rating", func(e *Event) bool { return e.Rating != 0 }},
	{"comment", func(e *Event) bool { return e.Comment != "" }},
	{"name", func(e *Event) bool { return e.Name != "" }},
	{"data", func(e *Event) bool { return e.Data != nil }},
	{"message", func(e *Event) bool { return e.Message != nil }},
}

// Validate checks e against SPEC section 4 and returns every problem found, in
// a stable order, or nil. Field names are JSON paths relative to the event.
func (e Event) Validate() []FieldError {
	var errs []FieldError
	spec, known := eventSpecs[e.Type]
	switch {
	case e.Type == "":
		errs = append(errs, FieldError{"type", "is required; one of " + strings.Join(eventTypes, ", ")})
	case !known:
		errs = append(errs, FieldError{"type", fmt.Sprintf("unknown event type %q; one of %s", e.Type, strings.Join(eventTypes, ", "))})
	}
	if e.ContactID == "" {
		errs = append(errs, FieldError{"contact_id", "is required"})
	}
	errs = append(errs, checkID("contact_id", e.ContactID)...)
	errs = append(errs, checkID("id", e.ID)...)
	if known {
		for _, f := range eventFields {
			if f.name != "contact" && f.set(&e) && !slices.Contains(spec.fields, f.name) {
				errs = append(errs, FieldError{f.name, "not a field of " + e.Type + " events"})
			}
		}
		for _, group := range spec.required {
			if !slices.ContainsFunc(group, e.isSet) {
				errs = append(errs, FieldError{group[0], strings.Join(group, " or ") + " is required for " + e.Type + " events"})
			}
		}
		if spec.check != nil {
			errs = append(errs, spec.check(e)...)
		}
	}
	_, perrs := decodePatch(e.Contact, e.ContactID)
	return append(errs, perrs...)
}

func (e *Event) isSet(name string) bool {
	for _, f := range eventFields {
		if f.name == name {
			return f.set(e)
		}
	}
	return false
}

// isSequence reports whether s names the event's sequence, by id or by name.
func (e Event) isSequence(s string) bool {
	return s != "" && (s == e.SequenceID || s == e.SequenceName)
}

// onConversation returns the change of a conversation event: set applied to
// the conversation the event names. An id other than the current
// conversation's starts a new conversation (open, with the bot, unassigned);
// no id means the current conversation, and nothing happens when there is none.
func onConversation(set func(cv *Conversation, e Event)) func(c *Contact, e Event) {
	return func(c *Contact, e Event) {
		id := e.ConversationID
		if id == "" {
			if c.Conversation == nil {
				return
			}
			id = c.Conversation.ID
		}
		if c.Conversation == nil || c.Conversation.ID != id {
			c.Conversation = &Conversation{ID: id, Status: StatusOpen, Handler: HandlerBot}
		}
		set(c.Conversation, e)
	}
}

// oneOf checks that an optional field's value, when set, is one of values.
func oneOf(field, v string, values []string) []FieldError {
	if v != "" && !slices.Contains(values, v) {
		return []FieldError{{field, "must be one of " + strings.Join(values, ", ")}}
	}
	return nil
}

func checkID(field, s string) []FieldError {
	if utf8.RuneCountInString(s) > MaxIDLength {
		return []FieldError{{field, fmt.Sprintf("must be at most %d characters", MaxIDLength)}}
	}
	return nil
}

func nonNegative(field string, n *int) []FieldError {
	if n != nil && *n < 0 {
		return []FieldError{{field, "must not be negative"}}
	}
	return nil
}

// ContactPatch is a partial contact state as sent by the platform: the keys of
// SPEC section 3 that are present are applied; custom_fields merge key by key
// and a null value clears. It is kept raw so that "absent" and "null" differ.
type ContactPatch map[string]json.RawMessage

// Event is one inbound event of POST /v1/events. Which fields are allowed
// depends on Type (SPEC section 4); Validate says so field by field.
type Event struct {
	ID         string       `json:"id,omitempty"` // the caller's idempotency key, unique per workspace
	Type       string       `json:"type"`
	ContactID  string       `json:"contact_id"`
	OccurredAt *time.Time   `json:"occurred_at,omitempty"`
	Contact    ContactPatch `json:"contact,omitempty"` // applied before the event's own change

	Tag string `json:"tag,omitempty"`

	ConversationID  string           `json:"conversation_id,omitempty"`
	By              string           `json:"by,omitempty"` // who did it; for conversation_opened one of visitor, agent, ai, trigger
	Assignee        string           `json:"assignee,omitempty"`
	Summary         string           `json:"summary,omitempty"`
	MessageCount    *int             `json:"message_count,omitempty"`
	DurationSeconds *int             `json:"duration_seconds,omitempty"`
	Messages        []map[string]any `json:"messages,omitempty"` // transcript [{author, text, at}], passed through

	SequenceID   string `json:"sequence_id,omitempty"`
	SequenceName string `json:"sequence_name,omitempty"`

	ReferredContactID string `json:"referred_contact_id,omitempty"`
	RefName           string `json:"ref_name,omitempty"`
	ReflinkID         string `json:"reflink_id,omitempty"`

	MessageID string `json:"message_id,omitempty"`
	Author    string `json:"author,omitempty"` // visitor, agent, ai, trigger
	Text      string `json:"text,omitempty"`

	Rating  int    `json:"rating,omitempty"` // 1 to 5
	Comment string `json:"comment,omitempty"`

	Name string         `json:"name,omitempty"`
	Data map[string]any `json:"data,omitempty"` // custom, message_created: passed through to the trigger event

	Message *InboundMessage `json:"message,omitempty"` // offline_message_created

	// Source is the inbound source the event came through (SPEC section
	// 13); nil for POST /v1/events. It is set by Tripline, never decoded.
	Source *Source `json:"-"`
}

// InboundMessage is the message of an offline_message_created event.
type InboundMessage struct {
	ID   string `json:"id,omitempty"`
	Text string `json:"text"`
}

// FieldError is one problem with one field of an inbound event or contact patch.
// Field is a JSON path relative to the event, such as "tag" or
// "contact.custom_fields".
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }
