package main

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// getArray GETs path and decodes a JSON array answer.
func (tl *instance) getArray(path string) []map[string]any {
	tl.t.Helper()
	req, _ := http.NewRequest("GET", tl.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+tl.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tl.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil {
		tl.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	return out
}

// waitDelivery polls a delivery until its status is want.
func (tl *instance) waitDelivery(id, want string) map[string]any {
	tl.t.Helper()
	var d map[string]any
	if !eventually(5*time.Second, func() bool { // the outcome is recorded just after the receiver answers
		d = tl.must(200, "GET", "/v1/deliveries/"+id, nil)
		return d["status"] == want
	}) {
		tl.t.Fatalf("delivery %s stayed %v, want %s", id, d["status"], want)
	}
	return d
}

func TestRESTHooks(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)

		// Zapier's subscribe.
		hook := tl.must(201, "POST", "/v1/hooks", map[string]any{
			"target_url": rc.URL + "/zap", "event": "tag_applied", "condition": `event.tag == "vip"`,
		})
		rc.setSecret(hook["secret"].(string))
		// Zapier's perform list before any real event: a catalogue sample.
		samples := tl.getArray("/v1/hooks/samples?event=tag_applied")
		if len(samples) != 1 || samples[0]["event"] != "tag_applied" || samples[0]["contact"] == nil {
			t.Fatalf("catalogue samples %v", samples)
		}
		catalogueKeys := slices.Sorted(maps.Keys(samples[0]))

		tl.must(202, "POST", "/v1/events", map[string]any{"events": []any{
			map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "other", "contact": map[string]any{"email": "ann@example.com"}},
			map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "vip"},
		}})
		got := rc.next(t)
		if got.err != nil {
			t.Fatalf("signature: %v", got.err)
		}
		if got.body["event"] != "tag_applied" || got.body["tag"] != "vip" || got.body["contact_id"] != "c_1" ||
			got.body["rule"].(map[string]any)["id"] != hook["rule_id"] {
			t.Fatalf("hook payload %v", got.body)
		}
		liveKeys := slices.Sorted(maps.Keys(got.body))
		if !slices.Equal(liveKeys, catalogueKeys) {
			t.Errorf("catalogue sample keys %v, live payload keys %v", catalogueKeys, liveKeys)
		}

		// Now the samples are the real trigger events, newest first, in the live shape.
		samples = tl.getArray("/v1/hooks/samples?event=tag_applied&limit=5")
		if len(samples) != 2 || samples[0]["id"] != got.body["id"] || samples[0]["tag"] != "vip" || samples[1]["tag"] != "other" {
			t.Fatalf("samples %v", samples)
		}
		if keys := slices.Sorted(maps.Keys(samples[0])); !slices.Equal(keys, liveKeys) {
			t.Errorf("sample keys %v, live keys %v", keys, liveKeys)
		}
		live, sample := maps.Clone(got.body), maps.Clone(samples[0])
		delete(live, "rule")
		delete(sample, "rule")
		lj, _ := json.Marshal(live)
		sj, _ := json.Marshal(sample)
		if string(lj) != string(sj) {
			t.Errorf("sample differs from the live payload:\nlive   %s\nsample %s", lj, sj)
		}

		// Make's subscription with url; both are listed.
		mk := tl.must(201, "POST", "/v1/hooks", map[string]any{"url": rc.URL + "/make", "event": "new_contact"})
		list := tl.must(200, "GET", "/v1/hooks", nil)["data"].([]any)
		if len(list) != 2 {
			t.Fatalf("hooks %v", list)
		}
		tl.must(409, "DELETE", "/v1/endpoints/"+hook["endpoint_id"].(string), nil)

		// Zapier's unsubscribe, twice; afterwards nothing is sent.
		tl.must(204, "DELETE", "/v1/hooks/"+hook["id"].(string), nil)
		tl.must(204, "DELETE", "/v1/hooks/"+hook["id"].(string), nil)
		tl.must(404, "GET", "/v1/rules/"+hook["rule_id"].(string), nil)
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_2", "tag": "vip"})
		if d := tl.must(200, "GET", "/v1/deliveries?rule_id="+hook["rule_id"].(string), nil)["data"].([]any); len(d) != 1 {
			t.Errorf("deliveries of the deleted hook's rule: %v", d)
		}
		// c_2 was new: the Make hook on new_contact fired.
		if got := rc.next(t); got.body["event"] != "new_contact" || got.body["contact_id"] != "c_2" || got.body["rule"].(map[string]any)["id"] != mk["rule_id"] {
			t.Errorf("Make payload %v", got.body)
		}
	})
}

func TestContactsAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"url": rc.URL})
		rc.setSecret(ep["secret"].(string))
		tl.must(201, "POST", "/v1/rules", map[string]any{
			"name": "VIP", "trigger": map[string]any{"type": "tag_applied", "tag": "vip"},
			"actions": []any{map[string]any{"endpoint_id": ep["id"]}},
		})
		tl.must(202, "POST", "/v1/events", map[string]any{"events": []any{
			map[string]any{"type": "contact_updated", "contact_id": "c_1", "contact": map[string]any{"name": "Ann", "email": "ann@example.com", "custom_fields": map[string]any{"plan": "pro"}}},
			map[string]any{"type": "contact_updated", "contact_id": "c_2", "contact": map[string]any{"name": "Bob", "custom_fields": map[string]any{"plan": "free"}}},
		}})

		// Adding a tag goes through the pipeline: the rule fires.
		c := tl.must(200, "POST", "/v1/contacts/c_1/tags", map[string]any{"tag": "vip"})
		if !slices.Contains(c["tags"].([]any), any("vip")) {
			t.Fatalf("after tag: %v", c)
		}
		got := rc.next(t)
		if got.body["contact_id"] != "c_1" || got.body["tag"] != "vip" {
			t.Fatalf("payload %v", got.body)
		}
		webhookID := got.headers.Get("webhook-id")

		c = tl.must(200, "PATCH", "/v1/contacts/c_1", map[string]any{"phone": "+15551234567", "custom_fields": map[string]any{"plan": nil, "budget": 5}})
		if c["phone"] != "+15551234567" || c["custom_fields"].(map[string]any)["budget"] != 5.0 || c["custom_fields"].(map[string]any)["plan"] != nil {
			t.Fatalf("after patch: %v", c)
		}
		ids := func(path string) []string {
			var out []string
			for _, c := range tl.must(200, "GET", path, nil)["data"].([]any) {
				out = append(out, c.(map[string]any)["id"].(string))
			}
			return out
		}
		for path, want := range map[string][]string{
			"/v1/contacts":         {"c_1", "c_2"},
			"/v1/contacts?tag=vip": {"c_1"},
			"/v1/contacts?field=custom_fields.plan&value=free": {"c_2"},
			"/v1/contacts?field=custom_fields.budget&value=5":  {"c_1"},
			"/v1/contacts?field=email&value=ann%40example.com": {"c_1"},
			"/v1/contacts?limit=1&cursor=c_1":                  {"c_2"},
		} {
			if got := ids(path); !slices.Equal(got, want) {
				t.Errorf("GET %s: %v, want %v", path, got, want)
			}
		}
		c = tl.must(200, "DELETE", "/v1/contacts/c_1/tags/vip", nil)
		if len(c["tags"].([]any)) != 0 {
			t.Errorf("after untag: %v", c)
		}
		tl.must(404, "PATCH", "/v1/contacts/c_9", map[string]any{"name": "x"})

		// GDPR erase: state and payloads go, delivery metadata stays.
		tl.waitDelivery(webhookID, "succeeded")
		tl.must(204, "DELETE", "/v1/contacts/c_1", nil)
		tl.must(204, "DELETE", "/v1/contacts/c_1", nil)
		tl.must(404, "GET", "/v1/contacts/c_1", nil)
		d := tl.must(200, "GET", "/v1/deliveries/"+webhookID, nil)
		if d["payload"] != nil || d["status"] != "succeeded" || d["contact_id"] != "c_1" || len(d["attempts"].([]any)) != 1 {
			t.Errorf("erased contact's delivery: %v", d)
		}
		if s := tl.getArray("/v1/hooks/samples?event=tag_applied"); s[0]["contact_id"] == "c_1" {
			t.Errorf("an erased contact's trigger event is still a sample: %v", s[0])
		}
	})
}

func TestMetricsAndJSONLogs(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey, "--log-format", "json")
	rc := newReceiver(t)
	hook := tl.must(201, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL, "event": "tag_applied", "condition": `event.tag == "b"`})
	rc.setSecret(hook["secret"].(string))
	tl.must(202, "POST", "/v1/events", map[string]any{"events": []any{
		map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "a"},
		map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "b"},
	}})
	tl.waitDelivery(rc.next(t).headers.Get("webhook-id"), "succeeded")

	// /metrics needs no API key, like the health probes. The worker counts an
	// outcome just after recording it: poll until it shows.
	wants := []string{
		"\ntripline_events_ingested_total 2\n",
		"\ntripline_trigger_events_total{type=\"tag_applied\"} 2\n",
		"\ntripline_trigger_events_total{type=\"new_contact\"} 1\n",
		"\ntripline_rule_matches_total 1\n",
		"\ntripline_attempts_total{outcome=\"succeeded\"} 1\n", "\ntripline_deliveries_total{status=\"succeeded\"} 1\n",
		"\ntripline_attempt_duration_seconds_count 1\n",
		"\ntripline_queue_depth 0\n",
		"\ntripline_oldest_pending_age_seconds 0\n",
	}
	var missing []string
	eventually(2*time.Second, func() bool {
		resp, err := http.Get(tl.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		missing = missing[:0]
		for _, want := range wants {
			if !strings.Contains(string(raw), want) {
				missing = append(missing, strings.TrimSpace(want))
			}
		}
		return len(missing) == 0
	})
	if len(missing) > 0 {
		t.Errorf("/metrics lacks %q", missing)
	}

	req, _ := http.NewRequest("GET", tl.url+"/v1/rules/rul_nope", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("X-Request-Id", "req-json-log-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The request line is logged after the answer is written: wait for it.
	tl.logs.waitFor(t, `"request_id":"req-json-log-1"`)
	found := false
	for _, line := range strings.Split(strings.TrimSpace(tl.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		if rec["msg"] == "http request" {
			if rec["request_id"] == nil || rec["request_id"] == "" {
				t.Errorf("request log without request_id: %s", line)
			}
			if rec["request_id"] == "req-json-log-1" && rec["status"] == 404.0 && rec["path"] == "/v1/rules/rul_nope" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no request log line for req-json-log-1:\n%s", tl.logs)
	}
}

// TestRESTHookGoneUnsubscribes: a hook whose target answers 410 Gone (as
// Zapier does for a zap that was turned off) is deleted with its rule and
// endpoint, in the transaction that records the attempt.
func TestRESTHookGoneUnsubscribes(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)
		gone := make(chan struct{}, 1)
		rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusGone)
			gone <- struct{}{}
			return false
		}
		hook := tl.must(201, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL + "/zap", "event": "tag_applied"})
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "vip"})
		select {
		case <-gone:
		case <-time.After(30 * time.Second):
			t.Fatal("the hook's target was never called")
		}
		var status int
		if !eventually(5*time.Second, func() bool { // the outcome is recorded just after the answer
			status, _ = tl.do("GET", "/v1/endpoints/"+hook["endpoint_id"].(string), nil)
			return status == 404
		}) {
			t.Fatalf("the hook's endpoint is still there after its target answered 410 (status %d)", status)
		}
		if list := tl.must(200, "GET", "/v1/hooks", nil)["data"].([]any); len(list) != 0 {
			t.Fatalf("hooks after 410: %v", list)
		}
		tl.must(404, "GET", "/v1/rules/"+hook["rule_id"].(string), nil)
		// The delivery log keeps the delivery that got the 410.
		if d := tl.must(200, "GET", "/v1/deliveries?rule_id="+hook["rule_id"].(string), nil)["data"].([]any); len(d) != 1 {
			t.Fatalf("deliveries of the unsubscribed hook: %v", d)
		}
	})
}
