package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitList polls a list until it has n items, and returns them.
func (tl *instance) waitList(path string, n int) []any {
	tl.t.Helper()
	var items []any
	if !eventually(10*time.Second, func() bool {
		items, _ = tl.must(200, "GET", path, nil)["data"].([]any)
		return len(items) == n
	}) {
		tl.t.Fatalf("GET %s: %d items, want %d", path, len(items), n)
	}
	return items
}

// TestEndpointDisabledAlerts: an endpoint answering 410 Gone is disabled at
// once, its deliveries wait as paused, an endpoint_disabled rule alerts
// another endpoint, and enabling it sends the paused ones. Then redeliver
// and test send to it again.
func TestEndpointDisabledAlerts(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		var gone atomic.Bool
		gone.Store(true)
		a, alerts := newReceiver(t), newReceiver(t)
		a.answer = func(w http.ResponseWriter, r *http.Request) bool {
			if gone.Load() {
				w.WriteHeader(http.StatusGone)
				return false
			}
			return true
		}
		epA := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "A", "url": a.URL})
		epB := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "Ops", "url": alerts.URL})
		a.setSecret(epA["secret"].(string))
		alerts.setSecret(epB["secret"].(string))
		aID := epA["id"].(string)
		for _, rule := range []map[string]any{
			{"name": "tags → A", "trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": aID}}},
			{"name": "alert ops", "trigger": map[string]any{"type": "endpoint_disabled"}, "actions": []any{map[string]any{"endpoint_id": epB["id"]}}},
			{"name": "alert A itself", "trigger": map[string]any{"type": "endpoint_disabled"}, "actions": []any{map[string]any{"endpoint_id": aID}}},
		} {
			tl.must(201, "POST", "/v1/rules", rule)
		}
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "t"})

		got := alerts.next(t)
		if got.err != nil {
			t.Fatalf("alert signature: %v", got.err)
		}
		reason, _ := got.body["disabled_reason"].(string)
		if got.body["event"] != "endpoint_disabled" || got.body["endpoint_id"] != aID || !strings.HasPrefix(reason, "the endpoint answered 410 Gone at ") {
			t.Fatalf("alert payload %v", got.body)
		}
		ep := tl.must(200, "GET", "/v1/endpoints/"+aID, nil)
		if ep["enabled"] != false || ep["disabled_reason"] != reason || ep["failure_streak"] != 1.0 {
			t.Fatalf("endpoint after 410: %v", ep)
		}
		// The 410 delivery and the alert to A itself wait as paused.
		paused := tl.waitList("/v1/deliveries?status=paused&endpoint_id="+aID, 2)

		gone.Store(false)
		tl.must(200, "POST", "/v1/endpoints/"+aID+"/enable", nil)
		seen := map[string]bool{}
		for range 2 {
			r := a.next(t)
			if r.err != nil {
				t.Fatalf("resumed delivery signature: %v", r.err)
			}
			seen[r.headers.Get("webhook-id")] = true
		}
		for _, p := range paused {
			if !seen[p.(map[string]any)["id"].(string)] {
				t.Fatalf("paused delivery %v not sent after enable (got %v)", p, seen)
			}
		}
		tl.waitList("/v1/deliveries?status=succeeded&endpoint_id="+aID, 2)

		// Redeliver keeps the webhook-id.
		first := paused[0].(map[string]any)["id"].(string)
		if d := tl.must(202, "POST", "/v1/deliveries/"+first+"/redeliver", nil); d["id"] != first {
			t.Fatalf("redeliver answer %v", d)
		}
		if r := a.next(t); r.headers.Get("webhook-id") != first || r.err != nil {
			t.Fatalf("redelivery webhook-id %q, want %q (%v)", r.headers.Get("webhook-id"), first, r.err)
		}

		// A test send is signed like a delivery and answered synchronously.
		res := tl.must(200, "POST", "/v1/endpoints/"+aID+"/test", map[string]any{"event": "tag_applied"})
		if res["status_code"] != 200.0 || res["error"] != nil {
			t.Fatalf("test answer %v", res)
		}
		if r := a.next(t); r.err != nil || r.body["event"] != "tag_applied" || r.headers.Get("webhook-id") != res["webhook_id"] {
			t.Fatalf("test send %v %v", r.body, r.err)
		}
	})
}

// TestSSRFGuardOnByDefault: without --allow-private-destinations an endpoint
// on loopback is refused when it is created.
func TestSSRFGuardOnByDefault(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey, "--allow-private-destinations=false")
	rc := newReceiver(t)
	for _, u := range []string{rc.URL, strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)} {
		status, p := tl.do("POST", "/v1/endpoints", map[string]any{"url": u})
		errs, _ := p["errors"].([]any)
		if status != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != "url" ||
			!strings.Contains(errs[0].(map[string]any)["message"].(string), "is a loopback address") {
			t.Fatalf("create %s: %d %v", u, status, p)
		}
	}
}

// TestAutoDisableAndRecover: five deliveries in a row die (an empty retry
// schedule makes the first failure final), the endpoint is disabled with the
// count and last error, and after it is fixed and enabled, recover sends the
// dead ones again.
func TestAutoDisableAndRecover(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		var broken atomic.Bool
		broken.Store(true)
		rc := newReceiver(t)
		rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
			if broken.Load() {
				w.WriteHeader(http.StatusInternalServerError)
				return false
			}
			return true
		}
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"url": rc.URL, "retry_schedule": []int{}})
		rc.setSecret(ep["secret"].(string))
		epID := ep["id"].(string)
		tl.must(201, "POST", "/v1/rules", map[string]any{"name": "all tags",
			"trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": epID}}})
		since := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
		for i := range 5 {
			tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", i), "tag": "t"})
			tl.waitList("/v1/deliveries?status=dead&endpoint_id="+epID, i+1) // one at a time: a streak, in order
		}
		var got map[string]any
		eventually(10*time.Second, func() bool {
			got = tl.must(200, "GET", "/v1/endpoints/"+epID, nil)
			return got["enabled"] == false
		})
		reason, _ := got["disabled_reason"].(string)
		if got["enabled"] != false || !strings.HasPrefix(reason, "5 consecutive deliveries died") || !strings.Contains(reason, "HTTP 500") || got["dead_streak"] != 5.0 {
			t.Fatalf("after 5 dead: %v", got)
		}

		broken.Store(false)
		tl.must(200, "POST", "/v1/endpoints/"+epID+"/enable", nil)
		res := tl.must(200, "POST", "/v1/endpoints/"+epID+"/recover", map[string]any{"since": since, "statuses": []string{"dead"}})
		if res["recovered"] != 5.0 {
			t.Fatalf("recover answer %v", res)
		}
		for range 5 {
			if r := rc.next(t); r.err != nil {
				t.Fatalf("recovered delivery signature: %v", r.err)
			}
		}
		tl.waitList("/v1/deliveries?status=succeeded&endpoint_id="+epID, 5)
		if got := tl.must(200, "GET", "/v1/endpoints/"+epID, nil); got["dead_streak"] != 0.0 || got["last_success_at"] == nil {
			t.Fatalf("after recovery: %v", got)
		}
	})
}
