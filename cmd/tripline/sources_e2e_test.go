package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inbound is one request a platform would post to a source.
type inbound struct {
	body    []byte
	headers map[string]string
}

// postIn posts a platform's webhook to an ingest URL, without an API key.
func postIn(t testing.TB, ingestURL string, in inbound) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", ingestURL, bytes.NewReader(in.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range in.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// hmacSHA256 signs body as the platforms do: HMAC-SHA256 keyed with the
// secret string, hex or base64.
func hmacSHA256(secret string, body []byte, b64 bool) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if b64 {
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	return hex.EncodeToString(mac.Sum(nil))
}

func platformSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "sources", "testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const sourceSecret = "whsec_platform-secret-0123456789"

// TestSourcesEndToEnd creates a source of each built-in kind, posts the
// platform's documented sample signed with the platform's own scheme, and
// checks the delivery a rule matching on the source makes; then the
// refusals, retries, the request log, try, rotation and disabling.
func TestSourcesEndToEnd(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "R", "url": rc.URL})
		rc.setSecret(ep["secret"].(string))

		cases := []struct {
			kind, name, file, trigger string
			verify                    map[string]any
			sign                      func(body []byte) map[string]string
			check                     func(t *testing.T, body map[string]any)
		}{
			{kind: "pollybot", name: "Polly site", file: "pollybot_lead_created.json", trigger: "new_lead",
				verify: map[string]any{"secret": sourceSecret},
				sign: func(b []byte) map[string]string {
					return map[string]string{"X-Webhook-Signature": "sha256=" + hmacSHA256(sourceSecret, b, false)}
				},
				check: func(t *testing.T, body map[string]any) {
					c := body["contact"].(map[string]any)
					if body["contact_id"] != "clp123abc456" || c["email"] != "john@example.com" || c["custom_fields"].(map[string]any)["company"] != "Acme Corp" {
						t.Errorf("pollybot lead: %v", body)
					}
				}},
			{kind: "onwebchat", name: "Live chat", file: "onwebchat_chat_closed.json", trigger: "conversation_closed",
				verify: map[string]any{"secret": sourceSecret},
				sign: func(b []byte) map[string]string {
					return map[string]string{"X-OWC-Signature": hmacSHA256(sourceSecret, b, false), "X-OWC-Event": "chat.closed", "X-OWC-Delivery": "dlv_1"}
				},
				check: func(t *testing.T, body map[string]any) {
					if body["contact_id"] != "v_42" || body["conversation_id"] != "chat_881" || len(body["messages"].([]any)) != 2 {
						t.Errorf("onwebchat chat.closed: %v", body)
					}
				}},
			{kind: "chat-data", name: "AI bot", file: "chat-data_chat.json", trigger: "message_created",
				verify: map[string]any{"secret": sourceSecret},
				sign: func(b []byte) map[string]string {
					return map[string]string{"X-Chat-Data-Hmac-Sha256": hmacSHA256(sourceSecret, b, true), "X-Chat-Data-Topic": "chat"}
				},
				check: func(t *testing.T, body map[string]any) {
					m := body["message"].(map[string]any)
					if m["author"] != "ai" || !strings.HasPrefix(m["text"].(string), "You can follow") {
						t.Errorf("chat-data chat: %v", body)
					}
				}},
			// Chatonbo and ChatbotX document no signature header: the source
			// names one, here GitHub-style.
			{kind: "chatonbo", name: "Sales bot", file: "chatonbo_new_lead.json", trigger: "new_lead",
				verify: map[string]any{"header": "X-Signature", "prefix": "sha256=", "secret": sourceSecret},
				sign: func(b []byte) map[string]string {
					return map[string]string{"X-Signature": "sha256=" + hmacSHA256(sourceSecret, b, false)}
				},
				check: func(t *testing.T, body map[string]any) {
					if body["contact_id"] != "f9e8d7c6-b5a4-3210-fedc-ba0987654321" || body["contact"].(map[string]any)["name"] != "John Smith" {
						t.Errorf("chatonbo new_lead: %v", body)
					}
				}},
			{kind: "chatbotx", name: "X bot", file: "chatbotx_tag_applied.json", trigger: "tag_applied",
				sign: func([]byte) map[string]string { return nil },
				check: func(t *testing.T, body map[string]any) {
					if body["tag"] != "Order Closed" || body["contact_id"] != "c_123" {
						t.Errorf("chatbotx tag_applied: %v", body)
					}
				}},
		}
		for _, tc := range cases {
			in := map[string]any{"name": tc.name, "kind": tc.kind}
			if tc.verify != nil {
				in["verify"] = tc.verify
			}
			src := tl.must(201, "POST", "/v1/sources", in)
			if v, _ := src["verify"].(map[string]any); tc.verify != nil && (v == nil || v["secret"] != nil) {
				t.Errorf("%s: verify answered as %v (no secret wanted)", tc.kind, src["verify"])
			}
			tl.must(201, "POST", "/v1/rules", map[string]any{"name": tc.name,
				"trigger":   map[string]any{"type": tc.trigger},
				"condition": fmt.Sprintf("event.source.name == %q", tc.name),
				"actions":   []any{map[string]any{"endpoint_id": ep["id"]}}})
			body := platformSample(t, tc.file)
			url := src["ingest_url"].(string)
			if !strings.HasPrefix(url, tl.url+"/in/tin_") {
				t.Fatalf("ingest_url %q", url)
			}
			if tc.verify != nil {
				// A wrong signature: 401, nothing stored.
				bad := tc.sign(append(bytes.Clone(body), ' '))
				if status, _ := postIn(t, url, inbound{body, bad}); status != 401 {
					t.Fatalf("%s: bad signature answered %d", tc.kind, status)
				}
				if status, _ := postIn(t, url, inbound{body: body}); status != 401 {
					t.Fatalf("%s: no signature answered %d", tc.kind, status)
				}
			}
			status, res := postIn(t, url, inbound{body, tc.sign(body)})
			if status != 202 || res["accepted"] != 1.0 {
				t.Fatalf("%s: %d %v", tc.kind, status, res)
			}
			got := rc.next(t)
			if got.err != nil {
				t.Fatalf("%s: delivery signature: %v", tc.kind, got.err)
			}
			if got.body["event"] != tc.trigger {
				t.Fatalf("%s: delivery of %v, want %s", tc.kind, got.body["event"], tc.trigger)
			}
			if s, _ := got.body["source"].(map[string]any); s["id"] != src["id"] || s["name"] != tc.name {
				t.Errorf("%s: payload source %v", tc.kind, got.body["source"])
			}
			tc.check(t, got.body)

			// The sender's retry fires nothing twice.
			if status, res := postIn(t, url, inbound{body, tc.sign(body)}); status != 200 || res["duplicate"] != true {
				t.Errorf("%s: retry answered %d %v", tc.kind, status, res)
			}
			log := tl.must(200, "GET", "/v1/sources/"+src["id"].(string)+"/requests", nil)["data"].([]any)
			var outcomes []string
			for _, e := range log {
				e := e.(map[string]any)
				outcomes = append(outcomes, e["outcome"].(string))
				for h := range e["headers"].(map[string]any) {
					if strings.Contains(strings.ToLower(h), "signature") || strings.Contains(strings.ToLower(h), "hmac") {
						t.Errorf("%s: the log kept header %s", tc.kind, h)
					}
				}
			}
			want := "duplicate accepted"
			if tc.verify != nil {
				want += " unauthorized unauthorized"
			}
			if strings.Join(outcomes, " ") != want {
				t.Errorf("%s: log outcomes %v, want %s", tc.kind, outcomes, want)
			}
			page := tl.must(200, "GET", "/v1/deliveries?source_id="+src["id"].(string), nil)["data"].([]any)
			if len(page) != 1 || page[0].(map[string]any)["event"] != tc.trigger {
				t.Errorf("%s: deliveries of the source: %v", tc.kind, page)
			}
		}
		select {
		case extra := <-rc.arrived:
			t.Fatalf("an extra delivery arrived: %v", extra.body)
		default:
		}

		// A custom source: 422 names the sender's path; ignored events; try.
		src := tl.must(201, "POST", "/v1/sources", map[string]any{"name": "Shop", "kind": "custom",
			"mapping": map[string]any{"event": "kind", "id": "delivery",
				"events": map[string]any{"label": map[string]any{"type": "tag_applied",
					"fields": map[string]any{"contact_id": "user.id", "tag": "label.name"}}}}})
		url := src["ingest_url"].(string)
		if status, m := tl.do("POST", "/v1/sources", map[string]any{"kind": "custom",
			"mapping": map[string]any{"event": "kind", "events": map[string]any{"x": map[string]any{"type": "tag_applied",
				"fields": map[string]any{"contact_id": "u", "tagg": "t"}}}}}); status != 400 || !strings.Contains(fmt.Sprint(m["errors"]), "mapping.events.x.fields.tagg") {
			t.Errorf("a bad mapping: %d %v", status, m)
		}
		status, m := postIn(t, url, inbound{body: []byte(`{"kind":"label","user":{"id":"u1"},"label":{"name":["x"]}}`)})
		if status != 422 || !strings.Contains(fmt.Sprint(m["errors"]), "label.name") {
			t.Errorf("invalid mapped field: %d %v", status, m)
		}
		if status, m := postIn(t, url, inbound{body: []byte(`{"kind":"ping"}`)}); status != 202 || m["ignored"] != true {
			t.Errorf("ignored event: %d %v", status, m)
		}
		if status, _ := postIn(t, url, inbound{body: bytes.Repeat([]byte(" "), 1<<20+1)}); status != 413 {
			t.Errorf("a large body: %d", status)
		}
		try := tl.must(200, "POST", "/v1/sources/"+src["id"].(string)+"/try", map[string]any{
			"payload": map[string]any{"kind": "label", "user": map[string]any{"id": "u9"}, "label": map[string]any{"name": "vip"}}})
		if evs := try["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["tag"] != "vip" || try["signature"].(map[string]any)["valid"] != true {
			t.Errorf("try: %v", try)
		}
		if status, _ := tl.do("GET", "/v1/contacts/u9", nil); status != 404 {
			t.Errorf("try stored contact u9: %d", status)
		}

		// Rotation: the old URL is 404; disabling makes the new one 404.
		rot := tl.must(200, "POST", "/v1/sources/"+src["id"].(string)+"/rotate-token", nil)
		if status, _ := postIn(t, url, inbound{body: []byte(`{"kind":"ping"}`)}); status != 404 {
			t.Errorf("the old token after rotation: %d", status)
		}
		tl.must(200, "PATCH", "/v1/sources/"+src["id"].(string), map[string]any{"enabled": false})
		if status, _ := postIn(t, rot["ingest_url"].(string), inbound{body: []byte(`{"kind":"ping"}`)}); status != 404 {
			t.Errorf("a disabled source: %d", status)
		}
		if status, _ := postIn(t, tl.url+"/in/tin_nope", inbound{body: []byte(`{}`)}); status != 404 {
			t.Errorf("an unknown token: %d", status)
		}
	})
}

// exerciseSources drives the sources' routes for TestOpenAPIConformance.
func exerciseSources(c *conformance) {
	src := c.ok(201, "POST", "/v1/sources", map[string]any{"name": "Polly", "kind": "pollybot", "verify": map[string]any{"secret": sourceSecret}})
	sid := src["id"].(string)
	c.bad(400, "POST", "/v1/sources", map[string]any{"kind": "pollybot", "colour": "red"})
	c.ok(400, "POST", "/v1/sources", map[string]any{"kind": "custom", "mapping": map[string]any{"events": map[string]any{}}})
	c.ok(200, "GET", "/v1/sources?limit=1", nil)
	c.bad(400, "GET", "/v1/sources?limit=x", nil)
	c.ok(200, "GET", "/v1/sources/"+sid, nil)
	c.ok(404, "GET", "/v1/sources/src_nope", nil)
	c.ok(200, "PATCH", "/v1/sources/"+sid, map[string]any{"name": "Pollybot site"})
	c.bad(400, "PATCH", "/v1/sources/"+sid, map[string]any{"kind": "nope"})
	c.ok(404, "PATCH", "/v1/sources/src_nope", map[string]any{"name": "x"})
	c.bad(413, "POST", "/v1/sources", `{"name": "`+strings.Repeat("x", 1<<20)+`"}`)
	body := `{"event":"LEAD_CREATED","timestamp":1699123456,"data":{"id":"l_1","email":"a@example.com"}}`
	c.ok(200, "POST", "/v1/sources/"+sid+"/try", map[string]any{"payload": body,
		"headers": map[string]string{"X-Webhook-Signature": "sha256=" + hmacSHA256(sourceSecret, []byte(body), false)}})
	c.bad(400, "POST", "/v1/sources/"+sid+"/try", map[string]any{"headers": map[string]string{}})
	c.ok(404, "POST", "/v1/sources/src_nope/try", map[string]any{"payload": map[string]any{}})
	c.bad(413, "POST", "/v1/sources/"+sid+"/try", `{"payload": "`+strings.Repeat("x", 1<<20)+`"}`)
	rot := c.ok(200, "POST", "/v1/sources/"+sid+"/rotate-token", nil)
	c.ok(404, "POST", "/v1/sources/src_nope/rotate-token", nil)
	path := strings.TrimPrefix(rot["ingest_url"].(string), c.tl.url)
	c.call(401, "POST", path, body, true, true)
	// The conformance client cannot set the signature header: an unsigned
	// custom source takes the 2xx, 422 and 413 answers.
	custom := c.ok(201, "POST", "/v1/sources", map[string]any{"name": "Shop", "kind": "custom", "mapping": map[string]any{
		"event": "kind", "events": map[string]any{"label": map[string]any{"type": "tag_applied", "fields": map[string]any{"contact_id": "user.id", "tag": "label"}}}}})
	cpath := strings.TrimPrefix(custom["ingest_url"].(string), c.tl.url)
	c.call(202, "POST", cpath, `{"kind":"label","user":{"id":"u1"},"label":"vip"}`, true, true)
	c.call(202, "POST", cpath, `{"kind":"ping"}`, true, true)
	c.call(422, "POST", cpath, `{"kind":"label","user":{"id":"u1"},"label":[1]}`, true, true)
	c.call(413, "POST", cpath, `{"x":"`+strings.Repeat("x", 1<<20)+`"}`, false, true)
	c.call(404, "POST", "/in/tin_nope", `{}`, true, true)
	c.ok(200, "GET", "/v1/sources/"+custom["id"].(string)+"/requests", nil)
	c.ok(404, "GET", "/v1/sources/src_nope/requests", nil)
	c.ok(204, "DELETE", "/v1/sources/"+sid, nil)
	c.ok(404, "DELETE", "/v1/sources/"+sid, nil)
}

// TestSourcesIngestRate (run with TRIPLINE_SOURCES_BENCH=1) posts the same
// n tag_applied events one request each through POST /v1/events and
// through a chatbotx source's POST /in/{token}, SQLite, one rule, and
// prints events/s of each. It asserts nothing about speed.
func TestSourcesIngestRate(t *testing.T) {
	if os.Getenv("TRIPLINE_SOURCES_BENCH") == "" {
		t.Skip("set TRIPLINE_SOURCES_BENCH=1")
	}
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	rc := newReceiver(t)
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "R", "url": rc.URL})
	tl.must(201, "POST", "/v1/rules", map[string]any{"name": "t", "trigger": map[string]any{"type": "tag_applied", "tag": "t"},
		"actions": []any{map[string]any{"endpoint_id": ep["id"]}}})
	src := tl.must(201, "POST", "/v1/sources", map[string]any{"name": "X", "kind": "chatbotx"})
	const n = 500
	rate := func(name string, post func(i int)) {
		begin := time.Now()
		for i := range n {
			post(i)
		}
		load, _ := os.ReadFile("/proc/loadavg")
		t.Logf("%s: %d events in %v: %.0f events/s (loadavg %s)", name, n, time.Since(begin).Round(time.Millisecond),
			n/time.Since(begin).Seconds(), strings.TrimSpace(string(load)))
	}
	rate("POST /v1/events", func(i int) {
		tl.must(202, "POST", "/v1/events", map[string]any{"id": fmt.Sprintf("e_%d", i), "type": "tag_applied", "contact_id": fmt.Sprintf("a_%d", i), "tag": "t"})
	})
	rate("POST /in/{token}", func(i int) {
		body := fmt.Sprintf(`{"id":"e_%d","event":"tag_applied","contact_id":"b_%d","tag":"t"}`, i, i)
		if status, m := postIn(t, src["ingest_url"].(string), inbound{body: []byte(body)}); status != 202 {
			t.Fatalf("%d %v", status, m)
		}
	})
}
