package triggers

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestClone(t *testing.T) {
	t.Parallel()
	if (*Contact)(nil).Clone() != nil {
		t.Error("nil clones to non-nil")
	}
	c := known(func(c *Contact) { c.CustomFields["list"] = []any{map[string]any{"a": 1.0}} })
	cp := c.Clone()
	if !reflect.DeepEqual(c, cp) {
		t.Fatalf("clone %+v differs from %+v", cp, c)
	}
	cp.Tags[0], cp.Sequences[0], cp.Conversation.Status = "x", "x", StatusClosed
	cp.CustomFields["address"].(map[string]any)["city"] = "x"
	cp.CustomFields["list"].([]any)[0].(map[string]any)["a"] = 2.0
	if !reflect.DeepEqual(c, known(func(c *Contact) { c.CustomFields["list"] = []any{map[string]any{"a": 1.0}} })) {
		t.Errorf("changing the clone changed the original: %+v", c)
	}
	empty := (&Contact{ID: "c"}).Clone()
	if empty.Tags == nil || empty.Sequences == nil || empty.CustomFields == nil || empty.Conversation != nil {
		t.Errorf("clone of an empty contact: %+v", empty)
	}
}

func TestJSONEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b any
		want bool
	}{
		{nil, nil, true},
		{1.0, 1, true},
		{int64(2), float32(2), true},
		{json.Number("1.0"), 1.0, true},
		{json.Number("x"), 1.0, false},
		{1.0, "1", false},
		{"a", "a", true},
		{true, false, false},
		{nil, 0.0, false},
		{map[string]any{"a": 1.0}, map[string]any{"a": 1}, true},
		{map[string]any{"a": 1.0}, map[string]any{"b": 1.0}, false},
		{map[string]any{"a": 1.0}, map[string]any{"a": 1.0, "b": nil}, false},
		{map[string]any{}, []any{}, false},
		{[]any{1.0, "x"}, []any{1, "x"}, true},
		{[]any{1.0}, []any{1.0, 1.0}, false},
		{[]any{}, map[string]any{}, false},
		{map[string]any(nil), map[string]any{}, true},
	}
	for _, tc := range tests {
		if got := jsonEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("jsonEqual(%#v, %#v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestSameState(t *testing.T) {
	t.Parallel()
	base := known()
	tests := []struct {
		name string
		mod  func(*Contact)
		want bool
	}{
		{"updated_at aside", func(c *Contact) { c.UpdatedAt = now }, true},
		{"tags", func(c *Contact) { c.Tags = nil }, false},
		{"channel", func(c *Contact) { c.Channel = "sms" }, false},
		{"tag order", func(c *Contact) { c.Tags = []string{"vip", "x"} }, false},
		{"custom field 1 vs 1.0", func(c *Contact) { c.CustomFields["budget"] = 100 }, true},
		{"custom field", func(c *Contact) { c.CustomFields["budget"] = 101 }, false},
		{"no conversation", noConversation, false},
		{"conversation", conv(func(cv *Conversation) { cv.Archived = true }), false},
		{"referred_by", func(c *Contact) { c.ReferredBy = "c_9" }, false},
		{"created_at", func(c *Contact) { c.CreatedAt = now }, false},
	}
	if !sameState(&Contact{}, &Contact{Tags: []string{}, Sequences: []string{}, CustomFields: map[string]any{}}) {
		t.Error("nil and empty collections differ")
	}
	for _, tc := range tests {
		c := base.Clone()
		tc.mod(c)
		if got := sameState(base, c); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestContactJSON(t *testing.T) {
	t.Parallel()
	c := known(func(c *Contact) { c.Tags, c.CustomFields = nil, nil; c.Sequences = nil })
	m, b := jsonObject(t, c)
	if m["referred_by"] != nil || m["conversation"].(map[string]any)["assignee"] != nil ||
		len(m["tags"].([]any)) != 0 || len(m["custom_fields"].(map[string]any)) != 0 || len(m["sequences"].([]any)) != 0 {
		t.Errorf("marshalled %s", b)
	}
	full := known(func(c *Contact) { c.ReferredBy = "c_9"; c.Conversation.Assignee = "alice" })
	b, _ = json.Marshal(full)
	var back Contact
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, full) {
		t.Errorf("round trip %+v, %v; want %+v", back, err, full)
	}
	for _, bad := range []string{`{"tags":1}`, `{"conversation":{"handler":1}}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
