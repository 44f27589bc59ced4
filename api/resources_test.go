package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
)

func TestFolderLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(http.MethodPost, "/v1/folders", map[string]any{"name": "  Sales  "}).want(t, http.StatusCreated)
	id := res.str("id")
	if !strings.HasPrefix(id, "fld_") || res.str("name") != "Sales" || res.Body["enabled"] != true ||
		res.str("created_at") != "2026-11-22T09:00:00.123Z" || res.Header.Get("Location") != "/v1/folders/"+id {
		t.Fatalf("create: %v %s", res.Header, res.Raw)
	}

	res = b.do(http.MethodPatch, "/v1/folders/"+id, map[string]any{"enabled": false}).want(t, http.StatusOK)
	if res.str("name") != "Sales" || res.Body["enabled"] != false {
		t.Fatalf("a PATCH keeps the fields it does not send: %s", res.Raw)
	}
	b.do(http.MethodPatch, "/v1/folders/"+id, map[string]any{"name": ""}).field(t, "name", "is required")
	b.do(http.MethodPatch, "/v1/folders/"+id, map[string]any{"name": strings.Repeat("é", 201)}).field(t, "name", "longer than 200")

	b.do(http.MethodGet, "/v1/folders/"+id, nil).want(t, http.StatusOK)
	b.do(http.MethodDelete, "/v1/folders/"+id, nil).want(t, http.StatusNoContent)
	b.do(http.MethodGet, "/v1/folders/"+id, nil).problem(t, http.StatusNotFound)
	b.do(http.MethodDelete, "/v1/folders/"+id, nil).problem(t, http.StatusNotFound)
}

func TestReadOnlyFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.create(keyA, "/v1/folders", map[string]any{"name": "x"})
	b.do(http.MethodPatch, "/v1/folders/"+id, map[string]any{"id": "fld_other"}).field(t, "id", "is read-only")
	b.do(http.MethodPatch, "/v1/folders/"+id, map[string]any{"created_at": "2020-01-01T00:00:00Z"}).field(t, "created_at", "is read-only")
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "secret": "whsec_mine"}).field(t, "secret", "standard base64")
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "stats": map[string]any{}}).field(t, "stats", "is read-only")
}

func TestOtherWorkspaceIsNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	folder := b.create(keyA, "/v1/folders", map[string]any{"name": "a's"})
	rule, endpoint := b.createRule(keyA, nil)
	for _, path := range []string{"/v1/folders/" + folder, "/v1/rules/" + rule, "/v1/endpoints/" + endpoint} {
		b.doKey(keyB, http.MethodGet, path, nil).problem(t, http.StatusNotFound)
		b.doKey(keyB, http.MethodPatch, path, map[string]any{"name": "stolen"}).problem(t, http.StatusNotFound)
		b.doKey(keyB, http.MethodDelete, path, nil).problem(t, http.StatusNotFound)
	}
	b.doKey(keyB, http.MethodPost, "/v1/endpoints/"+endpoint+"/enable", nil).problem(t, http.StatusNotFound)
	if res := b.doKey(keyB, http.MethodGet, "/v1/folders", nil).want(t, http.StatusOK); len(res.Body["data"].([]any)) != 0 {
		t.Fatalf("workspace b lists a's folders: %s", res.Raw)
	}
	// A rule of b may not name a's folder or endpoint either.
	res := b.doKey(keyB, http.MethodPost, "/v1/rules", map[string]any{
		"name": "r", "folder_id": folder, "trigger": map[string]any{"type": "new_contact"},
		"actions": []any{map[string]any{"endpoint_id": endpoint}},
	})
	res.field(t, "folder_id", "no folder")
	res.field(t, "actions[0].endpoint_id", "no endpoint")
}

func TestRuleLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	folder := b.create(keyA, "/v1/folders", map[string]any{"name": "f"})
	rule, endpoint := b.createRule(keyA, map[string]any{"folder_id": folder, "condition": `contact.channel == "whatsapp"`})
	res := b.do(http.MethodGet, "/v1/rules/"+rule, nil).want(t, http.StatusOK)
	action := res.Body["actions"].([]any)[0].(map[string]any)
	if res.str("folder_id") != folder || action["type"] != "webhook" || action["endpoint_id"] != endpoint ||
		res.Body["enabled"] != true || res.Body["frequency"].(map[string]any)["cooldown_seconds"] != 0.0 {
		t.Fatalf("rule: %s", res.Raw)
	}

	res = b.do(http.MethodPatch, "/v1/rules/"+rule, map[string]any{"folder_id": nil}).want(t, http.StatusOK)
	if res.Body["folder_id"] != nil || res.str("condition") != `contact.channel == "whatsapp"` {
		t.Fatalf("folder_id null takes the rule out of its folder, and nothing else: %s", res.Raw)
	}
	b.do(http.MethodPatch, "/v1/rules/"+rule, map[string]any{"actions": []any{}}).field(t, "actions", "at least one")

	b.do(http.MethodPatch, "/v1/rules/"+rule, map[string]any{"folder_id": folder}).want(t, http.StatusOK)
	if res := b.do(http.MethodGet, "/v1/rules?folder_id=fld_other", nil).want(t, http.StatusOK); len(res.Body["data"].([]any)) != 0 {
		t.Fatalf("folder filter: %s", res.Raw)
	}
	if res := b.do(http.MethodGet, "/v1/rules?folder_id="+folder, nil).want(t, http.StatusOK); len(res.Body["data"].([]any)) != 1 {
		t.Fatalf("folder filter: %s", res.Raw)
	}
	b.do(http.MethodDelete, "/v1/folders/"+folder, nil).problem(t, http.StatusConflict)
	b.do(http.MethodDelete, "/v1/endpoints/"+endpoint, nil).problem(t, http.StatusConflict)
	b.do(http.MethodDelete, "/v1/rules/"+rule, nil).want(t, http.StatusNoContent)
	b.do(http.MethodDelete, "/v1/folders/"+folder, nil).want(t, http.StatusNoContent)
}

func TestRuleUnknownReferences(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := map[string]any{
		"name": "r", "trigger": map[string]any{"type": "tag_applied"},
		"actions": []any{map[string]any{"endpoint_id": "ep_missing"}},
	}
	b.do(http.MethodPost, "/v1/rules", body).field(t, "actions[0].endpoint_id", `no endpoint "ep_missing"`)
	b.do(http.MethodPost, "/v1/rules/validate", body).field(t, "actions[0].endpoint_id", `no endpoint "ep_missing"`)
	body["folder_id"] = "fld_missing"
	b.do(http.MethodPost, "/v1/rules", body).field(t, "folder_id", `no folder "fld_missing"`)
	if _, n, _ := b.store.count(); n != 0 {
		t.Fatalf("%d rules stored", n)
	}
}

func TestRuleConditionErrorHasLineAndColumn(t *testing.T) {
	t.Parallel()
	b := setup(t, func(cfg *api.Config) {
		cfg.ValidateRule = func(r *engine.Rule) error {
			if r.Condition == "" {
				return nil
			}
			return &tripline.ValidationError{Detail: "the rule is not valid", Fields: []tripline.FieldError{
				{Field: "condition", Message: "unknown name emial", Line: 2, Column: 9},
			}}
		}
	})
	_, endpoint := b.createRule(keyA, nil)
	body := map[string]any{
		"name": "r", "trigger": map[string]any{"type": "new_contact"}, "condition": "true &&\ncontact.emial != \"\"",
		"actions": []any{map[string]any{"endpoint_id": endpoint}},
	}
	for _, path := range []string{"/v1/rules", "/v1/rules/validate"} {
		e := b.do(http.MethodPost, path, body).field(t, "condition", "unknown name emial")
		if e["line"] != 2.0 || e["column"] != 9.0 {
			t.Fatalf("%s: %v", path, e)
		}
	}
	delete(body, "condition")
	if res := b.do(http.MethodPost, "/v1/rules/validate", body).want(t, http.StatusOK); res.Body["valid"] != true {
		t.Fatalf("validate: %s", res.Raw)
	}
	if _, n, _ := b.store.count(); n != 1 {
		t.Fatalf("validate stored a rule: %d rules", n)
	}
}

func TestEndpointSecretOnlyInCreateAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://hooks.example.com/x"}).want(t, http.StatusCreated)
	id := res.str("id")
	stats, _ := res.Body["stats"].(map[string]any)
	if res.str("secret") != "whsec_dGVzdA==" || !strings.HasPrefix(id, "ep_") || res.str("name") != "hooks.example.com" ||
		res.Body["timeout_seconds"] != 15.0 || res.Body["retry_schedule"] != nil || res.Body["enabled"] != true ||
		res.Body["disabled_reason"] != nil || stats["pending"] != 0.0 {
		t.Fatalf("create: %s", res.Raw)
	}
	for _, r := range []response{
		b.do(http.MethodGet, "/v1/endpoints/"+id, nil).want(t, http.StatusOK),
		b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"description": "d"}).want(t, http.StatusOK),
		b.do(http.MethodPost, "/v1/endpoints/"+id+"/enable", nil).want(t, http.StatusOK),
		b.do(http.MethodGet, "/v1/endpoints", nil).want(t, http.StatusOK),
	} {
		if strings.Contains(r.Raw, "secret") || strings.Contains(r.Raw, "whsec_") {
			t.Fatalf("the secret leaked: %s", r.Raw)
		}
	}
	// Lists carry stats (SPEC section 12), read for the whole page at once.
	if res := b.do(http.MethodGet, "/v1/endpoints", nil); !strings.Contains(res.Raw, `"stats":{"pending":0`) {
		t.Fatalf("the list item has no stats: %s", res.Raw)
	}
}

func TestEndpointStatsAndEnable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.putEndpoint(actions.Endpoint{ID: "ep_1", WorkspaceID: "ws_a", URL: "https://x.test", Secret: "whsec_x",
		DisabledReason: "5 deliveries in a row were dead", CreatedAt: testNow, UpdatedAt: testNow})
	for i, st := range []actions.Status{actions.StatusPaused, actions.StatusPaused, actions.StatusDead} {
		b.store.putDelivery(fakeDelivery{d: actions.Delivery{ID: fmt.Sprintf("msg_%d", i), WorkspaceID: "ws_a", EndpointID: "ep_1", Status: st}})
	}
	res := b.do(http.MethodGet, "/v1/endpoints/ep_1", nil).want(t, http.StatusOK)
	stats := res.Body["stats"].(map[string]any)
	if res.Body["enabled"] != false || res.str("disabled_reason") == "" || stats["paused"] != 2.0 || stats["dead"] != 1.0 {
		t.Fatalf("get: %s", res.Raw)
	}
	res = b.do(http.MethodPost, "/v1/endpoints/ep_1/enable", nil).want(t, http.StatusOK)
	if res.Body["enabled"] != true || res.Body["disabled_reason"] != nil || res.Body["timeout_seconds"] != 15.0 {
		t.Fatalf("enable: %s", res.Raw)
	}
}

func TestEndpointValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		body       map[string]any
		field, msg string
	}{
		{map[string]any{}, "url", "is required"},
		{map[string]any{"url": "ftp://x.test"}, "url", "http"},
		{map[string]any{"url": "/relative"}, "url", "absolute"},
		{map[string]any{"url": "https://user:pw@x.test"}, "url", "password"},
		{map[string]any{"url": "https://x.test", "timeout_seconds": 0}, "timeout_seconds", "from 1 to 60"},
		{map[string]any{"url": "https://x.test", "timeout_seconds": 61}, "timeout_seconds", "from 1 to 60"},
		{map[string]any{"url": "https://x.test", "retry_schedule": make([]int, 21)}, "retry_schedule", "at most 20"},
		{map[string]any{"url": "https://x.test", "retry_schedule": []int{5, 86401}}, "retry_schedule[1]", "86400"},
		{map[string]any{"url": "https://x.test", "rate_limit_per_second": -1}, "rate_limit_per_second", "0"},
		{map[string]any{"url": "https://x.test", "max_in_flight": -1}, "max_in_flight", "0"},
		{map[string]any{"url": "https://x.test", "headers": map[string]string{"Webhook-Signature": "x"}}, `headers["Webhook-Signature"]`, "set by Tripline"},
		{map[string]any{"url": "https://x.test", "headers": map[string]string{"Bad Name": "x"}}, `headers["Bad Name"]`, "not a valid header name"},
		{map[string]any{"url": "https://x.test", "headers": map[string]string{"X-A": "a\r\nb"}}, `headers["X-A"]`, "line breaks"},
	} {
		b.do(http.MethodPost, "/v1/endpoints", tc.body).field(t, tc.field, tc.msg)
	}
	res := b.do(http.MethodPost, "/v1/endpoints", map[string]any{
		"url": "https://x.test", "headers": map[string]string{"Authorization": "Bearer zap"}, "retry_schedule": []int{},
		"legacy_signature": true, "rate_limit_per_second": 10, "max_in_flight": 2, "timeout_seconds": 30,
	}).want(t, http.StatusCreated)
	if res.Body["headers"].(map[string]any)["Authorization"] != "Bearer zap" || res.Body["legacy_signature"] != true ||
		len(res.Body["retry_schedule"].([]any)) != 0 || res.Body["timeout_seconds"] != 30.0 {
		t.Fatalf("create: %s", res.Raw)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var want []string
	for i := range 5 {
		want = append(want, b.create(keyA, "/v1/folders", map[string]any{"name": fmt.Sprint("f", i)}))
	}
	b.create(keyB, "/v1/folders", map[string]any{"name": "other workspace"})

	var got []string
	pages := 0
	for path := "/v1/folders?limit=2"; ; pages++ {
		res := b.do(http.MethodGet, path, nil).want(t, http.StatusOK)
		for _, f := range res.Body["data"].([]any) {
			got = append(got, f.(map[string]any)["id"].(string))
		}
		next, ok := res.Body["next_cursor"].(string)
		if !ok {
			if res.Body["next_cursor"] != nil || !strings.Contains(res.Raw, `"next_cursor":null`) {
				t.Fatalf("last page: %s", res.Raw)
			}
			break
		}
		path = "/v1/folders?limit=2&cursor=" + next
	}
	if slices.Sort(want); !slices.Equal(got, want) || pages != 2 { // lists are in id order
		t.Fatalf("pages %d, ids %v, want %v", pages+1, got, want)
	}
	// Exactly limit items left: no empty last page.
	if res := b.do(http.MethodGet, "/v1/folders?limit=5", nil); res.Body["next_cursor"] != nil {
		t.Fatalf("limit=5 of 5: %s", res.Raw)
	}
	for _, bad := range []string{"0", "201", "ten", "-1"} {
		b.do(http.MethodGet, "/v1/folders?limit="+bad, nil).field(t, "limit", "1 to 200")
	}
}

func TestDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	delivered := testNow.Add(time.Second)
	b.store.putDelivery(fakeDelivery{
		d: actions.Delivery{ID: "msg_1", WorkspaceID: "ws_a", EndpointID: "ep_1", RuleID: "rul_1", TriggerEventID: "evt_1",
			Event: "tag_applied", ContactID: "c_1", Status: actions.StatusSucceeded, AttemptCount: 2, LastStatusCode: 200,
			CreatedAt: testNow.Add(-time.Hour), DeliveredAt: &delivered},
		msg: actions.Message{Payload: []byte(`{"event":"tag_applied","tag":"<b>vip</b>"}`), Headers: map[string]string{"X-Source": "tripline"}},
		attempts: []actions.Attempt{
			{At: testNow, DurationMS: 30000, Error: "timeout after 30s"},
			{At: delivered, DurationMS: 12, StatusCode: 200, ResponseHeaders: map[string]string{"Content-Type": "text/plain"}, ResponseBody: "ok"},
		},
	})
	for i := 2; i <= 4; i++ {
		b.store.putDelivery(fakeDelivery{d: actions.Delivery{ID: fmt.Sprintf("msg_%d", i), WorkspaceID: "ws_a", EndpointID: "ep_2",
			Event: "new_contact", Status: actions.StatusFailed, CreatedAt: testNow}})
	}
	b.store.putDelivery(fakeDelivery{d: actions.Delivery{ID: "msg_9", WorkspaceID: "ws_b", EndpointID: "ep_9", CreatedAt: testNow}})

	res := b.do(http.MethodGet, "/v1/deliveries/msg_1", nil).want(t, http.StatusOK)
	attempts := res.Body["attempts"].([]any)
	first, second := attempts[0].(map[string]any), attempts[1].(map[string]any)
	if res.Body["payload"].(map[string]any)["tag"] != "<b>vip</b>" || !strings.Contains(res.Raw, `"<b>vip</b>"`) ||
		res.Body["request_headers"].(map[string]any)["X-Source"] != "tripline" || res.Body["next_attempt_at"] != nil ||
		res.str("delivered_at") != "2026-11-22T09:00:01.123Z" || res.Body["last_error"] != nil ||
		first["status_code"] != nil || first["error"] != "timeout after 30s" || second["status_code"] != 200.0 ||
		second["error"] != nil || second["response_body"] != "ok" {
		t.Fatalf("detail: %s", res.Raw)
	}
	b.doKey(keyB, http.MethodGet, "/v1/deliveries/msg_1", nil).problem(t, http.StatusNotFound)

	list := func(query string) []string {
		t.Helper()
		res := b.do(http.MethodGet, "/v1/deliveries"+query, nil).want(t, http.StatusOK)
		var ids []string
		for _, d := range res.Body["data"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		return ids
	}
	for query, want := range map[string][]string{
		"":                                   {"msg_4", "msg_3", "msg_2", "msg_1"}, // newest first
		"?status=succeeded":                  {"msg_1"},
		"?endpoint_id=ep_2&limit=2":          {"msg_4", "msg_3"},
		"?endpoint_id=ep_2&cursor=msg_3":     {"msg_2"},
		"?since=2026-11-22T08:30:00%2B00:00": {"msg_4", "msg_3", "msg_2"},
		"?since=2026-11-22T09:30:00+01:00":   {"msg_4", "msg_3", "msg_2"}, // "+" left unencoded
		"?event=tag_applied&contact_id=c_1":  {"msg_1"},
	} {
		if got := list(query); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	b.do(http.MethodGet, "/v1/deliveries?status=lost", nil).field(t, "status", "one of")
	b.do(http.MethodGet, "/v1/deliveries?since=yesterday", nil).field(t, "since", "RFC 3339")
}
