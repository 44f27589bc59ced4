package triggers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/tripline/tripline/internal/jsonenc"
)

// Conversation statuses and handlers.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
	HandlerBot   = "bot"
	HandlerHuman = "human"
)

// Conversation is the state of a contact's current conversation.
type Conversation struct {
	ID       string `json:"id" expr:"id"`
	Status   string `json:"status" expr:"status"`     // StatusOpen or StatusClosed
	Handler  string `json:"handler" expr:"handler"`   // HandlerBot or HandlerHuman
	Assignee string `json:"assignee" expr:"assignee"` // "" when unassigned; JSON null
	FollowUp bool   `json:"follow_up" expr:"follow_up"`
	Archived bool   `json:"archived" expr:"archived"`
}

// MarshalJSON writes an empty Assignee as null, as SPEC section 3 shows it.
func (c Conversation) MarshalJSON() ([]byte, error) {
	return c.appendJSON(make([]byte, 0, 128)), nil
}

// appendJSON appends c as MarshalJSON writes it: the fields in order,
// assignee last (encoding/json put the field that shadowed it there).
func (c *Conversation) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, c.ID)
	b = append(b, `,"status":`...)
	b = jsonenc.String(b, c.Status)
	b = append(b, `,"handler":`...)
	b = jsonenc.String(b, c.Handler)
	b = append(b, `,"follow_up":`...)
	b = jsonenc.Bool(b, c.FollowUp)
	b = append(b, `,"archived":`...)
	b = jsonenc.Bool(b, c.Archived)
	b = append(b, `,"assignee":`...)
	b = nullableString(b, c.Assignee)
	return append(b, '}')
}

// UnmarshalJSON accepts null for Assignee.
func (c *Conversation) UnmarshalJSON(b []byte) error {
	type plain Conversation
	var v struct {
		plain
		Assignee *string `json:"assignee"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Conversation(v.plain)
	if v.Assignee != nil {
		c.Assignee = *v.Assignee
	}
	return nil
}

// Contact is a person chatting, keyed by the platform's contact id (unique per
// workspace). Field names follow SPEC section 3; the expr tags give conditions
// and templates the same names as the JSON.
type Contact struct {
	ID           string         `json:"id" expr:"id"`
	Name         string         `json:"name" expr:"name"`
	FirstName    string         `json:"first_name" expr:"first_name"`
	LastName     string         `json:"last_name" expr:"last_name"`
	Email        string         `json:"email" expr:"email"`
	Phone        string         `json:"phone" expr:"phone"`
	Channel      string         `json:"channel" expr:"channel"`
	Tags         []string       `json:"tags" expr:"tags"`                   // a set, in order of application; never nil
	CustomFields map[string]any `json:"custom_fields" expr:"custom_fields"` // JSON values; never nil
	Subscribed   bool           `json:"subscribed" expr:"subscribed"`
	Banned       bool           `json:"banned" expr:"banned"`             // contact_banned / contact_unbanned
	Conversation *Conversation  `json:"conversation" expr:"conversation"` // nil until one is opened
	Sequences    []string       `json:"sequences" expr:"sequences"`       // never nil
	ReferredBy   string         `json:"referred_by" expr:"referred_by"`   // "" is JSON null
	CreatedAt    time.Time      `json:"created_at" expr:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at" expr:"updated_at"`
}

// MarshalJSON writes an empty ReferredBy as null and nil collections as empty.
func (c Contact) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, 512))
}

// AppendJSON appends c to b as MarshalJSON writes it, byte for byte: the
// fields in order, referred_by last (where encoding/json put the field that
// shadowed it when MarshalJSON went through reflection). It is MarshalJSON
// without the copy and the re-compaction json.Marshal makes of a
// MarshalJSON method's output. On error b comes back as it was.
func (c *Contact) AppendJSON(b []byte) ([]byte, error) {
	b0 := b
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, c.ID)
	for _, f := range [...]struct{ key, value string }{
		{`,"name":`, c.Name}, {`,"first_name":`, c.FirstName}, {`,"last_name":`, c.LastName},
		{`,"email":`, c.Email}, {`,"phone":`, c.Phone}, {`,"channel":`, c.Channel},
	} {
		b = append(b, f.key...)
		b = jsonenc.String(b, f.value)
	}
	b = append(b, `,"tags":`...)
	b = jsonenc.Strings(b, orEmpty(c.Tags))
	b = append(b, `,"custom_fields":`...)
	var err error
	if c.CustomFields == nil {
		b = append(b, "{}"...)
	} else if b, err = jsonenc.Map(b, c.CustomFields); err != nil {
		return b0, fmt.Errorf("contact custom_fields: %w", err)
	}
	b = append(b, `,"subscribed":`...)
	b = jsonenc.Bool(b, c.Subscribed)
	b = append(b, `,"banned":`...)
	b = jsonenc.Bool(b, c.Banned)
	b = append(b, `,"conversation":`...)
	if c.Conversation == nil {
		b = append(b, "null"...)
	} else {
		b = c.Conversation.appendJSON(b)
	}
	b = append(b, `,"sequences":`...)
	b = jsonenc.Strings(b, orEmpty(c.Sequences))
	b = append(b, `,"created_at":`...)
	if b, err = jsonenc.Time(b, c.CreatedAt); err != nil {
		return b0, fmt.Errorf("contact created_at: %w", err)
	}
	b = append(b, `,"updated_at":`...)
	if b, err = jsonenc.Time(b, c.UpdatedAt); err != nil {
		return b0, fmt.Errorf("contact updated_at: %w", err)
	}
	b = append(b, `,"referred_by":`...)
	b = nullableString(b, c.ReferredBy)
	return append(b, '}'), nil
}

// nullableString appends s as a JSON string, or null when it is empty.
func nullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return jsonenc.String(b, s)
}

// UnmarshalJSON accepts null for ReferredBy.
func (c *Contact) UnmarshalJSON(b []byte) error {
	type plain Contact
	var v struct {
		plain
		ReferredBy *string `json:"referred_by"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Contact(v.plain)
	if v.ReferredBy != nil {
		c.ReferredBy = *v.ReferredBy
	}
	return nil
}

// Clone returns a deep copy of c (nil for nil): its tags, sequences, custom
// field values and conversation share nothing with c. Nil collections come back
// empty, so a clone keeps the "never nil" promises of Contact.
func (c *Contact) Clone() *Contact {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Tags = append(make([]string, 0, len(c.Tags)), c.Tags...)
	cp.Sequences = append(make([]string, 0, len(c.Sequences)), c.Sequences...)
	cp.CustomFields = make(map[string]any, len(c.CustomFields))
	for k, v := range c.CustomFields {
		cp.CustomFields[k] = cloneJSON(v)
	}
	if c.Conversation != nil {
		cv := *c.Conversation
		cp.Conversation = &cv
	}
	return &cp
}

// sameState reports whether a and b hold the same state, updated_at aside.
func sameState(a, b *Contact) bool {
	for _, f := range contactStrings {
		if *f.field(a) != *f.field(b) {
			return false
		}
	}
	return a.ID == b.ID && a.Subscribed == b.Subscribed && a.Banned == b.Banned && a.ReferredBy == b.ReferredBy &&
		a.CreatedAt.Equal(b.CreatedAt) &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Sequences, b.Sequences) &&
		(a.Conversation == nil) == (b.Conversation == nil) &&
		(a.Conversation == nil || *a.Conversation == *b.Conversation) &&
		jsonEqual(a.CustomFields, b.CustomFields)
}

// cloneJSON deep-copies a decoded JSON value.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = cloneJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = cloneJSON(x)
		}
		return s
	}
	return v
}

// jsonEqual reports whether two JSON values are equal: objects key by key,
// arrays element by element, numbers by value whatever their Go type (1 and
// 1.0 are equal).
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, x := range a {
			if y, ok := b[k]; !ok || !jsonEqual(x, y) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, jsonEqual)
	}
	if x, ok := jsonNumber(a); ok {
		y, ok := jsonNumber(b)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

func jsonNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
