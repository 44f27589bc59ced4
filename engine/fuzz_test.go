package engine

import (
	"encoding/json"
	"testing"
	"time"
)

// The fuzz tests hold the safety promises of SPEC section 6: whatever a user
// writes, compiling and running it returns a value or an error and never
// panics, and a rendered template is valid JSON. Seed corpora are in
// testdata/fuzz/<name>; run one with
//
//	go test ./engine -run '^$' -fuzz FuzzRenderTemplate -fuzztime 60s

func FuzzCompileCondition(f *testing.F) {
	for _, s := range []string{
		`contact.custom_fields.budget > 1000 && contact.channel == "whatsapp"`,
		`"vip" in contact.tags`, `number(contact.custom_fields.x) >= 5`, `between(contact.created_at, "2026-01-01", "2027-01-01")`,
		`contact.conversation?.status == "open"`, `len(contact.tags) > 2 || now.Year() > 2025`, `(`, `contact.`, `1 +`, `"\u`,
	} {
		f.Add(s)
	}
	env := NewEnv(sampleEvent(), &Rule{ID: "rul_1", Name: "R"}, time.Now())
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := compileExpr(src, true)
		if err != nil {
			if _, ok := err.(*ExprError); !ok {
				t.Fatalf("compile error is %T, not *ExprError", err)
			}
			return
		}
		out, err := runExpr(prog, env)
		if err == nil {
			if _, ok := out.(bool); !ok {
				t.Fatalf("%q returned %T, not a boolean", src, out)
			}
		}
		// A condition the builder can show compiles back from its rows.
		if c, advanced := ParseCondition(src); advanced == "" {
			if _, err := CompileConditions(c); err != nil {
				t.Fatalf("%q parsed to rows that do not compile: %v", src, err)
			}
		}
	})
}

func FuzzCompileTemplate(f *testing.F) {
	for _, s := range []string{
		`{"a": "{{ contact.name }}", "b": ["x {{ event.tag }} y", 1, null, true]}`, `"{{ contact.tags }}"`,
		`{"{{ k }}": "{{"}`, `[`, `{"a": 1} 2`, `"{{ }}"`, `"{{ 1 + }}"`, `{"x": "a\n{{ contact.emial }}"}`, `1e400`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, err := CompileTemplate("body", raw); err != nil {
			if _, ok := err.(*TemplateError); !ok {
				t.Fatalf("compile error is %T, not *TemplateError: %v", err, err)
			}
		}
	})
}

func FuzzRenderTemplate(f *testing.F) {
	for _, s := range []string{
		`{"name": "{{ contact.name }}", "n": "{{ contact.custom_fields.budget }}", "all": "{{ contact }}"}`,
		`"{{ contact.custom_fields }}"`, `"{{ previous }}"`, `"{{ event }}"`, `{"t": "{{ now }}", "x": "at {{ now }}"}`,
		`"{{ 1/0 }}"`, `"{{ contact.custom_fields.items[5] }}"`, `"\u00e9 {{ contact.name + \"\\\"\" }}"`, `"{{ [1, nil, 'a', 2.5] }}"`,
	} {
		f.Add([]byte(s))
	}
	env := NewEnv(sampleEvent(), &Rule{ID: "rul_1", Name: "R \"quoted\"\n"}, time.Now())
	f.Fuzz(func(t *testing.T, raw []byte) {
		tpl, err := CompileTemplate("body", raw)
		if err != nil {
			return
		}
		out, err := tpl.Render(env)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("template %q rendered invalid JSON: %q", raw, out)
		}
	})
}
