package triggers

import (
	"encoding/json"
	"reflect"
	"slices"
	"time"
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
	type plain Conversation
	return json.Marshal(struct {
		plain
		Assignee *string `json:"assignee"`
	}{plain(c), nullable(c.Assignee)})
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
	Conversation *Conversation  `json:"conversation" expr:"conversation"` // nil until one is opened
	Sequences    []string       `json:"sequences" expr:"sequences"`       // never nil
	ReferredBy   string         `json:"referred_by" expr:"referred_by"`   // "" is JSON null
	CreatedAt    time.Time      `json:"created_at" expr:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at" expr:"updated_at"`
}

// MarshalJSON writes an empty ReferredBy as null and nil collections as empty.
func (c Contact) MarshalJSON() ([]byte, error) {
	type plain Contact
	p := plain(c)
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Sequences == nil {
		p.Sequences = []string{}
	}
	if p.CustomFields == nil {
		p.CustomFields = map[string]any{}
	}
	return json.Marshal(struct {
		plain
		ReferredBy *string `json:"referred_by"`
	}{p, nullable(c.ReferredBy)})
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
	return a.ID == b.ID && a.Subscribed == b.Subscribed && a.ReferredBy == b.ReferredBy &&
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

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
