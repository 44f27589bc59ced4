// Package openapi holds the OpenAPI 3.1 document of Tripline's HTTP API,
// served at GET /openapi.json.
//
// The document is kept as JSON files, one per group of paths, so that a new
// route is documented next to its siblings: base.json holds the info, security
// and the shared components (Problem, the common parameters and responses);
// every other *.json file holds "paths" and the "components" only its paths
// use. Document merges them; a path or component defined twice is an error,
// caught by the tests.
//
// api's TestOpenAPIRoutes fails when a gin route has no operation here,
// TestOpenAPISchemasMatchGoTypes when a schema and its Go type differ in
// their JSON fields, and
// cmd/tripline's TestOpenAPIConformance validates real requests and answers
// of every operation against the document.
package openapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sync"
)

//go:embed *.json
var files embed.FS

// baseFile is the root of the document; the other files add to it.
const baseFile = "base.json"

// Document returns the merged document as JSON.
var Document = sync.OnceValues(func() ([]byte, error) { return merge(files) })

// part is what a path-group file may hold.
type part struct {
	Paths      map[string]json.RawMessage            `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

func merge(fsys fs.FS) ([]byte, error) {
	root := map[string]json.RawMessage{}
	if err := readJSON(fsys, baseFile, &root); err != nil {
		return nil, err
	}
	var all part
	if err := readJSON(fsys, baseFile, &all); err != nil {
		return nil, err
	}
	if all.Paths == nil {
		all.Paths = map[string]json.RawMessage{}
	}
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	for _, name := range names {
		if name == baseFile {
			continue
		}
		var p part
		if err := readJSON(fsys, name, &p); err != nil {
			return nil, err
		}
		if err := add(all.Paths, p.Paths, name, "path"); err != nil {
			return nil, err
		}
		for kind, defs := range p.Components {
			if all.Components[kind] == nil {
				all.Components[kind] = map[string]json.RawMessage{}
			}
			if err := add(all.Components[kind], defs, name, "components."+kind); err != nil {
				return nil, err
			}
		}
	}
	for key, v := range map[string]any{"paths": all.Paths, "components": all.Components} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		root[key] = b
	}
	return json.MarshalIndent(root, "", "  ")
}

func add(dst, src map[string]json.RawMessage, file, what string) error {
	for k, v := range src {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("openapi: %s: %s %q is defined twice", file, what, k)
		}
		dst[k] = v
	}
	return nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("openapi: %s: %w", path.Base(name), err)
	}
	return nil
}
