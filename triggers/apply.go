package triggers

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tripline/tripline/id"
)

// Apply applies one validated event to contacts, the working set of one ingest
// call, and returns the trigger events it caused, in order. The caller puts in
// contacts every contact the event may touch (ev.ContactID and, for
// contact_referred, ev.ReferredContactID); an absent id is a new contact.
// Apply never changes a Contact it was given: it stores a pointer to a new
// Contact in the map, so the caller's earlier pointers stay valid snapshots;
// when the event leaves a contact as it was, its pointer stays in the map, so
// a changed pointer means a changed contact. It errors only on input Validate
// rejects.
//
// Trigger events are derived by comparing each contact's state before and after
// the event, so only real changes fire, whatever the event type. For one event
// they come in this order: new_contact and new_lead when the contact is new;
// then the changes in catalogue order (new_lead, contact_info_updated,
// custom_field_changed by field name, tag_applied, tag_removed,
// contact_unsubscribed, contact_banned, contact_unbanned, the conversation
// triggers, subscribed_to_sequence, unsubscribed_from_sequence) and then one
// contact_changed listing them all; then, for contact_referred, the referred
// contact's triggers; last the occurrence (contact_referred_*,
// message_created, offline_message_created, chat_rated, custom).
//
// contact_changed fires once per event and contact whose state the event
// changed in any way (every key of SPEC section 3 but updated_at; a custom
// field is custom_fields.NAME), never when nothing changed, and not on a
// contact's first appearance, which is new_contact's.
//
// On a contact's first appearance the event's contact patch is its initial
// state and fires no per-field trigger, but the event's own change is a real
// change and fires: tag_applied on a new contact fires new_contact then
// tag_applied (unless the patch already brought the tag). new_lead fires when
// the email or the phone goes from empty to set, at most once per event.
//
// A conversation the contact did not have before (none, or another id) is
// compared with an unknown one: it fires conversation_opened when it is open
// afterwards (a transfer on an unknown conversation fires conversation_opened
// then the transfer; closing one fires only conversation_closed), and the
// handler, assignee, follow-up and archive triggers compare with a fresh
// conversation (bot, unassigned, not marked, not archived).
func Apply(contacts map[string]*Contact, ev Event, now time.Time) ([]TriggerEvent, error) {
	spec, ok := eventSpecs[ev.Type]
	if !ok {
		return nil, fmt.Errorf("apply event: unknown type %q", ev.Type)
	}
	ops, errs := decodePatch(ev.Contact, ev.ContactID)
	if errs != nil {
		return nil, fmt.Errorf("apply event: %w", errs[0])
	}
	if ev.ContactID == "" || ev.Type == EventContactReferred && (ev.ReferredContactID == "" || ev.ReferredContactID == ev.ContactID) {
		return nil, fmt.Errorf("apply event: %s: bad contact ids", ev.Type)
	}
	a := applier{contacts: contacts, ev: ev, now: now, previous: map[string]*Contact{}}
	a.update(ev.ContactID, ops, spec.change)

	occurrence := Fields{ConversationID: ev.ConversationID}
	if cv := contacts[ev.ContactID].Conversation; cv != nil {
		occurrence.ConversationID = cmp.Or(ev.ConversationID, cv.ID)
	}
	switch ev.Type {
	case EventContactReferred:
		typ := TriggerContactReferredExistingContact
		if contacts[ev.ReferredContactID] == nil {
			typ = TriggerContactReferredANewContact
		}
		a.update(ev.ReferredContactID, nil, func(c *Contact, e Event) { c.ReferredBy = e.ContactID })
		a.add(ev.ContactID, typ, Fields{ReferredContactID: ev.ReferredContactID, RefName: ev.RefName, ReflinkID: ev.ReflinkID})
	case EventMessageCreated:
		occurrence.Message = &Message{ID: ev.MessageID, Author: ev.Author, Text: ev.Text}
		occurrence.Data = ev.Data
		a.add(ev.ContactID, TriggerMessageCreated, occurrence)
	case EventOfflineMessageCreated:
		// The visitor writes an offline message; its details came in the patch.
		a.add(ev.ContactID, TriggerOfflineMessageCreated, Fields{Message: &Message{ID: ev.Message.ID, Author: "visitor", Text: ev.Message.Text}})
	case EventChatRated:
		occurrence.Rating, occurrence.Comment = ev.Rating, ev.Comment
		a.add(ev.ContactID, TriggerChatRated, occurrence)
	case EventCustom:
		a.add(ev.ContactID, TriggerCustom, Fields{Name: ev.Name, Data: ev.Data})
	}
	return a.events(), nil
}

// applier collects the changes of one event.
type applier struct {
	contacts map[string]*Contact
	ev       Event
	now      time.Time
	previous map[string]*Contact // state before the event; nil for a new contact
	pending  []pending
}

type pending struct {
	contactID string
	change
}

// change is one trigger event before its contact and id are known.
type change struct {
	typ    string
	fields Fields
}

func (a *applier) add(contactID, typ string, f Fields) {
	a.pending = append(a.pending, pending{contactID, change{typ, f}})
}

// update applies the patch operations and then the event's own change to one
// contact, and records the trigger events the difference causes.
func (a *applier) update(contactID string, ops []patchOp, own func(*Contact, Event)) {
	prev := a.contacts[contactID]
	before := prev
	if prev == nil {
		// The patch is the initial state: compare with the contact it makes.
		before = (&Contact{ID: contactID, Subscribed: true, CreatedAt: a.now, UpdatedAt: a.now}).Clone()
		for _, op := range ops {
			op(before)
		}
		ops = nil
		a.add(contactID, TriggerNewContact, Fields{})
		if before.Email != "" || before.Phone != "" {
			a.add(contactID, TriggerNewLead, Fields{})
		}
	}
	after := before.Clone()
	for _, op := range ops {
		op(after)
	}
	if own != nil {
		own(after, a.ev)
	}
	for _, diff := range diffs {
		for _, c := range diff(before, after, a.ev) {
			a.pending = append(a.pending, pending{contactID, c})
		}
	}
	switch {
	case prev == nil:
	case sameState(prev, after):
		after = prev // unchanged: the caller can tell by the pointer
	default:
		after.UpdatedAt = a.now
		a.add(contactID, TriggerContactChanged, Fields{Changes: contactChanges(prev, after)})
	}
	a.previous[contactID] = prev
	a.contacts[contactID] = after
}

func (a *applier) events() []TriggerEvent {
	ts := a.now
	if a.ev.OccurredAt != nil {
		ts = *a.ev.OccurredAt
	}
	out := make([]TriggerEvent, len(a.pending))
	for i, p := range a.pending {
		out[i] = TriggerEvent{
			ID:        id.NewAt(id.TriggerEvent, a.now),
			Type:      p.typ,
			Timestamp: ts,
			ContactID: p.contactID,
			Contact:   *a.contacts[p.contactID].Clone(),
			Previous:  a.previous[p.contactID],
			Fields:    p.fields,
			Source:    a.ev.Source,
		}
	}
	return out
}

// diffs derive trigger events from a contact's state before (o) and after (n)
// an event, in catalogue order.
var diffs = []func(o, n *Contact, ev Event) []change{
	func(o, n *Contact, _ Event) []change {
		if o.Email == "" && n.Email != "" || o.Phone == "" && n.Phone != "" {
			return []change{{typ: TriggerNewLead}}
		}
		return nil
	},
	func(o, n *Contact, _ Event) []change {
		var changed []string
		for _, f := range contactStrings {
			if f.info != "" && *f.field(o) != *f.field(n) {
				changed = append(changed, f.key)
			}
		}
		if changed == nil {
			return nil
		}
		return []change{{TriggerContactInfoUpdated, Fields{Changed: changed}}}
	},
	func(o, n *Contact, _ Event) []change {
		var out []change
		for _, cf := range customFieldChanges(o, n) {
			out = append(out, change{TriggerCustomFieldChanged, Fields{CustomField: &cf}})
		}
		return out
	},
	func(o, n *Contact, _ Event) []change {
		tag := func(t string) Fields { return Fields{Tag: t} }
		return append(gained(o.Tags, n.Tags, TriggerTagApplied, tag), gained(n.Tags, o.Tags, TriggerTagRemoved, tag)...)
	},
	func(o, n *Contact, _ Event) []change {
		if o.Subscribed && !n.Subscribed {
			return []change{{typ: TriggerContactUnsubscribed}}
		}
		return nil
	},
	func(o, n *Contact, ev Event) []change {
		// by is the event's when the event is the ban; a patch names no one.
		by := func(typ string) string {
			if ev.Type == typ {
				return ev.By
			}
			return ""
		}
		switch {
		case !o.Banned && n.Banned:
			return []change{{TriggerContactBanned, Fields{BannedBy: by(EventContactBanned)}}}
		case o.Banned && !n.Banned:
			return []change{{TriggerContactUnbanned, Fields{UnbannedBy: by(EventContactUnbanned)}}}
		}
		return nil
	},
	diffConversation,
	func(o, n *Contact, ev Event) []change {
		// A sequence this event names carries the event's id and name; one
		// changed through the contact patch is named by its string.
		seq := func(s string) Fields {
			if ev.isSequence(s) {
				return Fields{SequenceID: ev.SequenceID, SequenceName: ev.SequenceName}
			}
			return Fields{SequenceID: s}
		}
		return append(gained(o.Sequences, n.Sequences, TriggerSubscribedToSequence, seq),
			gained(n.Sequences, o.Sequences, TriggerUnsubscribedFromSequence, seq)...)
	},
}

// gained returns a change of type typ for each element of to missing from from.
func gained(from, to []string, typ string, fields func(string) Fields) []change {
	var out []change
	for _, s := range to {
		if !slices.Contains(from, s) {
			out = append(out, change{typ, fields(s)})
		}
	}
	return out
}

// conversationDiffs are the conversation triggers: when each fires, comparing
// the conversation before (o) and after (n), and its fields beyond
// conversation_id.
var conversationDiffs = []struct {
	typ   string
	fires func(o, n Conversation) bool
	fill  func(f *Fields, o, n Conversation, ev Event)
}{
	{TriggerConversationOpened, func(o, n Conversation) bool { return became(o.Status, n.Status, StatusOpen) },
		func(f *Fields, _, _ Conversation, ev Event) {
			if ev.Type == EventConversationOpened { // a transfer's by is not who opened it
				f.OpenedBy = ev.By
			}
		}},
	{TriggerConversationClosed, func(o, n Conversation) bool { return became(o.Status, n.Status, StatusClosed) },
		func(f *Fields, _, _ Conversation, ev Event) {
			f.Summary, f.Messages = ev.Summary, ev.Messages
			f.MessageCount, f.DurationSeconds = deref(ev.MessageCount), deref(ev.DurationSeconds)
		}},
	{TriggerConversationTransferredToHuman, func(o, n Conversation) bool { return became(o.Handler, n.Handler, HandlerHuman) },
		func(f *Fields, _, _ Conversation, ev Event) { f.TransferredBy = ev.By }},
	{TriggerConversationTransferredToBot, func(o, n Conversation) bool { return became(o.Handler, n.Handler, HandlerBot) },
		func(f *Fields, _, _ Conversation, ev Event) { f.TransferredBy = ev.By }},
	{TriggerConversationAssigned, func(o, n Conversation) bool { return n.Assignee != "" && n.Assignee != o.Assignee },
		func(f *Fields, _, n Conversation, ev Event) { f.AssignedTo, f.AssignedBy = n.Assignee, ev.By }},
	{TriggerConversationUnassigned, func(o, n Conversation) bool { return o.Assignee != "" && n.Assignee == "" },
		func(f *Fields, o, _ Conversation, ev Event) { f.AssignedTo, f.AssignedBy = o.Assignee, ev.By }},
	{TriggerConversationArchived, func(o, n Conversation) bool { return !o.Archived && n.Archived },
		func(f *Fields, _, _ Conversation, ev Event) { f.ArchivedBy = ev.By }},
	{TriggerMarkedAsFollowUp, func(o, n Conversation) bool { return !o.FollowUp && n.FollowUp },
		func(f *Fields, _, _ Conversation, ev Event) { f.MarkedBy = ev.By }},
}

func diffConversation(o, n *Contact, ev Event) []change {
	if n.Conversation == nil {
		return nil
	}
	after := *n.Conversation
	before := Conversation{ID: after.ID, Handler: HandlerBot} // one Tripline did not know: no status yet
	if o.Conversation != nil && o.Conversation.ID == after.ID {
		before = *o.Conversation
	}
	var out []change
	for _, d := range conversationDiffs {
		if d.fires(before, after) {
			f := Fields{ConversationID: after.ID}
			if d.fill != nil {
				d.fill(&f, before, after, ev)
			}
			out = append(out, change{d.typ, f})
		}
	}
	return out
}

// customFieldChanges returns the custom fields whose values differ between
// two states, by name, with copies of their values (nil when absent).
func customFieldChanges(o, n *Contact) []CustomFieldChange {
	names := slices.Sorted(maps.Keys(n.CustomFields))
	for name := range o.CustomFields {
		if _, ok := n.CustomFields[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []CustomFieldChange
	for _, name := range names {
		if was, is := o.CustomFields[name], n.CustomFields[name]; !jsonEqual(was, is) {
			out = append(out, CustomFieldChange{name, cloneJSON(was), cloneJSON(is)})
		}
	}
	return out
}

// contactChanges lists what differs between two states of a contact, in the
// key order of SPEC section 3, values as their JSON would decode.
func contactChanges(o, n *Contact) []Change {
	var out []Change
	add := func(field string, was, is any) { out = append(out, Change{field, was, is}) }
	for _, f := range contactStrings {
		if was, is := *f.field(o), *f.field(n); was != is {
			add(f.key, was, is)
		}
	}
	if !slices.Equal(o.Tags, n.Tags) {
		add("tags", stringValues(o.Tags), stringValues(n.Tags))
	}
	for _, cf := range customFieldChanges(o, n) {
		add("custom_fields."+cf.Name, cf.OldValue, cf.NewValue)
	}
	if o.Subscribed != n.Subscribed {
		add("subscribed", o.Subscribed, n.Subscribed)
	}
	if o.Banned != n.Banned {
		add("banned", o.Banned, n.Banned)
	}
	if (o.Conversation == nil) != (n.Conversation == nil) || o.Conversation != nil && *o.Conversation != *n.Conversation {
		add("conversation", jsonConversation(o.Conversation), jsonConversation(n.Conversation))
	}
	if !slices.Equal(o.Sequences, n.Sequences) {
		add("sequences", stringValues(o.Sequences), stringValues(n.Sequences))
	}
	if o.ReferredBy != n.ReferredBy {
		add("referred_by", nullable(o.ReferredBy), nullable(n.ReferredBy))
	}
	return out
}

func stringValues(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func jsonConversation(cv *Conversation) any {
	if cv == nil {
		return nil
	}
	return map[string]any{"id": cv.ID, "status": cv.Status, "handler": cv.Handler, "assignee": nullable(cv.Assignee),
		"follow_up": cv.FollowUp, "archived": cv.Archived}
}

func became(old, now, v string) bool { return old != v && now == v }

func deref(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}
