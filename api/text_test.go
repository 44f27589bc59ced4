package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestTextGate: every string that may reach storage is valid UTF-8 without
// NUL, or a 400 naming its field (issue 16, finding 3: on Postgres each of
// these was a 500 with SQLSTATE 22021 or 22P05).
func TestTextGate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, ep := b.createRule(keyA, nil)
	rule := func(body string) string {
		return `{"name": "r", "trigger": {"type": "tag_applied"}, "actions": [{"endpoint_id": "` + ep + `", "body": ` + body + `}]}`
	}
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"NUL in a path id", http.MethodGet, "/v1/folders/%00", "", "id"},
		{"invalid UTF-8 in a path id", http.MethodGet, "/v1/rules/%ff%fe", "", "id"},
		{"NUL in a contact id", http.MethodGet, "/v1/contacts/a%00b", "", "id"},
		{"NUL in a tag", http.MethodDelete, "/v1/contacts/c1/tags/%00", "", "tag"},
		{"NUL in a cursor", http.MethodGet, "/v1/folders?cursor=%00", "", "cursor"},
		{"invalid UTF-8 in a filter", http.MethodGet, "/v1/deliveries?status=%ff", "", "status"},
		{"NUL in a query name", http.MethodGet, "/v1/folders?a%00=1", "", `"a\x00"`},
		{"NUL in a body string", http.MethodPost, "/v1/folders", `{"name": "a\u0000b"}`, "name"},
		{"NUL in an event's contact id", http.MethodPost, "/v1/events", `{"type": "tag_applied", "tag": "x", "contact_id": "\u0000"}`, "contact_id"},
		{"NUL deep in a batch", http.MethodPost, "/v1/events", `{"events": [{"type": "custom", "name": "n", "contact_id": "c", "data": {"k": ["ok", "\u0000"]}}]}`, "events[0].data.k[1]"},
		{"invalid UTF-8 in a rule body", http.MethodPost, "/v1/rules", rule("{\"a\": \"\xff\xfe\"}"), "actions[0].body.a"},
		{"a lone surrogate in a rule body", http.MethodPost, "/v1/rules", rule(`{"a": "x\ud800y"}`), "actions[0].body.a"},
		{"a lone low surrogate in a header value", http.MethodPost, "/v1/endpoints", `{"url": "https://x.test", "headers": {"X-A": "\udc00"}}`, "headers.X-A"},
		{"a NUL escape in a rule body", http.MethodPost, "/v1/rules", rule(`{"a": "\u0000"}`), "actions[0].body.a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			b.do(tc.method, tc.path, body).field(t, tc.field, "valid UTF-8 text without NUL")
		})
	}
	// What only looks like a bad escape is fine: an escaped backslash, a
	// whole surrogate pair.
	b.do(http.MethodPost, "/v1/folders", `{"name": "a\\u0000b \ud83d\ude00"}`).want(t, http.StatusCreated)
}

// TestLongIDsAreNotFound: an id longer than any Tripline makes is a 404,
// without a query (issue 16, finding 4: 50,001 characters were a 500).
func TestLongIDsAreNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := strings.Repeat("x", 50_001)
	var asked []string
	b.store.setHook(func(method string) error { asked = append(asked, method); return nil })
	for _, tc := range []struct{ method, path string }{
		{http.MethodDelete, "/v1/endpoints/" + long}, {http.MethodGet, "/v1/folders/" + long},
		{http.MethodPatch, "/v1/rules/" + long}, {http.MethodGet, "/v1/deliveries/" + long},
		{http.MethodPost, "/v1/endpoints/" + long + "/enable"},
	} {
		b.do(tc.method, tc.path, nil).problem(t, http.StatusNotFound)
	}
	if len(asked) > 0 {
		t.Fatalf("the store was asked %v for ids no Tripline id can be", asked)
	}
	b.store.setHook(nil)
}
