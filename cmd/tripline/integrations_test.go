package main

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

// pageNames walks a cursor-paginated list of {name, …} items, limit at a
// time, and returns the items.
func (tl *instance) pageNames(path string, limit int) []map[string]any {
	tl.t.Helper()
	var out []map[string]any
	cursor := ""
	for range 100 {
		pg := tl.must(200, "GET", fmt.Sprintf("%s?limit=%d&cursor=%s", path, limit, url.QueryEscape(cursor)), nil)
		for _, it := range pg["data"].([]any) {
			out = append(out, it.(map[string]any))
		}
		next, ok := pg["next_cursor"].(string)
		if !ok {
			return out
		}
		cursor = next
	}
	tl.t.Fatalf("%s: more than 100 pages", path)
	return nil
}

func names(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["name"].(string)
	}
	return out
}

// problemFields are the fields a problem answer names.
func problemFields(m map[string]any) []string {
	var out []string
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// TestIntegrationAPI covers what Zapier and Make apps rely on beyond the
// REST-hook contract: GET /v1/me, trigger params and conditions on hooks,
// samples filtered like the hook, and the dropdown lists.
func TestIntegrationAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)

		me := tl.must(200, "GET", "/v1/me", nil)
		ws := me["workspace"].(map[string]any)
		key := me["key"].(map[string]any)
		if ws["name"] != "default" || ws["id"] == "" || key["id"] == "" || key["prefix"] == "" {
			t.Fatalf("GET /v1/me: %v", me)
		}

		// A tag with a quote: no condition templating needed any more.
		const quoted = `it's "hot"`
		hook := tl.must(201, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL + "/zap", "event": "tag_applied", "tag": quoted})
		rc.setSecret(hook["secret"].(string))
		if p := hook["params"].(map[string]any); len(p) != 1 || p["tag"] != quoted {
			t.Fatalf("hook params %v", hook["params"])
		}
		rc2 := newReceiver(t)
		cond := tl.must(201, "POST", "/v1/hooks", map[string]any{"url": rc2.URL + "/make", "event": "custom_field_changed",
			"field": "plan", "condition": `event.custom_field.new_value == "pro"`})
		rc2.setSecret(cond["secret"].(string))

		// Params the trigger does not take, bad enum values, unknown fields
		// and bad conditions are 400s naming the field.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"target_url": rc.URL, "event": "new_contact", "tag": "x"}, "tag"},
			{map[string]any{"target_url": rc.URL, "event": "tag_applied", "field": "plan"}, "field"},
			{map[string]any{"target_url": rc.URL, "event": "contact_info_updated", "info": "address"}, "info"},
			{map[string]any{"target_url": rc.URL, "event": "message_created", "author": "robot"}, "author"},
			{map[string]any{"target_url": rc.URL, "event": "tag_applied", "colour": "red"}, "colour"},
			{map[string]any{"target_url": rc.URL, "event": "tag_applied", "condition": "contact.tags contains"}, "condition"},
		} {
			status, m := tl.do("POST", "/v1/hooks", c.body)
			if status != 400 || !slices.Contains(problemFields(m), c.field) {
				t.Errorf("POST /v1/hooks %v: %d %v, want 400 naming %s", c.body, status, m, c.field)
			}
		}

		tl.must(202, "POST", "/v1/events", map[string]any{"events": []any{
			map[string]any{"type": "contact_updated", "contact_id": "c_1",
				"contact": map[string]any{"custom_fields": map[string]any{"plan": "free", "score": 3}}},
			map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "VIP"},
			map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": quoted},
			map[string]any{"type": "contact_updated", "contact_id": "c_1", "contact": map[string]any{"custom_fields": map[string]any{"plan": "basic"}}},
			map[string]any{"type": "contact_updated", "contact_id": "c_1", "contact": map[string]any{"custom_fields": map[string]any{"plan": "pro"}}},
			map[string]any{"type": "contact_updated", "contact_id": "c_2",
				"contact": map[string]any{"tags": []string{"lead"}, "custom_fields": map[string]any{"score": "high", "vip": true}}},
			map[string]any{"type": "subscribed_to_sequence", "contact_id": "c_2", "sequence_id": "seq_welcome", "sequence_name": "Welcome"},
		}})
		// The tag hook fires for the quoted tag only, the field hook for
		// plan becoming pro only.
		got := map[string]map[string]any{}
		for _, r := range []*receiver{rc, rc2} {
			d := r.next(t)
			if d.err != nil {
				t.Fatalf("signature: %v", d.err)
			}
			got[d.body["event"].(string)] = d.body
		}
		if got["tag_applied"]["tag"] != quoted {
			t.Errorf("tag hook delivered %v", got["tag_applied"])
		}
		if cf, _ := got["custom_field_changed"]["custom_field"].(map[string]any); cf["new_value"] != "pro" {
			t.Errorf("field hook delivered %v", got["custom_field_changed"])
		}

		// The hooks' list shows their params.
		for _, h := range tl.must(200, "GET", "/v1/hooks", nil)["data"].([]any) {
			h := h.(map[string]any)
			p := h["params"].(map[string]any)
			switch h["id"] {
			case hook["id"]:
				if p["tag"] != quoted {
					t.Errorf("listed tag hook params %v", p)
				}
			case cond["id"]:
				if p["field"] != "plan" || h["condition"] != `event.custom_field.new_value == "pro"` {
					t.Errorf("listed field hook %v", h)
				}
			}
		}

		// Samples honour the hook's params and condition, by hook id or by
		// the same params in the query.
		for path, want := range map[string][]string{
			"/v1/hooks/samples?hook_id=" + hook["id"].(string):                                       {quoted},
			"/v1/hooks/samples?event=tag_applied&tag=VIP":                                            {"VIP"},
			"/v1/hooks/samples?event=tag_applied&limit=10":                                           {quoted, "VIP"},
			"/v1/hooks/samples?event=tag_applied&condition=" + url.QueryEscape(`event.tag != "VIP"`): {quoted},
		} {
			var tags []string
			for _, s := range tl.getArray(path) {
				tags = append(tags, s["tag"].(string))
			}
			if !slices.Equal(tags, want) {
				t.Errorf("GET %s: tags %q, want %q", path, tags, want)
			}
		}
		samples := tl.getArray("/v1/hooks/samples?hook_id=" + cond["id"].(string) + "&limit=10")
		if len(samples) != 1 || samples[0]["custom_field"].(map[string]any)["new_value"] != "pro" ||
			samples[0]["rule"].(map[string]any)["id"] != cond["rule_id"] {
			t.Errorf("field hook samples %v", samples)
		}
		// Nothing matching yet: the catalogue sample, with the params set.
		if s := tl.getArray("/v1/hooks/samples?event=tag_applied&tag=never"); len(s) != 1 || s[0]["tag"] != "never" {
			t.Errorf("catalogue sample with params: %v", s)
		}
		if status, m := tl.do("GET", "/v1/hooks/samples?event=new_contact&tag=x", nil); status != 400 || !slices.Contains(problemFields(m), "tag") {
			t.Errorf("samples with a param new_contact lacks: %d %v", status, m)
		}
		if status, _ := tl.do("GET", "/v1/hooks/samples?hook_id=hk_gone", nil); status != 404 {
			t.Errorf("samples of an unknown hook: %d", status)
		}

		// Dropdowns, a page of one at a time.
		if got := names(tl.pageNames("/v1/tags", 1)); !slices.Equal(got, []string{"VIP", quoted, "lead"}) &&
			!slices.Equal(got, []string{"VIP", "lead", quoted}) {
			t.Errorf("tags %q", got)
		}
		fields := tl.pageNames("/v1/fields", 1)
		if got := names(fields); !slices.Equal(got, []string{"plan", "score", "vip"}) {
			t.Errorf("fields %q", got)
		}
		for _, f := range fields {
			var types []string
			for _, ty := range f["types"].([]any) {
				types = append(types, ty.(string))
			}
			want := map[string][]string{"plan": {"string"}, "score": {"number", "string"}, "vip": {"boolean"}}[f["name"].(string)]
			if !slices.Equal(types, want) {
				t.Errorf("field %s types %v, want %v", f["name"], types, want)
			}
		}
		if got := names(tl.pageNames("/v1/sequences", 2)); !slices.Equal(got, []string{"seq_welcome"}) {
			t.Errorf("sequences %q", got)
		}
		if status, m := tl.do("GET", "/v1/tags?limit=0", nil); status != 400 || !slices.Contains(problemFields(m), "limit") {
			t.Errorf("tags?limit=0: %d %v", status, m)
		}
	})
}
