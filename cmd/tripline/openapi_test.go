package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// conformance sends requests to a running Tripline and validates each request
// and answer against the OpenAPI document the server itself serves, noting
// which statuses every operation was seen to answer.
type conformance struct {
	t     *testing.T
	tl    *instance
	v     validator.Validator
	model *v3.Document
	mu    sync.Mutex
	seen  map[string][]int // "POST /v1/rules" → statuses
}

func newConformance(t *testing.T, tl *instance) *conformance {
	resp, err := http.Get(tl.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /openapi.json: %d", resp.StatusCode)
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return &conformance{t: t, tl: tl, v: v, model: &model.Model, seen: map[string][]int{}}
}

// call sends method path with body (nil, a string sent as is, or a value sent
// as JSON) and the API key unless noKey. The request is validated against the
// document when validRequest says it is meant to be valid; the answer always
// is, and must have status want.
func (c *conformance) call(want int, method, path string, body any, validRequest, noKey bool) map[string]any {
	c.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	newReq := func() *http.Request {
		var rd io.Reader
		if data != nil {
			rd = bytes.NewReader(data)
		}
		req, err := http.NewRequest(method, c.tl.url+path, rd)
		if err != nil {
			c.t.Fatal(err)
		}
		if data != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if !noKey && strings.HasPrefix(path, "/v1/") {
			req.Header.Set("Authorization", "Bearer "+c.tl.key)
		}
		return req
	}
	if validRequest {
		if ok, errs := c.v.ValidateHttpRequest(newReq()); !ok {
			c.t.Errorf("%s %s: the request does not conform: %s", method, path, describeErrors(errs))
		}
	}
	req := newReq()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if ok, errs := c.v.ValidateHttpResponse(newReq(), resp); !ok {
		c.t.Errorf("%s %s: the %d answer does not conform: %s\n%s", method, path, resp.StatusCode, describeErrors(errs), raw)
	}
	_, _, template := paths.FindPath(newReq(), c.model)
	c.mu.Lock()
	c.seen[method+" "+template] = append(c.seen[method+" "+template], resp.StatusCode)
	c.mu.Unlock()
	var m map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return m
}

// ok sends a request meant to be valid.
func (c *conformance) ok(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	return c.call(want, method, path, body, true, false)
}

// bad sends a request the document itself rejects (a missing field, a wrong
// type): only the answer is validated.
func (c *conformance) bad(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	return c.call(want, method, path, body, false, false)
}

func describeErrors(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s at %s", se.Reason, se.Location)
		}
	}
	return b.String()
}

// checkCoverage fails unless every operation of the document was seen to
// answer a 2xx, and a 4xx when it documents any.
func (c *conformance) checkCoverage() {
	for path, item := range c.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			key := strings.ToUpper(method) + " " + path
			statuses := c.seen[key]
			if !slices.ContainsFunc(statuses, func(s int) bool { return s >= 200 && s < 300 }) {
				c.t.Errorf("%s: no success answer was exercised (saw %v)", key, statuses)
			}
			documents4xx := false
			for code := range op.Responses.Codes.KeysFromOldest() {
				documents4xx = documents4xx || strings.HasPrefix(code, "4")
			}
			if documents4xx && !slices.ContainsFunc(statuses, func(s int) bool { return s >= 400 && s < 500 }) {
				c.t.Errorf("%s: no error answer was exercised (saw %v)", key, statuses)
			}
		}
	}
}

// TestOpenAPIConformance drives every route of a real Tripline, successes
// and errors, and validates each request and answer against /openapi.json.
func TestOpenAPIConformance(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)
		c := newConformance(t, tl)

		c.ok(200, "GET", "/healthz", nil)
		c.ok(200, "GET", "/readyz", nil)
		c.ok(200, "GET", "/openapi.json", nil)
		c.call(401, "GET", "/v1/folders", nil, false, true)

		// The workspace.
		c.ok(200, "GET", "/v1/workspace", nil)
		c.call(401, "GET", "/v1/workspace", nil, false, true)
		c.ok(200, "PATCH", "/v1/workspace", map[string]any{"timezone": "Europe/Berlin"})
		c.ok(400, "PATCH", "/v1/workspace", map[string]any{"timezone": "Mars/Olympus"})
		c.bad(400, "PATCH", "/v1/workspace", map[string]any{"require_https": "yes"})

		// Folders.
		folder := c.ok(201, "POST", "/v1/folders", map[string]any{"name": "Sales"})
		fid := folder["id"].(string)
		c.bad(400, "POST", "/v1/folders", map[string]any{"enabled": "yes"})
		c.ok(200, "GET", "/v1/folders?limit=1", nil)
		c.bad(400, "GET", "/v1/folders?limit=x", nil)
		c.ok(200, "GET", "/v1/folders/"+fid, nil)
		c.ok(404, "GET", "/v1/folders/fld_nope", nil)
		c.ok(200, "PATCH", "/v1/folders/"+fid, map[string]any{"enabled": false})
		c.bad(400, "PATCH", "/v1/folders/"+fid, map[string]any{"colour": "red"})
		c.bad(413, "POST", "/v1/folders", `{"name": "`+strings.Repeat("x", 1<<20)+`"}`)

		// Endpoints.
		ep := c.ok(201, "POST", "/v1/endpoints", map[string]any{"name": "Sheets", "url": rc.URL + "/hook", "headers": map[string]string{"X-Team": "sales"}})
		eid := ep["id"].(string)
		rc.setSecret(ep["secret"].(string))
		c.bad(400, "POST", "/v1/endpoints", map[string]any{"name": "no url"})
		c.ok(400, "POST", "/v1/endpoints", map[string]any{"url": "ftp://example.com"})
		c.ok(200, "GET", "/v1/endpoints", nil)
		c.bad(400, "GET", "/v1/endpoints?limit=0", nil)
		c.ok(200, "GET", "/v1/endpoints/"+eid, nil)
		c.ok(404, "GET", "/v1/endpoints/ep_nope", nil)
		c.ok(200, "PATCH", "/v1/endpoints/"+eid, map[string]any{"retry_schedule": []int{1, 2}, "timeout_seconds": 5})
		c.bad(400, "PATCH", "/v1/endpoints/"+eid, map[string]any{"secret": "whsec_x"})
		c.ok(200, "POST", "/v1/endpoints/"+eid+"/enable", nil)
		c.ok(404, "POST", "/v1/endpoints/ep_nope/enable", nil)

		// Rules.
		ruleBody := map[string]any{
			"folder_id": fid, "name": "Order closed", "trigger": map[string]any{"type": "tag_applied", "tag": "Order Closed"},
			"condition": "contact.custom_fields.budget > 1000",
			"actions":   []any{map[string]any{"type": "webhook", "endpoint_id": eid, "headers": map[string]string{"X-Rule": "{{ rule.name }}"}}},
			"frequency": map[string]any{"once_per_contact": false, "cooldown_seconds": 0},
		}
		c.ok(200, "POST", "/v1/rules/validate", ruleBody)
		c.ok(400, "POST", "/v1/rules/validate", map[string]any{"name": "x", "trigger": map[string]any{"type": "tag_applied"}, "condition": "contact.emial == 1", "actions": []any{map[string]any{"endpoint_id": eid}}})
		rule := c.ok(201, "POST", "/v1/rules", ruleBody)
		rid := rule["id"].(string)
		c.ok(400, "POST", "/v1/rules", map[string]any{"name": "x", "trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": "ep_nope"}}})
		c.ok(200, "GET", "/v1/rules?folder_id="+fid, nil)
		c.bad(400, "GET", "/v1/rules?limit=1000", nil)
		c.ok(200, "GET", "/v1/rules/"+rid, nil)
		c.ok(404, "GET", "/v1/rules/rul_nope", nil)
		c.ok(200, "PATCH", "/v1/rules/"+rid, map[string]any{"folder_id": nil})
		c.ok(400, "PATCH", "/v1/rules/"+rid, map[string]any{"condition": "1 +"})
		c.ok(409, "DELETE", "/v1/endpoints/"+eid, nil)

		// The no-code builder, the trigger catalogue and dry runs.
		parsed := c.ok(200, "POST", "/v1/conditions/parse", map[string]any{"condition": "contact.custom_fields.budget > 1000"})
		if parsed["logic"] == nil || parsed["rows"] == nil {
			t.Fatalf("parse: %v", parsed)
		}
		if adv := c.ok(200, "POST", "/v1/conditions/parse", map[string]any{"condition": "len(contact.tags) > 2 ? true : false"}); adv["advanced"] != true {
			t.Fatalf("parse of an advanced expression: %v", adv)
		}
		c.bad(400, "POST", "/v1/conditions/parse", map[string]any{"expr": "true"})
		c.ok(200, "POST", "/v1/conditions/compile", map[string]any{"logic": "and", "rows": []any{
			map[string]any{"field": "contact.email", "operator": "contains", "value": "@example.com"},
			map[string]any{"field": "contact.email", "operator": "is set"},
		}})
		c.ok(400, "POST", "/v1/conditions/compile", map[string]any{"logic": "and", "rows": []any{map[string]any{"field": "contact.email", "operator": "is set", "value": "x"}}})
		c.ok(200, "GET", "/v1/triggers", nil)
		c.call(401, "GET", "/v1/triggers", nil, false, true)
		sim := c.ok(200, "POST", "/v1/simulate", map[string]any{
			"event":   map[string]any{"type": "tag_applied", "contact_id": "c_sim", "tag": "Order Closed"},
			"contact": map[string]any{"email": "sim@example.com", "custom_fields": map[string]any{"budget": 5000}},
		})
		if outcomes := sim["rules"].([]any); len(outcomes) != 1 || outcomes[0].(map[string]any)["matched"] != true {
			t.Fatalf("simulate: %v", sim)
		}
		c.bad(400, "POST", "/v1/simulate", map[string]any{"contact": map[string]any{}})

		// Events, and the delivery they cause.
		res := c.ok(202, "POST", "/v1/events", map[string]any{"events": []any{
			map[string]any{"id": "e1", "type": "contact_updated", "contact_id": "c_1", "contact": map[string]any{"email": "a@example.com", "custom_fields": map[string]any{"budget": 5000}}},
			map[string]any{"id": "e2", "type": "tag_applied", "contact_id": "c_1", "tag": "Order Closed"},
		}})
		if len(res["trigger_events"].([]any)) == 0 {
			t.Fatalf("no trigger events: %v", res)
		}
		c.ok(202, "POST", "/v1/events", map[string]any{"type": "chat_rated", "contact_id": "c_1", "rating": 5})
		c.ok(200, "POST", "/v1/events", map[string]any{"id": "e2", "type": "tag_applied", "contact_id": "c_1", "tag": "Order Closed"})
		c.bad(400, "POST", "/v1/events", map[string]any{"type": "tag_aplied", "contact_id": "c_1"})
		c.bad(400, "POST", "/v1/events", `{"type": "tag_applied", "contact_id": "c_1", "tag": `)
		if got := rc.next(t); got.err != nil {
			t.Fatalf("signature: %v", got.err)
		}

		list := c.ok(200, "GET", "/v1/deliveries?endpoint_id="+eid+"&status=succeeded&since=2020-01-01T00:00:00Z", nil)
		eventually(5*time.Second, func() bool { // the outcome is recorded just after the receiver answers
			if len(list["data"].([]any)) > 0 {
				return true
			}
			list = c.ok(200, "GET", "/v1/deliveries?endpoint_id="+eid+"&status=succeeded", nil)
			return false
		})
		if len(list["data"].([]any)) != 1 {
			t.Fatalf("deliveries: %v", list)
		}
		did := list["data"].([]any)[0].(map[string]any)["id"].(string)
		c.ok(200, "GET", "/v1/deliveries?rule_id="+rid+"&contact_id=c_1&event=tag_applied&limit=1", nil)
		c.bad(400, "GET", "/v1/deliveries?status=lost", nil)
		c.ok(400, "GET", "/v1/deliveries?since=yesterday", nil)
		if st := c.ok(200, "GET", "/v1/deliveries/stats?endpoint_id="+eid, nil); st["total"] != float64(1) {
			t.Fatalf("stats: %v", st)
		}
		c.ok(400, "GET", "/v1/deliveries/stats?since=yesterday", nil)
		c.ok(200, "GET", "/v1/deliveries/"+did, nil)
		c.ok(404, "GET", "/v1/deliveries/msg_nope", nil)

		// Activity: the stored trigger events, and what every rule makes of one.
		tes := c.ok(200, "GET", "/v1/trigger-events?contact_id=c_1&type=tag_applied", nil)["data"].([]any)
		if len(tes) != 1 {
			t.Fatalf("trigger events: %v", tes)
		}
		teID := tes[0].(map[string]any)["id"].(string)
		c.ok(200, "GET", "/v1/trigger-events?rule_id="+rid+"&limit=1", nil)
		c.bad(400, "GET", "/v1/trigger-events?type=tag_aplied", nil)
		c.ok(200, "GET", "/v1/trigger-events/"+teID, nil)
		c.ok(404, "GET", "/v1/trigger-events/evt_nope", nil)
		c.ok(200, "GET", "/v1/deliveries?trigger_event_id="+teID, nil)
		c.ok(200, "GET", "/v1/contacts?q=A@EXAMPLE", nil)

		// API keys: create (shown once), list, revoke; not the key in use.
		nk := c.ok(201, "POST", "/v1/keys", map[string]any{"name": "Zapier"})
		c.bad(400, "POST", "/v1/keys", map[string]any{"name": "x", "scope": "all"})
		c.bad(413, "POST", "/v1/keys", `{"name": "`+strings.Repeat("x", 1<<20)+`"}`)
		keys := c.ok(200, "GET", "/v1/keys", nil)["data"].([]any)
		c.bad(400, "GET", "/v1/keys?limit=0", nil)
		for _, k := range keys {
			if k := k.(map[string]any); k["current"] == true {
				c.ok(409, "DELETE", "/v1/keys/"+k["id"].(string), nil)
			}
		}
		c.ok(204, "DELETE", "/v1/keys/"+nk["id"].(string), nil)
		c.ok(404, "DELETE", "/v1/keys/"+nk["id"].(string), nil)

		// Delivery and endpoint operations.
		c.ok(409, "POST", "/v1/deliveries/"+did+"/discard", nil) // it succeeded
		c.ok(202, "POST", "/v1/deliveries/"+did+"/redeliver", nil)
		if got := rc.next(t); got.err != nil || got.headers.Get("webhook-id") != did {
			t.Fatalf("redelivery: %v, webhook-id %q", got.err, got.headers.Get("webhook-id"))
		}
		c.ok(404, "POST", "/v1/deliveries/msg_nope/redeliver", nil)
		rotated := c.ok(200, "POST", "/v1/endpoints/"+eid+"/rotate-secret", map[string]any{"grace_seconds": 3600})
		if rotated["previous_secret_expires_at"] == nil || rotated["secret"] == ep["secret"] {
			t.Fatalf("rotate-secret: %v", rotated)
		}
		rc.setSecret(rotated["secret"].(string))
		c.bad(400, "POST", "/v1/endpoints/"+eid+"/rotate-secret", map[string]any{"grace_seconds": -1})
		c.ok(404, "POST", "/v1/endpoints/ep_nope/rotate-secret", nil)
		if tr := c.ok(200, "POST", "/v1/endpoints/"+eid+"/test", map[string]any{"event": "new_contact"}); tr["status_code"] != float64(200) {
			t.Fatalf("test: %v", tr)
		}
		if got := rc.next(t); got.err != nil {
			t.Fatalf("test signature: %v", got.err)
		}
		c.ok(400, "POST", "/v1/endpoints/"+eid+"/test", map[string]any{"event": "tag_aplied"})
		c.ok(404, "POST", "/v1/endpoints/ep_nope/test", nil)
		c.ok(200, "POST", "/v1/endpoints/"+eid+"/recover", map[string]any{"since": "2020-01-01T00:00:00Z", "statuses": []string{"dead", "failed"}})
		c.bad(400, "POST", "/v1/endpoints/"+eid+"/recover", map[string]any{"statuses": []string{"paused"}})
		c.ok(404, "POST", "/v1/endpoints/ep_nope/recover", map[string]any{"since": "2020-01-01T00:00:00Z"})

		// Contacts; a tag applied while the endpoint is disabled pauses the
		// rule's delivery, which is then discarded.
		c.ok(200, "GET", "/v1/contacts?tag=Order%20Closed&limit=10", nil)
		c.ok(200, "GET", "/v1/contacts?field=email&value=a@example.com", nil)
		c.ok(400, "GET", "/v1/contacts?field=colour&value=red", nil)
		c.ok(200, "GET", "/v1/contacts/c_1", nil)
		c.ok(404, "GET", "/v1/contacts/c_nope", nil)
		c.ok(200, "PATCH", "/v1/contacts/c_1", map[string]any{"first_name": "John", "custom_fields": map[string]any{"plan": "pro"}})
		c.bad(400, "PATCH", "/v1/contacts/c_1", map[string]any{"subscribed": "yes"})
		c.ok(404, "PATCH", "/v1/contacts/c_nope", map[string]any{"first_name": "x"})
		c.ok(200, "PATCH", "/v1/endpoints/"+eid, map[string]any{"enabled": false})
		c.ok(200, "DELETE", "/v1/contacts/c_1/tags/Order%20Closed", nil)
		c.ok(404, "DELETE", "/v1/contacts/c_nope/tags/vip", nil)
		c.ok(200, "POST", "/v1/contacts/c_1/tags", map[string]any{"tag": "Order Closed"})
		c.bad(400, "POST", "/v1/contacts/c_1/tags", map[string]any{})
		c.ok(404, "POST", "/v1/contacts/c_nope/tags", map[string]any{"tag": "vip"})
		paused := c.ok(200, "GET", "/v1/deliveries?status=paused", nil)["data"].([]any)
		if len(paused) != 1 {
			t.Fatalf("paused deliveries: %v", paused)
		}
		c.ok(200, "POST", "/v1/deliveries/"+paused[0].(map[string]any)["id"].(string)+"/discard", nil)
		c.ok(404, "POST", "/v1/deliveries/msg_nope/discard", nil)
		c.ok(200, "POST", "/v1/endpoints/"+eid+"/enable", map[string]any{"discard_paused": true})
		c.bad(400, "POST", "/v1/endpoints/"+eid+"/enable", map[string]any{"discard_paused": "yes"})

		// REST hooks.
		hook := c.ok(201, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL + "/zap", "event": "chat_rated", "condition": "event.rating >= 4"})
		c.ok(400, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL + "/zap", "url": rc.URL + "/make", "event": "chat_rated"})
		c.ok(200, "GET", "/v1/hooks", nil)
		c.bad(400, "GET", "/v1/hooks?limit=x", nil)
		c.ok(200, "GET", "/v1/hooks/samples?event=chat_rated&limit=2", nil)
		c.ok(400, "GET", "/v1/hooks/samples?event=chat_rate", nil)
		c.ok(200, "GET", "/v1/hooks/samples?hook_id="+hook["id"].(string)+"&condition=event.rating%20%3E%203", nil)
		c.ok(404, "GET", "/v1/hooks/samples?hook_id=hk_nope", nil)
		c.ok(400, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL + "/zap", "event": "chat_rated", "tag": "vip"})
		// Integrations: the connection test and the dropdowns.
		c.ok(200, "GET", "/v1/me", nil)
		c.call(401, "GET", "/v1/me", nil, false, true)
		for _, list := range []string{"/v1/tags", "/v1/fields", "/v1/sequences"} {
			c.ok(200, "GET", list+"?limit=1", nil)
			c.bad(400, "GET", list+"?limit=0", nil)
		}
		c.ok(204, "DELETE", "/v1/hooks/"+hook["id"].(string), nil)
		c.call(401, "DELETE", "/v1/hooks/"+hook["id"].(string), nil, false, true)
		c.ok(204, "DELETE", "/v1/contacts/c_1", nil)
		c.call(401, "DELETE", "/v1/contacts/c_1", nil, false, true)

		// Deletes, in the order references allow.
		c.ok(204, "DELETE", "/v1/rules/"+rid, nil)
		c.ok(404, "DELETE", "/v1/rules/"+rid, nil)
		r2 := c.ok(201, "POST", "/v1/rules", map[string]any{"folder_id": fid, "name": "in folder", "trigger": map[string]any{"type": "new_contact"}, "actions": []any{map[string]any{"endpoint_id": eid}}})
		c.ok(409, "DELETE", "/v1/folders/"+fid, nil)
		c.ok(204, "DELETE", "/v1/rules/"+r2["id"].(string), nil)
		c.ok(204, "DELETE", "/v1/folders/"+fid, nil)
		c.ok(404, "DELETE", "/v1/folders/"+fid, nil)
		c.ok(204, "DELETE", "/v1/endpoints/"+eid, nil)
		c.ok(404, "DELETE", "/v1/endpoints/"+eid, nil)
		c.ok(404, "PATCH", "/v1/folders/"+fid, map[string]any{"name": "gone"})
		c.ok(404, "PATCH", "/v1/rules/"+rid, map[string]any{"name": "gone"})
		c.ok(404, "PATCH", "/v1/endpoints/"+eid, map[string]any{"name": "gone"})

		exerciseSources(c) // sources_e2e_test.go
		c.checkCoverage()
	})
}
