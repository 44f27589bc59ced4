package main

import (
	"net/http"
	"testing"
)

// TestAPIKeys creates a key, uses it (last_used_at is recorded), refuses to
// revoke the key a request is made with, and revokes it with another.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		nk := tl.must(201, "POST", "/v1/keys", map[string]any{"name": "Zapier"})
		secret := nk["key"].(string)
		if nk["name"] != "Zapier" || nk["last_used_at"] != nil || len(secret) != 43 || nk["prefix"] != secret[:8] {
			t.Fatalf("created key: %v", nk)
		}
		withKey := func(key, method, path string) int {
			req, _ := http.NewRequest(method, tl.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := withKey(secret, "GET", "/v1/rules"); got != 200 {
			t.Fatalf("GET /v1/rules with the new key: %d", got)
		}
		if got := withKey(secret, "DELETE", "/v1/keys/"+nk["id"].(string)); got != 409 {
			t.Fatalf("revoking the key in use: %d, want 409", got)
		}
		var found map[string]any
		for _, k := range tl.must(200, "GET", "/v1/keys", nil)["data"].([]any) {
			k := k.(map[string]any)
			if k["id"] == nk["id"] {
				found = k
			} else if k["current"] != true {
				t.Errorf("the bootstrap key, used by this request, is not current: %v", k)
			}
			if k["key"] != nil {
				t.Errorf("a listed key shows its secret: %v", k)
			}
		}
		if found == nil || found["last_used_at"] == nil || found["current"] != false {
			t.Fatalf("the used key in the list: %v", found)
		}
		tl.must(204, "DELETE", "/v1/keys/"+nk["id"].(string), nil)
		if got := withKey(secret, "GET", "/v1/rules"); got != 401 {
			t.Fatalf("a revoked key: %d, want 401", got)
		}
	})
}
