package triggers

import (
	"encoding/json"
	"time"
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
)

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
	By              string           `json:"by,omitempty"`
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
	Data map[string]any `json:"data,omitempty"`
}

// FieldError is one problem with one field of an inbound event or contact patch.
// Field is a JSON path relative to the event, such as "tag" or
// "contact.custom_fields".
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }
