package tripline_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsOnlyTheStandardLibrary holds the rule of ARCHITECTURE.md that
// the tripline package imports nothing of the project (nor any module):
// every package may import it. depguard cannot name the module's root
// folder, whose absolute path depends on the checkout, so this test does.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if f.Name.Name == "tripline_test" && path == "github.com/tripline/tripline" {
				continue // the external tests import the package they test
			}
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: package tripline may import the standard library only", name, path)
			}
		}
	}
}
