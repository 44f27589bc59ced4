package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
)

// hostile is the real API handler over a real store, without a listener, for
// driving with hostile input (issue 16): a workspace with testKey, and a
// folder, an endpoint and a rule to aim at.
type hostile struct {
	handler                  http.Handler
	folder, endpoint, ruleID string
}

func newHostile(t testing.TB, dialect string) *hostile {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dialect)
	log := slog.New(slog.DiscardHandler)
	ws, err := st.WorkspaceCreate(ctx, "hostile")
	if err != nil {
		t.Fatal(err)
	}
	if err := insertKey(ctx, st, ws, testKey); err != nil {
		t.Fatal(err)
	}
	pipeline, err := engine.NewPipeline(engine.PipelineConfig{Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	guard := actions.DestinationPolicy{}
	h, err := api.New(api.Config{Store: st, Ingester: pipeline, Logger: log, Version: "test", CheckDestination: guard.CheckURL,
		Sender: actions.NewSender(actions.SenderConfig{UserAgent: "Tripline/test", DialControl: guard.DialControl})})
	if err != nil {
		t.Fatal(err)
	}
	hs := &hostile{handler: h}
	hs.folder = hs.create(t, "/v1/folders", `{"name": "F"}`)
	hs.endpoint = hs.create(t, "/v1/endpoints", `{"name": "E", "url": "https://example.com/hook"}`)
	hs.ruleID = hs.create(t, "/v1/rules", `{"name": "R", "folder_id": "`+hs.folder+`", "trigger": {"type": "tag_applied"},
		"condition": "contact.channel == \"web\"", "actions": [{"endpoint_id": "`+hs.endpoint+`", "body": {"n": "{{ contact.name }}"}}]}`)
	return hs
}

func (hs *hostile) create(t testing.TB, path, body string) string {
	t.Helper()
	rec := hs.serve(http.MethodPost, path, "", []byte(body))
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	return m["id"].(string)
}

// serve sends one request. path is the decoded path, as a server sees it
// after unescaping (it may hold any bytes); query is sent as written.
func (hs *hostile) serve(method, path, query string, body []byte) *httptest.ResponseRecorder {
	req := &http.Request{
		Method:     method,
		URL:        &url.URL{Path: path, RawQuery: query},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1,
		Header:     http.Header{"Authorization": {"Bearer " + testKey}, "Content-Type": {"application/json"}},
		Host:       "tripline.test",
		RemoteAddr: "127.0.0.1:1234",
	}
	req = req.WithContext(context.Background())
	req.Body = http.NoBody
	if body != nil {
		req.Body = ioNopCloser{bytes.NewReader(body)}
		req.ContentLength = int64(len(body))
	}
	rec := httptest.NewRecorder()
	hs.handler.ServeHTTP(rec, req)
	return rec
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }

// hostileCase is one request of issue 16 and the answer it must get.
type hostileCase struct {
	name, method, path, query, body string
	status                          int
	field                           string // for a 400: the field errors[] must name
}

// hostileCases are the findings of issue 16, with %s for ids of hs.
func hostileCases(hs *hostile) []hostileCase {
	rule := func(cond string) string {
		b, _ := json.Marshal(map[string]any{"name": "bomb", "trigger": map[string]any{"type": "tag_applied"}, "condition": cond,
			"actions": []any{map[string]any{"endpoint_id": hs.endpoint}}})
		return string(b)
	}
	simulate := func(cond string) string {
		b, _ := json.Marshal(map[string]any{"rule": json.RawMessage(rule(cond))})
		return string(b)
	}
	event := `{"type": "tag_applied", "contact_id": "c_1", "tag": "x"}`
	long := strings.Repeat("x", 50_001)
	return []hostileCase{
		// 1. out of memory from one short condition
		{"repeat bomb in simulate", "POST", "/v1/simulate", "", simulate(`repeat(repeat("x", 99999), 1000000) != ""`), 400, "rule.condition"},
		{"repeat bomb in a saved rule", "POST", "/v1/rules", "", rule(`repeat(repeat("x", 99999), 1000000) != ""`), 400, "condition"},
		{"repeat bomb in validate", "POST", "/v1/rules/validate", "", rule(`repeat(repeat("x", 99999), 1000000) != ""`), 400, "condition"},
		{"concat of ranges", "POST", "/v1/rules", "", rule(`let r = 1..90000; len(concat(r, r, r, r, r, r)) > 0`), 400, "condition"},
		{"repeat bomb in a template", "POST", "/v1/rules", "", `{"name": "b", "trigger": {"type": "tag_applied"}, "actions": [{"endpoint_id": "` +
			hs.endpoint + `", "body": {"x": "{{ repeat(repeat('x', 99999), 1000000) }}"}}]}`, 400, "actions[0].body.x"},
		// 2. no time bound on evaluation
		{"nested ranges in simulate", "POST", "/v1/simulate", "", simulate(`let r = 1..99999; all(r, {all(r, {true})})`), 400, "rule.condition"},
		{"nested ranges in a saved rule", "POST", "/v1/rules", "", rule(`let r = 1..10000; all(r, {all(r, {true})})`), 400, "condition"},
		{"nested ranges in a header", "POST", "/v1/rules", "", `{"name": "b", "trigger": {"type": "tag_applied"}, "actions": [{"endpoint_id": "` +
			hs.endpoint + `", "headers": {"X-A": "{{ all(1..10000, {all(1..10000, {true})}) }}"}}]}`, 400, `actions[0].headers["X-A"]`},
		// 3. NUL and invalid UTF-8
		{"NUL path id", "GET", "/v1/folders/\x00", "", "", 400, "id"},
		{"NUL cursor", "GET", "/v1/folders", "cursor=%00", "", 400, "cursor"},
		{"NUL in a folder name", "POST", "/v1/folders", "", `{"name": "a\u0000b"}`, 400, "name"},
		{"NUL contact id", "POST", "/v1/events", "", `{"type": "tag_applied", "contact_id": "\u0000", "tag": "x"}`, 400, "contact_id"},
		{"invalid UTF-8 in a rule body", "POST", "/v1/rules", "", `{"name": "b", "trigger": {"type": "tag_applied"}, "actions": [{"endpoint_id": "` +
			hs.endpoint + "\", \"body\": {\"x\": \"\xff\xfe\"}}]}", 400, "actions[0].body.x"},
		{"invalid UTF-8 in a contact path", "GET", "/v1/contacts/\xff\xfe", "", "", 400, "id"},
		{"invalid UTF-8 in a filter", "GET", "/v1/deliveries", "endpoint_id=%ff", "", 400, "endpoint_id"},
		// 4. DELETE /v1/endpoints/{id}
		{"percent endpoint id", "DELETE", "/v1/endpoints/%", "", "", 404, ""},
		{"underscore endpoint id", "DELETE", "/v1/endpoints/ep_", "", "", 404, ""},
		{"50,001-character endpoint id", "DELETE", "/v1/endpoints/" + long, "", "", 404, ""},
		{"50,001-character rule id", "GET", "/v1/rules/" + long, "", "", 404, ""},
		// 5. simulate's contact is strict
		{"simulate contact emial", "POST", "/v1/simulate", "", `{"event": ` + event + `, "contact": {"emial": "a@b.c"}}`, 400, "contact.emial"},
	}
}

// TestHostileInputs: each finding of issue 16 against the real handler
// and store, on SQLite and (with TRIPLINE_TEST_DATABASE_URL) Postgres.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		hs := newHostile(t, dialect)
		for _, tc := range hostileCases(hs) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			rec := hs.serve(tc.method, tc.path, tc.query, body)
			if rec.Code != tc.status {
				t.Errorf("%s: %s %.60q?%s: status %d, want %d: %.300s", tc.name, tc.method, tc.path, tc.query, rec.Code, tc.status, rec.Body)
				continue
			}
			if tc.field == "" {
				continue
			}
			var p struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &p)
			named := false
			for _, e := range p.Errors {
				named = named || e.Field == tc.field
			}
			if !named {
				t.Errorf("%s: the 400 does not name %q: %.300s", tc.name, tc.field, rec.Body)
			}
		}
		// The endpoint a rule uses is still refused, and still there.
		if rec := hs.serve("DELETE", "/v1/endpoints/"+hs.endpoint, "", nil); rec.Code != http.StatusConflict {
			t.Errorf("DELETE of the endpoint a rule uses: %d %s", rec.Code, rec.Body)
		}
	})
}

// fuzzMethods are the methods FuzzHTTP sends.
var fuzzMethods = []string{"GET", "POST", "PATCH", "DELETE", "PUT"}

// FuzzHTTP drives the real router and a real store with random methods,
// paths, query strings and bodies: no answer may be a 5xx. The seed corpus
// (testdata/fuzz/FuzzHTTP and the cases of TestHostileInputs) holds every
// case of issue 16. On Postgres when TRIPLINE_TEST_DATABASE_URL is set
// (TRIPLINE_FUZZ_DIALECT=postgres), else SQLite:
//
//	go test ./cmd/tripline -run '^$' -fuzz FuzzHTTP -fuzztime 5m
func FuzzHTTP(f *testing.F) {
	dialect := store.DialectSQLite
	if d := os.Getenv("TRIPLINE_FUZZ_DIALECT"); d != "" {
		dialect = d
	}
	hs := newHostile(f, dialect)
	for _, tc := range hostileCases(hs) {
		f.Add(tc.method, tc.path, tc.query, []byte(tc.body))
	}
	for _, p := range []string{"/v1/folders/" + hs.folder, "/v1/rules/" + hs.ruleID, "/v1/endpoints/" + hs.endpoint} {
		f.Add("PATCH", p, "", []byte(`{"name": "x"}`))
		f.Add("GET", p, "limit=5", []byte(nil))
	}
	f.Add("POST", "/v1/events", "", []byte(`{"events": [{"type": "tag_applied", "contact_id": "c", "tag": "x", "contact": {"channel": "web"}}]}`))
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte) {
		if method == "" {
			method = "GET"
		}
		if len(method) > 10 {
			method = fuzzMethods[len(method)%len(fuzzMethods)]
		}
		if !strings.HasPrefix(path, "/") {
			path = "/v1/" + path
		}
		var b []byte
		if len(body) > 0 {
			b = body
		}
		rec := hs.serve(method, path, query, b)
		if rec.Code >= 500 {
			t.Fatalf("%s %q?%q with %q: %d %s", method, path, query, body, rec.Code, rec.Body)
		}
	})
}
