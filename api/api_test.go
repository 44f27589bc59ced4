package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/api"
)

// Keys of the two workspaces every test gets.
const (
	keyA = "tl_test_key_a"
	keyB = "tl_test_key_b"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))

type bundle struct {
	t        *testing.T
	store    *fakeStore
	ingester *fakeIngester
	logs     *syncBuffer
	handler  http.Handler
}

// setup builds the API over a fake store with workspaces ws_a (keyA) and
// ws_b (keyB). configure may change the Config before New.
func setup(t *testing.T, configure ...func(*api.Config)) *bundle {
	t.Helper()
	b := &bundle{t: t, store: newFakeStore(), ingester: &fakeIngester{}, logs: &syncBuffer{}}
	b.store.addKey(keyA, tripline.Workspace{ID: "ws_a", Name: "a"})
	b.store.addKey(keyB, tripline.Workspace{ID: "ws_b", Name: "b"})
	cfg := api.Config{
		Store:     b.store,
		Ingester:  b.ingester,
		Logger:    slog.New(slog.NewJSONHandler(b.logs, nil)),
		Version:   "test",
		Now:       func() time.Time { return testNow },
		NewSecret: func() (string, error) { return "whsec_dGVzdA==", nil },
	}
	for _, f := range configure {
		f(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	b.handler = h
	return b
}

// response is an answer, with its JSON body decoded.
type response struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// do sends a request with keyA; body is a string (sent as is) or a value
// (sent as JSON).
func (b *bundle) do(method, path string, body any) response {
	b.t.Helper()
	return b.doKey(keyA, method, path, body)
}

func (b *bundle) doKey(key, method, path string, body any) response {
	b.t.Helper()
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(v)
	case []byte:
		r = bytes.NewReader(v)
	default:
		data, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return b.send(req)
}

// send serves req and decodes a JSON answer.
func (b *bundle) send(req *http.Request) response {
	b.t.Helper()
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/") && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.Body); err != nil {
			b.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", req.Method, req.URL, err, rec.Body)
		}
	}
	return res
}

// want fails unless the answer has the status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Raw)
	}
	return r
}

// problem checks that the answer is a problem document with the status and
// returns its errors[].
func (r response) problem(t *testing.T, status int) []map[string]any {
	t.Helper()
	r.want(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	if r.Body["type"] != "about:blank" || r.Body["title"] != http.StatusText(status) ||
		r.Body["status"] != float64(status) || r.Body["detail"] == "" {
		t.Fatalf("not a complete problem document: %s", r.Raw)
	}
	var out []map[string]any
	if errs, ok := r.Body["errors"].([]any); ok {
		for _, e := range errs {
			out = append(out, e.(map[string]any))
		}
	}
	return out
}

// field checks that a 400 problem names field, with a message containing
// msgPart, and returns that entry.
func (r response) field(t *testing.T, field, msgPart string) map[string]any {
	t.Helper()
	for _, e := range r.problem(t, http.StatusBadRequest) {
		if e["field"] == field {
			if !strings.Contains(e["message"].(string), msgPart) {
				t.Fatalf("%s: message %q does not contain %q", field, e["message"], msgPart)
			}
			return e
		}
	}
	t.Fatalf("no error for field %q in %s", field, r.Raw)
	return nil
}

func (r response) str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// create POSTs body to path and returns the new object's id.
func (b *bundle) create(key, path string, body any) string {
	b.t.Helper()
	res := b.doKey(key, http.MethodPost, path, body).want(b.t, http.StatusCreated)
	return res.str("id")
}

// createRule creates an endpoint and a rule sending to it, with key.
func (b *bundle) createRule(key string, extra map[string]any) (ruleID, endpointID string) {
	b.t.Helper()
	endpointID = b.create(key, "/v1/endpoints", map[string]any{"url": "https://example.com/hook"})
	body := map[string]any{
		"name":    "Order closed",
		"trigger": map[string]any{"type": "tag_applied", "tag": "Order Closed"},
		"actions": []any{map[string]any{"endpoint_id": endpointID}},
	}
	for k, v := range extra {
		body[k] = v
	}
	return b.create(key, "/v1/rules", body), endpointID
}
