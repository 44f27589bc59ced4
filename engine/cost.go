package engine

import (
	"fmt"
	"math"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// The static cost bound: before a rule is saved, each expression's worst
// case is estimated from the expression alone — how many loop iterations it
// can run (nested predicates multiply) and how many values or bytes of text
// it can allocate (ranges, repeat, concat, string growth, map and filter
// results…). One that exceeds the runtime bounds is refused with the line
// and column of the part that exceeds them, so a bomb is a 400 at save, not
// a rule error at every event. What depends on data (a contact's tags, a
// range up to a custom field) is counted at a nominal size; the runtime
// bounds of guard.go hold whatever the data.
const (
	// nominalSize is how many elements a list from the data (contact.tags,
	// a custom field, a range with a bound that is not a constant) and how
	// many bytes a text from the data are counted as.
	nominalSize = 100
)

// estimate is the worst case of one node.
type estimate struct {
	num   bool    // known to be a number
	size  float64 // elements of an array or map, bytes of a text; 1 for other values
	elem  float64 // the size of one element, for arrays
	steps float64 // loop iterations to compute it
	alloc float64 // values and bytes allocated to compute it
	// numElems: an array of numbers (a range)
	numElems bool
}

// costError is the first part of an expression found to exceed a bound.
type costError struct {
	loc file.Location
	msg string
}

type costAnalysis struct {
	vars  map[string]estimate
	elems []estimate // the element (#) of each enclosing predicate
	accs  []estimate // #acc of each enclosing reduce
	err   *costError
}

// costConfig parses expressions for checkCost: the names Tripline adds.
var costConfig = func() *conf.Config {
	c := conf.CreateNew()
	for _, opt := range exprFuncs {
		opt(c)
	}
	return c
}()

// checkCost returns the *file.Error of the first part of src that can
// exceed MaxExprSteps or MaxExprMemory, or nil. src has compiled: it is
// parsed again because the compiled tree is optimized, and an optimized
// node may carry another node's position.
func checkCost(src string) *file.Error {
	tree, err := parser.ParseWithConfig(src, costConfig)
	if err != nil {
		return nil // compiled already: cannot happen
	}
	a := &costAnalysis{vars: map[string]estimate{}}
	a.visit(tree.Node)
	if a.err == nil {
		return nil
	}
	fe := &file.Error{Location: a.err.loc, Message: a.err.msg}
	return fe.Bind(file.NewSource(src))
}

func (a *costAnalysis) check(n ast.Node, e estimate) estimate {
	if a.err != nil {
		return e
	}
	switch {
	case e.steps > MaxExprSteps:
		a.err = &costError{loc: n.Location(), msg: fmt.Sprintf(
			"this can run about %s loop iterations; an evaluation may run at most %d: loop over fewer values or nest fewer loops",
			approx(e.steps), MaxExprSteps)}
	case e.alloc > MaxExprMemory:
		a.err = &costError{loc: n.Location(), msg: fmt.Sprintf(
			"this can allocate about %s values or bytes of text; an evaluation may allocate at most %d: use smaller ranges, counts or texts",
			approx(e.alloc), MaxExprMemory)}
	}
	return e
}

func approx(f float64) string {
	if f >= 1e6 {
		return fmt.Sprintf("%.0e", f)
	}
	return fmt.Sprintf("%.0f", f)
}

// sum adds the steps and allocations of parts.
func sum(parts ...estimate) estimate {
	var out estimate
	for _, p := range parts {
		out.steps += p.steps
		out.alloc += p.alloc
	}
	return out
}

func scalar(parts ...estimate) estimate {
	e := sum(parts...)
	e.size, e.elem = 1, 1
	return e
}

func number(parts ...estimate) estimate {
	e := scalar(parts...)
	e.num = true
	return e
}

var nominal = estimate{size: nominalSize, elem: nominalSize}

func (a *costAnalysis) visit(n ast.Node) estimate {
	if n == nil {
		return estimate{}
	}
	return a.check(n, a.node(n))
}

func (a *costAnalysis) node(n ast.Node) estimate {
	switch n := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return number()
	case *ast.NilNode, *ast.BoolNode:
		return scalar()
	case *ast.StringNode:
		return estimate{size: float64(len(n.Value)), elem: 1}
	case *ast.BytesNode:
		return estimate{size: float64(len(n.Value)), elem: 1}
	case *ast.ConstantNode:
		v := reflect.ValueOf(n.Value)
		switch v.Kind() {
		case reflect.String, reflect.Slice, reflect.Array, reflect.Map:
			return estimate{size: float64(v.Len()), elem: 1}
		}
		return scalar()
	case *ast.IdentifierNode:
		if e, ok := a.vars[n.Value]; ok {
			return estimate{size: e.size, elem: e.elem, num: e.num, numElems: e.numElems}
		}
		return nominal
	case *ast.PointerNode:
		switch {
		case n.Name == "acc" && len(a.accs) > 0:
			return a.accs[len(a.accs)-1]
		case n.Name == "" && len(a.elems) > 0:
			e := a.elems[len(a.elems)-1]
			return estimate{size: e.elem, elem: nominalSize, num: e.numElems}
		case n.Name == "index":
			return number()
		}
		return scalar()
	case *ast.UnaryNode:
		e := a.visit(n.Node)
		if n.Operator == "-" || n.Operator == "+" {
			e.num = true
		}
		return e
	case *ast.ChainNode:
		return a.visit(n.Node)
	case *ast.MemberNode:
		base, prop := a.visit(n.Node), a.visit(n.Property)
		e := sum(base, prop)
		e.size, e.elem = nominalSize, nominalSize
		if _, ok := n.Node.(*ast.IdentifierNode); ok && base.size < nominalSize && base.elem > 0 {
			e.size = base.elem // an element of a let-bound array
		}
		return e
	case *ast.SliceNode:
		base := a.visit(n.Node)
		e := sum(base, a.visit(n.From), a.visit(n.To))
		e.size, e.elem, e.numElems = base.size, base.elem, base.numElems
		return e
	case *ast.BinaryNode:
		l, r := a.visit(n.Left), a.visit(n.Right)
		e := scalar(l, r)
		switch n.Operator {
		case "..":
			size := float64(nominalSize)
			if lo, ok := constInt(n.Left); ok {
				if hi, ok := constInt(n.Right); ok {
					size = math.Max(float64(hi)-float64(lo)+1, 0)
				}
			}
			e.size, e.elem, e.numElems = size, 1, true
			e.alloc += size
		case "+":
			if l.num || r.num {
				e.num = true
			} else { // text, or maybe text
				e.size = l.size + r.size
				e.alloc += e.size
			}
		case "-", "*", "/", "%", "**", "^":
			e.num = true
		case "in", "contains", "matches", "startsWith", "endsWith", "==", "!=":
			// a scan of what is already there: bounded by its size, no loop of the expression's own
		}
		return e
	case *ast.ConditionalNode:
		c, x, y := a.visit(n.Cond), a.visit(n.Exp1), a.visit(n.Exp2)
		e := sum(c, x, y)
		e.steps, e.alloc = c.steps+math.Max(x.steps, y.steps), c.alloc+math.Max(x.alloc, y.alloc)
		e.size, e.elem = math.Max(x.size, y.size), math.Max(x.elem, y.elem)
		return e
	case *ast.VariableDeclaratorNode:
		v := a.visit(n.Value)
		prev, had := a.vars[n.Name]
		a.vars[n.Name] = v
		body := a.visit(n.Expr)
		if had {
			a.vars[n.Name] = prev
		} else {
			delete(a.vars, n.Name)
		}
		e := sum(v, body)
		e.size, e.elem, e.num, e.numElems = body.size, body.elem, body.num, body.numElems
		return e
	case *ast.SequenceNode:
		parts := a.visitAll(n.Nodes)
		e := sum(parts...)
		if len(parts) > 0 {
			e.size, e.elem = parts[len(parts)-1].size, parts[len(parts)-1].elem
		}
		return e
	case *ast.ArrayNode:
		var parts []estimate
		elem := 1.0
		for _, x := range n.Nodes {
			p := a.visit(x)
			parts = append(parts, p)
			elem = math.Max(elem, p.size)
		}
		e := sum(parts...)
		e.size, e.elem = float64(len(n.Nodes)), elem
		e.alloc += e.size
		return e
	case *ast.MapNode:
		e := sum(a.visitAll(n.Pairs)...)
		e.size, e.elem = float64(len(n.Pairs)), nominalSize
		e.alloc += e.size
		return e
	case *ast.PairNode:
		return sum(a.visit(n.Key), a.visit(n.Value))
	case *ast.PredicateNode:
		return a.visit(n.Node)
	case *ast.CallNode:
		args := a.visitAll(n.Arguments)
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			switch id.Value {
			case tickFunc:
				return args[1]
			case addFunc:
				e := sum(args...)
				e.size, e.elem = args[1].size+args[2].size, 1
				e.alloc += e.size
				return e
			case "text":
				e := sum(args...)
				e.size, e.elem = args[0].size, 1
				return e
			case "number":
				return number(args...)
			}
		} else {
			args = append(args, a.visit(n.Callee))
		}
		return scalar(args...)
	case *ast.BuiltinNode:
		return a.builtin(n)
	}
	return scalar()
}

func (a *costAnalysis) visitAll(nodes []ast.Node) []estimate {
	out := make([]estimate, len(nodes))
	for i, x := range nodes {
		out[i] = a.visit(x)
	}
	return out
}

// predicates are the builtins that loop over their first argument.
var predicates = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
	"count": true, "sum": true, "groupBy": true, "sortBy": true, "reduce": true,
}

func (a *costAnalysis) builtin(n *ast.BuiltinNode) estimate {
	if predicates[n.Name] && len(n.Arguments) >= 2 {
		return a.loop(n)
	}
	args := a.visitAll(n.Arguments)
	arg := func(i int) estimate {
		if i < len(args) {
			return args[i]
		}
		return estimate{}
	}
	e := sum(args...)
	e.size, e.elem = 1, 1
	grow := func(size, elem float64) estimate {
		e.size, e.elem = size, elem
		e.alloc += size
		return e
	}
	switch n.Name {
	case "repeat":
		count := float64(nominalSize)
		if len(n.Arguments) == 2 {
			if c, ok := constInt(n.Arguments[1]); ok {
				count = math.Max(float64(c), 0)
			}
		}
		return grow(arg(0).size*count, 1)
	case "join":
		return grow(arg(0).size*(arg(0).elem+arg(1).size), 1)
	case "replace":
		return grow(arg(0).size*math.Max(arg(2).size, 1), 1)
	case "upper", "lower", "string", "toBase64", "fromBase64", "fromJSON":
		return grow(arg(0).size*4/3+4, 1)
	case "toJSON":
		return grow(arg(0).size*(arg(0).elem+4)+4, 1)
	case "trim", "trimPrefix", "trimSuffix":
		e.size = arg(0).size
	case "split", "splitAfter":
		return grow(arg(0).size, arg(0).size)
	case "concat":
		size, elem := 0.0, 1.0
		for _, x := range args {
			size += x.size
			elem = math.Max(elem, x.elem)
		}
		return grow(size, elem)
	case "flatten":
		return grow(arg(0).size*arg(0).elem, 1)
	case "uniq", "sort", "reverse", "keys", "values", "take":
		return grow(arg(0).size, arg(0).elem)
	case "toPairs", "fromPairs":
		return grow(arg(0).size*3, 2)
	case "first", "last", "get":
		e.size = arg(0).elem
	case "len", "int", "float", "abs", "ceil", "floor", "round", "max", "min", "mean", "median", "indexOf", "lastIndexOf":
		e.num = true
	}
	return e
}

// loop is a builtin with a predicate: the predicate's cost once per
// element of the collection.
func (a *costAnalysis) loop(n *ast.BuiltinNode) estimate {
	coll := a.visit(n.Arguments[0])
	init := estimate{}
	if n.Name == "reduce" && len(n.Arguments) > 2 {
		init = a.visit(n.Arguments[2])
	}
	a.elems = append(a.elems, coll)
	acc := estimate{size: math.Max(init.size, coll.elem), elem: nominalSize}
	a.accs = append(a.accs, acc)
	body := a.visit(n.Arguments[1])
	if n.Name == "reduce" && body.size > acc.size {
		// The accumulator grows each time round. How it grows is read from
		// the body's size for a larger accumulator: by the same amount each
		// time (#acc + x), or by a factor (#acc + #acc doubles).
		const probe = 1000
		saved := a.err
		a.accs[len(a.accs)-1].size = acc.size + probe
		slope := (a.visit(n.Arguments[1]).size - body.size) / probe
		a.err = saved
		grown := acc.size + (body.size-acc.size)*coll.size
		if slope > 1.01 {
			grown = math.Max(body.size, 1) * math.Pow(slope, coll.size)
		}
		// Each round is counted with the accumulator it starts with, and
		// the accumulator once at its final size: what is held at the end.
		body.size = math.Max(body.size, grown)
		body.alloc += grown / math.Max(coll.size, 1)
	}
	a.elems, a.accs = a.elems[:len(a.elems)-1], a.accs[:len(a.accs)-1]

	e := sum(coll, init)
	e.steps += coll.size * (1 + body.steps)
	e.alloc += coll.size * body.alloc
	e.size, e.elem = 1, 1
	switch n.Name {
	case "map":
		e.size, e.elem = coll.size, body.size
		e.alloc += coll.size
	case "filter", "sortBy", "groupBy":
		e.size, e.elem = coll.size, coll.elem
		e.alloc += coll.size
	case "find", "findLast":
		e.size = coll.elem
	case "count", "sum", "findIndex", "findLastIndex":
		e.num = true
	case "reduce":
		e.size, e.elem, e.num = body.size, body.elem, body.num
	}
	return e
}

// constInt is the value of an integer constant (5, -5).
func constInt(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.ConstantNode:
		v, ok := n.Value.(int)
		return v, ok
	case *ast.UnaryNode:
		if v, ok := constInt(n.Node); ok && n.Operator == "-" {
			return -v, true
		}
	}
	return 0, false
}
