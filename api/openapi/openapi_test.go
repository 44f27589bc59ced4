package openapi

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// TestDocumentIsValid checks the merged document against the OpenAPI 3.1
// schema and builds a validator from it, which resolves every $ref.
func TestDocumentIsValid(t *testing.T) {
	b, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("version %q", v)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("build model: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("new validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s at %s", se.Reason, se.Location)
			}
		}
	}
}

func TestMergeRejectsDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"base.json": {Data: []byte(`{"openapi":"3.1.0","paths":{},"components":{"schemas":{"A":{}}}}`)},
		"a.json":    {Data: []byte(`{"paths":{"/x":{}},"components":{"schemas":{"B":{}}}}`)},
		"b.json":    {Data: []byte(`{"paths":{"/x":{}}}`)},
	}
	if _, err := merge(fsys); err == nil || !strings.Contains(err.Error(), `path "/x" is defined twice`) {
		t.Fatalf("duplicate path: %v", err)
	}
	delete(fsys, "b.json")
	fsys["c.json"] = &fstest.MapFile{Data: []byte(`{"components":{"schemas":{"A":{}}}}`)}
	if _, err := merge(fsys); err == nil || !strings.Contains(err.Error(), `components.schemas "A" is defined twice`) {
		t.Fatalf("duplicate schema: %v", err)
	}
}
