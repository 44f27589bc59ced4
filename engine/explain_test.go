package engine

import (
	"testing"
	"time"

	"github.com/tripline/tripline/triggers"
)

func TestExplainCondition(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	te := triggers.TriggerEvent{ID: "evt_1", Type: triggers.TriggerTagApplied, ContactID: "c_1",
		Contact: triggers.Contact{ID: "c_1", Channel: "sms", Tags: []string{"vip"}, CustomFields: map[string]any{"budget": 500.0, "plan": "pro"}},
		Fields:  triggers.Fields{Tag: "vip"}}
	env := NewEnv(te, &Rule{ID: "rul_1"}, now)
	tests := []struct {
		name, src, logic string
		want             []ConditionRow
	}{
		{"empty", "", "", nil},
		{"one false row", `number(contact.custom_fields.budget) > 1000`, "", []ConditionRow{
			{Source: `number(contact.custom_fields.budget) > 1000`, Result: false, Field: "contact.custom_fields.budget", Value: []byte(`500`)}}},
		{"and of rows", `contact.channel == "whatsapp" && "vip" in contact.tags`, "and", []ConditionRow{
			{Source: `contact.channel == "whatsapp"`, Result: false, Field: "contact.channel", Value: []byte(`"sms"`)},
			{Source: `"vip" in contact.tags`, Result: true, Field: "contact.tags", Value: []byte(`["vip"]`)}}},
		{"a runtime error", `contact.custom_fields.plan > 3 || event.tag == "x"`, "or", []ConditionRow{
			{Source: `contact.custom_fields.plan > 3`, Field: "contact.custom_fields.plan", Value: []byte(`"pro"`), Error: "*"},
			{Source: `event.tag == "x"`, Result: false, Field: "event.tag", Value: []byte(`"vip"`)}}},
		{"mixed logic keeps the inner group whole", `contact.channel == "sms" && (event.tag == "a" || event.tag == "b")`, "and", []ConditionRow{
			{Source: `contact.channel == "sms"`, Result: true, Field: "contact.channel", Value: []byte(`"sms"`)},
			{Source: `event.tag == "a" || event.tag == "b"`, Result: false, Field: "event.tag", Value: []byte(`"vip"`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logic, rows := ExplainCondition(tt.src, env)
			if logic != tt.logic || len(rows) != len(tt.want) {
				t.Fatalf("ExplainCondition(%q) = %q, %+v; want %q, %d rows", tt.src, logic, rows, tt.logic, len(tt.want))
			}
			for i, w := range tt.want {
				g := rows[i]
				if g.Source != w.Source || g.Result != w.Result || g.Field != w.Field || string(g.Value) != string(w.Value) || (w.Error == "*") != (g.Error != "") {
					t.Errorf("row %d = %+v (value %s), want %+v (value %s)", i, g, g.Value, w, w.Value)
				}
			}
		})
	}
}
