package api_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/api/openapi"
)

// ginParam is a gin path parameter, ":id" or "*path".
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// TestOpenAPIRoutes fails when a route of the router has no operation in the
// OpenAPI document, or the document has an operation no route serves. To fix
// the first, add the operation to the path group's file in api/openapi.
func TestOpenAPIRoutes(t *testing.T) {
	b := setup(t)
	engine, ok := b.handler.(*gin.Engine)
	if !ok {
		t.Fatalf("api.New returned %T, not *gin.Engine", b.handler)
	}
	documented := documentedOperations(t)
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		if api.IsUIRoute(r.Path) {
			continue // the web UI's pages and session, not the API (docs/ui.md)
		}
		op := r.Method + " " + ginParam.ReplaceAllString(r.Path, "{$1}")
		served[op] = true
		if !documented[op] {
			t.Errorf("route %s has no operation in the OpenAPI document (api/openapi/*.json)", op)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("the OpenAPI document has %s, which no route serves", op)
		}
	}
	if !served["GET /openapi.json"] {
		t.Error("GET /openapi.json is not served")
	}
}

func TestOpenAPIServed(t *testing.T) {
	b := setup(t)
	res := b.doKey("", "GET", "/openapi.json", nil)
	want, err := openapi.Document()
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Raw != string(want) || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
}

// documentedOperations returns "METHOD /path/{param}" of every operation.
func documentedOperations(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := openapi.Document()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	ops := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(methods, key) {
				ops[strings.ToUpper(key)+" "+path] = true
			}
		}
	}
	return ops
}
