package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
)

func TestDeliveryStats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := testNow.UTC() // 09:00:00.123Z
	put := func(id string, created time.Time, st actions.Status, ws, ep string) {
		b.store.putDelivery(fakeDelivery{d: actions.Delivery{ID: id, WorkspaceID: ws, EndpointID: ep, RuleID: "rul_1", Status: st, CreatedAt: created}})
	}
	put("msg_1", now.Add(-30*time.Minute), actions.StatusSucceeded, "ws_a", "ep_1")   // 08:30
	put("msg_2", now.Add(-50*time.Minute), actions.StatusDead, "ws_a", "ep_1")        // 08:10
	put("msg_3", now.Add(-time.Millisecond), actions.StatusSucceeded, "ws_a", "ep_2") // 09:00:00.122
	put("msg_4", now.Add(-25*time.Hour), actions.StatusSucceeded, "ws_a", "ep_1")     // before the default range
	put("msg_5", now.Add(-time.Minute), actions.StatusSucceeded, "ws_b", "ep_9")      // another workspace

	// The default: the last 24 hours, one bucket per hour, empty ones too.
	res := b.do(http.MethodGet, "/v1/deliveries/stats", nil).want(t, http.StatusOK)
	buckets := res.Body["buckets"].([]any)
	if len(buckets) != 25 || res.str("since") != "2026-11-21T09:00:00.000Z" || res.str("until") != "2026-11-22T09:00:00.123Z" {
		t.Fatalf("default range: %d buckets, since %s, until %s", len(buckets), res.str("since"), res.str("until"))
	}
	if res.Body["total"] != 3.0 {
		t.Fatalf("total: %s", res.Raw)
	}
	hour := func(i int) map[string]any { return buckets[i].(map[string]any) }
	if h := hour(23); h["hour"] != "2026-11-22T08:00:00.000Z" || h["total"] != 2.0 ||
		fmt.Sprint(h["counts"]) != "map[dead:1 discarded:0 failed:0 paused:0 pending:0 sending:0 succeeded:1]" {
		t.Fatalf("08:00 bucket: %v", h)
	}
	if h := hour(24); h["hour"] != "2026-11-22T09:00:00.000Z" || h["total"] != 1.0 {
		t.Fatalf("09:00 bucket: %v", h)
	}
	if h := hour(0); h["total"] != 0.0 {
		t.Fatalf("first bucket: %v", h)
	}

	// Filters and an explicit range (since rounded down to the hour).
	res = b.do(http.MethodGet, "/v1/deliveries/stats?endpoint_id=ep_1&since=2026-11-22T08:20:00Z&until=2026-11-22T09:00:00Z", nil).want(t, http.StatusOK)
	if got := res.Body["buckets"].([]any); len(got) != 1 || res.Body["total"] != 2.0 || res.Body["counts"].(map[string]any)["dead"] != 1.0 {
		t.Fatalf("filtered: %s", res.Raw)
	}
	res = b.do(http.MethodGet, "/v1/deliveries/stats?rule_id=rul_other", nil).want(t, http.StatusOK)
	if res.Body["total"] != 0.0 {
		t.Fatalf("rule filter: %s", res.Raw)
	}
	// An unencoded "+01:00" offset is read as meant.
	res = b.do(http.MethodGet, "/v1/deliveries/stats?since=2026-11-22T09:00:00+01:00", nil).want(t, http.StatusOK)
	if res.str("since") != "2026-11-22T08:00:00.000Z" {
		t.Fatalf("offset since: %s", res.Raw)
	}

	// Bad input names the field.
	b.do(http.MethodGet, "/v1/deliveries/stats?since=yesterday", nil).field(t, "since", "RFC 3339")
	b.do(http.MethodGet, "/v1/deliveries/stats?until=soon", nil).field(t, "until", "RFC 3339")
	b.do(http.MethodGet, "/v1/deliveries/stats?since=2026-11-22T10:00:00Z&until=2026-11-22T09:00:00Z", nil).field(t, "since", "before until")
	b.do(http.MethodGet, "/v1/deliveries/stats?since=2026-11-01T00:00:00Z", nil).field(t, "since", "at most 7 days")
}
