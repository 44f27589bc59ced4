package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tripline/tripline/triggers"
)

func contactIDs(t *testing.T, r response) []string {
	t.Helper()
	ids := []string{}
	for _, c := range r.Body["data"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	return ids
}

func TestContactsListAndGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, c := range []triggers.Contact{
		{ID: "c_1", Email: "a@example.com", Tags: []string{"vip"}, CustomFields: map[string]any{"plan": "pro"}},
		{ID: "c_2", Email: "b@example.com", Tags: []string{}, CustomFields: map[string]any{"plan": "free"}},
		{ID: "c_3", Email: "c@example.com", Tags: []string{"vip"}, CustomFields: map[string]any{}},
	} {
		b.store.putContact("ws_a", c)
	}
	b.store.putContact("ws_b", triggers.Contact{ID: "c_9"})

	p1 := b.do(http.MethodGet, "/v1/contacts?limit=2", nil).want(t, http.StatusOK)
	if got := contactIDs(t, p1); !slices.Equal(got, []string{"c_1", "c_2"}) || p1.Body["next_cursor"] != "c_2" {
		t.Fatalf("page 1: %s", p1.Raw)
	}
	p2 := b.do(http.MethodGet, "/v1/contacts?limit=2&cursor=c_2", nil).want(t, http.StatusOK)
	if got := contactIDs(t, p2); !slices.Equal(got, []string{"c_3"}) || p2.Body["next_cursor"] != nil {
		t.Fatalf("page 2: %s", p2.Raw)
	}
	if got := contactIDs(t, b.do(http.MethodGet, "/v1/contacts?tag=vip", nil).want(t, http.StatusOK)); !slices.Equal(got, []string{"c_1", "c_3"}) {
		t.Errorf("?tag=vip: %v", got)
	}
	if got := contactIDs(t, b.do(http.MethodGet, "/v1/contacts?field=custom_fields.plan&value=pro", nil).want(t, http.StatusOK)); !slices.Equal(got, []string{"c_1"}) {
		t.Errorf("?field=custom_fields.plan: %v", got)
	}
	if got := contactIDs(t, b.do(http.MethodGet, "/v1/contacts?field=email&value=b@example.com", nil).want(t, http.StatusOK)); !slices.Equal(got, []string{"c_2"}) {
		t.Errorf("?field=email: %v", got)
	}

	for _, tc := range []struct{ query, field, msg string }{
		{"?field=email", "field", "together"},
		{"?value=x", "field", "together"},
		{"?field=emial&value=x", "field", "custom_fields.NAME"},
		{"?field=custom_fields.&value=x", "field", "custom field"},
		{`?field=custom_fields.a%22b&value=x`, "field", "quotes"},
		{"?limit=500", "limit", "from 1 to"},
	} {
		b.do(http.MethodGet, "/v1/contacts"+tc.query, nil).field(t, tc.field, tc.msg)
	}

	got := b.do(http.MethodGet, "/v1/contacts/c_1", nil).want(t, http.StatusOK)
	if got.str("id") != "c_1" || got.str("email") != "a@example.com" || got.Body["referred_by"] != nil {
		t.Errorf("GET c_1: %s", got.Raw)
	}
	b.do(http.MethodGet, "/v1/contacts/c_9", nil).problem(t, http.StatusNotFound) // another workspace's
}

func TestContactChangesGoThroughIngest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.putContact("ws_a", triggers.Contact{ID: "c_1", Tags: []string{}})

	b.do(http.MethodPatch, "/v1/contacts/c_1", `{"email":"new@example.com","custom_fields":{"budget":5}}`).want(t, http.StatusOK)
	ev := b.ingester.lastCall()
	if len(ev) != 1 || ev[0].Type != triggers.EventContactUpdated || ev[0].ContactID != "c_1" ||
		string(ev[0].Contact["email"]) != `"new@example.com"` || string(ev[0].Contact["custom_fields"]) != `{"budget":5}` {
		t.Errorf("PATCH ingested %+v", ev)
	}
	b.do(http.MethodPost, "/v1/contacts/c_1/tags", map[string]any{"tag": "Order Closed"}).want(t, http.StatusOK)
	if ev := b.ingester.lastCall(); ev[0].Type != triggers.EventTagApplied || ev[0].Tag != "Order Closed" || ev[0].ContactID != "c_1" {
		t.Errorf("POST tags ingested %+v", ev)
	}
	b.do(http.MethodDelete, "/v1/contacts/c_1/tags/Order%20Closed", nil).want(t, http.StatusOK)
	if ev := b.ingester.lastCall(); ev[0].Type != triggers.EventTagRemoved || ev[0].Tag != "Order Closed" {
		t.Errorf("DELETE tag ingested %+v", ev)
	}
	calls := b.ingester.callCount()

	// Bad input and unknown contacts ingest nothing.
	b.do(http.MethodPatch, "/v1/contacts/c_1", `{"created_at":"2026-01-01T00:00:00Z"}`).field(t, "created_at", "kept by Tripline")
	b.do(http.MethodPatch, "/v1/contacts/c_1", `{"subscribed":"yes"}`).field(t, "subscribed", "true or false")
	b.do(http.MethodPatch, "/v1/contacts/c_1", `[]`).problem(t, http.StatusBadRequest)
	b.do(http.MethodPatch, "/v1/contacts/c_1", `null`).problem(t, http.StatusBadRequest)
	b.do(http.MethodPatch, "/v1/contacts/c_1", `{`).problem(t, http.StatusBadRequest)
	b.do(http.MethodPost, "/v1/contacts/c_1/tags", map[string]any{}).field(t, "tag", "")
	b.do(http.MethodPost, "/v1/contacts/c_1/tags", map[string]any{"tag": "x", "color": "red"}).field(t, "color", "not a known field")
	b.do(http.MethodPatch, "/v1/contacts/c_404", `{"email":"x@example.com"}`).problem(t, http.StatusNotFound)
	b.doKey(keyB, http.MethodPost, "/v1/contacts/c_1/tags", map[string]any{"tag": "x"}).problem(t, http.StatusNotFound)
	b.do(http.MethodDelete, "/v1/contacts/c_404/tags/x", nil).problem(t, http.StatusNotFound)
	if n := b.ingester.callCount(); n != calls {
		t.Errorf("rejected changes were ingested: %d calls, want %d", n, calls)
	}
}

func TestContactErase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.putContact("ws_a", triggers.Contact{ID: "c_1"})
	for range 2 {
		b.do(http.MethodDelete, "/v1/contacts/c_1", nil).want(t, http.StatusNoContent)
	}
	b.do(http.MethodGet, "/v1/contacts/c_1", nil).problem(t, http.StatusNotFound)
	if got := b.store.eco.erased; !slices.Equal(got, []string{"ws_a/c_1", "ws_a/c_1"}) {
		t.Errorf("erased %v", got)
	}
}
