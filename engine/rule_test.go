package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
)

func validRule() Rule {
	return Rule{
		ID: "rul_1", Name: "Order closed", Enabled: true,
		Trigger:   Trigger{Type: triggers.TriggerTagApplied, Tag: "Order Closed"},
		Condition: `contact.custom_fields.budget > 1000`,
		Actions:   []Action{{EndpointID: "ep_1"}},
	}
}

func fieldErrors(t *testing.T, err error) []tripline.FieldError {
	t.Helper()
	var ve *tripline.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *tripline.ValidationError, got %v", err)
	}
	return ve.Fields
}

func TestValidateRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Rule)
		want   tripline.FieldError
	}{
		{"unknown name in condition", func(r *Rule) { r.Condition = `contact.emial == "a@b.c"` },
			tripline.FieldError{Field: "condition", Line: 1, Column: 9}},
		{"error on second line", func(r *Rule) { r.Condition = "contact.subscribed &&\n  contact.nope" },
			tripline.FieldError{Field: "condition", Line: 2, Column: 11}},
		{"non-boolean condition", func(r *Rule) { r.Condition = `contact.name` },
			tripline.FieldError{Field: "condition", Line: 1}},
		{"syntax error", func(r *Rule) { r.Condition = `contact.subscribed &&` },
			tripline.FieldError{Field: "condition", Line: 1}},
		{"unknown trigger", func(r *Rule) { r.Trigger = Trigger{Type: "tag_aplied"} }, tripline.FieldError{Field: "trigger.type"}},
		{"missing trigger", func(r *Rule) { r.Trigger = Trigger{} }, tripline.FieldError{Field: "trigger.type"}},
		{"param of another trigger", func(r *Rule) { r.Trigger.Field = "budget" }, tripline.FieldError{Field: "trigger.field"}},
		{"param outside its enum", func(r *Rule) { r.Trigger = Trigger{Type: triggers.TriggerMessageCreated, Author: "robot"} },
			tripline.FieldError{Field: "trigger.author"}},
		{"no actions", func(r *Rule) { r.Actions = nil }, tripline.FieldError{Field: "actions"}},
		{"no endpoint", func(r *Rule) { r.Actions[0].EndpointID = "" }, tripline.FieldError{Field: "actions[0].endpoint_id"}},
		{"other action type", func(r *Rule) { r.Actions[0].Type = "email" }, tripline.FieldError{Field: "actions[0].type"}},
		{"template typo", func(r *Rule) { r.Actions[0].Body = json.RawMessage(`{"a": {"b c": "Hi {{ contact.frist_name }}"}}`) },
			tripline.FieldError{Field: `actions[0].body.a["b c"]`, Line: 1, Column: 15}},
		{"unclosed placeholder", func(r *Rule) { r.Actions[0].Body = json.RawMessage(`["x", "{{ contact.name"]`) },
			tripline.FieldError{Field: "actions[0].body[1]", Line: 1, Column: 1}},
		{"reserved header", func(r *Rule) { r.Actions[0].Headers = map[string]string{"Webhook-Id": "x"} },
			tripline.FieldError{Field: `actions[0].headers["Webhook-Id"]`}},
		{"bad header template", func(r *Rule) { r.Actions[0].Headers = map[string]string{"X-Name": "{{ nope }}"} },
			tripline.FieldError{Field: `actions[0].headers["X-Name"]`, Line: 1, Column: 4}},
		{"no name", func(r *Rule) { r.Name = "  " }, tripline.FieldError{Field: "name"}},
		{"negative cooldown", func(r *Rule) { r.Frequency.CooldownSeconds = -1 }, tripline.FieldError{Field: "frequency.cooldown_seconds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRule()
			tt.mutate(&r)
			errs := fieldErrors(t, ValidateRule(&r))
			got := errs[0]
			if got.Field != tt.want.Field || (tt.want.Line != 0 && got.Line != tt.want.Line) || (tt.want.Column != 0 && got.Column != tt.want.Column) {
				t.Fatalf("got %+v, want field %q line %d column %d", got, tt.want.Field, tt.want.Line, tt.want.Column)
			}
			if got.Message == "" {
				t.Fatal("empty message")
			}
		})
	}

	r := validRule()
	if err := ValidateRule(&r); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
	if r.Actions[0].Type != ActionWebhook {
		t.Fatalf("action type default not filled: %q", r.Actions[0].Type)
	}
}

func sampleEvent() triggers.TriggerEvent {
	prev := triggers.Contact{ID: "c_1", Name: "Old"}
	return triggers.TriggerEvent{
		ID: "evt_1", Type: triggers.TriggerTagApplied, Timestamp: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ContactID: "c_1",
		Contact: triggers.Contact{
			ID: "c_1", Name: "Zoë \"Z\" O'Neil\n", Email: "z@example.com", Channel: "whatsapp", Tags: []string{"vip", "Order Closed"},
			CustomFields: map[string]any{"budget": 10000.0, "items": []any{"a", "b"}}, Subscribed: true,
		},
		Previous: &prev,
		Fields:   triggers.Fields{Tag: "Order Closed"},
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	te := sampleEvent()
	tests := []struct {
		cond    string
		want    bool
		wantErr bool
	}{
		{`contact.custom_fields.budget > 1000 && contact.channel == "whatsapp"`, true, false},
		{`contact.custom_fields.budget > 100000`, false, false},
		{`"vip" in contact.tags`, true, false},
		{`event.tag == "Order Closed"`, true, false},
		{`previous.name == "Old" && contact.name != previous.name`, true, false},
		{`now.Year() == 2026`, true, false},
		{`contact.custom_fields.missing > 3`, false, true}, // nil > 3: a runtime error, no match
	}
	for _, tt := range tests {
		r := validRule()
		r.Condition = tt.cond
		cr, err := compileRule(&r)
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		got, err := cr.match(NewEnv(te, &cr.Rule, time.Date(2026, 11, 22, 10, 0, 1, 0, time.UTC)))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v, error %v", tt.cond, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	te := sampleEvent()
	rule := Rule{ID: "rul_9", Name: "Sheets"}
	env := NewEnv(te, &rule, te.Timestamp)
	tests := []struct{ tmpl, want string }{
		{`{"budget": "{{ contact.custom_fields.budget }}"}`, `{"budget":10000}`},
		{`{"vip": "{{ 'vip' in contact.tags }}", "none": "{{ contact.conversation }}"}`, `{"vip":true,"none":null}`},
		{`{"items": "{{contact.custom_fields.items}}"}`, `{"items":["a","b"]}`},
		{`{"greeting": "Hi {{ contact.name }}!"}`, `{"greeting":"Hi Zoë \"Z\" O'Neil\n!"}`},
		{`{"z": 1, "a": [true, null, 2.50, "{{ rule.name }}"]}`, `{"z":1,"a":[true,null,2.50,"Sheets"]}`},
		{`"{{ event.tag }} / {{ contact.custom_fields.budget }} / {{ contact.custom_fields.missing }}"`, `"Order Closed / 10000 / "`},
		{`{"when": "{{ event.timestamp }}"}`, `{"when":"2026-11-22T10:00:00Z"}`},
		{`{"literal": "no placeholders {here}"}`, `{"literal":"no placeholders {here}"}`},
	}
	for _, tt := range tests {
		tpl, err := CompileTemplate("body", json.RawMessage(tt.tmpl))
		if err != nil {
			t.Fatalf("%s: %v", tt.tmpl, err)
		}
		got, err := tpl.Render(env)
		if err != nil {
			t.Fatalf("%s: %v", tt.tmpl, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.tmpl, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("%s: invalid JSON %s", tt.tmpl, got)
		}
	}
}

func TestDefaultPayload(t *testing.T) {
	t.Parallel()
	te := sampleEvent()
	b, err := DefaultPayload("ws_1", &te, RuleEnv{ID: "rul_1", Name: "R"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	for k, want := range map[string]any{
		"id": "evt_1", "event": "tag_applied", "timestamp": "2026-11-22T10:00:00.000Z", "workspace_id": "ws_1",
		"contact_id": "c_1", "tag": "Order Closed",
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	if got["contact"].(map[string]any)["email"] != "z@example.com" || got["rule"].(map[string]any)["name"] != "R" {
		t.Errorf("contact or rule missing: %s", b)
	}
}

func TestIndexCandidates(t *testing.T) {
	t.Parallel()
	folders := []Folder{{ID: "fld_on", Enabled: true}, {ID: "fld_off", Enabled: false}}
	var rules []Rule
	add := func(id, tag, folder string, enabled bool) {
		r := validRule()
		r.ID, r.Trigger.Tag, r.FolderID, r.Enabled, r.Condition = id, tag, folder, enabled, ""
		rules = append(rules, r)
	}
	add("rul_any", "", "", true)
	add("rul_match", "Order Closed", "fld_on", true)
	add("rul_other", "Other", "", true)
	add("rul_disabled", "Order Closed", "", false)
	add("rul_folder_off", "Order Closed", "fld_off", true)
	for i := range 1000 {
		add(fmt.Sprintf("rul_bulk_%d", i), fmt.Sprintf("tag %d", i), "", true)
	}
	ix := buildIndex(1, rules, folders, nil, nil)
	te := sampleEvent()
	var got []string
	for _, cr := range ix.candidates(&te) {
		got = append(got, cr.ID)
	}
	if fmt.Sprint(got) != "[rul_any rul_match]" {
		t.Fatalf("candidates = %v", got)
	}
	// A reload with one rule changed recompiles only that rule.
	rules[1].UpdatedAt = time.Now()
	ix2 := buildIndex(2, rules, folders, ix, nil)
	if ix2.all["rul_any"] != ix.all["rul_any"] || ix2.all["rul_match"] == ix.all["rul_match"] {
		t.Fatal("reload did not reuse unchanged compilations")
	}
}

func TestConditionMessagesUseUserNames(t *testing.T) {
	t.Parallel()
	r := validRule()
	r.Condition = `contact.emial == "x" || event.tga == "y"`
	errs := fieldErrors(t, ValidateRule(&r))
	if got := errs[0].Message; got != "contact has no field emial" {
		t.Fatalf("message %q", got)
	}
}
