package triggers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	t0  = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) // when known contacts last changed
	now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
)

// known returns contact c_1 as stored, changed by mods.
func known(mods ...func(*Contact)) *Contact {
	c := &Contact{
		ID: "c_1", Name: "Ann Lee", FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Channel: "web",
		Tags:         []string{"vip"},
		CustomFields: map[string]any{"budget": float64(100), "address": map[string]any{"city": "Oslo"}},
		Subscribed:   true,
		Conversation: &Conversation{ID: "cv_1", Status: StatusOpen, Handler: HandlerBot},
		Sequences:    []string{"welcome"},
		CreatedAt:    t0, UpdatedAt: t0,
	}
	for _, m := range mods {
		m(c)
	}
	return c
}

// conv changes a contact's conversation.
func conv(mod func(cv *Conversation)) func(*Contact) {
	return func(c *Contact) { mod(c.Conversation) }
}

func noConversation(c *Contact) { c.Conversation = nil }

func patch(t *testing.T, js string) ContactPatch {
	t.Helper()
	var p ContactPatch
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// fired is what a test expects of a trigger event.
type fired struct {
	ContactID string
	Type      string
	Fields    Fields
}

func fire(typ string, f Fields) fired { return fired{"c_1", typ, f} }

// firedOf returns what fired but contact_changed, which checkEvents checks
// on every case and TestApplyContactChanged in detail.
func firedOf(events []TriggerEvent) []fired {
	var out []fired
	for _, te := range events {
		if te.Type != TriggerContactChanged {
			out = append(out, fired{te.ContactID, te.Type, te.Fields})
		}
	}
	return out
}

// jsonObject marshals v and decodes it back as a JSON object.
func jsonObject(t *testing.T, v any) (map[string]any, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m, b
}

// flatState is a contact's JSON as a flat map: custom fields as
// custom_fields.NAME, updated_at left out (it is no change of its own).
func flatState(t *testing.T, c *Contact) map[string]any {
	t.Helper()
	m, _ := jsonObject(t, c)
	for k, v := range m["custom_fields"].(map[string]any) {
		m["custom_fields."+k] = v
	}
	delete(m, "custom_fields")
	delete(m, "updated_at")
	return m
}

// checkChanges checks a contact_changed event's changes against the states
// it is between: every key whose JSON differs is listed once, with its old
// and new JSON values, and no other.
func checkChanges(t *testing.T, i int, te TriggerEvent) {
	t.Helper()
	if te.Previous == nil {
		t.Errorf("event %d: contact_changed on a first appearance", i)
		return
	}
	was, is := flatState(t, te.Previous), flatState(t, &te.Contact)
	listed := map[string]Change{}
	for _, c := range te.Fields.Changes {
		if _, dup := listed[c.Field]; dup {
			t.Errorf("event %d: %s listed twice", i, c.Field)
		}
		listed[c.Field] = c
	}
	keys := map[string]bool{}
	for k := range was {
		keys[k] = true
	}
	for k := range is {
		keys[k] = true
	}
	for k := range listed {
		keys[k] = true
	}
	asJSON := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for k := range keys {
		c, ok := listed[k]
		differs := asJSON(was[k]) != asJSON(is[k])
		switch {
		case differs && !ok:
			t.Errorf("event %d: %s changed from %s to %s but is not listed", i, k, asJSON(was[k]), asJSON(is[k]))
		case !differs && ok:
			t.Errorf("event %d: %s is listed but did not change", i, k)
		case ok && (asJSON(c.OldValue) != asJSON(was[k]) || asJSON(c.NewValue) != asJSON(is[k])):
			t.Errorf("event %d: %s listed %s → %s, want %s → %s", i, k, asJSON(c.OldValue), asJSON(c.NewValue), asJSON(was[k]), asJSON(is[k]))
		}
	}
	if len(te.Fields.Changes) == 0 {
		t.Errorf("event %d: contact_changed with no changes", i)
	}
}

// checkEvents checks what holds for every trigger event Apply returns.
func checkEvents(t *testing.T, events []TriggerEvent, contacts, before map[string]*Contact, ts time.Time) {
	t.Helper()
	seen := map[string]bool{}
	changedEvents := map[string]int{}
	for i, te := range events {
		if te.Type == TriggerContactChanged {
			changedEvents[te.ContactID]++
			checkChanges(t, i, te)
		}
		if !strings.HasPrefix(te.ID, "evt_") || seen[te.ID] {
			t.Errorf("event %d: id %q is not a new evt_ id", i, te.ID)
		}
		seen[te.ID] = true
		if !te.Timestamp.Equal(ts) {
			t.Errorf("event %d: timestamp %v, want %v", i, te.Timestamp, ts)
		}
		if !reflect.DeepEqual(&te.Contact, contacts[te.ContactID]) {
			t.Errorf("event %d: contact %+v, want the state after %+v", i, te.Contact, contacts[te.ContactID])
		}
		if te.Previous != before[te.ContactID] {
			t.Errorf("event %d: previous %p, want the state before %p", i, te.Previous, before[te.ContactID])
		}
		spec, ok := Lookup(te.Type)
		if !ok {
			t.Fatalf("event %d: type %q not in the catalogue", i, te.Type)
		}
		v := reflect.ValueOf(te.Fields)
		for name, idx := range fieldIndex {
			if !contains(spec.Fields, name) && !v.Field(idx).IsZero() {
				t.Errorf("event %d: %s sets %s, not in its catalogue fields %v", i, te.Type, name, spec.Fields)
			}
		}
	}
	for id, c := range contacts {
		want := 0
		if b := before[id]; b != nil && c != b {
			want = 1 // a known contact whose state changed
		}
		if changedEvents[id] != want {
			t.Errorf("contact %s: %d contact_changed events, want %d", id, changedEvents[id], want)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// applyCase is one event applied to contact c_1.
type applyCase struct {
	name   string
	before *Contact // c_1 as stored; nil when new
	ev     Event    // ContactID defaults to c_1
	want   []fired
	after  func(c *Contact) // the expected change of c_1's state; nil when none
}

func runApplyCases(t *testing.T, tests []applyCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runApply(t, tc)
		})
	}
}

func runApply(t *testing.T, tc applyCase) {
	t.Helper()
	contacts, before := map[string]*Contact{}, map[string]*Contact{}
	if tc.before != nil {
		contacts["c_1"], before["c_1"] = tc.before, tc.before
	}
	snapshot := tc.before.Clone()
	ev := tc.ev
	if ev.ContactID == "" {
		ev.ContactID = "c_1"
	}
	if errs := ev.Validate(); errs != nil {
		t.Fatalf("test event is invalid: %v", errs)
	}
	got, err := Apply(contacts, ev, now)
	if err != nil {
		t.Fatal(err)
	}
	if g := firedOf(got); !reflect.DeepEqual(g, tc.want) {
		t.Errorf("fired\n%+v\nwant\n%+v", g, tc.want)
	}
	if tc.before != nil && !reflect.DeepEqual(tc.before, snapshot) {
		t.Errorf("Apply changed the contact it was given: %+v, was %+v", tc.before, snapshot)
	}
	want := snapshot
	if want == nil {
		want = &Contact{ID: "c_1", Subscribed: true, Tags: []string{}, Sequences: []string{}, CustomFields: map[string]any{}, CreatedAt: now, UpdatedAt: now}
	}
	if tc.after != nil {
		tc.after(want)
		want.UpdatedAt = now
	}
	if !reflect.DeepEqual(contacts["c_1"], want) {
		t.Errorf("state\n%+v\nwant\n%+v", contacts["c_1"], want)
	}
	if unchanged := contacts["c_1"] == tc.before; unchanged != (tc.before != nil && tc.after == nil) {
		t.Errorf("the map holds the pointer it was given: %v; want that only when nothing changed", unchanged)
	}
	checkEvents(t, got, contacts, before, now)
}

func TestApplyContactUpdated(t *testing.T) {
	t.Parallel()
	tests := []applyCase{
		{name: "name and last name change",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"name":"Ann Smith","last_name":"Smith"}`)},
			want:  []fired{fire(TriggerContactInfoUpdated, Fields{Changed: []string{"name", "last_name"}})},
			after: func(c *Contact) { c.Name, c.LastName = "Ann Smith", "Smith" }},
		{name: "same values fire nothing and keep updated_at",
			before: known(),
			ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"id":"c_1","name":"Ann Lee","email":"ann@example.com","channel":"web",
				"custom_fields":{"budget":100.0,"address":{"city":"Oslo"},"absent":null},"tags":["vip","vip"],"subscribed":true,"sequences":["welcome"]}`)}},
		{name: "phone from empty is a new lead",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"phone":"+15551234567"}`)},
			want:  []fired{fire(TriggerNewLead, Fields{}), fire(TriggerContactInfoUpdated, Fields{Changed: []string{"phone"}})},
			after: func(c *Contact) { c.Phone = "+15551234567" }},
		{name: "email from empty is a new lead",
			before: known(func(c *Contact) { c.Email = "" }), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"email":"a@b.c"}`)},
			want:  []fired{fire(TriggerNewLead, Fields{}), fire(TriggerContactInfoUpdated, Fields{Changed: []string{"email"}})},
			after: func(c *Contact) { c.Email = "a@b.c" }},
		{name: "email change is not a new lead",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"email":"ann@work.com","first_name":"Anna"}`)},
			want:  []fired{fire(TriggerContactInfoUpdated, Fields{Changed: []string{"first_name", "email"}})},
			after: func(c *Contact) { c.Email, c.FirstName = "ann@work.com", "Anna" }},
		{name: "null clears a string",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"email":null}`)},
			want:  []fired{fire(TriggerContactInfoUpdated, Fields{Changed: []string{"email"}})},
			after: func(c *Contact) { c.Email = "" }},
		{name: "custom field changes",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"custom_fields":{"budget":200}}`)},
			want:  []fired{fire(TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{"budget", float64(100), float64(200)}})},
			after: func(c *Contact) { c.CustomFields["budget"] = float64(200) }},
		{name: "custom fields merge key by key, null clears, one event per field by name",
			before: known(),
			ev:     Event{Type: EventContactUpdated, Contact: patch(t, `{"custom_fields":{"zeta":"z","address":{"city":"Oslo"},"budget":null,"gone":null}}`)},
			want: []fired{
				fire(TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{"budget", float64(100), nil}}),
				fire(TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{"zeta", nil, "z"}}),
			},
			after: func(c *Contact) { delete(c.CustomFields, "budget"); c.CustomFields["zeta"] = "z" }},
		{name: "nested custom field value changes",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"custom_fields":{"address":{"city":"Bergen"}}}`)},
			want: []fired{fire(TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{"address",
				map[string]any{"city": "Oslo"}, map[string]any{"city": "Bergen"}}})},
			after: func(c *Contact) { c.CustomFields["address"] = map[string]any{"city": "Bergen"} }},
		{name: "tags replace the set",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"tags":["new","vip","new","old"]}`)},
			want:  []fired{fire(TriggerTagApplied, Fields{Tag: "new"}), fire(TriggerTagApplied, Fields{Tag: "old"})},
			after: func(c *Contact) { c.Tags = []string{"new", "vip", "old"} }},
		{name: "tags replaced: applied before removed",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"tags":["b"]}`)},
			want:  []fired{fire(TriggerTagApplied, Fields{Tag: "b"}), fire(TriggerTagRemoved, Fields{Tag: "vip"})},
			after: func(c *Contact) { c.Tags = []string{"b"} }},
		{name: "unsubscribe",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"subscribed":false}`)},
			want:  []fired{fire(TriggerContactUnsubscribed, Fields{})},
			after: func(c *Contact) { c.Subscribed = false }},
		{name: "resubscribe changes state and fires nothing",
			before: known(func(c *Contact) { c.Subscribed = false }), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"subscribed":true}`)},
			after: func(c *Contact) { c.Subscribed = true }},
		{name: "channel changes state and fires nothing",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"channel":"whatsapp"}`)},
			after: func(c *Contact) { c.Channel = "whatsapp" }},
		{name: "sequences through the patch are named by their string",
			before: known(), ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"sequences":["promo"]}`)},
			want: []fired{fire(TriggerSubscribedToSequence, Fields{SequenceID: "promo"}),
				fire(TriggerUnsubscribedFromSequence, Fields{SequenceID: "welcome"})},
			after: func(c *Contact) { c.Sequences = []string{"promo"} }},
		{name: "every kind of change at once, in catalogue order",
			before: known(),
			ev: Event{Type: EventContactUpdated, Contact: patch(t,
				`{"phone":"+1","custom_fields":{"budget":5},"tags":[],"subscribed":false,"sequences":[]}`)},
			want: []fired{
				fire(TriggerNewLead, Fields{}),
				fire(TriggerContactInfoUpdated, Fields{Changed: []string{"phone"}}),
				fire(TriggerCustomFieldChanged, Fields{CustomField: &CustomFieldChange{"budget", float64(100), float64(5)}}),
				fire(TriggerTagRemoved, Fields{Tag: "vip"}),
				fire(TriggerContactUnsubscribed, Fields{}),
				fire(TriggerUnsubscribedFromSequence, Fields{SequenceID: "welcome"}),
			},
			after: func(c *Contact) {
				c.Phone, c.CustomFields["budget"], c.Tags, c.Subscribed, c.Sequences = "+1", float64(5), []string{}, false, []string{}
			}},
		{name: "first appearance with an email: the patch is initial state",
			ev: Event{Type: EventContactUpdated, Contact: patch(t,
				`{"email":"x@y.z","name":"X","tags":["a"],"custom_fields":{"k":1,"n":null},"subscribed":false,"sequences":["s"]}`)},
			want: []fired{fire(TriggerNewContact, Fields{}), fire(TriggerNewLead, Fields{})},
			after: func(c *Contact) {
				c.Email, c.Name, c.Tags, c.CustomFields["k"], c.Subscribed, c.Sequences = "x@y.z", "X", []string{"a"}, float64(1), false, []string{"s"}
			}},
		{name: "first appearance with a phone",
			ev:    Event{Type: EventContactUpdated, Contact: patch(t, `{"phone":"+1"}`)},
			want:  []fired{fire(TriggerNewContact, Fields{}), fire(TriggerNewLead, Fields{})},
			after: func(c *Contact) { c.Phone = "+1" }},
		{name: "first appearance without email or phone",
			ev:    Event{Type: EventContactUpdated, Contact: patch(t, `{"name":"X"}`)},
			want:  []fired{fire(TriggerNewContact, Fields{})},
			after: func(c *Contact) { c.Name = "X" }},
	}
	runApplyCases(t, tests)
}

func TestApplyTags(t *testing.T) {
	t.Parallel()
	tests := []applyCase{
		{name: "applies a new tag",
			before: known(), ev: Event{Type: EventTagApplied, Tag: "new"},
			want:  []fired{fire(TriggerTagApplied, Fields{Tag: "new"})},
			after: func(c *Contact) { c.Tags = []string{"vip", "new"} }},
		{name: "a tag the contact has fires nothing",
			before: known(), ev: Event{Type: EventTagApplied, Tag: "vip"}},
		{name: "tags are case-sensitive",
			before: known(), ev: Event{Type: EventTagApplied, Tag: "VIP"},
			want:  []fired{fire(TriggerTagApplied, Fields{Tag: "VIP"})},
			after: func(c *Contact) { c.Tags = []string{"vip", "VIP"} }},
		{name: "on a new contact the application is a real change",
			ev:    Event{Type: EventTagApplied, Tag: "new"},
			want:  []fired{fire(TriggerNewContact, Fields{}), fire(TriggerTagApplied, Fields{Tag: "new"})},
			after: func(c *Contact) { c.Tags = []string{"new"} }},
		{name: "on a new contact whose patch brings the tag",
			ev:    Event{Type: EventTagApplied, Tag: "new", Contact: patch(t, `{"tags":["new"]}`)},
			want:  []fired{fire(TriggerNewContact, Fields{})},
			after: func(c *Contact) { c.Tags = []string{"new"} }},
		{name: "patch then tag",
			before: known(), ev: Event{Type: EventTagApplied, Tag: "new", Contact: patch(t, `{"name":"Ann"}`)},
			want:  []fired{fire(TriggerContactInfoUpdated, Fields{Changed: []string{"name"}}), fire(TriggerTagApplied, Fields{Tag: "new"})},
			after: func(c *Contact) { c.Name, c.Tags = "Ann", []string{"vip", "new"} }},
		{name: "removes a tag",
			before: known(func(c *Contact) { c.Tags = []string{"a", "vip", "b"} }), ev: Event{Type: EventTagRemoved, Tag: "vip"},
			want:  []fired{fire(TriggerTagRemoved, Fields{Tag: "vip"})},
			after: func(c *Contact) { c.Tags = []string{"a", "b"} }},
		{name: "removing a tag the contact lacks fires nothing",
			before: known(), ev: Event{Type: EventTagRemoved, Tag: "nope"}},
		{name: "removing from a new contact",
			ev: Event{Type: EventTagRemoved, Tag: "vip"}, want: []fired{fire(TriggerNewContact, Fields{})}},
	}
	runApplyCases(t, tests)
}

func TestApplyConversation(t *testing.T) {
	t.Parallel()
	busy := conv(func(cv *Conversation) { // a conversation with every flag set, closed
		cv.Status, cv.Handler, cv.Assignee, cv.FollowUp, cv.Archived = StatusClosed, HandlerHuman, "alice", true, true
	})
	fresh := func(id string, mod func(*Conversation)) func(*Contact) {
		return func(c *Contact) {
			c.Conversation = &Conversation{ID: id, Status: StatusOpen, Handler: HandlerBot}
			if mod != nil {
				mod(c.Conversation)
			}
		}
	}
	transcript := []map[string]any{{"author": "visitor", "text": "hi", "at": "2026-11-22T09:59:00Z"}}
	tests := []applyCase{
		// conversation_opened
		{name: "opened: the same id already open fires nothing",
			before: known(), ev: Event{Type: EventConversationOpened, ConversationID: "cv_1"}},
		{name: "opened: reopening keeps the rest",
			before: known(busy), ev: Event{Type: EventConversationOpened, ConversationID: "cv_1"},
			want:  []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_1"})},
			after: conv(func(cv *Conversation) { cv.Status = StatusOpen })},
		{name: "opened: a new id replaces a closed conversation with a fresh one",
			before: known(busy), ev: Event{Type: EventConversationOpened, ConversationID: "cv_2"},
			want:  []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", nil)},
		{name: "opened: a new id replaces an open conversation",
			before: known(), ev: Event{Type: EventConversationOpened, ConversationID: "cv_2"},
			want:  []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", nil)},
		{name: "opened: first conversation",
			before: known(noConversation), ev: Event{Type: EventConversationOpened, ConversationID: "cv_2"},
			want:  []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", nil)},
		{name: "opened: new contact",
			ev:    Event{Type: EventConversationOpened, ConversationID: "cv_2"},
			want:  []fired{fire(TriggerNewContact, Fields{}), fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", nil)},

		// conversation_closed
		{name: "closed: carries the close fields",
			before: known(),
			ev: Event{Type: EventConversationClosed, ConversationID: "cv_1", Summary: "sorted", MessageCount: ptr(12),
				DurationSeconds: ptr(300), Messages: transcript},
			want: []fired{fire(TriggerConversationClosed, Fields{ConversationID: "cv_1", Summary: "sorted", MessageCount: 12,
				DurationSeconds: 300, Messages: transcript})},
			after: conv(func(cv *Conversation) { cv.Status = StatusClosed })},
		{name: "closed: already closed fires nothing",
			before: known(busy), ev: Event{Type: EventConversationClosed, ConversationID: "cv_1"}},
		{name: "closed: no id means the current conversation",
			before: known(), ev: Event{Type: EventConversationClosed},
			want:  []fired{fire(TriggerConversationClosed, Fields{ConversationID: "cv_1"})},
			after: conv(func(cv *Conversation) { cv.Status = StatusClosed })},
		{name: "closed: no id and no conversation changes nothing",
			before: known(noConversation), ev: Event{Type: EventConversationClosed}},
		{name: "closed: an unknown conversation fires closed only",
			before: known(noConversation), ev: Event{Type: EventConversationClosed, ConversationID: "cv_2"},
			want:  []fired{fire(TriggerConversationClosed, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", func(cv *Conversation) { cv.Status = StatusClosed })},

		// transfers
		{name: "to human",
			before: known(), ev: Event{Type: EventConversationTransferredToHuman, ConversationID: "cv_1", By: "agent_7"},
			want:  []fired{fire(TriggerConversationTransferredToHuman, Fields{ConversationID: "cv_1", TransferredBy: "agent_7"})},
			after: conv(func(cv *Conversation) { cv.Handler = HandlerHuman })},
		{name: "to human: already with a human",
			before: known(busy), ev: Event{Type: EventConversationTransferredToHuman, By: "agent_7"}},
		{name: "to human: an unknown conversation opens first",
			before: known(), ev: Event{Type: EventConversationTransferredToHuman, ConversationID: "cv_2"},
			want: []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"}),
				fire(TriggerConversationTransferredToHuman, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", func(cv *Conversation) { cv.Handler = HandlerHuman })},
		{name: "to bot",
			before: known(busy), ev: Event{Type: EventConversationTransferredToBot, By: "agent_7"},
			want:  []fired{fire(TriggerConversationTransferredToBot, Fields{ConversationID: "cv_1", TransferredBy: "agent_7"})},
			after: conv(func(cv *Conversation) { cv.Handler = HandlerBot })},
		{name: "to bot: already with the bot",
			before: known(), ev: Event{Type: EventConversationTransferredToBot, ConversationID: "cv_1"}},
		{name: "to bot: an unknown conversation is with the bot already",
			before: known(noConversation), ev: Event{Type: EventConversationTransferredToBot, ConversationID: "cv_2"},
			want:  []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"})},
			after: fresh("cv_2", nil)},

		// assignment
		{name: "assigned",
			before: known(), ev: Event{Type: EventConversationAssigned, Assignee: "alice", By: "bob"},
			want:  []fired{fire(TriggerConversationAssigned, Fields{ConversationID: "cv_1", AssignedTo: "alice", AssignedBy: "bob"})},
			after: conv(func(cv *Conversation) { cv.Assignee = "alice" })},
		{name: "assigned: the same assignee fires nothing",
			before: known(busy), ev: Event{Type: EventConversationAssigned, ConversationID: "cv_1", Assignee: "alice"}},
		{name: "assigned: another assignee",
			before: known(busy), ev: Event{Type: EventConversationAssigned, Assignee: "carol"},
			want:  []fired{fire(TriggerConversationAssigned, Fields{ConversationID: "cv_1", AssignedTo: "carol"})},
			after: conv(func(cv *Conversation) { cv.Assignee = "carol" })},
		{name: "unassigned names who it had",
			before: known(busy), ev: Event{Type: EventConversationUnassigned, By: "bob"},
			want:  []fired{fire(TriggerConversationUnassigned, Fields{ConversationID: "cv_1", AssignedTo: "alice", AssignedBy: "bob"})},
			after: conv(func(cv *Conversation) { cv.Assignee = "" })},
		{name: "unassigned clears whoever is assigned",
			before: known(busy), ev: Event{Type: EventConversationUnassigned, Assignee: "carol"},
			want:  []fired{fire(TriggerConversationUnassigned, Fields{ConversationID: "cv_1", AssignedTo: "alice"})},
			after: conv(func(cv *Conversation) { cv.Assignee = "" })},
		{name: "unassigned: nobody assigned",
			before: known(), ev: Event{Type: EventConversationUnassigned}},
		{name: "unassigned: no conversation",
			before: known(noConversation), ev: Event{Type: EventConversationUnassigned, By: "bob"}},

		// archive and follow-up
		{name: "archived",
			before: known(), ev: Event{Type: EventConversationArchived, By: "bob"},
			want:  []fired{fire(TriggerConversationArchived, Fields{ConversationID: "cv_1", ArchivedBy: "bob"})},
			after: conv(func(cv *Conversation) { cv.Archived = true })},
		{name: "archived: already archived",
			before: known(busy), ev: Event{Type: EventConversationArchived, By: "bob"}},
		{name: "unarchived changes state and fires nothing",
			before: known(busy), ev: Event{Type: EventConversationUnarchived, By: "bob"},
			after: conv(func(cv *Conversation) { cv.Archived = false })},
		{name: "unarchived: not archived",
			before: known(), ev: Event{Type: EventConversationUnarchived}},
		{name: "marked as follow-up",
			before: known(), ev: Event{Type: EventMarkedAsFollowUp, ConversationID: "cv_1", By: "bob"},
			want:  []fired{fire(TriggerMarkedAsFollowUp, Fields{ConversationID: "cv_1", MarkedBy: "bob"})},
			after: conv(func(cv *Conversation) { cv.FollowUp = true })},
		{name: "marked as follow-up: already marked",
			before: known(busy), ev: Event{Type: EventMarkedAsFollowUp, By: "bob"}},
	}
	runApplyCases(t, tests)
}

func TestApplySequences(t *testing.T) {
	t.Parallel()
	tests := []applyCase{
		{name: "subscribes by id, with the name",
			before: known(), ev: Event{Type: EventSubscribedToSequence, SequenceID: "seq_9", SequenceName: "Promo"},
			want:  []fired{fire(TriggerSubscribedToSequence, Fields{SequenceID: "seq_9", SequenceName: "Promo"})},
			after: func(c *Contact) { c.Sequences = []string{"welcome", "seq_9"} }},
		{name: "subscribes by name",
			before: known(), ev: Event{Type: EventSubscribedToSequence, SequenceName: "Promo"},
			want:  []fired{fire(TriggerSubscribedToSequence, Fields{SequenceName: "Promo"})},
			after: func(c *Contact) { c.Sequences = []string{"welcome", "Promo"} }},
		{name: "already subscribed by id",
			before: known(func(c *Contact) { c.Sequences = []string{"seq_9"} }),
			ev:     Event{Type: EventSubscribedToSequence, SequenceID: "seq_9", SequenceName: "Promo"}},
		{name: "already subscribed by name",
			before: known(), ev: Event{Type: EventSubscribedToSequence, SequenceID: "seq_1", SequenceName: "welcome"}},
		{name: "new contact",
			ev:    Event{Type: EventSubscribedToSequence, SequenceID: "seq_9"},
			want:  []fired{fire(TriggerNewContact, Fields{}), fire(TriggerSubscribedToSequence, Fields{SequenceID: "seq_9"})},
			after: func(c *Contact) { c.Sequences = []string{"seq_9"} }},
		{name: "unsubscribes by name",
			before: known(), ev: Event{Type: EventUnsubscribedFromSequence, SequenceName: "welcome"},
			want:  []fired{fire(TriggerUnsubscribedFromSequence, Fields{SequenceName: "welcome"})},
			after: func(c *Contact) { c.Sequences = []string{} }},
		{name: "unsubscribes by id, with the name",
			before: known(func(c *Contact) { c.Sequences = []string{"a", "seq_1", "b"} }),
			ev:     Event{Type: EventUnsubscribedFromSequence, SequenceID: "seq_1", SequenceName: "Welcome"},
			want:   []fired{fire(TriggerUnsubscribedFromSequence, Fields{SequenceID: "seq_1", SequenceName: "Welcome"})},
			after:  func(c *Contact) { c.Sequences = []string{"a", "b"} }},
		{name: "not subscribed",
			before: known(), ev: Event{Type: EventUnsubscribedFromSequence, SequenceID: "seq_1"}},
	}
	runApplyCases(t, tests)
}

func TestApplyOccurrences(t *testing.T) {
	t.Parallel()
	data := map[string]any{"order": "A-1", "total": 9.5}
	tests := []applyCase{
		{name: "message in the current conversation",
			before: known(), ev: Event{Type: EventMessageCreated, MessageID: "m_1", Author: "visitor", Text: "hi"},
			want: []fired{fire(TriggerMessageCreated, Fields{ConversationID: "cv_1", Message: &Message{"m_1", "visitor", "hi"}})}},
		{name: "message names its conversation without changing state",
			before: known(), ev: Event{Type: EventMessageCreated, ConversationID: "cv_9", Author: "ai", Text: "hello"},
			want: []fired{fire(TriggerMessageCreated, Fields{ConversationID: "cv_9", Message: &Message{"", "ai", "hello"}})}},
		{name: "message without a conversation",
			before: known(noConversation), ev: Event{Type: EventMessageCreated, Author: "agent", Text: "hi"},
			want: []fired{fire(TriggerMessageCreated, Fields{Message: &Message{"", "agent", "hi"}})}},
		{name: "message from a new contact",
			ev:   Event{Type: EventMessageCreated, Author: "visitor", Text: "hi"},
			want: []fired{fire(TriggerNewContact, Fields{}), fire(TriggerMessageCreated, Fields{Message: &Message{"", "visitor", "hi"}})}},
		{name: "the same message twice fires twice: occurrences always fire",
			before: known(), ev: Event{Type: EventMessageCreated, MessageID: "m_1", Author: "trigger", Text: "hi"},
			want: []fired{fire(TriggerMessageCreated, Fields{ConversationID: "cv_1", Message: &Message{"m_1", "trigger", "hi"}})}},
		{name: "chat rated",
			before: known(), ev: Event{Type: EventChatRated, Rating: 5, Comment: "great"},
			want: []fired{fire(TriggerChatRated, Fields{ConversationID: "cv_1", Rating: 5, Comment: "great"})}},
		{name: "custom",
			before: known(), ev: Event{Type: EventCustom, Name: "order_paid", Data: data},
			want: []fired{fire(TriggerCustom, Fields{Name: "order_paid", Data: data})}},
		{name: "the occurrence comes after the patch's changes",
			before: known(), ev: Event{Type: EventCustom, Name: "order_paid", Contact: patch(t, `{"tags":["vip","buyer"]}`)},
			want:  []fired{fire(TriggerTagApplied, Fields{Tag: "buyer"}), fire(TriggerCustom, Fields{Name: "order_paid"})},
			after: func(c *Contact) { c.Tags = []string{"vip", "buyer"} }},
	}
	runApplyCases(t, tests)
}

func TestApplyReferral(t *testing.T) {
	t.Parallel()
	referred := func(mods ...func(*Contact)) *Contact {
		c := known(mods...)
		c.ID, c.Email = "c_2", "bo@example.com"
		return c
	}
	fresh := func(id string) *Contact {
		return &Contact{ID: id, Subscribed: true, Tags: []string{}, Sequences: []string{}, CustomFields: map[string]any{}, CreatedAt: now, UpdatedAt: now}
	}
	ref := Fields{ReferredContactID: "c_2", RefName: "friends", ReflinkID: "rl_1"}
	tests := []struct {
		name   string
		before []*Contact
		ev     Event
		want   []fired
		after  map[string]*Contact // expected states
	}{
		{name: "a new contact",
			before: []*Contact{known()}, ev: Event{ContactID: "c_1", Type: EventContactReferred, ReferredContactID: "c_2", RefName: "friends", ReflinkID: "rl_1"},
			want: []fired{{"c_2", TriggerNewContact, Fields{}}, {"c_1", TriggerContactReferredANewContact, ref}},
			after: map[string]*Contact{"c_1": known(), "c_2": func() *Contact {
				c := fresh("c_2")
				c.ReferredBy = "c_1"
				return c
			}()}},
		{name: "an existing contact",
			before: []*Contact{known(), referred()}, ev: Event{ContactID: "c_1", Type: EventContactReferred, ReferredContactID: "c_2", RefName: "friends", ReflinkID: "rl_1"},
			want: []fired{{"c_1", TriggerContactReferredExistingContact, ref}},
			after: map[string]*Contact{"c_1": known(), "c_2": referred(func(c *Contact) {
				c.ReferredBy, c.UpdatedAt = "c_1", now
			})}},
		{name: "an existing contact it referred before",
			before: []*Contact{known(), referred(func(c *Contact) { c.ReferredBy = "c_1" })},
			ev:     Event{ContactID: "c_1", Type: EventContactReferred, ReferredContactID: "c_2"},
			want:   []fired{{"c_1", TriggerContactReferredExistingContact, Fields{ReferredContactID: "c_2"}}},
			after:  map[string]*Contact{"c_1": known(), "c_2": referred(func(c *Contact) { c.ReferredBy = "c_1" })}},
		{name: "both new, the referrer with an email",
			ev: Event{ContactID: "c_1", Type: EventContactReferred, ReferredContactID: "c_2", Contact: patch(t, `{"email":"a@b.c"}`)},
			want: []fired{{"c_1", TriggerNewContact, Fields{}}, {"c_1", TriggerNewLead, Fields{}},
				{"c_2", TriggerNewContact, Fields{}}, {"c_1", TriggerContactReferredANewContact, Fields{ReferredContactID: "c_2"}}},
			after: map[string]*Contact{"c_1": func() *Contact {
				c := fresh("c_1")
				c.Email = "a@b.c"
				return c
			}(), "c_2": func() *Contact {
				c := fresh("c_2")
				c.ReferredBy = "c_1"
				return c
			}()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			contacts, before := map[string]*Contact{}, map[string]*Contact{}
			for _, c := range tc.before {
				contacts[c.ID], before[c.ID] = c, c
			}
			if errs := tc.ev.Validate(); errs != nil {
				t.Fatal(errs)
			}
			got, err := Apply(contacts, tc.ev, now)
			if err != nil {
				t.Fatal(err)
			}
			if g := firedOf(got); !reflect.DeepEqual(g, tc.want) {
				t.Errorf("fired\n%+v\nwant\n%+v", g, tc.want)
			}
			if !reflect.DeepEqual(contacts, tc.after) {
				t.Errorf("states\n%+v\nwant\n%+v", contacts, tc.after)
			}
			checkEvents(t, got, contacts, before, now)
		})
	}
}

// TestApplyInOrder applies events one after the other to one working set, as
// an ingest call does.
func TestApplyInOrder(t *testing.T) {
	t.Parallel()
	contacts := map[string]*Contact{}
	occurred := time.Date(2026, 11, 22, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	steps := []struct {
		ev   Event
		want []string
	}{
		{Event{Type: EventContactUpdated, Contact: patch(t, `{"name":"Ann"}`)}, []string{TriggerNewContact}},
		{Event{Type: EventTagApplied, Tag: "vip"}, []string{TriggerTagApplied, TriggerContactChanged}},
		{Event{Type: EventTagApplied, Tag: "vip"}, nil},
		{Event{Type: EventConversationTransferredToHuman, ConversationID: "cv_1"}, []string{TriggerConversationOpened, TriggerConversationTransferredToHuman, TriggerContactChanged}},
		{Event{Type: EventConversationAssigned, Assignee: "alice"}, []string{TriggerConversationAssigned, TriggerContactChanged}},
		{Event{Type: EventConversationClosed, OccurredAt: &occurred}, []string{TriggerConversationClosed, TriggerContactChanged}},
		{Event{Type: EventConversationOpened, ConversationID: "cv_2"}, []string{TriggerConversationOpened, TriggerContactChanged}},
		{Event{Type: EventContactUpdated, Contact: patch(t, `{"email":"ann@example.com"}`)}, []string{TriggerNewLead, TriggerContactInfoUpdated, TriggerContactChanged}},
		{Event{Type: EventTagRemoved, Tag: "vip"}, []string{TriggerTagRemoved, TriggerContactChanged}},
	}
	var kept []TriggerEvent
	for i, s := range steps {
		s.ev.ContactID = "c_1"
		before := contacts["c_1"]
		snapshot := before.Clone()
		got, err := Apply(contacts, s.ev, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, te := range got {
			types = append(types, te.Type)
			if i > 0 && te.Previous != before {
				t.Errorf("step %d: previous is not the state the step before left", i)
			}
		}
		if !reflect.DeepEqual(types, s.want) {
			t.Errorf("step %d: fired %v, want %v", i, types, s.want)
		}
		if !reflect.DeepEqual(before, snapshot) {
			t.Errorf("step %d changed the state the step before left", i)
		}
		ts := now.Add(time.Duration(i) * time.Second)
		if s.ev.OccurredAt != nil {
			ts = occurred
		}
		checkEvents(t, got, contacts, map[string]*Contact{"c_1": before}, ts)
		kept = append(kept, got...)
	}
	// Earlier trigger events keep the state they saw.
	if kept[1].Type != TriggerTagApplied || !reflect.DeepEqual(kept[1].Contact.Tags, []string{"vip"}) || kept[1].Contact.Conversation != nil {
		t.Errorf("an earlier trigger event changed: %+v", kept[1].Contact)
	}
	c := contacts["c_1"]
	want := &Contact{ID: "c_1", Name: "Ann", Email: "ann@example.com", Subscribed: true, Tags: []string{}, Sequences: []string{}, CustomFields: map[string]any{},
		Conversation: &Conversation{ID: "cv_2", Status: StatusOpen, Handler: HandlerBot},
		CreatedAt:    now, UpdatedAt: now.Add(8 * time.Second)}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("final state %+v, want %+v", c, want)
	}
	// The trigger event's contact is a copy.
	kept[0].Contact.Tags = append(kept[0].Contact.Tags, "x")
	kept[0].Contact.CustomFields["x"] = 1
	if len(c.Tags) != 0 || len(c.CustomFields) != 0 {
		t.Error("a trigger event's contact shares memory with the state")
	}
}

func TestApplyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"unknown type", Event{Type: "nope", ContactID: "c_1"}, `unknown type "nope"`},
		{"bad patch", Event{Type: EventContactUpdated, ContactID: "c_1", Contact: ContactPatch{"email": json.RawMessage(`1`)}}, "contact.email"},
		{"no contact id", Event{Type: EventTagApplied, Tag: "x"}, "bad contact ids"},
		{"self referral", Event{Type: EventContactReferred, ContactID: "c_1", ReferredContactID: "c_1"}, "bad contact ids"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			contacts := map[string]*Contact{}
			got, err := Apply(contacts, tc.ev, now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if got != nil || len(contacts) != 0 {
				t.Errorf("a failed Apply changed things: %v %v", got, contacts)
			}
		})
	}
}

// TestApplyNewEvents covers the inbound events of SPEC section 12.
func TestApplyNewEvents(t *testing.T) {
	t.Parallel()
	banned := func(c *Contact) { c.Banned = true }
	score := map[string]any{"score": 0.85, "cost_credits": float64(20), "client_ip": "203.0.113.7"}
	tests := []applyCase{
		{name: "banned", before: known(), ev: Event{Type: EventContactBanned, By: "anna"},
			want: []fired{fire(TriggerContactBanned, Fields{BannedBy: "anna"})}, after: banned},
		{name: "banned twice fires nothing", before: known(banned), ev: Event{Type: EventContactBanned, By: "anna"}},
		{name: "unbanned", before: known(banned), ev: Event{Type: EventContactUnbanned, By: "bob"},
			want: []fired{fire(TriggerContactUnbanned, Fields{UnbannedBy: "bob"})}, after: func(c *Contact) { c.Banned = false }},
		{name: "unbanned when not banned fires nothing", before: known(), ev: Event{Type: EventContactUnbanned}},
		{name: "a new contact banned at once", ev: Event{Type: EventContactBanned},
			want: []fired{fire(TriggerNewContact, Fields{}), fire(TriggerContactBanned, Fields{})}, after: banned},
		{name: "banned through the contact patch names no one", before: known(),
			ev:   Event{Type: EventContactUpdated, Contact: patch(t, `{"banned":true}`)},
			want: []fired{fire(TriggerContactBanned, Fields{})}, after: banned},
		{name: "a ban's patch comes first", before: known(), ev: Event{Type: EventContactBanned, By: "anna", Contact: patch(t, `{"tags":[]}`)},
			want:  []fired{fire(TriggerTagRemoved, Fields{Tag: "vip"}), fire(TriggerContactBanned, Fields{BannedBy: "anna"})},
			after: func(c *Contact) { c.Banned, c.Tags = true, []string{} }},
		{name: "opened by the visitor", before: known(noConversation), ev: Event{Type: EventConversationOpened, ConversationID: "cv_2", By: "visitor"},
			want:  []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2", OpenedBy: "visitor"})},
			after: func(c *Contact) { c.Conversation = &Conversation{ID: "cv_2", Status: StatusOpen, Handler: HandlerBot} }},
		{name: "a transfer's by is not who opened", before: known(noConversation),
			ev: Event{Type: EventConversationTransferredToHuman, ConversationID: "cv_2", By: "agent_7"},
			want: []fired{fire(TriggerConversationOpened, Fields{ConversationID: "cv_2"}),
				fire(TriggerConversationTransferredToHuman, Fields{ConversationID: "cv_2", TransferredBy: "agent_7"})},
			after: func(c *Contact) {
				c.Conversation = &Conversation{ID: "cv_2", Status: StatusOpen, Handler: HandlerHuman}
			}},
		{name: "message with data", before: known(), ev: Event{Type: EventMessageCreated, MessageID: "m_1", Author: "ai", Text: "Use the guide.", Data: score},
			want: []fired{fire(TriggerMessageCreated, Fields{ConversationID: "cv_1", Message: &Message{"m_1", "ai", "Use the guide."}, Data: score})}},
		{name: "offline message from a new visitor", ev: Event{Type: EventOfflineMessageCreated, Message: &InboundMessage{ID: "om_1", Text: "Call me"},
			Contact: patch(t, `{"name":"Bo","email":"bo@example.com"}`)},
			want: []fired{fire(TriggerNewContact, Fields{}), fire(TriggerNewLead, Fields{}),
				fire(TriggerOfflineMessageCreated, Fields{Message: &Message{"om_1", "visitor", "Call me"}})},
			after: func(c *Contact) { c.Name, c.Email = "Bo", "bo@example.com" }},
		{name: "offline message from a known contact, new phone", before: known(),
			ev: Event{Type: EventOfflineMessageCreated, Message: &InboundMessage{Text: "Call me"}, Contact: patch(t, `{"phone":"+4712345678"}`)},
			want: []fired{fire(TriggerNewLead, Fields{}), fire(TriggerContactInfoUpdated, Fields{Changed: []string{"phone"}}),
				fire(TriggerOfflineMessageCreated, Fields{Message: &Message{"", "visitor", "Call me"}})},
			after: func(c *Contact) { c.Phone = "+4712345678" }},
	}
	runApplyCases(t, tests)
}

// TestApplyContactChanged lists exactly what one event changed, in SPEC
// section 3's key order, once per event and contact.
func TestApplyContactChanged(t *testing.T) {
	t.Parallel()
	one := func(contacts map[string]*Contact, ev Event) []TriggerEvent {
		t.Helper()
		if ev.ContactID == "" {
			ev.ContactID = "c_1"
		}
		if errs := ev.Validate(); errs != nil {
			t.Fatal(errs)
		}
		got, err := Apply(contacts, ev, now)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	changedOf := func(tes []TriggerEvent) []TriggerEvent {
		var out []TriggerEvent
		for _, te := range tes {
			if te.Type == TriggerContactChanged {
				out = append(out, te)
			}
		}
		return out
	}
	tests := []struct {
		name   string
		before *Contact
		ev     Event
		want   []Change // nil: no contact_changed
	}{
		{name: "many fields in one update, one trigger event", before: known(),
			ev: Event{Type: EventContactUpdated, Contact: patch(t,
				`{"name":"Ann Berg","last_name":"Berg","email":null,"tags":["vip","buyer"],"custom_fields":{"budget":200,"address":null,"plan":"pro"},"subscribed":false,"banned":true,"sequences":[]}`)},
			want: []Change{
				{"name", "Ann Lee", "Ann Berg"}, {"last_name", "Lee", "Berg"}, {"email", "ann@example.com", ""},
				{"tags", []any{"vip"}, []any{"vip", "buyer"}},
				{"custom_fields.address", map[string]any{"city": "Oslo"}, nil},
				{"custom_fields.budget", float64(100), float64(200)},
				{"custom_fields.plan", nil, "pro"},
				{"subscribed", true, false}, {"banned", false, true},
				{"sequences", []any{"welcome"}, []any{}},
			}},
		{name: "a conversation event", before: known(),
			ev: Event{Type: EventConversationAssigned, Assignee: "alice", By: "bob"},
			want: []Change{{"conversation",
				map[string]any{"id": "cv_1", "status": "open", "handler": "bot", "assignee": nil, "follow_up": false, "archived": false},
				map[string]any{"id": "cv_1", "status": "open", "handler": "bot", "assignee": "alice", "follow_up": false, "archived": false}}}},
		{name: "the first conversation", before: known(noConversation),
			ev: Event{Type: EventConversationOpened, ConversationID: "cv_2"},
			want: []Change{{"conversation", nil,
				map[string]any{"id": "cv_2", "status": "open", "handler": "bot", "assignee": nil, "follow_up": false, "archived": false}}}},
		{name: "nothing changed", before: known(),
			ev: Event{Type: EventContactUpdated, Contact: patch(t, `{"name":"Ann Lee","tags":["vip"],"custom_fields":{"budget":100.0}}`)}},
		{name: "an occurrence alone changes nothing", before: known(), ev: Event{Type: EventChatRated, Rating: 4}},
		{name: "a first appearance is new_contact's", ev: Event{Type: EventTagApplied, Tag: "vip", Contact: patch(t, `{"email":"a@b.c"}`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			contacts := map[string]*Contact{}
			if tc.before != nil {
				contacts["c_1"] = tc.before
			}
			got := one(contacts, tc.ev)
			cc := changedOf(got)
			if tc.want == nil {
				if len(cc) != 0 {
					t.Fatalf("contact_changed fired: %+v", cc)
				}
				return
			}
			if len(cc) != 1 {
				t.Fatalf("%d contact_changed events, want 1: %+v", len(cc), got)
			}
			if !reflect.DeepEqual(cc[0].Fields.Changes, tc.want) {
				t.Errorf("changes\n%#v\nwant\n%#v", cc[0].Fields.Changes, tc.want)
			}
			if last := got[len(got)-1]; last.Type != TriggerContactChanged {
				t.Errorf("contact_changed is not after the contact's other triggers: %s last", last.Type)
			}
			if got := cc[0].MatchValues(); len(got) != len(tc.want) || got[0] != tc.want[0].Field {
				t.Errorf("match values %q", got)
			}
			// What is stored reads back the same.
			b, err := json.Marshal(cc[0])
			if err != nil {
				t.Fatal(err)
			}
			var back TriggerEvent
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Fields.Changes, tc.want) {
				t.Errorf("changes read back\n%#v\nwant\n%#v", back.Fields.Changes, tc.want)
			}
		})
	}

	// A referral changes the known referred contact: its own contact_changed,
	// before the referrer's occurrence.
	contacts := map[string]*Contact{"c_1": known(), "c_2": func() *Contact { c := known(); c.ID = "c_2"; return c }()}
	got := one(contacts, Event{Type: EventContactReferred, ReferredContactID: "c_2"})
	if len(got) != 2 || got[0].Type != TriggerContactChanged || got[0].ContactID != "c_2" ||
		!reflect.DeepEqual(got[0].Fields.Changes, []Change{{"referred_by", nil, "c_1"}}) || got[1].Type != TriggerContactReferredExistingContact {
		t.Errorf("referral fired %+v", firedOfAll(got))
	}
}

func firedOfAll(events []TriggerEvent) []fired {
	var out []fired
	for _, te := range events {
		out = append(out, fired{te.ContactID, te.Type, te.Fields})
	}
	return out
}
