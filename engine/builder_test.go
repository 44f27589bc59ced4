package engine

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tripline/tripline/triggers"
)

// builderRows has a row of every operator, on fields of every kind.
var builderRows = []Row{
	{Field: "contact.channel", Operator: OpIs, Value: "whatsapp"},
	{Field: "contact.custom_fields.budget", Operator: OpIs, Value: 10000.0},
	{Field: "contact.subscribed", Operator: OpIs, Value: true},
	{Field: "contact.conversation.status", Operator: OpIsNot, Value: "closed"},
	{Field: "contact.name", Operator: OpContains, Value: "Zo"},
	{Field: "contact.custom_fields.budget", Operator: OpContains, Value: "100"},
	{Field: "contact.email", Operator: OpNotContains, Value: "spam"},
	{Field: "contact.email", Operator: OpStartsWith, Value: "z@"},
	{Field: "contact.email", Operator: OpEndsWith, Value: "@example.com"},
	{Field: "contact.custom_fields.budget", Operator: OpGreater, Value: 1000.0},
	{Field: "contact.custom_fields.budget", Operator: OpGreaterOrEqual, Value: 10000.0},
	{Field: "contact.custom_fields.budget", Operator: OpLess, Value: 10000.5},
	{Field: "contact.custom_fields.budget", Operator: OpLessOrEqual, Value: 1e21},
	{Field: "event.rating", Operator: OpLess, Value: -3.0},
	{Field: "contact.custom_fields.budget", Operator: OpBetween, Value: []any{5000.0, 20000.0}},
	{Field: "contact.custom_fields.appointment_at", Operator: OpBetween, Value: []any{"2026-01-01", "2027-01-01T00:00:00Z"}},
	{Field: "contact.email", Operator: OpIsSet},
	{Field: "contact.phone", Operator: OpIsNotSet},
	{Field: "contact.tags", Operator: OpHasTag, Value: "vip"},
	{Field: "contact.tags", Operator: OpHasNoTag, Value: "blocked \"quoted\"\n"},
	{Field: "contact.created_at", Operator: OpBefore, Value: "2030-01-01"},
	{Field: "contact.custom_fields.appointment_at", Operator: OpAfter, Value: "2026-06-01T00:00:00Z"},
	{Field: "contact.channel", Operator: OpInList, Value: []any{"whatsapp", "messenger", 5.0, true}},
	{Field: "contact.custom_fields.my field é", Operator: OpIs, Value: "x"},
	{Field: "event.custom_field.new_value", Operator: OpGreater, Value: 3.0},
	{Field: "event.message.text", Operator: OpContains, Value: "price"},
	{Field: "event.data.plan", Operator: OpIs, Value: "pro"},
	{Field: "previous.tags", Operator: OpHasNoTag, Value: "vip"},
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBuilderRoundTrip: rows → expr → rows is the identity, for every
// operator alone and for all rows joined by and and by or.
func TestBuilderRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []Conditions{{Logic: LogicAnd, Rows: builderRows}, {Logic: LogicOr, Rows: builderRows}, {Logic: LogicAnd, Rows: []Row{}}}
	for _, r := range builderRows {
		cases = append(cases, Conditions{Logic: LogicAnd, Rows: []Row{r}})
	}
	seen := map[string]bool{}
	for _, c := range cases {
		src, err := CompileConditions(c)
		if err != nil {
			t.Fatalf("%s: %v", jsonOf(t, c), err)
		}
		back, advanced := ParseCondition(src)
		if advanced != "" {
			t.Fatalf("%s: %q is advanced: %s", jsonOf(t, c), src, advanced)
		}
		if got, want := jsonOf(t, back), jsonOf(t, c); got != want {
			t.Errorf("round trip of %q:\n got %s\nwant %s", src, got, want)
		}
		for _, r := range c.Rows {
			seen[r.Operator] = true
		}
	}
	for _, op := range Operators {
		if !seen[op] {
			t.Errorf("operator %q is not covered", op)
		}
	}
}

// TestBuilderNeverErrors: builder conditions evaluate without a runtime
// error on a contact that has nothing set, and on one with odd values.
func TestBuilderNeverErrors(t *testing.T) {
	t.Parallel()
	empty := triggers.TriggerEvent{ID: "evt_1", Type: triggers.TriggerNewContact, ContactID: "c_1"}
	odd := sampleEvent()
	odd.Contact.CustomFields = map[string]any{"budget": "abc", "appointment_at": 5.0, "my field é": []any{1}}
	odd.Fields.CustomField = &triggers.CustomFieldChange{Name: "x", NewValue: "7"}
	for _, te := range []triggers.TriggerEvent{empty, odd, sampleEvent()} {
		for _, r := range builderRows {
			src, err := CompileConditions(Conditions{Rows: []Row{r}})
			if err != nil {
				t.Fatal(err)
			}
			rule := validRule()
			rule.Condition = src
			cr, err := compileRule(&rule)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cr.match(NewEnv(te, &cr.Rule, time.Now())); err != nil {
				t.Errorf("%s on %s: %v", src, te.Type, err)
			}
		}
	}
}

func TestBuilderSemantics(t *testing.T) {
	t.Parallel()
	te := sampleEvent()
	te.Contact.CustomFields["count"] = "5"
	te.Contact.CustomFields["appointment_at"] = "2026-12-01T15:00:00Z"
	tests := []struct {
		row  Row
		want bool
	}{
		{Row{Field: "contact.custom_fields.count", Operator: OpGreater, Value: 4.0}, true}, // "5" > 4: numeric strings count
		{Row{Field: "contact.custom_fields.count", Operator: OpIs, Value: 5.0}, false},     // is compares types
		{Row{Field: "contact.custom_fields.count", Operator: OpIs, Value: "5"}, true},
		{Row{Field: "contact.custom_fields.budget", Operator: OpIs, Value: 10000.0}, true},
		{Row{Field: "contact.custom_fields.missing", Operator: OpGreater, Value: -1.0}, false},
		{Row{Field: "contact.custom_fields.missing", Operator: OpLess, Value: 1.0}, false},
		{Row{Field: "contact.custom_fields.missing", Operator: OpIs, Value: "x"}, false},
		{Row{Field: "contact.custom_fields.missing", Operator: OpIsNot, Value: "x"}, true},
		{Row{Field: "contact.custom_fields.missing", Operator: OpContains, Value: "x"}, false},
		{Row{Field: "contact.custom_fields.missing", Operator: OpNotContains, Value: "x"}, true},
		{Row{Field: "contact.custom_fields.missing", Operator: OpIsNotSet}, true},
		{Row{Field: "contact.custom_fields.budget", Operator: OpContains, Value: "000"}, true},
		{Row{Field: "contact.custom_fields.budget", Operator: OpBetween, Value: []any{10000.0, 10000.0}}, true},
		{Row{Field: "contact.custom_fields.appointment_at", Operator: OpAfter, Value: "2026-12-01"}, true},
		{Row{Field: "contact.custom_fields.appointment_at", Operator: OpBefore, Value: "2026-12-01"}, false},
		{Row{Field: "contact.custom_fields.appointment_at", Operator: OpBetween, Value: []any{"2026-12-01", "2026-12-02"}}, true},
		{Row{Field: "contact.conversation.status", Operator: OpIs, Value: "open"}, false}, // no conversation
		{Row{Field: "contact.tags", Operator: OpHasTag, Value: "vip"}, true},
		{Row{Operator: OpHasNoTag, Value: "vip"}, false}, // field defaults to contact.tags
		{Row{Field: "contact.channel", Operator: OpInList, Value: []any{"sms", "whatsapp"}}, true},
		{Row{Field: "contact.email", Operator: OpIsSet}, true},
		{Row{Field: "contact.phone", Operator: OpIsSet}, false},
		{Row{Field: "contact.custom_fields.items", Operator: OpIsSet}, true},
	}
	for _, tt := range tests {
		src, err := CompileConditions(Conditions{Rows: []Row{tt.row}})
		if err != nil {
			t.Fatalf("%+v: %v", tt.row, err)
		}
		rule := validRule()
		rule.Condition = src
		cr, err := compileRule(&rule)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cr.match(NewEnv(te, &cr.Rule, time.Now()))
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, tt.want)
		}
	}
}

func TestCompileConditionsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c     Conditions
		field string
	}{
		{Conditions{Logic: "xor"}, "logic"},
		{Conditions{Rows: []Row{{Field: "contact.emial", Operator: OpIs, Value: "a"}}}, "rows[0].field"},
		{Conditions{Rows: []Row{{Field: "contact.email", Operator: OpIs, Value: "a"}, {Field: "contact.email", Operator: "equals", Value: "a"}}}, "rows[1].operator"},
		{Conditions{Rows: []Row{{Field: "contact.email", Operator: OpIs, Value: "a"}, {Field: "contact.email", Operator: OpIs, Value: "a"}, {Field: "contact.subscribed", Operator: OpIs, Value: "yes"}}}, "rows[2].value"},
		{Conditions{Rows: []Row{{Field: "contact.custom_fields.budget", Operator: OpGreater, Value: "5"}}}, "rows[0].value"},
		{Conditions{Rows: []Row{{Field: "contact.custom_fields.budget", Operator: OpBetween, Value: []any{5.0}}}}, "rows[0].value"},
		{Conditions{Rows: []Row{{Field: "contact.email", Operator: OpIsSet, Value: "x"}}}, "rows[0].value"},
		{Conditions{Rows: []Row{{Field: "contact.email", Operator: OpHasTag, Value: "x"}}}, "rows[0].field"},
		{Conditions{Rows: []Row{{Field: "contact.tags", Operator: OpContains, Value: "x"}}}, "rows[0].operator"},
		{Conditions{Rows: []Row{{Field: "contact.created_at", Operator: OpBefore, Value: "tomorrow"}}}, "rows[0].value"},
		{Conditions{Rows: []Row{{Field: "contact.channel", Operator: OpInList, Value: []any{}}}}, "rows[0].value"},
		{Conditions{Rows: []Row{{Operator: OpIs, Value: "x"}}}, "rows[0].field"},
		{Conditions{Rows: []Row{{Field: "now", Operator: OpIs, Value: "x"}}}, "rows[0].field"},
	}
	for _, tt := range tests {
		_, err := CompileConditions(tt.c)
		fes := fieldErrors(t, err)
		if len(fes) != 1 || fes[0].Field != tt.field {
			t.Errorf("%s: got %+v, want one error on %s", jsonOf(t, tt.c), fes, tt.field)
		}
	}
}

func TestParseConditionAdvanced(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`contact.name == "a" && contact.email == "b" || contact.phone == "c"`,
		`contact.name == contact.email`,
		`len(contact.tags) > 2`,
		`contact.custom_fields.addr.city == "Paris"`,
		`contact.name matches "^Z"`,
		`contact.emial == "x"`,
		`true`,
	} {
		if c, advanced := ParseCondition(src); advanced == "" {
			t.Errorf("%q parsed as %+v; want advanced", src, c)
		}
	}
	c, advanced := ParseCondition(`contact.custom_fields.budget > 1000 and contact.channel == "whatsapp"`)
	if advanced != "" || len(c.Rows) != 2 || c.Rows[0].Operator != OpGreater || c.Logic != LogicAnd {
		t.Errorf("hand-written condition: %+v, %q", c, advanced)
	}
}
