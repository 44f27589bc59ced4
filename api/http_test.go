package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/api"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.doKey("", http.MethodGet, "/healthz", nil).want(t, http.StatusOK)
	if res.str("status") != "ok" {
		t.Fatalf("healthz: %s", res.Raw)
	}
	b.doKey("", http.MethodGet, "/readyz", nil).want(t, http.StatusOK)

	b.store.setHook(func(method string) error {
		if method == "Ping" {
			return errors.New("connection refused")
		}
		return nil
	})
	b.doKey("", http.MethodGet, "/readyz", nil).problem(t, http.StatusServiceUnavailable)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, header := range map[string]string{
		"missing":     "",
		"not bearer":  "Basic dXNlcjpwYXNz",
		"empty token": "Bearer ",
		"unknown key": "Bearer tl_nope",
	} {
		req := httptest.NewRequest(http.MethodGet, "/v1/folders", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := b.send(req)
		if rec.Status != http.StatusUnauthorized || rec.Header.Get("WWW-Authenticate") != "Bearer" ||
			rec.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %v %s", name, rec.Status, rec.Header, rec.Raw)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/folders", nil)
	req.Header.Set("Authorization", "bearer "+keyA) // the scheme is case-insensitive
	req.Header.Set("X-Request-Id", "abc-123")
	rec := b.send(req)
	if rec.Status != http.StatusOK || rec.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("good key: %d %v", rec.Status, rec.Header)
	}
	if !strings.Contains(b.logs.String(), `"request_id":"abc-123"`) {
		t.Fatalf("request log lacks the request id:\n%s", b.logs)
	}
	if got := b.do(http.MethodGet, "/healthz", nil).Header.Get("X-Request-Id"); len(got) < 16 {
		t.Fatalf("generated request id %q", got)
	}
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name, body string
		line, col  float64
	}{
		{"syntax", "{\n  \"name\": \"x\",\n  oops\n}", 3, 3},
		{"syntax after multibyte", "{\"name\": \"é\" x}", 1, 14},
		{"truncated", "{\n  \"name\": \"x\"", 2, 14},
		{"trailing data", "{\"name\": \"x\"}\n{}", 2, 1},
	} {
		errs := b.do(http.MethodPost, "/v1/folders", tc.body).problem(t, http.StatusBadRequest)
		if len(errs) != 1 || errs[0]["line"] != tc.line || errs[0]["column"] != tc.col {
			t.Errorf("%s: errors %v, want line %v column %v", tc.name, errs, tc.line, tc.col)
		}
	}
	b.do(http.MethodPost, "/v1/folders", "").problem(t, http.StatusBadRequest)
	b.do(http.MethodPost, "/v1/folders", "[1]").problem(t, http.StatusBadRequest)
	b.do(http.MethodPost, "/v1/folders", "null").problem(t, http.StatusBadRequest)
	b.do(http.MethodPost, "/v1/events", "null").problem(t, http.StatusBadRequest)
	if n, _, _ := b.store.count(); n != 0 {
		t.Fatalf("%d folders stored", n)
	}
}

func TestUnknownAndMistypedFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(http.MethodPost, "/v1/folders", `{"name": "x", "colour": "red"}`).field(t, "colour", "not a known field")

	_, ep := b.createRule(keyA, nil)
	res := b.do(http.MethodPost, "/v1/rules", map[string]any{
		"name":    "r",
		"trigger": map[string]any{"type": "tag_applied"},
		"actions": []any{map[string]any{"endpoint_id": ep}, map[string]any{"endpoint_id": ep, "url": "https://x"}},
	})
	res.field(t, "actions[1].url", "not a known field")

	b.do(http.MethodPost, "/v1/folders", `{"name": 5}`).field(t, "name", "must be a string, not number")
	b.do(http.MethodPost, "/v1/endpoints", `{"url": "https://x.test", "retry_schedule": [5, "ten"]}`).
		field(t, "retry_schedule[1]", "must be an integer, not string")
	b.do(http.MethodPost, "/v1/events", `{"events": [
		{"type": "chat_rated", "contact_id": "c1", "rating": 5},
		{"type": "chat_rated", "contact_id": "c1", "rating": "five"}]}`).
		field(t, "events[1].rating", "must be an integer, not string")
}

// TestSimulateContactIsStrict: a contact given to POST /v1/simulate is
// decoded as strictly as any body (issue 16, finding 5: "emial" was ignored).
func TestSimulateContactIsStrict(t *testing.T) {
	t.Parallel()
	b := setup(t)
	event := map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "x"}
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"event": event, "contact": map[string]any{"emial": "a@b.c"}}).
		field(t, "contact.emial", "not a known field")
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"event": event, "contact": map[string]any{
		"conversation": map[string]any{"id": "cv", "stauts": "open"}}}).
		field(t, "contact.conversation.stauts", "not a known field")
	b.do(http.MethodPost, "/v1/simulate", map[string]any{"event": event, "contact": map[string]any{
		"email": "a@b.c", "referred_by": nil, "conversation": map[string]any{"id": "cv", "assignee": nil}}}).
		want(t, http.StatusOK)
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := `{"name": "` + strings.Repeat("x", 1<<20) + `"}`
	b.do(http.MethodPost, "/v1/folders", body).problem(t, http.StatusRequestEntityTooLarge)
	b.do(http.MethodPost, "/v1/events", body).problem(t, http.StatusRequestEntityTooLarge)
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.setHook(func(method string) error {
		switch method {
		case "FolderList":
			return errors.New("pq: relation \"folders\" does not exist")
		case "RuleList":
			return context.DeadlineExceeded
		case "EndpointList":
			panic("boom")
		case "HookList":
			return fmt.Errorf("list hooks: %w: failed to connect: connection refused", tripline.ErrUnavailable)
		}
		return nil
	})
	res := b.do(http.MethodGet, "/v1/folders", nil)
	res.problem(t, http.StatusInternalServerError)
	if strings.Contains(res.Raw, "relation") || !strings.Contains(b.logs.String(), "relation") {
		t.Fatalf("the real error must be logged, not answered: %s\nlog: %s", res.Raw, b.logs)
	}
	b.do(http.MethodGet, "/v1/rules", nil).problem(t, http.StatusServiceUnavailable)
	b.do(http.MethodGet, "/v1/endpoints", nil).problem(t, http.StatusInternalServerError)
	if !strings.Contains(b.logs.String(), "handler panicked") {
		t.Fatalf("the panic was not logged:\n%s", b.logs)
	}
	// The database is down: 503 with Retry-After, not a 500, and no ERROR line.
	before := strings.Count(b.logs.String(), `"level":"ERROR"`)
	res = b.do(http.MethodGet, "/v1/hooks", nil)
	res.problem(t, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") != "2" || !strings.Contains(res.Raw, "database is unavailable") {
		t.Fatalf("unavailable: %v %s", res.Header, res.Raw)
	}
	if after := strings.Count(b.logs.String(), `"level":"ERROR"`); after != before {
		t.Fatalf("an unavailable database was logged as an error:\n%s", b.logs)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(http.MethodGet, "/v1/nothing", nil).problem(t, http.StatusNotFound)
	b.do(http.MethodPut, "/v1/folders", nil).problem(t, http.StatusMethodNotAllowed)
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	_, err := api.New(api.Config{})
	if err == nil || !strings.Contains(err.Error(), "Store is required") || !strings.Contains(err.Error(), "Ingester is required") {
		t.Fatalf("New(Config{}) = %v", err)
	}
}
