package engine

import (
	"encoding/json"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// ConditionRow is one part of a condition that did not match, evaluated on
// its own: a builder row, or one operand of the condition's top-level and
// (or or). It is how "why not" names the row that was false and the value
// it saw.
type ConditionRow struct {
	// Source is the part as expr prints it (contact.custom_fields.budget > 1000).
	Source string `json:"source"`
	// Result is what the part evaluated to: true or false, or null after an error.
	Result any `json:"result"`
	// Field is the contact or event path the part reads, when it reads one.
	Field string `json:"field,omitempty"`
	// Value is the value Field had (null when it is not set).
	Value json.RawMessage `json:"value,omitempty"`
	// Error is the part's runtime error.
	Error string `json:"error,omitempty"`
}

// ExplainCondition splits a condition at its top-level and (or or) and
// evaluates each part, with the value of the field it reads, in env. It
// returns the logic joining the parts ("and", "or", or "" for a single part)
// and the parts; nil when the condition is empty or does not parse.
func ExplainCondition(src string, env *Env) (string, []ConditionRow) {
	if strings.TrimSpace(src) == "" {
		return "", nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return "", nil
	}
	logic, leaves, _ := splitLogic(tree.Node)
	rows := make([]ConditionRow, 0, len(leaves))
	for _, n := range leaves {
		rows = append(rows, explainPart(n, env))
	}
	return logic, rows
}

// explainPart evaluates one part of a condition and the field it reads.
func explainPart(n ast.Node, env *Env) ConditionRow {
	row := ConditionRow{Source: n.String()}
	if prog, err := compileExpr(row.Source, false); err != nil {
		row.Error = err.Error()
	} else if out, err := runExpr(prog, env); err != nil {
		row.Error = err.Error()
	} else {
		row.Result = out
	}
	row.Field = readField(n)
	if row.Field == "" {
		return row
	}
	v := json.RawMessage("null")
	if prog, err := compileExpr(row.Field, false); err == nil {
		if out, err := runExpr(prog, env); err == nil {
			if b, err := json.Marshal(out); err == nil {
				v = b
			}
		}
	}
	row.Value = v
	return row
}

// readField returns the longest contact, previous or event path that a part
// of a condition reads ("" when it reads none).
func readField(n ast.Node) string {
	var c fieldCollector
	ast.Walk(&n, &c)
	return c.best
}

type fieldCollector struct{ best string }

func (c *fieldCollector) Visit(node *ast.Node) {
	if _, ok := (*node).(*ast.MemberNode); !ok {
		return
	}
	if f, ok := fieldOf(*node); ok && len(f) > len(c.best) {
		c.best = f
	}
}
