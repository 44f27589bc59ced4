package engine

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/tripline/tripline/triggers"
)

func TestValidateDatetimeRule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trigger Trigger
		field   string // the first field error expected; "" for valid
		msg     string
	}{
		{"on by default", Trigger{Field: "appointment_at"}, "", ""},
		{"1 day before at 09:00 Berlin", Trigger{Field: "appointment_at", Direction: "before", Amount: 1, Unit: "days", At: "09:00", Timezone: "Europe/Berlin"}, "", ""},
		{"on at 09:00", Trigger{Field: "appointment_at", Direction: "on", At: "09:00"}, "", ""},
		{"field required", Trigger{Direction: "on"}, "trigger.field", "is required"},
		{"unknown zone", Trigger{Field: "f", Timezone: "Mars/Olympus"}, "trigger.timezone", `unknown time zone "Mars/Olympus"`},
		{"Local is not a zone", Trigger{Field: "f", Timezone: "Local"}, "trigger.timezone", "unknown time zone"},
		{"bad direction", Trigger{Field: "f", Direction: "around"}, "trigger.direction", "is not one of"},
		{"amount with before", Trigger{Field: "f", Direction: "before", Unit: "hours"}, "trigger.amount", "at least 1"},
		{"unit with before", Trigger{Field: "f", Direction: "after", Amount: 2}, "trigger.unit", "is required"},
		{"bad unit", Trigger{Field: "f", Direction: "after", Amount: 2, Unit: "weeks"}, "trigger.unit", "is not one of"},
		{"amount with on", Trigger{Field: "f", Direction: "on", Amount: 2}, "trigger.amount", "only used with before and after"},
		{"at with hours", Trigger{Field: "f", Direction: "before", Amount: 2, Unit: "hours", At: "09:00"}, "trigger.at", "only used with unit days"},
		{"bad at", Trigger{Field: "f", Direction: "before", Amount: 1, Unit: "days", At: "9am"}, "trigger.at", "not a time of day"},
		{"too far", Trigger{Field: "f", Direction: "after", Amount: 4000, Unit: "days"}, "trigger.amount", "ten years"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validRule()
			r.Condition = ""
			tc.trigger.Type = triggers.TriggerDatetimeBased
			r.Trigger = tc.trigger
			err := ValidateRule(&r)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("ValidateRule: %v", err)
				}
				if r.Trigger.Direction == "" {
					t.Fatal("direction not defaulted")
				}
				return
			}
			fe := fieldErrors(t, err)
			if fe[0].Field != tc.field || !strings.Contains(fe[0].Message, tc.msg) {
				t.Fatalf("errors %+v; want %s: …%s…", fe, tc.field, tc.msg)
			}
		})
	}
	// Datetime parameters belong to datetime_based_trigger only.
	r := validRule()
	r.Trigger.Amount, r.Trigger.Timezone = 1, "UTC"
	fe := fieldErrors(t, ValidateRule(&r))
	if len(fe) != 2 || fe[0].Field != "trigger.amount" || fe[1].Field != "trigger.timezone" {
		t.Fatalf("errors %+v", fe)
	}
}

// Datetime rules fire only from the scheduler: the index never offers them
// for the trigger events of an ingest, even one that changes their field.
func TestIndexKeepsDatetimeRulesApart(t *testing.T) {
	t.Parallel()
	dt := Rule{ID: "rul_dt", Name: "reminder", Enabled: true, Actions: []Action{{EndpointID: "ep_1"}},
		Trigger: Trigger{Type: triggers.TriggerDatetimeBased, Field: "appointment_at"}}
	cf := Rule{ID: "rul_cf", Name: "changed", Enabled: true, Actions: []Action{{EndpointID: "ep_1"}},
		Trigger: Trigger{Type: triggers.TriggerCustomFieldChanged, Field: "appointment_at"}}
	ix := buildIndex(1, []Rule{dt, cf}, nil, nil, slog.New(slog.DiscardHandler))
	te := triggers.TriggerEvent{Type: triggers.TriggerCustomFieldChanged, Fields: triggers.Fields{CustomField: &triggers.CustomFieldChange{Name: "appointment_at"}}}
	if got := ix.candidates(&te); len(got) != 1 || got[0].ID != "rul_cf" {
		t.Fatalf("candidates %v", got)
	}
	due := triggers.TriggerEvent{Type: triggers.TriggerDatetimeBased, Fields: triggers.Fields{Field: "appointment_at"}}
	if got := ix.candidates(&due); len(got) != 0 {
		t.Fatalf("a datetime trigger event matched through the index: %v", got)
	}
	if rs := ix.datetime["appointment_at"]; len(rs) != 1 || rs[0].ID != "rul_dt" || ix.all["rul_dt"] == nil {
		t.Fatalf("datetime rules by field %v", ix.datetime)
	}
}
