package triggers

import (
	"time"
)

// Trigger types of SPEC section 5: what rules match.
const (
	TriggerNewContact                     = "new_contact"
	TriggerNewLead                        = "new_lead"
	TriggerContactInfoUpdated             = "contact_info_updated"
	TriggerCustomFieldChanged             = "custom_field_changed"
	TriggerTagApplied                     = "tag_applied"
	TriggerTagRemoved                     = "tag_removed"
	TriggerContactUnsubscribed            = "contact_unsubscribed"
	TriggerConversationOpened             = "conversation_opened"
	TriggerConversationClosed             = "conversation_closed"
	TriggerConversationTransferredToHuman = "conversation_transferred_to_human"
	TriggerConversationTransferredToBot   = "conversation_transferred_to_bot"
	TriggerConversationAssigned           = "conversation_assigned"
	TriggerConversationUnassigned         = "conversation_unassigned"
	TriggerConversationArchived           = "conversation_archived"
	TriggerMarkedAsFollowUp               = "marked_as_follow_up"
	TriggerSubscribedToSequence           = "subscribed_to_sequence"
	TriggerUnsubscribedFromSequence       = "unsubscribed_from_sequence"
	TriggerContactReferredANewContact     = "contact_referred_a_new_contact"
	TriggerContactReferredExistingContact = "contact_referred_existing_contact"
	TriggerMessageCreated                 = "message_created"
	TriggerChatRated                      = "chat_rated"
	TriggerCustom                         = "custom"
	TriggerDatetimeBased                  = "datetime_based_trigger"
	TriggerEndpointDisabled               = "endpoint_disabled"
)

// CustomFieldChange is the custom_field of a custom_field_changed trigger event.
type CustomFieldChange struct {
	Name     string `json:"name" expr:"name"`
	OldValue any    `json:"old_value" expr:"old_value"`
	NewValue any    `json:"new_value" expr:"new_value"`
}

// Message is the message of a message_created trigger event.
type Message struct {
	ID     string `json:"id" expr:"id"`
	Author string `json:"author" expr:"author"`
	Text   string `json:"text" expr:"text"`
}

// Fields are a trigger event's own fields (SPEC section 5). Which of them a
// trigger type carries is in its catalogue entry (Spec.Fields); the others are
// zero and are not written to payloads.
type Fields struct {
	Tag               string             `json:"tag" expr:"tag"`
	Changed           []string           `json:"changed" expr:"changed"` // contact_info_updated: which of name, first_name, last_name, email, phone
	CustomField       *CustomFieldChange `json:"custom_field" expr:"custom_field"`
	ConversationID    string             `json:"conversation_id" expr:"conversation_id"`
	TransferredBy     string             `json:"transferred_by" expr:"transferred_by"`
	AssignedTo        string             `json:"assigned_to" expr:"assigned_to"`
	AssignedBy        string             `json:"assigned_by" expr:"assigned_by"`
	ArchivedBy        string             `json:"archived_by" expr:"archived_by"`
	MarkedBy          string             `json:"marked_by" expr:"marked_by"`
	Summary           string             `json:"summary" expr:"summary"`
	MessageCount      int                `json:"message_count" expr:"message_count"`
	DurationSeconds   int                `json:"duration_seconds" expr:"duration_seconds"`
	Messages          []map[string]any   `json:"messages" expr:"messages"`
	SequenceID        string             `json:"sequence_id" expr:"sequence_id"`
	SequenceName      string             `json:"sequence_name" expr:"sequence_name"`
	ReferredContactID string             `json:"referred_contact_id" expr:"referred_contact_id"`
	RefName           string             `json:"ref_name" expr:"ref_name"`
	ReflinkID         string             `json:"reflink_id" expr:"reflink_id"`
	Message           *Message           `json:"message" expr:"message"`
	Rating            int                `json:"rating" expr:"rating"`
	Comment           string             `json:"comment" expr:"comment"`
	Name              string             `json:"name" expr:"name"`
	Data              map[string]any     `json:"data" expr:"data"`
	EndpointID        string             `json:"endpoint_id" expr:"endpoint_id"`         // endpoint_disabled
	DisabledReason    string             `json:"disabled_reason" expr:"disabled_reason"` // endpoint_disabled
}

// TriggerEvent is a change Tripline derived from an inbound event: what rules
// match and what payloads are made of.
type TriggerEvent struct {
	ID        string    // "evt_…", unique; Zapier de-duplicates on it
	Type      string    // a Trigger… constant
	Timestamp time.Time // the inbound event's occurred_at, else when it was applied
	ContactID string
	Contact   Contact  // state after the change
	Previous  *Contact // state before; nil for a contact's first appearance
	Fields    Fields
}
