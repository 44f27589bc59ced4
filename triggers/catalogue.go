package triggers

// Param is a trigger parameter a rule may set (SPEC section 5). A rule that sets
// the matching parameter fires only for trigger events whose MatchValues contain
// the parameter's value; a rule that leaves it empty fires for all of them.
type Param struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Enum        []string `json:"enum,omitempty"` // allowed values, when closed
}

// Spec describes one trigger type of the catalogue.
type Spec struct {
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Params      []Param  `json:"params"`
	MatchParam  string   `json:"-"`      // the parameter used to index rules; "" when none
	Fields      []string `json:"fields"` // the JSON names of Fields this type carries
}

var catalogue = []Spec{
	{Type: TriggerNewContact, Description: "A contact id is seen for the first time."},
	{Type: TriggerNewLead, Description: "A contact's email or phone goes from empty to set."},
	{Type: TriggerContactInfoUpdated, Description: "Name, first or last name, email or phone changes.",
		Params:     []Param{{Name: "info", Description: "fire only when this piece of contact info changed", Enum: []string{"name", "email", "phone"}}},
		MatchParam: "info", Fields: []string{"changed"}},
	{Type: TriggerCustomFieldChanged, Description: "One custom field's value changes (one trigger event per field).",
		Params:     []Param{{Name: "field", Description: "the custom field's name"}},
		MatchParam: "field", Fields: []string{"custom_field"}},
	{Type: TriggerTagApplied, Description: "The contact's tag set gains a tag.",
		Params: []Param{{Name: "tag", Description: "the tag"}}, MatchParam: "tag", Fields: []string{"tag"}},
	{Type: TriggerTagRemoved, Description: "The contact's tag set loses a tag.",
		Params: []Param{{Name: "tag", Description: "the tag"}}, MatchParam: "tag", Fields: []string{"tag"}},
	{Type: TriggerContactUnsubscribed, Description: "The contact's broadcast subscription goes from on to off."},
	{Type: TriggerContactBanned, Description: "The contact is banned (blocked): its banned state goes from false to true.",
		Fields: []string{"banned_by"}},
	{Type: TriggerContactUnbanned, Description: "The contact is unbanned: its banned state goes from true to false.",
		Fields: []string{"unbanned_by"}},
	{Type: TriggerConversationOpened, Description: "A conversation's status becomes open.", Fields: []string{"conversation_id", "opened_by"}},
	{Type: TriggerConversationClosed, Description: "A conversation's status becomes closed.",
		Fields: []string{"conversation_id", "summary", "message_count", "duration_seconds", "messages"}},
	{Type: TriggerConversationTransferredToHuman, Description: "The conversation's handler becomes a human.",
		Fields: []string{"conversation_id", "transferred_by"}},
	{Type: TriggerConversationTransferredToBot, Description: "The conversation's handler becomes the bot.",
		Fields: []string{"conversation_id", "transferred_by"}},
	{Type: TriggerConversationAssigned, Description: "The conversation's assignee changes to someone.",
		Params:     []Param{{Name: "assignee", Description: "the assignee"}},
		MatchParam: "assignee", Fields: []string{"conversation_id", "assigned_to", "assigned_by"}},
	{Type: TriggerConversationUnassigned, Description: "The conversation's assignee is cleared.",
		Params:     []Param{{Name: "assignee", Description: "the assignee it had"}},
		MatchParam: "assignee", Fields: []string{"conversation_id", "assigned_to", "assigned_by"}},
	{Type: TriggerConversationArchived, Description: "The conversation goes from not archived to archived.",
		Fields: []string{"conversation_id", "archived_by"}},
	{Type: TriggerMarkedAsFollowUp, Description: "The conversation goes from not marked to marked for follow-up.",
		Fields: []string{"conversation_id", "marked_by"}},
	{Type: TriggerSubscribedToSequence, Description: "The contact's sequence set gains a sequence.",
		Params:     []Param{{Name: "sequence", Description: "the sequence's id or name"}},
		MatchParam: "sequence", Fields: []string{"sequence_id", "sequence_name"}},
	{Type: TriggerUnsubscribedFromSequence, Description: "The contact's sequence set loses a sequence.",
		Params:     []Param{{Name: "sequence", Description: "the sequence's id or name"}},
		MatchParam: "sequence", Fields: []string{"sequence_id", "sequence_name"}},
	{Type: TriggerContactChanged, Description: "An inbound event changed a known contact's state in any way (its first appearance is new_contact's): one trigger event per inbound event and contact, listing every change.",
		Params:     []Param{{Name: "field", Description: "fire only when this key changed (name, email, tags, custom_fields.plan, …)"}},
		MatchParam: "field", Fields: []string{"changes"}},
	{Type: TriggerContactReferredANewContact, Description: "The contact referred a contact Tripline had not seen before.",
		Fields: []string{"referred_contact_id", "ref_name", "reflink_id"}},
	{Type: TriggerContactReferredExistingContact, Description: "The contact referred a contact Tripline already knew.",
		Fields: []string{"referred_contact_id", "ref_name", "reflink_id"}},
	{Type: TriggerMessageCreated, Description: "A message is written in a conversation.",
		Params:     []Param{{Name: "author", Description: "who wrote it", Enum: authors}},
		MatchParam: "author", Fields: []string{"conversation_id", "message", "data"}},
	{Type: TriggerOfflineMessageCreated, Description: "The contact leaves an offline message (a form sent while no agent is available).",
		Fields: []string{"message"}},
	{Type: TriggerChatRated, Description: "The contact rates a chat.", Fields: []string{"conversation_id", "rating", "comment"}},
	{Type: TriggerCustom, Description: "The platform reports a custom event.",
		Params: []Param{{Name: "name", Description: "the custom event's name"}}, MatchParam: "name", Fields: []string{"name", "data"}},
	{Type: TriggerDatetimeBased, Description: "A date custom field's time, shifted by an offset, arrives (once per rule, contact and field value).",
		Params: []Param{
			{Name: "field", Description: "the custom field holding the date (RFC 3339 or YYYY-MM-DD)"},
			{Name: "direction", Description: "fire before, after or on the field's time (default on)", Enum: []string{DirectionBefore, DirectionAfter, DirectionOn}},
			{Name: "amount", Description: "how many units before or after (an integer, at least 1)"},
			{Name: "unit", Description: "the unit of amount", Enum: []string{UnitMinutes, UnitHours, UnitDays}},
			{Name: "at", Description: "with days (or on): the local time of day, HH:MM"},
			{Name: "timezone", Description: "the IANA time zone of at and of dates without an offset (default UTC)"},
		},
		MatchParam: "field", Fields: []string{"field", "field_value", "scheduled_for"}},
	{Type: TriggerEndpointDisabled, Description: "Tripline disabled an endpoint after repeated failures.",
		Fields: []string{"endpoint_id", "disabled_reason"}},
}

var catalogueByType = func() map[string]*Spec {
	m := make(map[string]*Spec, len(catalogue))
	for i := range catalogue {
		m[catalogue[i].Type] = &catalogue[i]
	}
	return m
}()

// Catalogue returns the trigger types rules can use, in catalogue order.
func Catalogue() []Spec {
	out := make([]Spec, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the catalogue entry of a trigger type.
func Lookup(triggerType string) (Spec, bool) {
	s, ok := catalogueByType[triggerType]
	if !ok {
		return Spec{}, false
	}
	return *s, true
}
