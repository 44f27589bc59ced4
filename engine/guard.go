package engine

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
)

// The runtime bounds of one evaluation (a condition, or one placeholder of a
// template). The static bound of cost.go rejects at save what the
// expression itself says will exceed them; these hold whatever the data.
const (
	// MaxExprSteps is the most loop iterations (all, any, map, filter,
	// reduce… over every level of nesting) one evaluation may run.
	MaxExprSteps = 100_000
	// ExprDeadline is the most time one evaluation may take, checked as its
	// loops run.
	ExprDeadline = 50 * time.Millisecond
	// MaxRenderedBytes is the largest payload a template may render.
	MaxRenderedBytes = 1 << 20
)

// The errors of an evaluation that hits a bound: a recorded rule error, as
// any runtime error.
var (
	errTooManySteps = fmt.Errorf("evaluation stopped: more than %d loop iterations", MaxExprSteps)
	errTooSlow      = fmt.Errorf("evaluation stopped: it ran longer than %s", ExprDeadline)
	errTooMuchText  = fmt.Errorf("memory budget exceeded: an evaluation may build at most %d bytes of text", MaxExprMemory)
	errTooMuchMem   = fmt.Errorf("memory budget exceeded: an evaluation may allocate at most %d values or bytes", MaxExprMemory)
)

// exprGuard is the state of one evaluation's runtime bounds. It lives in
// the Env (reset by runExpr) and the guard functions reach it through $env.
type exprGuard struct {
	steps    int
	text     int
	deadline time.Time // zero until the first loop iteration
}

// checkEvery is how many loop iterations pass between two looks at the
// clock: time.Now costs about as much as an iteration.
const checkEvery = 16

func (g *exprGuard) step() error {
	g.steps++
	if g.steps > MaxExprSteps {
		return errTooManySteps
	}
	if g.steps%checkEvery == 1 {
		now := time.Now()
		if g.deadline.IsZero() {
			g.deadline = now.Add(ExprDeadline)
		} else if now.After(g.deadline) {
			return errTooSlow
		}
	}
	return nil
}

// Names of the guard functions the patcher puts into expressions. They start
// with "$", which no name a user writes does.
const (
	tickFunc = "$tick"
	addFunc  = "$add"
)

// guardOption registers $add and the patcher that calls the guard
// functions: every predicate body (the {…} of all, map, filter, reduce…)
// becomes the sequence ($tick($env); body), and every + that may join text
// becomes $add($env, a, b). Types stay those of the user's expression (a
// sequence has its last part's type; $add's Validate keeps text text), so
// type errors read as before.
func guardOption(c *conf.Config) {
	c.Functions[addFunc] = &builtin.Function{
		Name: addFunc,
		Func: func(args ...any) (any, error) {
			a, b := args[1], args[2]
			if sa, ok := a.(string); ok {
				if sb, ok := b.(string); ok {
					if env, ok := args[0].(*Env); ok {
						env.guard.text += len(sa) + len(sb)
						if env.guard.text > MaxExprMemory {
							return nil, errTooMuchText
						}
					}
					return sa + sb, nil
				}
			}
			return runtime.Add(a, b), nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 3 {
				return nil, errors.New("internal: $add takes 3 arguments")
			}
			if args[1].Kind() == reflect.String && args[2].Kind() == reflect.String {
				return args[1], nil
			}
			return reflect.TypeFor[any](), nil
		},
	}
	c.Visitors = append(c.Visitors, guardPatcher{})
}

// guardPatcher is the ast.Visitor of guardOption.
type guardPatcher struct{}

func (guardPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.PredicateNode:
		if seq, ok := n.Node.(*ast.SequenceNode); ok && len(seq.Nodes) == 2 {
			if b, ok := seq.Nodes[0].(*ast.BuiltinNode); ok && b.Name == tickFunc {
				return // already guarded
			}
		}
		loc := n.Node.Location()
		env := &ast.IdentifierNode{Value: "$env"}
		tick := &ast.BuiltinNode{Name: tickFunc, Arguments: []ast.Node{env}}
		seq := &ast.SequenceNode{Nodes: []ast.Node{tick, n.Node}}
		for _, x := range []ast.Node{env, tick, seq} {
			x.SetLocation(loc)
		}
		n.Node = seq
	case *ast.BinaryNode:
		if n.Operator != "+" {
			return
		}
		l, r := n.Left.Type(), n.Right.Type()
		text := l.Kind() == reflect.String && r.Kind() == reflect.String
		unknown := l.Kind() == reflect.Interface || r.Kind() == reflect.Interface
		if !text && !unknown {
			return // numbers, times and durations, or a type error to report as is
		}
		call := guardCall(addFunc, n.Left, n.Right)
		ast.Patch(node, call)
	}
}

func guardCall(name string, args ...ast.Node) *ast.CallNode {
	call := &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: name},
		Arguments: append([]ast.Node{&ast.IdentifierNode{Value: "$env"}}, args...),
	}
	loc := args[0].Location()
	call.SetLocation(loc)
	call.Callee.SetLocation(loc)
	call.Arguments[0].SetLocation(loc)
	return call
}

// The step of a loop iteration is a builtin of expr's own kind (a Fast
// function of one argument), added to expr's table once for the process:
// the VM calls those without building an argument slice, so a guarded
// iteration costs a call and no allocation. It reports a bound by panicking
// with the error, which the VM returns as the evaluation's error.
func init() {
	builtin.Builtins = append(builtin.Builtins, &builtin.Function{
		Name: tickFunc,
		Fast: func(arg any) any {
			if env, ok := arg.(*Env); ok {
				if err := env.guard.step(); err != nil {
					panic(err)
				}
			}
			return nil
		},
		Types: []reflect.Type{reflect.TypeFor[func(any) any]()},
		Deref: func(int, reflect.Type) bool { return false }, // the *Env itself, not a copy
	})
	builtin.Index[tickFunc] = len(builtin.Builtins) - 1
}

// The builtins of expr that build text or arrays allocate first and charge
// expr's memory budget after (repeat only caps its count), so one call
// could allocate any amount: repeat(repeat("x", 99999), 1000000) asks for
// 100 GB. Tripline replaces them, once for the process, by versions that
// size their result first, refuse one larger than the whole budget before
// allocating it, and charge what they allocate to the evaluation's budget.
// An evaluation therefore allocates at most twice MaxExprMemory.
func init() {
	sized := map[string]func(args []any) int{
		"repeat": func(a []any) int {
			n := runtime.ToInt(a[1])
			s := len(a[0].(string))
			if n > 0 && s > 0 && n > (MaxExprMemory+1)/s+1 {
				return MaxExprMemory + 1
			}
			return max(n, 0) * s
		},
		"join": func(a []any) int {
			glue := ""
			if len(a) == 2 {
				glue, _ = a[1].(string)
			}
			return joinedSize(a[0], len(glue))
		},
		"replace": func(a []any) int {
			s, old, nw := a[0].(string), a[1].(string), a[2].(string)
			n := strings.Count(s, old)
			if old == "" {
				n = utf8.RuneCountInString(s) + 1
			}
			return len(s) + n*max(len(nw)-len(old), 0)
		},
		"upper":      func(a []any) int { return len(a[0].(string)) },
		"lower":      func(a []any) int { return len(a[0].(string)) },
		"string":     func(a []any) int { return sizeOf(a[0], 0, MaxExprMemory+1) },
		"toJSON":     func(a []any) int { return sizeOf(a[0], 0, MaxExprMemory+1) },
		"fromJSON":   func(a []any) int { return len(a[0].(string)) },
		"toBase64":   func(a []any) int { return base64.StdEncoding.EncodedLen(len(a[0].(string))) },
		"fromBase64": func(a []any) int { return len(a[0].(string)) },
		"split":      splitSize,
		"splitAfter": splitSize,
		"concat": func(a []any) int {
			n := 0
			for _, x := range a {
				n += lenOf(x)
			}
			return n
		},
		"flatten": func(a []any) int { return sizeOf(a[0], 0, MaxExprMemory+1) },
		"uniq":    func(a []any) int { return lenOf(a[0]) },
		"sort":    func(a []any) int { return lenOf(a[0]) },
		"reverse": func(a []any) int { return lenOf(a[0]) },
		"keys":    func(a []any) int { return lenOf(a[0]) },
		"values":  func(a []any) int { return lenOf(a[0]) },
		"toPairs": func(a []any) int { return 3 * lenOf(a[0]) },
		"fromPairs": func(a []any) int {
			return lenOf(a[0])
		},
	}
	for name, size := range sized {
		f := builtin.Builtins[builtin.Index[name]]
		call := callOf(f)
		f.Fast, f.Func = nil, nil
		f.Safe = func(args ...any) (out any, mem uint, err error) {
			n := 0
			if len(args) > 0 {
				n, err = safeSize(size, args)
				if err != nil {
					return nil, 0, err
				}
			}
			if n > MaxExprMemory {
				return nil, 0, errTooMuchMem
			}
			out, used, err := call(args)
			return out, max(uint(n), used), err
		}
	}
}

// safeSize runs a size function; a panic (an argument of a type the
// builtin itself refuses) is left for the builtin to report.
func safeSize(size func([]any) int, args []any) (n int, err error) {
	defer func() {
		if recover() != nil {
			n, err = 0, nil
		}
	}()
	return size(args), nil
}

// callOf is a builtin's implementation as one signature.
func callOf(f *builtin.Function) func(args []any) (any, uint, error) {
	switch {
	case f.Fast != nil:
		fast := f.Fast
		return func(a []any) (any, uint, error) { return fast(a[0]), 0, nil }
	case f.Safe != nil:
		safe := f.Safe
		return func(a []any) (any, uint, error) { return safe(a...) }
	}
	fn := f.Func
	return func(a []any) (any, uint, error) {
		out, err := fn(a...)
		return out, 0, err
	}
}

func splitSize(a []any) int {
	s, sep := a[0].(string), a[1].(string)
	if sep == "" {
		return utf8.RuneCountInString(s)
	}
	return strings.Count(s, sep) + 1
}

// lenOf is the number of elements of an array or map, 0 for anything else.
func lenOf(x any) int {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return v.Len()
	}
	return 0
}

// joinedSize is the length of join(arr, glue).
func joinedSize(arr any, glue int) int {
	v := reflect.ValueOf(arr)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return 0
	}
	n := v.Len() * glue
	for i := 0; i < v.Len() && n <= MaxExprMemory; i++ {
		if s, ok := v.Index(i).Interface().(string); ok {
			n += len(s)
		}
	}
	return n
}

// sizeOf estimates the bytes of x written as text (JSON, indented, or
// fmt's %v), counting the elements of nested arrays once each; it stops
// counting past limit. Text made of one value many times over (an array of
// one long string) is counted whole: that is what writing it costs.
func sizeOf(x any, depth, limit int) int {
	switch v := x.(type) {
	case string:
		return len(v) + 2
	case nil, bool, int, float64:
		return 24
	}
	return sizeOfValue(reflect.ValueOf(x), depth, limit)
}

func sizeOfValue(v reflect.Value, depth, limit int) int {
	switch v.Kind() {
	case reflect.Invalid:
		return 4
	case reflect.String:
		return v.Len() + 2
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 4
		}
		return sizeOfValue(v.Elem(), depth, limit)
	case reflect.Slice, reflect.Array:
		n := 2
		for i := 0; i < v.Len() && n <= limit; i++ {
			n += 2*depth + 4 + sizeOfValue(v.Index(i), depth+1, limit-n)
		}
		return n
	case reflect.Map:
		n := 2
		for it := v.MapRange(); it.Next() && n <= limit; {
			n += 2*depth + 6 + sizeOfValue(it.Key(), depth+1, limit-n) + sizeOfValue(it.Value(), depth+1, limit-n)
		}
		return n
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return 40
		}
		n := 2
		for i := 0; i < v.NumField() && n <= limit; i++ {
			if v.Type().Field(i).IsExported() {
				n += 2*depth + 6 + len(v.Type().Field(i).Name) + sizeOfValue(v.Field(i), depth+1, limit-n)
			}
		}
		return n
	}
	return 24
}
