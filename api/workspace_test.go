package api_test

import (
	"net/http"
	"testing"
)

func TestWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(http.MethodGet, "/v1/workspace", nil).want(t, http.StatusOK)
	if res.str("id") != "ws_a" || res.str("name") != "a" || res.str("timezone") != "UTC" || res.Body["require_https"] != false {
		t.Fatalf("get: %s", res.Raw)
	}
	res = b.do(http.MethodPatch, "/v1/workspace", map[string]any{"timezone": "Europe/Berlin", "require_https": true}).want(t, http.StatusOK)
	if res.str("name") != "a" || res.str("timezone") != "Europe/Berlin" || res.Body["require_https"] != true {
		t.Fatalf("patch: %s", res.Raw)
	}
	// Stored, and only for the key's workspace.
	if res := b.do(http.MethodGet, "/v1/workspace", nil).want(t, http.StatusOK); res.str("timezone") != "Europe/Berlin" {
		t.Fatalf("after patch: %s", res.Raw)
	}
	if res := b.doKey(keyB, http.MethodGet, "/v1/workspace", nil).want(t, http.StatusOK); res.str("id") != "ws_b" || res.str("timezone") != "UTC" {
		t.Fatalf("the other workspace: %s", res.Raw)
	}
	res = b.do(http.MethodPatch, "/v1/workspace", map[string]any{"name": "Sales"}).want(t, http.StatusOK)
	if res.str("name") != "Sales" || res.str("timezone") != "Europe/Berlin" {
		t.Fatalf("rename: %s", res.Raw)
	}

	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"timezone": "Mars/Olympus"}).field(t, "timezone", "not an IANA time zone")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"timezone": "Local"}).field(t, "timezone", "not an IANA time zone")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"timezone": ""}).field(t, "timezone", "required")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"name": " "}).field(t, "name", "required")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"require_https": "yes"}).field(t, "require_https", "true or false")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"colour": "red"}).field(t, "colour", "not a known field")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"id": "ws_b"}).field(t, "id", "")
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"name": "b"}).problem(t, http.StatusConflict)
	b.doKey("", http.MethodGet, "/v1/workspace", nil).problem(t, http.StatusUnauthorized)
}
