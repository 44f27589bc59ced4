package sources_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/tripline/tripline/sources"
)

// FuzzApply feeds any body to every built-in kind and a custom mapping: a
// body maps to valid events, is ignored, or is a *MappingError; never a
// panic or an invalid event. Seeds: testdata/fuzz/FuzzApply and the
// platforms' samples.
func FuzzApply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "samples", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	var compiled []*sources.Compiled
	for _, kind := range sources.Kinds[:len(sources.Kinds)-1] {
		c, errs := sources.CompiledFor(sources.Source{Kind: kind})
		if errs != nil {
			f.Fatal(errs)
		}
		compiled = append(compiled, c)
	}
	c, errs := compileCustom(f, shopMapping)
	if errs != nil {
		f.Fatal(errs)
	}
	compiled = append(compiled, c)
	f.Fuzz(func(t *testing.T, body []byte, event string) {
		h := http.Header{}
		h.Set("X-OWC-Event", event)
		h.Set("X-Chat-Data-Topic", event)
		for _, c := range compiled {
			res, err := c.Apply(sources.Request{Body: body, Header: h})
			var me *sources.MappingError
			if err != nil {
				if !errors.As(err, &me) || len(me.Problems) == 0 {
					t.Fatalf("body %q: err %v, want a MappingError with problems", body, err)
				}
				continue
			}
			for _, ev := range res.Events {
				if errs := ev.Validate(); errs != nil {
					t.Fatalf("body %q mapped to an invalid event %+v: %v", body, ev, errs)
				}
			}
		}
	})
}
