package engine

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCostRefusesBombsAtSave: what the expression itself says will loop or
// allocate beyond the bounds is a compile error with the line and column of
// the part that does (issue 16, findings 1 and 2).
func TestCostRefusesBombsAtSave(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, msg string
		line, col      int
	}{
		{"repeat of repeat", `repeat(repeat("x", 99999), 1000000) != ""`, "allocate", 1, 1},
		{"nested ranges", `let r = 1..99999; all(r, {all(r, {true})})`, "loop iterations", 1, 19},
		{"nested small ranges", "true &&\n  all(1..10000, {all(1..10000, {true})})", "loop iterations", 2, 3},
		{"a large range", `len(1..100000000) > 0`, "allocate", 1, 6},
		{"concat of many ranges", `let r = 1..50000; len(concat(r, r, r, r, r, r, r, r)) > 0`, "allocate", 1, 23},
		{"map over a large range", `len(map(1..99999, {[#, #]})) > 0`, "allocate", 1, 5},
		{"text doubling", `reduce(1..1000, #acc + #acc, "xxxxxxxxxx") != ""`, "allocate", 1, 1},
		{"text doubling over a range from the data", `reduce(1..int(contact.custom_fields.n), #acc + #acc, "x") != ""`, "allocate", 1, 1},
		{"map of repeat", `join(map(1..5000, {repeat("y", 100)}), ",") != ""`, "allocate", 1, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileExpr(tc.src, true)
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("compileExpr(%q) = %v, want an *ExprError", tc.src, err)
			}
			if !strings.Contains(ee.Message, tc.msg) || ee.Line != tc.line || ee.Column != tc.col {
				t.Fatalf("compileExpr(%q): %q at %d:%d, want %q at %d:%d", tc.src, ee.Message, ee.Line, ee.Column, tc.msg, tc.line, tc.col)
			}
		})
	}
}

// TestCostKeepsOrdinaryExpressions: conditions and placeholders people write
// compile as before.
func TestCostKeepsOrdinaryExpressions(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`contact.custom_fields.budget > 1000 && contact.channel == "whatsapp"`,
		`any(contact.tags, {# in previous.tags})`,
		`all(contact.tags, {any(previous.tags, {# == ## })})`[:0] + `all(contact.tags, {any(previous.tags, {len(#) > 0})})`,
		`sum(map(1..100, {# * 2})) > 10`,
		`join(contact.tags, ", ") + " and " + contact.name != ""`,
		`let names = map(contact.tags, {upper(#)}); len(names) > 1`,
		`reduce(1..10, #acc + #, 0) == 55`,
		`len(filter(1..9999, {# % 2 == 0})) > 3`,
		`contact.name + "!" == "Ann!"`,
		`toJSON(contact) != ""`,
	} {
		if _, err := compileExpr(src, true); err != nil {
			t.Errorf("compileExpr(%q): %v", src, err)
		}
	}
	if _, err := compileExpr(`guard.steps > 0`, true); err == nil {
		t.Errorf("the guard's state is visible to expressions")
	}
}

// TestRuntimeBounds: what only the data makes expensive stops at a bound
// and is an error, never a crash or an allocation beyond the budget.
func TestRuntimeBounds(t *testing.T) {
	t.Parallel()
	env := NewEnv(sampleEvent(), &Rule{ID: "rul_1", Name: "R"}, time.Now())
	env.Contact.CustomFields = map[string]any{"n": 99999.0, "big": 1e9, "s": strings.Repeat("a", 1<<20)}
	for _, tc := range []struct{ name, src, msg string }{
		{"nested loops over a range from the data", `let r = 1..int(contact.custom_fields.n); all(r, {all(r, {true})})`, "stopped"}, // by the steps or, on a slow machine, the deadline
		{"repeat counted by the data", `repeat("x", int(contact.custom_fields.big)) != ""`, "memory budget exceeded"},
		{"repeat of a large text", `repeat(contact.custom_fields.s, 1000) != ""`, "memory budget exceeded"},
		{"text growing with the data", `reduce(1..int(contact.custom_fields.n), #acc + contact.custom_fields.s, "") != ""`, "memory budget exceeded"},
		{"a range from the data", `len(1..int(contact.custom_fields.big)) > 0`, "memory budget exceeded"},
		{"concat of a range from the data", `let r = 1..int(contact.custom_fields.n); len(concat(r, r, r)) > 0`, "memory budget exceeded"},
		{"join growing text", `let r = 1..int(contact.custom_fields.n); join(map(r[:10000], {"abcdefghijklmnop"}), "") != ""`, "memory budget exceeded"},
		{"toJSON of a large value", `toJSON(map(1..int(contact.custom_fields.n / 10000), {contact.custom_fields.s})) != ""`, "memory budget exceeded"},
		{"slow steps", `all(1..int(contact.custom_fields.n), {not (contact.custom_fields.s contains "zz")})`, "ran longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog, err := compileExpr(tc.src, true)
			if err != nil {
				t.Fatalf("compileExpr: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = runExpr(prog, env)
			runtime.ReadMemStats(&after)
			// A slow or race-instrumented machine can reach the deadline
			// before the memory budget: that is a bound too, and the
			// allocation check below still holds the memory one. The
			// result must not depend on the machine's speed.
			if err == nil || !strings.Contains(err.Error(), tc.msg) && !strings.Contains(err.Error(), "ran longer than") {
				t.Fatalf("runExpr(%q) = %v, want an error with %q", tc.src, err, tc.msg)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Fatalf("runExpr(%q) allocated %d MiB before stopping", tc.src, grew>>20)
			}
		})
	}
	// Bounds are per evaluation: the same env evaluates an ordinary condition next.
	prog, err := compileExpr(`all(1..100, {# > 0})`, true)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runExpr(prog, env); err != nil || out != true {
		t.Fatalf("an ordinary loop after the bombs: %v, %v", out, err)
	}
}

// TestGuardCountsSteps: the step bound is exact, whatever the clock.
func TestGuardCountsSteps(t *testing.T) {
	t.Parallel()
	g := exprGuard{deadline: time.Now().Add(time.Hour)}
	for i := range MaxExprSteps {
		if err := g.step(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	if err := g.step(); !errors.Is(err, errTooManySteps) {
		t.Fatalf("step %d: %v, want errTooManySteps", MaxExprSteps+1, err)
	}
	g = exprGuard{deadline: time.Now().Add(-time.Second), steps: checkEvery}
	if err := g.step(); !errors.Is(err, errTooSlow) {
		t.Fatalf("a step past the deadline: %v, want errTooSlow", err)
	}
}

// TestRenderBound: a template cannot render a payload beyond
// MaxRenderedBytes, however many placeholders each stay within their bounds.
func TestRenderBound(t *testing.T) {
	t.Parallel()
	parts := make([]string, 30)
	for i := range parts {
		parts[i] = `"{{ repeat('x', 60000) }}"`
	}
	tpl, err := CompileTemplate("body", []byte("["+strings.Join(parts, ",")+"]"))
	if err != nil {
		t.Fatalf("CompileTemplate: %v", err)
	}
	env := NewEnv(sampleEvent(), &Rule{ID: "rul_1", Name: "R"}, time.Now())
	if _, err := tpl.Render(env); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Render = %v, want a payload-too-large error", err)
	}
}
