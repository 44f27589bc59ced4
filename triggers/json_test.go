package triggers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The JSON of contacts and trigger events is stored, and it is what payloads
// (signed) are made of: AppendJSON must write exactly the bytes that the
// reflection-based encoding below, which it replaced, wrote.

func reflectConversationJSON(c Conversation) ([]byte, error) {
	type plain Conversation
	var assignee *string
	if c.Assignee != "" {
		assignee = &c.Assignee
	}
	return json.Marshal(struct {
		plain
		Assignee *string `json:"assignee"`
	}{plain(c), assignee})
}

// reflectConv is a Conversation whose MarshalJSON is the reflective one.
type reflectConv Conversation

func (c reflectConv) MarshalJSON() ([]byte, error) { return reflectConversationJSON(Conversation(c)) }

func reflectContactJSON(c Contact) ([]byte, error) {
	type plain struct {
		ID           string         `json:"id"`
		Name         string         `json:"name"`
		FirstName    string         `json:"first_name"`
		LastName     string         `json:"last_name"`
		Email        string         `json:"email"`
		Phone        string         `json:"phone"`
		Channel      string         `json:"channel"`
		Tags         []string       `json:"tags"`
		CustomFields map[string]any `json:"custom_fields"`
		Subscribed   bool           `json:"subscribed"`
		Banned       bool           `json:"banned"`
		Conversation *reflectConv   `json:"conversation"`
		Sequences    []string       `json:"sequences"`
		ReferredBy   string         `json:"referred_by"`
		CreatedAt    time.Time      `json:"created_at"`
		UpdatedAt    time.Time      `json:"updated_at"`
	}
	p := plain{c.ID, c.Name, c.FirstName, c.LastName, c.Email, c.Phone, c.Channel, c.Tags, c.CustomFields, c.Subscribed, c.Banned,
		(*reflectConv)(c.Conversation), c.Sequences, c.ReferredBy, c.CreatedAt, c.UpdatedAt}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Sequences == nil {
		p.Sequences = []string{}
	}
	if p.CustomFields == nil {
		p.CustomFields = map[string]any{}
	}
	var referredBy *string
	if c.ReferredBy != "" {
		referredBy = &c.ReferredBy
	}
	return json.Marshal(struct {
		plain
		ReferredBy *string `json:"referred_by"`
	}{p, referredBy})
}

// reflectContact is a Contact whose MarshalJSON is the reflective one.
type reflectContact Contact

func (c reflectContact) MarshalJSON() ([]byte, error) { return reflectContactJSON(Contact(c)) }

func reflectTriggerEventJSON(te TriggerEvent) ([]byte, error) {
	var contact, previous any
	if te.ContactID != "" {
		contact = reflectContact(te.Contact)
	}
	if te.Previous != nil {
		previous = reflectContact(*te.Previous)
	}
	spec, _ := Lookup(te.Type)
	fields := te.FieldsMap()
	keys := append([]string{"id", "type", "timestamp", "contact_id", "contact", "previous"}, spec.Fields...)
	values := map[string]any{
		"id": te.ID, "type": te.Type, "timestamp": te.Timestamp.UTC().Format(TimestampFormat),
		"contact_id": te.ContactID, "contact": contact, "previous": previous,
	}
	buf := bytes.NewBufferString("{")
	for i, k := range keys {
		v, ok := values[k]
		if !ok {
			v = fields[k]
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("marshal trigger event %s: %w", k, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + k + `":`)
		buf.Write(b)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// jsonStrings are awkward strings: escapes, HTML, non-ASCII, invalid UTF-8.
var jsonStrings = []string{"", "a", "Zoë O'Neil", `say "hi"\n`, "<b>&</b>", "tab\there\nnl\x01", "bad \xff", "sep\u2028", "😀"}

func randomString(r *rand.Rand) string { return jsonStrings[r.IntN(len(jsonStrings))] }

func randomValue(r *rand.Rand, depth int) any {
	switch r.IntN(8) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.NormFloat64() * float64(r.IntN(1_000_000))
	case 3:
		return float64(r.IntN(100))
	case 4:
		if depth < 2 {
			return []any{randomValue(r, depth+1), randomValue(r, depth+1)}
		}
	case 5:
		if depth < 2 {
			return map[string]any{randomString(r): randomValue(r, depth+1), "k": randomValue(r, depth+1)}
		}
	}
	return randomString(r)
}

func randomStrings(r *rand.Rand) []string {
	switch n := r.IntN(4); n {
	case 0:
		return nil
	default:
		s := make([]string, n-1)
		for i := range s {
			s[i] = randomString(r)
		}
		return s
	}
}

func randomContact(r *rand.Rand) Contact {
	zones := []*time.Location{time.UTC, time.FixedZone("x", -5*3600-1800)}
	at := func() time.Time {
		return time.Date(1990+r.IntN(50), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(3)*r.IntN(1e9), zones[r.IntN(2)])
	}
	c := Contact{ID: randomString(r), Name: randomString(r), FirstName: randomString(r), LastName: randomString(r),
		Email: randomString(r), Phone: randomString(r), Channel: randomString(r), Tags: randomStrings(r),
		Subscribed: r.IntN(2) == 0, Banned: r.IntN(3) == 0, Sequences: randomStrings(r), ReferredBy: randomString(r), CreatedAt: at(), UpdatedAt: at()}
	if r.IntN(4) > 0 {
		c.CustomFields = map[string]any{}
		for range r.IntN(5) {
			c.CustomFields[randomString(r)+randomString(r)] = randomValue(r, 0)
		}
	}
	if r.IntN(2) == 0 {
		c.Conversation = &Conversation{ID: randomString(r), Status: StatusOpen, Handler: randomString(r), Assignee: randomString(r),
			FollowUp: r.IntN(2) == 0, Archived: r.IntN(2) == 0}
	}
	return c
}

func TestAppendJSONIsReflectiveEncoding(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	types := Catalogue()
	for i := range 3000 {
		c := randomContact(r)
		want, err := reflectContactJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.AppendJSON([]byte("x")); err != nil || string(got) != "x"+string(want) {
			t.Fatalf("contact %d: AppendJSON = %s, %v\nwant %s", i, got, err, want)
		}
		if got, err := json.Marshal(c); err != nil || string(got) != string(want) {
			t.Fatalf("contact %d: json.Marshal = %s, %v\nwant %s", i, got, err, want)
		}

		spec := types[r.IntN(len(types))]
		te := TriggerEvent{ID: randomString(r), Type: spec.Type, Timestamp: c.UpdatedAt, Contact: c,
			Fields: Fields{Tag: randomString(r), Changed: randomStrings(r), ConversationID: randomString(r),
				TransferredBy: randomString(r), AssignedTo: randomString(r), Summary: randomString(r),
				MessageCount: r.IntN(10), Rating: r.IntN(6), SequenceID: randomString(r), Name: randomString(r),
				Field: randomString(r), FieldValue: randomValue(r, 0), ScheduledFor: c.CreatedAt}}
		if r.IntN(4) > 0 {
			te.ContactID = c.ID + "c"
		}
		if r.IntN(2) == 0 {
			prev := randomContact(r)
			te.Previous = &prev
		}
		if r.IntN(2) == 0 {
			te.Fields.CustomField = &CustomFieldChange{Name: randomString(r), OldValue: randomValue(r, 0), NewValue: randomValue(r, 0)}
			te.Fields.Message = &Message{ID: randomString(r), Author: "agent", Text: randomString(r)}
			te.Fields.Data = map[string]any{randomString(r): randomValue(r, 0)}
			te.Fields.Messages = []map[string]any{{"text": randomString(r), "n": randomValue(r, 1)}}
			te.Fields.Changes = []Change{{Field: randomString(r), OldValue: randomValue(r, 0), NewValue: randomValue(r, 1)}}
			te.Fields.OpenedBy, te.Fields.BannedBy, te.Fields.UnbannedBy = randomString(r), randomString(r), randomString(r)
		}
		if want, err = reflectTriggerEventJSON(te); err != nil {
			t.Fatal(err)
		}
		if got, err := te.AppendJSON([]byte("x")); err != nil || string(got) != "x"+string(want) {
			t.Fatalf("trigger event %d (%s): AppendJSON = %s, %v\nwant %s", i, te.Type, got, err, want)
		}
		if got, err := json.Marshal(te); err != nil || string(got) != string(want) {
			t.Fatalf("trigger event %d (%s): json.Marshal = %s, %v\nwant %s", i, te.Type, got, err, want)
		}
	}
}

func TestAppendJSONErrors(t *testing.T) {
	t.Parallel()
	bad := []Contact{
		{CustomFields: map[string]any{"f": func() {}}},
		{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{UpdatedAt: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range bad {
		if got, err := c.AppendJSON([]byte("x")); err == nil || string(got) != "x" {
			t.Errorf("AppendJSON(%+v) = %s, %v; want an error and nothing appended", c, got, err)
		}
		if _, err := json.Marshal(c); err == nil {
			t.Errorf("json.Marshal(%+v): no error", c)
		}
		te := TriggerEvent{Type: TriggerTagApplied, ContactID: "c", Contact: c}
		if got, err := te.AppendJSON([]byte("x")); err == nil || string(got) != "x" {
			t.Errorf("trigger event of %+v: AppendJSON = %s, %v; want an error and nothing appended", c, got, err)
		}
	}
}
