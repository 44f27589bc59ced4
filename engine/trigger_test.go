package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/triggers"
)

func TestValidateMultiTrigger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		trigger Trigger
		want    string // the field of the one error; "" when valid
		msg     string
	}{
		{"all", Trigger{Type: AllTypes}, "", ""},
		{"all with a tag", Trigger{Type: AllTypes, Tag: "vip"}, "", ""},
		{"all with an author", Trigger{Type: AllTypes, Author: "ai"}, "", ""},
		{"all with an author outside its enum", Trigger{Type: AllTypes, Author: "robot"}, "trigger.author", `"robot" is not one of`},
		{"all with a datetime param", Trigger{Type: AllTypes, Unit: "days"}, "trigger.unit", "not a parameter of any"},
		{"all with an amount", Trigger{Type: AllTypes, Amount: 3}, "trigger.amount", "datetime_based_trigger only"},
		{"list", Trigger{Types: []string{triggers.TriggerTagApplied, triggers.TriggerNewLead}}, "", ""},
		{"list with a param of one", Trigger{Types: []string{triggers.TriggerTagApplied, triggers.TriggerNewLead}, Tag: "vip"}, "", ""},
		{"list with a param of none", Trigger{Types: []string{triggers.TriggerTagApplied, triggers.TriggerNewLead}, Author: "ai"},
			"trigger.author", "not a parameter of any of the rule's trigger types"},
		{"list and type", Trigger{Type: triggers.TriggerTagApplied, Types: []string{triggers.TriggerNewLead}}, "trigger.types", "not both"},
		{"list and all", Trigger{Type: AllTypes, Types: []string{triggers.TriggerNewLead}}, "trigger.types", "not both"},
		{"unknown in list", Trigger{Types: []string{triggers.TriggerNewLead, "tag_aplied"}}, "trigger.types[1]", `"tag_aplied" is not a trigger type`},
		{"star in list", Trigger{Types: []string{AllTypes}}, "trigger.types[0]", `use "type": "*"`},
		{"twice in list", Trigger{Types: []string{triggers.TriggerNewLead, triggers.TriggerNewLead}}, "trigger.types[1]", "listed twice"},
		{"datetime in list", Trigger{Types: []string{triggers.TriggerDatetimeBased}}, "trigger.types[0]", "rule of its own"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := validRule()
			r.Trigger = tc.trigger
			err := ValidateRule(&r)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			fe := fieldErrors(t, err)
			if len(fe) != 1 || fe[0].Field != tc.want || !strings.Contains(fe[0].Message, tc.msg) {
				t.Fatalf("errors %+v, want %s: …%s…", fe, tc.want, tc.msg)
			}
		})
	}
}

// TestIndexMultiTrigger: "*" rules are candidates for every trigger type of
// the catalogue, including types the rule was saved before (the index asks
// the catalogue at match time), list rules for their types; a parameter
// applies to the types that have it.
func TestIndexMultiTrigger(t *testing.T) {
	t.Parallel()
	mk := func(id string, tr Trigger) Rule {
		r := validRule()
		r.ID, r.Trigger, r.Condition = id, tr, ""
		if err := ValidateRule(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	rules := []Rule{
		mk("rul_all", Trigger{Type: AllTypes}),
		mk("rul_all_vip", Trigger{Type: AllTypes, Tag: "vip"}),
		mk("rul_list", Trigger{Types: []string{triggers.TriggerTagApplied, triggers.TriggerNewLead}}),
		mk("rul_list_vip", Trigger{Types: []string{triggers.TriggerTagApplied, triggers.TriggerNewLead}, Tag: "vip"}),
		mk("rul_one", Trigger{Type: triggers.TriggerTagApplied, Tag: "vip"}),
	}
	ix := buildIndex(1, rules, nil, nil, nil)
	ids := func(te triggers.TriggerEvent) []string {
		var out []string
		for _, cr := range ix.candidates(&te) {
			out = append(out, cr.ID)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		te   triggers.TriggerEvent
		want []string
	}{
		{triggers.TriggerEvent{Type: triggers.TriggerTagApplied, Fields: triggers.Fields{Tag: "vip"}},
			[]string{"rul_all", "rul_all_vip", "rul_list", "rul_list_vip", "rul_one"}},
		{triggers.TriggerEvent{Type: triggers.TriggerTagApplied, Fields: triggers.Fields{Tag: "other"}}, []string{"rul_all", "rul_list"}},
		// new_lead has no tag parameter: the tag does not apply to it.
		{triggers.TriggerEvent{Type: triggers.TriggerNewLead}, []string{"rul_all", "rul_all_vip", "rul_list", "rul_list_vip"}},
		{triggers.TriggerEvent{Type: triggers.TriggerTagRemoved, Fields: triggers.Fields{Tag: "other"}}, []string{"rul_all"}},
	}
	for _, tc := range tests {
		if got := ids(tc.te); !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: candidates %v, want %v", tc.te.Type, tc.te.Fields.Tag, got, tc.want)
		}
	}
	for _, spec := range triggers.Catalogue() {
		got := ids(triggers.TriggerEvent{Type: spec.Type})
		if want := spec.Type != triggers.TriggerDatetimeBased; slices.Contains(got, "rul_all") != want {
			t.Errorf("%s: the \"*\" rule is a candidate: %v, want %v", spec.Type, !want, want)
		}
	}
	// A type the catalogue does not have yet is still offered to "*" rules.
	if got := ids(triggers.TriggerEvent{Type: "added_in_a_later_version"}); !slices.Equal(got, []string{"rul_all", "rul_all_vip"}) {
		t.Errorf("a later type: %v", got)
	}
	// The buckets are not changed by appending the "*" rules.
	for range 2 {
		if got := ids(triggers.TriggerEvent{Type: triggers.TriggerTagApplied, Fields: triggers.Fields{Tag: "vip"}}); len(got) != 5 {
			t.Fatalf("candidates changed: %v", got)
		}
	}
}

// BenchmarkMatchAll measures one trigger event against 1,000 rules spread
// over 50 tags, without and with "*" rules besides: the "*" bucket costs its
// own rules' conditions, not a scan.
//
//	go test ./engine -run '^$' -bench MatchAll
func BenchmarkMatchAll(b *testing.B) {
	for _, stars := range []int{0, 1} {
		b.Run(fmt.Sprintf("rules=1000/star=%d", stars), func(b *testing.B) {
			rules := make([]Rule, 1000)
			for i := range rules {
				r := validRule()
				r.ID = fmt.Sprintf("rul_%05d", i)
				r.Trigger.Tag = fmt.Sprintf("tag %d", i%50)
				r.Condition = fmt.Sprintf(`contact.custom_fields.budget > %d && contact.channel == "whatsapp"`, i)
				rules[i] = r
			}
			for i := range stars {
				r := validRule()
				r.ID = fmt.Sprintf("rul_star_%d", i)
				r.Trigger = Trigger{Type: AllTypes}
				r.Condition = `contact.custom_fields.budget > 5 && contact.channel == "whatsapp"`
				rules = append(rules, r)
			}
			ix := buildIndex(1, rules, nil, nil, nil)
			te := sampleEvent()
			te.Fields.Tag = "tag 7"
			now := time.Now()
			b.Run("match", func(b *testing.B) {
				b.ReportAllocs()
				matched := 0
				for b.Loop() {
					env := NewEnv(te, &Rule{}, now)
					for _, cr := range ix.candidates(&te) {
						env.Rule = RuleEnv{ID: cr.ID, Name: cr.Name}
						if ok, _ := cr.match(env); ok {
							matched++
						}
					}
				}
				_ = matched
			})
			b.Run("index", func(b *testing.B) { // the lookup alone
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					n += len(ix.candidates(&te))
				}
				b.ReportMetric(float64(n)/float64(b.N), "candidates")
			})
		})
	}
}
