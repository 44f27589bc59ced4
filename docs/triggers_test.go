package docs

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated documents")

// TestTriggerReference fails when docs/triggers.md differs from what the
// catalogue makes; -update rewrites it.
func TestTriggerReference(t *testing.T) {
	got, err := TriggerReference()
	if err != nil {
		t.Fatal(err)
	}
	const file = "triggers.md"
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/%s is out of date with the trigger catalogue: run go test ./docs -run TestTriggerReference -update", file)
	}
}
