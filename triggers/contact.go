package triggers

import (
	"encoding/json"
	"time"
)

// Conversation is the state of a contact's current conversation.
type Conversation struct {
	ID       string `json:"id" expr:"id"`
	Status   string `json:"status" expr:"status"`     // "open" or "closed"
	Handler  string `json:"handler" expr:"handler"`   // "bot" or "human"
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

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
