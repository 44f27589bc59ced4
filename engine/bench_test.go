package engine

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// BenchmarkMatch measures matching one trigger event against a workspace of
// n rules: the index lookup, then the conditions of the candidates. Rules are
// spread over 50 tags, so about n/50 rules are candidates — the realistic
// case where many rules watch the same tag is the slow one, measured separately.
//
//	go test ./engine -run '^$' -bench Match
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		for _, spread := range []int{50, n} {
			b.Run(fmt.Sprintf("rules=%d/tags=%d", n, spread), func(b *testing.B) {
				rules := make([]Rule, n)
				for i := range rules {
					r := validRule()
					r.ID = fmt.Sprintf("rul_%05d", i)
					r.Trigger.Tag = fmt.Sprintf("tag %d", i%spread)
					r.Condition = fmt.Sprintf(`contact.custom_fields.budget > %d && contact.channel == "whatsapp"`, i)
					rules[i] = r
				}
				ix := buildIndex(1, rules, nil, nil, nil)
				te := sampleEvent()
				te.Fields.Tag = "tag 7"
				now := time.Now()
				b.ReportAllocs()
				b.ResetTimer()
				matched := 0
				for b.Loop() {
					env := NewEnv(te, &Rule{}, now) // as Pipeline.match: one per trigger event
					for _, cr := range ix.candidates(&te) {
						env.Rule = RuleEnv{ID: cr.ID, Name: cr.Name}
						if ok, _ := cr.match(env); ok {
							matched++
						}
					}
				}
				_ = matched
			})
		}
	}
}

// BenchmarkRender measures rendering payloads for one matched rule: the
// default payload, and a template of typical size.
func BenchmarkRender(b *testing.B) {
	te := sampleEvent()
	rule := Rule{ID: "rul_1", Name: "R"}
	env := NewEnv(te, &rule, time.Now())
	b.Run("default", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DefaultPayload("ws_1", &te, env.Rule); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("template", func(b *testing.B) {
		tpl, err := CompileTemplate("body", json.RawMessage(`{"email": "{{ contact.email }}", "name": "{{ contact.name }}",
			"budget": "{{ contact.custom_fields.budget }}", "greeting": "Hi {{ contact.first_name }}, your tag {{ event.tag }} is on",
			"vip": "{{ 'vip' in contact.tags }}", "tags": "{{ contact.tags }}", "source": "tripline", "rule": "{{ rule.name }}"}`))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tpl.Render(env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConditionLoop measures conditions that loop and join text, where
// the runtime bounds of guard.go do their work ($tick per iteration, $add
// per text +), against a plain comparison.
//
//	go test ./engine -run '^$' -bench ConditionLoop
func BenchmarkConditionLoop(b *testing.B) {
	te := sampleEvent()
	te.Contact.Tags = []string{"a", "b", "c", "d", "e", "f", "g", "vip"}
	env := NewEnv(te, &Rule{ID: "rul_1", Name: "R"}, time.Now())
	for name, src := range map[string]string{
		"compare": `contact.custom_fields.budget > 1000 && contact.channel == "whatsapp"`,
		"loop":    `any(contact.tags, {# == "vip"}) && len(filter(1..20, {# % 3 == 0})) > 2`,
		"text":    `contact.first_name + " " + contact.last_name != ""`,
	} {
		prog, err := compileExpr(src, true)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runExpr(prog, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
