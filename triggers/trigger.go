package triggers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/tripline/tripline/internal/jsonenc"
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

	// SPEC section 12.
	TriggerContactChanged        = "contact_changed"
	TriggerOfflineMessageCreated = "offline_message_created"
	TriggerContactBanned         = "contact_banned"
	TriggerContactUnbanned       = "contact_unbanned"
)

// Change is one entry of a contact_changed trigger event's changes: a key of
// the contact state (SPEC section 3; a custom field is custom_fields.NAME)
// with its JSON values before and after. A value that was or became absent
// (a cleared custom field, no conversation, no referrer) is null.
type Change struct {
	Field    string `json:"field" expr:"field"`
	OldValue any    `json:"old_value" expr:"old_value"`
	NewValue any    `json:"new_value" expr:"new_value"`
}

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
	OpenedBy          string             `json:"opened_by" expr:"opened_by"` // conversation_opened: visitor, agent, ai or trigger, when the event said
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
	Field             string             `json:"field" expr:"field"`                     // datetime_based_trigger: the custom field
	FieldValue        any                `json:"field_value" expr:"field_value"`         // datetime_based_trigger: its value
	ScheduledFor      time.Time          `json:"scheduled_for" expr:"scheduled_for"`     // datetime_based_trigger: the due time it fired for
	BannedBy          string             `json:"banned_by" expr:"banned_by"`             // contact_banned
	UnbannedBy        string             `json:"unbanned_by" expr:"unbanned_by"`         // contact_unbanned
	Changes           []Change           `json:"changes" expr:"changes"`                 // contact_changed: every change, in contact key order
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
	Source    *Source // the inbound source of the event that caused it; nil for none
}

// TimestampFormat is how trigger event timestamps are written: RFC 3339 in
// UTC with milliseconds, such as 2026-11-22T10:00:00.000Z.
const TimestampFormat = "2006-01-02T15:04:05.000Z07:00"

// MatchValues returns the values a rule's trigger parameter (the catalogue
// entry's MatchParam) is compared with, or nil when the type has none:
// tag → the tag; field → the custom field's name (for contact_changed, the
// field of every change); info → those of name,
// email and phone that changed (first and last name count as name);
// sequence → the sequence's id and name; assignee → assigned_to;
// author → the message's author; name → the custom event's name.
func (te TriggerEvent) MatchValues() []string {
	spec, _ := Lookup(te.Type)
	f := te.Fields
	switch spec.MatchParam {
	case "tag":
		return present(f.Tag)
	case "field":
		if te.Type == TriggerContactChanged {
			out := make([]string, len(f.Changes))
			for i, c := range f.Changes {
				out[i] = c.Field
			}
			return out
		}
		if f.CustomField != nil {
			return present(f.CustomField.Name)
		}
		return present(f.Field)
	case "info":
		var out []string
		for _, s := range contactStrings {
			if s.info != "" && slices.Contains(f.Changed, s.key) && !slices.Contains(out, s.info) {
				out = append(out, s.info)
			}
		}
		return out
	case "sequence":
		return present(f.SequenceID, f.SequenceName)
	case "assignee":
		return present(f.AssignedTo)
	case "author":
		if f.Message != nil {
			return present(f.Message.Author)
		}
	case "name":
		return present(f.Name)
	}
	return nil
}

// present returns the non-empty values, or nil.
func present(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// fieldIndex maps the JSON names of Fields to their struct field index.
var fieldIndex = func() map[string]int {
	t := reflect.TypeFor[Fields]()
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("json")] = i
	}
	return m
}()

// FieldsMap returns the trigger type's own fields as they appear, flat, in
// payloads: exactly the names of its catalogue entry's Fields, zero values
// included. custom_field and message are maps; absent lists and objects are
// empty rather than nil.
func (te TriggerEvent) FieldsMap() map[string]any {
	spec, _ := Lookup(te.Type)
	v := reflect.ValueOf(te.Fields)
	m := make(map[string]any, len(spec.Fields))
	for _, name := range spec.Fields {
		switch x := v.Field(fieldIndex[name]).Interface().(type) {
		case *CustomFieldChange:
			m[name] = nil
			if x != nil {
				m[name] = map[string]any{"name": x.Name, "old_value": x.OldValue, "new_value": x.NewValue}
			}
		case *Message:
			m[name] = nil
			if x != nil {
				m[name] = map[string]any{"id": x.ID, "author": x.Author, "text": x.Text}
			}
		case []Change:
			changes := make([]map[string]any, len(x))
			for i, c := range x {
				changes[i] = map[string]any{"field": c.Field, "old_value": c.OldValue, "new_value": c.NewValue}
			}
			m[name] = changes
		case time.Time:
			m[name] = x.UTC().Format(TimestampFormat)
		case []string:
			m[name] = orEmpty(x)
		case []map[string]any:
			m[name] = orEmpty(x)
		case map[string]any:
			if x == nil {
				x = map[string]any{}
			}
			m[name] = x
		default:
			m[name] = x
		}
	}
	return m
}

// MarshalJSON writes a trigger event as stored and sampled: id, type,
// timestamp (TimestampFormat), contact_id, contact (null when the event is not
// about a contact), previous (null on a first appearance), source (only when
// the event came through an inbound source), then the fields of
// FieldsMap, flat, in catalogue order.
func (te TriggerEvent) MarshalJSON() ([]byte, error) {
	return te.AppendJSON(make([]byte, 0, 1024))
}

// AppendJSON appends te to b as MarshalJSON writes it. It is MarshalJSON
// without the copy and the re-compaction json.Marshal makes of a
// MarshalJSON method's output. On error b comes back as it was.
func (te *TriggerEvent) AppendJSON(b []byte) ([]byte, error) {
	b0 := b
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, te.ID)
	b = append(b, `,"type":`...)
	b = jsonenc.String(b, te.Type)
	b = append(b, `,"timestamp":`...)
	b = jsonenc.String(b, te.Timestamp.UTC().Format(TimestampFormat))
	b = append(b, `,"contact_id":`...)
	b = jsonenc.String(b, te.ContactID)
	b = append(b, `,"contact":`...)
	var err error
	if te.ContactID == "" {
		b = append(b, "null"...)
	} else if b, err = te.Contact.AppendJSON(b); err != nil {
		return b0, fmt.Errorf("marshal trigger event contact: %w", err)
	}
	b = append(b, `,"previous":`...)
	if te.Previous == nil {
		b = append(b, "null"...)
	} else if b, err = te.Previous.AppendJSON(b); err != nil {
		return b0, fmt.Errorf("marshal trigger event previous: %w", err)
	}
	if te.Source != nil {
		b = te.Source.AppendJSON(append(b, `,"source":`...))
	}
	spec, _ := Lookup(te.Type)
	if len(spec.Fields) > 0 {
		fields := te.FieldsMap()
		for _, k := range spec.Fields {
			b = append(b, `,"`...)
			b = append(b, k...)
			b = append(b, `":`...)
			if b, err = jsonenc.Value(b, fields[k]); err != nil {
				return b0, fmt.Errorf("marshal trigger event %s: %w", k, err)
			}
		}
	}
	return append(b, '}'), nil
}

func orEmpty[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// UnmarshalJSON reads what MarshalJSON writes.
func (te *TriggerEvent) UnmarshalJSON(b []byte) error {
	var head struct {
		ID        string    `json:"id"`
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		ContactID string    `json:"contact_id"`
		Contact   *Contact  `json:"contact"`
		Previous  *Contact  `json:"previous"`
		Source    *Source   `json:"source"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	var f Fields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*te = TriggerEvent{ID: head.ID, Type: head.Type, Timestamp: head.Timestamp, ContactID: head.ContactID, Previous: head.Previous, Fields: f, Source: head.Source}
	if head.Contact != nil {
		te.Contact = *head.Contact
	}
	return nil
}
