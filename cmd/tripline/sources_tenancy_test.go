package main

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestSourceTokenStaysInItsWorkspace: a source's token ingests into its own
// workspace only. An event posted to workspace A's ingest URL makes a contact
// in A and none in B, B's key cannot see or change A's source, and B's own
// source's token does not reach A.
func TestSourceTokenStaysInItsWorkspace(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		db := databaseURL(t, dialect)
		a := start(t, db, "--bootstrap-api-key", testKey)

		// Workspace B, made by the CLI on the same database.
		var out, errOut bytes.Buffer
		if code := Main(t.Context(), []string{"workspaces", "create", "--database-url", db, "--secret-key", "test-secret-key-0123456789", "other"}, &out, &errOut); code != 0 {
			t.Fatalf("workspaces create: %d: %s", code, errOut.String())
		}
		m := regexp.MustCompile(`API key: (\S+)`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no key in %q", out.String())
		}
		b := &instance{t: t, url: a.url, key: m[1]}

		srcA := a.must(201, "POST", "/v1/sources", map[string]any{"name": "A", "kind": "custom", "mapping": map[string]any{"event": "kind",
			"events": map[string]any{"*": map[string]any{"type": "tag_applied", "fields": map[string]any{"contact_id": "user", "tag": "tag"}}},
		}})
		srcB := b.must(201, "POST", "/v1/sources", map[string]any{"name": "B", "kind": "custom", "mapping": map[string]any{"event": "kind",
			"events": map[string]any{"*": map[string]any{"type": "tag_applied", "fields": map[string]any{"contact_id": "user", "tag": "tag"}}},
		}})

		post := func(ingestURL, body string) int {
			t.Helper()
			u := ingestURL
			if i := strings.Index(u, "/in/"); i >= 0 {
				u = a.url + u[i:]
			}
			resp, err := http.Post(u, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := post(srcA["ingest_url"].(string), `{"kind": "x", "user": "c_in_a", "tag": "vip"}`); got != 202 {
			t.Fatalf("post to A's source: %d", got)
		}
		if got := post(srcB["ingest_url"].(string), `{"kind": "x", "user": "c_in_b", "tag": "vip"}`); got != 202 {
			t.Fatalf("post to B's source: %d", got)
		}
		a.must(200, "GET", "/v1/contacts/c_in_a", nil)
		b.must(200, "GET", "/v1/contacts/c_in_b", nil)
		a.must(404, "GET", "/v1/contacts/c_in_b", nil)
		b.must(404, "GET", "/v1/contacts/c_in_a", nil)

		// B's key sees nothing of A's source.
		idA := srcA["id"].(string)
		b.must(404, "GET", "/v1/sources/"+idA, nil)
		b.must(404, "POST", "/v1/sources/"+idA+"/rotate-token", nil)
		b.must(404, "GET", "/v1/sources/"+idA+"/requests", nil)
		b.must(404, "DELETE", "/v1/sources/"+idA, nil)
		a.must(200, "GET", "/v1/sources/"+idA, nil)
	})
}
