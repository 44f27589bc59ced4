package openapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNoSchemaDefaults fails on a schema keyword "default": openapi-typescript
// (default options) makes a property with a default required, so a client
// generated from the document would have to send every defaulted input
// field. Defaults are said in descriptions instead.
func TestNoSchemaDefaults(t *testing.T) {
	raw, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				// "default" is a response code under responses, and a
				// property's name under properties.
				parent := ""
				if len(path) > 0 {
					parent = path[len(path)-1]
				}
				if k == "default" && parent != "responses" && parent != "properties" {
					t.Errorf("%s has a schema default (%v): say it in the description", strings.Join(path, "."), child)
				}
				walk(child, append(path, k))
			}
		case []any:
			for _, child := range v {
				walk(child, path)
			}
		}
	}
	walk(doc, nil)
}

// TestNumericQueryParamsAreIntegers fails on a query parameter typed as a
// string of digits: generated clients would type it as a string.
func TestNumericQueryParamsAreIntegers(t *testing.T) {
	raw, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"pattern":"^[0-9]+$"`) {
		t.Error(`a parameter is a string with pattern ^[0-9]+$: make it {"type": "integer"}`)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]parameter `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	params := []parameter{}
	for _, p := range doc.Components.Parameters {
		params = append(params, p)
	}
	for _, item := range doc.Paths {
		for _, op := range item {
			var o struct {
				Parameters []parameter `json:"parameters"`
			}
			_ = json.Unmarshal(op, &o) // "parameters" of a path item is an array, not an operation
			params = append(params, o.Parameters...)
		}
	}
	numeric := map[string]bool{"limit": true, "amount": true}
	for _, p := range params {
		if p.In == "query" && numeric[p.Name] && p.Schema.Type != "integer" {
			t.Errorf("query parameter %s is a %q, want an integer", p.Name, p.Schema.Type)
		}
	}
}

type parameter struct {
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Type any `json:"type"`
	} `json:"schema"`
}
