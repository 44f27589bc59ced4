package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestEventsAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	single := `{"id": "k1", "type": "tag_applied", "contact_id": "c_1", "tag": "vip"}`
	res := b.do(http.MethodPost, "/v1/events", single).want(t, http.StatusAccepted)
	if res.Body["accepted"] != 1.0 || res.Body["duplicates"] != 0.0 || len(res.Body["trigger_events"].([]any)) != 1 ||
		res.Body["duplicate"] != nil {
		t.Fatalf("single: %s", res.Raw)
	}
	res = b.do(http.MethodPost, "/v1/events", single).want(t, http.StatusOK)
	if res.Body["accepted"] != 0.0 || res.Body["duplicates"] != 1.0 || res.Body["duplicate"] != true ||
		!strings.Contains(res.Raw, `"trigger_events":[]`) {
		t.Fatalf("repeat: %s", res.Raw)
	}
	res = b.do(http.MethodPost, "/v1/events", `{"events": [`+single+`,
		{"type": "contact_updated", "contact_id": "c_2", "contact": {"email": "a@b.test"}}]}`).want(t, http.StatusAccepted)
	if res.Body["accepted"] != 1.0 || res.Body["duplicates"] != 1.0 {
		t.Fatalf("batch: %s", res.Raw)
	}
	// The other workspace has its own idempotency keys.
	b.doKey(keyB, http.MethodPost, "/v1/events", single).want(t, http.StatusAccepted)
}

func TestEventValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(http.MethodPost, "/v1/events", `{"type": "tag_exploded", "contact_id": "c_1"}`).field(t, "type", "tag_exploded")
	b.do(http.MethodPost, "/v1/events", `{"type": "tag_applied", "tag": "vip"}`).field(t, "contact_id", "is required")
	b.do(http.MethodPost, "/v1/events", `{"type": "tag_applied", "contact_id": "c", "tag": "x", "colour": 1}`).
		field(t, "colour", "not a known field")

	res := b.do(http.MethodPost, "/v1/events", `{"events": [
		{"type": "tag_applied", "contact_id": "c_1", "tag": "vip"},
		{"type": "tag_applied", "tag": "vip"},
		{"type": "nope", "contact_id": "c_3"}]}`)
	res.field(t, "events[1].contact_id", "is required")
	res.field(t, "events[2].type", "nope")
	b.do(http.MethodPost, "/v1/events", `{"events": [
		{"type": "tag_applied", "contact_id": "c_1", "tag": "vip", "occurred_at": "2026-11-22T10:00:00Z"},
		{"type": "tag_applied", "contact_id": "c_1", "tag": "vip", "occurred_at": "yesterday"}]}`).
		field(t, "events[1].occurred_at", "RFC 3339")
	b.do(http.MethodPost, "/v1/events", `{"events": []}`).field(t, "events", "1 to 1000")
	b.do(http.MethodPost, "/v1/events", `{"events": [], "extra": true}`).field(t, "extra", "not a known field")

	events := make([]string, 1001)
	for i := range events {
		events[i] = fmt.Sprintf(`{"type": "tag_applied", "contact_id": "c_%d", "tag": "t"}`, i)
	}
	b.do(http.MethodPost, "/v1/events", `{"events": [`+strings.Join(events, ",")+`]}`).field(t, "events", "1 to 1000")

	if n := b.ingester.callCount(); n != 0 {
		t.Fatalf("invalid requests reached the ingester %d times", n)
	}
	b.do(http.MethodPost, "/v1/events", `{"events": [`+strings.Join(events[:1000], ",")+`]}`).want(t, http.StatusAccepted)
	if got := b.ingester.lastCall(); len(got) != 1000 || got[999].ContactID != "c_999" {
		t.Fatalf("ingested %d events", len(got))
	}
}
