package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/triggers"
)

func TestHooksSubscribeListUnsubscribe(t *testing.T) {
	t.Parallel()
	b := setup(t)

	zap := b.do(http.MethodPost, "/v1/hooks", map[string]any{
		"target_url": "https://hooks.zapier.com/hooks/standard/1/abc", "event": "tag_applied", "condition": `event.tag == "vip"`,
	}).want(t, http.StatusCreated)
	for key, want := range map[string]string{
		"target_url": "https://hooks.zapier.com/hooks/standard/1/abc", "event": "tag_applied",
		"condition": `event.tag == "vip"`, "secret": "whsec_dGVzdA==", "created_at": "2026-11-22T09:00:00.123Z",
	} {
		if got := zap.str(key); got != want {
			t.Errorf("created hook %s = %q, want %q", key, got, want)
		}
	}
	if zap.Header.Get("Location") != "/v1/hooks/"+zap.str("id") {
		t.Errorf("Location = %q", zap.Header.Get("Location"))
	}
	// The managed rule and endpoint are visible and read-only.
	rule := b.do(http.MethodGet, "/v1/rules/"+zap.str("rule_id"), nil).want(t, http.StatusOK)
	if rule.str("condition") != `event.tag == "vip"` || rule.Body["trigger"].(map[string]any)["type"] != "tag_applied" {
		t.Errorf("hook rule: %s", rule.Raw)
	}
	ep := b.do(http.MethodGet, "/v1/endpoints/"+zap.str("endpoint_id"), nil).want(t, http.StatusOK)
	if ep.str("url") != "https://hooks.zapier.com/hooks/standard/1/abc" {
		t.Errorf("hook endpoint: %s", ep.Raw)
	}
	b.do(http.MethodPatch, "/v1/rules/"+zap.str("rule_id"), map[string]any{"name": "x"}).problem(t, http.StatusConflict)
	b.do(http.MethodDelete, "/v1/rules/"+zap.str("rule_id"), nil).problem(t, http.StatusConflict)
	b.do(http.MethodPatch, "/v1/endpoints/"+zap.str("endpoint_id"), map[string]any{"url": "https://evil.example"}).problem(t, http.StatusConflict)
	b.do(http.MethodDelete, "/v1/endpoints/"+zap.str("endpoint_id"), nil).problem(t, http.StatusConflict)
	b.do(http.MethodPost, "/v1/endpoints/"+zap.str("endpoint_id")+"/enable", nil).want(t, http.StatusOK)

	mk := b.do(http.MethodPost, "/v1/hooks", map[string]any{"url": "https://hook.eu1.make.com/xyz", "event": "new_lead"}).want(t, http.StatusCreated)
	if mk.str("target_url") != "https://hook.eu1.make.com/xyz" || mk.Body["condition"] != nil {
		t.Errorf("Make hook: %s", mk.Raw)
	}

	// Ids made at one fixed time by parallel tests need not follow creation order.
	first, second := zap.str("id"), mk.str("id")
	if second < first {
		first, second = second, first
	}
	p1 := b.do(http.MethodGet, "/v1/hooks?limit=1", nil).want(t, http.StatusOK)
	data := p1.Body["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != first || p1.Body["next_cursor"] != first {
		t.Fatalf("page 1: %s", p1.Raw)
	}
	p2 := b.do(http.MethodGet, "/v1/hooks?limit=1&cursor="+first, nil).want(t, http.StatusOK)
	if data := p2.Body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != second || data[0].(map[string]any)["secret"] != nil {
		t.Fatalf("page 2: %s", p2.Raw)
	}
	if got := b.doKey(keyB, http.MethodGet, "/v1/hooks", nil).want(t, http.StatusOK); len(got.Body["data"].([]any)) != 0 {
		t.Errorf("workspace b sees hooks: %s", got.Raw)
	}
	b.do(http.MethodGet, "/v1/hooks?limit=0", nil).field(t, "limit", "from 1 to")

	// Another workspace's unsubscribe answers 204 and leaves the hook alone.
	b.doKey(keyB, http.MethodDelete, "/v1/hooks/"+zap.str("id"), nil).want(t, http.StatusNoContent)
	b.do(http.MethodGet, "/v1/rules/"+zap.str("rule_id"), nil).want(t, http.StatusOK)
	for range 2 {
		b.do(http.MethodDelete, "/v1/hooks/"+zap.str("id"), nil).want(t, http.StatusNoContent)
	}
	b.do(http.MethodGet, "/v1/rules/"+zap.str("rule_id"), nil).problem(t, http.StatusNotFound)
	b.do(http.MethodGet, "/v1/endpoints/"+zap.str("endpoint_id"), nil).problem(t, http.StatusNotFound)
}

func TestHooksReject(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name         string
		body         any
		field, inMsg string
	}{
		{"no url", map[string]any{"event": "tag_applied"}, "target_url", "required"},
		{"both urls", map[string]any{"target_url": "https://a.example", "url": "https://b.example", "event": "tag_applied"}, "url", "not both"},
		{"bad url", map[string]any{"target_url": "ftp://a.example", "event": "tag_applied"}, "target_url", "http"},
		{"bad Make url", map[string]any{"url": "nope", "event": "tag_applied"}, "url", "http"},
		{"no event", map[string]any{"target_url": "https://a.example"}, "event", "required"},
		{"unknown event", map[string]any{"target_url": "https://a.example", "event": "tag_aplied"}, "event", "tag_applied"},
		{"bad condition", map[string]any{"target_url": "https://a.example", "event": "tag_applied", "condition": "contact.emial == 1"}, "condition", "emial"},
		{"unknown field", map[string]any{"target_url": "https://a.example", "event": "tag_applied", "filter": "x"}, "filter", "not a known field"},
		{"read-only field", map[string]any{"id": "hk_1", "target_url": "https://a.example", "event": "tag_applied"}, "id", "read-only"},
		// A hook's params are engine.Trigger's, but its type is the event.
		{"trigger type", map[string]any{"target_url": "https://a.example", "event": "tag_applied", "type": "tag_applied"}, "type", "not a known field"},
		{"trigger types", map[string]any{"target_url": "https://a.example", "event": "tag_applied", "Types": []string{"tag_applied"}}, "Types", "not a known field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := b.do(http.MethodPost, "/v1/hooks", tc.body).field(t, tc.field, tc.inMsg)
			if tc.field == "condition" && (e["line"] != float64(1) || e["column"] == nil) {
				t.Errorf("condition error lacks line and column: %v", e)
			}
		})
	}
	b.do(http.MethodPost, "/v1/hooks", "[").problem(t, http.StatusBadRequest)
	b.do(http.MethodGet, "/v1/hooks/hk_1", nil).problem(t, http.StatusMethodNotAllowed)
	if folders, rules, endpoints := b.store.count(); folders+rules+endpoints != 0 {
		t.Errorf("a rejected subscription stored %d rules, %d endpoints", rules, endpoints)
	}
}

// samples GETs /v1/hooks/samples with keyA and decodes the array.
func (b *bundle) samples(query string) (int, []map[string]any, string) {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/hooks/samples"+query, nil)
	req.Header.Set("Authorization", "Bearer "+keyA)
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	var out []map[string]any
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			b.t.Fatalf("samples%s: not a JSON array: %v\n%s", query, err, rec.Body)
		}
	}
	return rec.Code, out, rec.Body.String()
}

func TestHooksCheckDestination(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *api.Config) {
		c.CheckDestination = func(_ context.Context, raw string) error {
			if strings.Contains(raw, "169.254.169.254") {
				return &actions.DestinationError{Addr: netip.MustParseAddr("169.254.169.254"), Kind: "cloud metadata"}
			}
			return nil
		}
	})
	b.do(http.MethodPost, "/v1/hooks", map[string]any{"url": "http://169.254.169.254/latest", "event": "tag_applied"}).field(t, "url", "")
	b.do(http.MethodPost, "/v1/hooks", map[string]any{"target_url": "https://hooks.zapier.com/x", "event": "tag_applied"}).want(t, http.StatusCreated)
}

func TestHookSamplesFromCatalogue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, spec := range triggers.Catalogue() {
		code, got, raw := b.samples("?event=" + spec.Type)
		if code != http.StatusOK || len(got) != 1 {
			t.Errorf("%s: %d %s", spec.Type, code, raw)
			continue
		}
		p := got[0]
		if spec.Type == triggers.TriggerEndpointDisabled { // raised by Tripline, about no contact
			if p["contact_id"] != nil || p["contact"] != nil || p["endpoint_id"] == "" || p["disabled_reason"] == "" {
				t.Errorf("%s: sample %s", spec.Type, raw)
			}
			continue
		}
		if p["event"] != spec.Type || p["workspace_id"] != "ws_a" || (p["contact_id"] != "c_123" && p["contact_id"] != "c_124") || p["id"] == "" {
			t.Errorf("%s: sample %s", spec.Type, raw)
		}
		for _, f := range append(spec.Fields, "timestamp", "contact", "rule") {
			if _, ok := p[f]; !ok {
				t.Errorf("%s: sample lacks %q: %s", spec.Type, f, raw)
			}
		}
		if c, _ := p["contact"].(map[string]any); c["email"] == nil || c["tags"] == nil {
			t.Errorf("%s: sample contact is not a full state: %s", spec.Type, raw)
		}
	}
	// The fields carry the values the sample events caused.
	_, got, raw := b.samples("?event=custom_field_changed")
	if cf, _ := got[0]["custom_field"].(map[string]any); cf["name"] != "budget" || cf["old_value"] != float64(10000) || cf["new_value"] != float64(12000) {
		t.Errorf("custom_field_changed sample: %s", raw)
	}
}

func TestHookSamplesAreRecentTriggerEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := testNow.UTC()
	for i, tag := range []string{"a", "b", "c"} {
		b.store.putTriggerEvent("ws_a", triggers.TriggerEvent{
			ID: "evt_0" + string(rune('1'+i)), Type: triggers.TriggerTagApplied, Timestamp: at.Add(time.Duration(i) * time.Second), ContactID: "c_1",
			Contact: triggers.Contact{ID: "c_1", Tags: []string{tag}}, Fields: triggers.Fields{Tag: tag},
		})
	}
	code, got, raw := b.samples("?event=tag_applied&limit=2")
	if code != http.StatusOK || len(got) != 2 || got[0]["id"] != "evt_03" || got[0]["tag"] != "c" || got[1]["id"] != "evt_02" {
		t.Fatalf("samples: %d %s", code, raw)
	}
	if got[0]["timestamp"] != "2026-11-22T09:00:02.123Z" || got[0]["rule"] == nil {
		t.Errorf("sample shape: %s", raw)
	}
	for _, q := range []string{"", "?event=nope", "?event=tag_applied&limit=0", "?event=tag_applied&limit=101", "?event=tag_applied&limit=x"} {
		if code, _, raw := b.samples(q); code != http.StatusBadRequest {
			t.Errorf("samples%s: %d %s", q, code, raw)
		}
	}
}
