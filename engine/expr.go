package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/tripline/tripline/triggers"
)

// Limits on expressions: a rule cannot make Tripline compile or run without bound.
const (
	// MaxExprNodes is the most AST nodes one condition or placeholder may have.
	MaxExprNodes = 2000
	// MaxExprMemory is the memory budget of one evaluation, in expr's units
	// (roughly the number of values it may allocate).
	MaxExprMemory = 100_000
	// MaxExprLength is the longest condition or placeholder source, in bytes.
	MaxExprLength = 16 << 10
)

// Env is what conditions and templates see: the contact after the change,
// the contact before it, the trigger event's fields, the time of evaluation and
// the rule. The expr tags are the names users write (contact.custom_fields.budget).
type Env struct {
	Contact  triggers.Contact `expr:"contact"`
	Previous triggers.Contact `expr:"previous"` // zero for a contact's first appearance
	Event    EventEnv         `expr:"event"`
	Now      time.Time        `expr:"now"`
	Rule     RuleEnv          `expr:"rule"`

	guard exprGuard // the runtime bounds of the evaluation running (guard.go)
}

// EventEnv is the trigger event as expressions see it: its id, type, time and
// contact id, and the type's own fields (event.tag, event.custom_field.new_value).
type EventEnv struct {
	ID        string    `expr:"id"`
	Type      string    `expr:"type"`
	Timestamp time.Time `expr:"timestamp"`
	ContactID string    `expr:"contact_id"`
	// Source is the inbound source the event came through (SPEC section
	// 13); empty id and name for POST /v1/events.
	Source triggers.Source `expr:"source"`
	triggers.Fields
}

// RuleEnv is the rule as templates see it.
type RuleEnv struct {
	ID   string `expr:"id"`
	Name string `expr:"name"`
}

// NewEnv returns the environment of one trigger event for one rule.
func NewEnv(te triggers.TriggerEvent, rule *Rule, now time.Time) *Env {
	env := &Env{
		Contact: te.Contact,
		Event:   EventEnv{ID: te.ID, Type: te.Type, Timestamp: te.Timestamp, ContactID: te.ContactID, Fields: te.Fields},
		Now:     now,
		Rule:    RuleEnv{ID: rule.ID, Name: rule.Name},
	}
	if te.Source != nil {
		env.Event.Source = *te.Source
	}
	if te.Previous != nil {
		env.Previous = *te.Previous
	}
	return env
}

// ExprError is an expression that does not compile: Line and Column (1-based)
// point at the problem in Source.
type ExprError struct {
	Source  string
	Message string
	Line    int
	Column  int
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("%s (line %d, column %d)", e.Message, e.Line, e.Column)
}

// userTypeNames turns the Go type names expr puts in its messages into the
// names users write: "type triggers.Contact has no field emial" reads
// "contact has no field emial".
var userTypeNames = strings.NewReplacer(
	"type triggers.Contact", "contact", "triggers.Contact", "contact",
	"type triggers.Conversation", "conversation", "*triggers.Conversation", "conversation", "triggers.Conversation", "conversation",
	"type engine.EventEnv", "event", "engine.EventEnv", "event",
	"type engine.RuleEnv", "rule", "engine.RuleEnv", "rule",
	"type triggers.Fields", "event", "triggers.Fields", "event",
	"*triggers.CustomFieldChange", "custom_field", "triggers.CustomFieldChange", "custom_field",
	"*triggers.Message", "message", "triggers.Message", "message",
	"triggers.Source", "source",
	"triggers.Change", "change",
	"engine.Env", "the environment",
)

// compileExpr compiles one expression against Env. asBool demands a boolean result.
func compileExpr(src string, asBool bool) (*vm.Program, error) {
	if len(src) > MaxExprLength {
		return nil, &ExprError{Source: src, Message: fmt.Sprintf("expression is longer than %d bytes", MaxExprLength), Line: 1, Column: 1}
	}
	opts := append([]expr.Option{expr.Env(Env{}), expr.MaxNodes(MaxExprNodes), guardOption}, exprFuncs...)
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, &ExprError{Source: src, Message: userTypeNames.Replace(fe.Message), Line: max(fe.Line, 1), Column: fe.Column + 1}
		}
		return nil, &ExprError{Source: src, Message: err.Error(), Line: 1, Column: 1}
	}
	if fe := checkCost(src); fe != nil {
		return nil, &ExprError{Source: src, Message: fe.Message, Line: max(fe.Line, 1), Column: fe.Column + 1}
	}
	return prog, nil
}

// runExpr evaluates a compiled program within its bounds: expr's memory
// budget, and the loop, text and time bounds of guard.go. A panic in
// evaluation is returned as an error: a rule must never crash Tripline.
func runExpr(prog *vm.Program, env *Env) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluation panicked: %v", r)
		}
	}()
	m := vmPool.Get().(*vm.VM)
	defer vmPool.Put(m)
	m.MemoryBudget = MaxExprMemory
	env.guard = exprGuard{}
	return m.Run(prog, env)
}

// vmPool keeps expr VMs for reuse: a VM's stack and scopes are reset by
// every Run, and allocating them per evaluation was most of the cost of
// matching a cheap condition.
var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}
