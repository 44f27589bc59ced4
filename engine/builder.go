package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/tripline/tripline"
)

// Operators of the no-code builder (SPEC section 6).
const (
	OpIs             = "is"
	OpIsNot          = "is not"
	OpContains       = "contains"
	OpNotContains    = "does not contain"
	OpStartsWith     = "starts with"
	OpEndsWith       = "ends with"
	OpGreater        = ">"
	OpGreaterOrEqual = ">="
	OpLess           = "<"
	OpLessOrEqual    = "<="
	OpBetween        = "between"
	OpIsSet          = "is set"
	OpIsNotSet       = "is not set"
	OpHasTag         = "has tag"
	OpHasNoTag       = "has no tag"
	OpBefore         = "before"
	OpAfter          = "after"
	OpInList         = "in list"
)

// Operators lists the builder's operators in the order a UI offers them.
var Operators = []string{
	OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith, OpEndsWith,
	OpGreater, OpGreaterOrEqual, OpLess, OpLessOrEqual, OpBetween,
	OpIsSet, OpIsNotSet, OpHasTag, OpHasNoTag, OpBefore, OpAfter, OpInList,
}

// Logic joins the builder's rows.
const (
	LogicAnd = "and"
	LogicOr  = "or"
)

// MaxRows is the most rows one builder condition may have.
const MaxRows = 100

// maxListValues is the most values of an "in list" row.
const maxListValues = 1000

// Row is one line of the no-code builder: a field, an operator and a value.
// Field is a path: contact.<name> (contact.email, contact.tags,
// contact.conversation.status), contact.custom_fields.<name> (the name may
// hold any character), previous.<…> likewise, event.<field>
// (event.custom_field.new_value, event.message.text, event.data.<key>).
// Value is a JSON value whose shape the operator decides.
type Row struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value,omitempty"`
}

// Conditions are the builder's rows joined by one logic, "and" or "or".
type Conditions struct {
	Logic string `json:"logic"`
	Rows  []Row  `json:"rows"`
}

// fieldKind is what the builder needs to know of a field's static type.
type fieldKind int

const (
	kindAny    fieldKind = iota // interface{}: custom fields, event data
	kindString                  // text
	kindNumber                  // int or float
	kindBool
	kindTime
	kindList // []string and other slices
	kindOther
)

// keyedParents are the fields whose members are user-chosen keys: the rest of
// the path after them is one key, whatever characters it holds.
var keyedParents = []string{"contact.custom_fields", "previous.custom_fields", "event.data"}

// optionalParents are the fields that may be null (pointers): members are
// read through ?. so a missing conversation or message reads as null.
var optionalParents = map[string]bool{
	"contact.conversation": true, "previous.conversation": true,
	"event.custom_field": true, "event.message": true,
}

// fieldPath is a builder field as expr source and its kind.
type fieldPath struct {
	src      string
	kind     fieldKind
	optional bool // read through ?.: a typed value may be null
}

// compileField turns a builder field into expr source, checking it exists.
func compileField(field string) (fieldPath, error) {
	root, rest, _ := strings.Cut(field, ".")
	if root != "contact" && root != "previous" && root != "event" || rest == "" {
		return fieldPath{}, fmt.Errorf("%q is not a field; use contact.<name>, contact.custom_fields.<name>, previous.<name> or event.<field>", field)
	}
	var b strings.Builder
	b.WriteString(root)
	path, optional := root, false
	for rest != "" {
		keyed := false
		for _, p := range keyedParents {
			if path == p {
				keyed = true
			}
		}
		var seg string
		if keyed {
			seg, rest = rest, ""
		} else {
			seg, rest, _ = strings.Cut(rest, ".")
		}
		sep := "."
		if optionalParents[path] {
			sep, optional = "?.", true
		}
		switch {
		case seg == "" && !keyed:
			return fieldPath{}, fmt.Errorf("%q has an empty part", field)
		case !keyed && !identKey.MatchString(seg):
			return fieldPath{}, fmt.Errorf("%q: %q is not a field name", field, seg)
		case keyed && (!identKey.MatchString(seg) || exprKeywords[seg]):
			b.WriteString("[" + quoteExpr(seg) + "]")
		default:
			b.WriteString(sep + seg)
		}
		path += "." + seg
	}
	src := b.String()
	prog, err := compileExpr(src, false)
	if err != nil {
		return fieldPath{}, fmt.Errorf("%q is not a field: %s", field, err.(*ExprError).Message)
	}
	return fieldPath{src: src, kind: kindOf(prog.Node().Type()), optional: optional}, nil
}

// exprKeywords are names expr reads as operators or literals, which cannot
// follow a dot.
var exprKeywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "matches": true, "contains": true, "startsWith": true,
	"endsWith": true, "true": true, "false": true, "nil": true, "let": true, "if": true, "else": true,
}

var timeType = reflect.TypeFor[time.Time]()

func kindOf(t reflect.Type) fieldKind {
	if t == nil {
		return kindAny
	}
	if t == timeType {
		return kindTime
	}
	switch t.Kind() {
	case reflect.Interface:
		return kindAny
	case reflect.String:
		return kindString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return kindNumber
	case reflect.Bool:
		return kindBool
	case reflect.Slice, reflect.Array:
		return kindList
	}
	return kindOther
}

// quoteExpr writes s as an expr string literal.
func quoteExpr(s string) string { return strconv.Quote(s) }

// literal writes a JSON scalar as an expr literal.
func literal(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "nil", true
	case bool:
		return strconv.FormatBool(x), true
	case string:
		return quoteExpr(x), true
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return "", false
		}
		return literal(f)
	case int:
		return strconv.Itoa(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

func isNumber(v any) bool {
	switch x := v.(type) {
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case int, json.Number:
		return true
	}
	return false
}

// CompileConditions turns builder rows into an expr condition. Rows are
// checked one by one: errors name the row and its part ("rows[2].value").
// No rows is the empty condition, which always matches. The expressions it
// writes never fail at run time, whatever the contact holds (see
// docs/conditions.md).
func CompileConditions(c Conditions) (string, error) {
	var errs []tripline.FieldError
	add := func(field, msg string) { errs = append(errs, tripline.FieldError{Field: field, Message: msg}) }
	join := " && "
	switch c.Logic {
	case LogicAnd, "":
	case LogicOr:
		join = " || "
	default:
		add("logic", fmt.Sprintf("%q is not a logic; use %q or %q", c.Logic, LogicAnd, LogicOr))
	}
	if len(c.Rows) > MaxRows {
		add("rows", fmt.Sprintf("at most %d rows; write an expression for more", MaxRows))
	}
	parts := make([]string, 0, len(c.Rows))
	for i, r := range c.Rows {
		src, field, msg := compileRow(r)
		if msg != "" {
			add(fmt.Sprintf("rows[%d].%s", i, field), msg)
			continue
		}
		parts = append(parts, src)
	}
	if len(errs) > 0 {
		return "", &tripline.ValidationError{Detail: "The conditions are not valid.", Fields: errs}
	}
	src := strings.Join(parts, join)
	if src == "" {
		return "", nil
	}
	if _, err := compileExpr(src, true); err != nil {
		// Every row compiled alone; only the limits can fail here.
		return "", &tripline.ValidationError{Detail: "The conditions are not valid.", Fields: []tripline.FieldError{fieldErrorOf("rows", err)}}
	}
	return src, nil
}

// compileRow returns a row's expression, or the part of the row at fault
// ("field", "operator", "value") and why.
func compileRow(r Row) (src, part, msg string) {
	if r.Field == "" && (r.Operator == OpHasTag || r.Operator == OpHasNoTag) {
		r.Field = "contact.tags"
	}
	if r.Field == "" {
		return "", "field", "is required"
	}
	f, err := compileField(r.Field)
	if err != nil {
		return "", "field", err.Error()
	}
	// guarded is the field as a value that never makes an operator fail.
	typed := f.src
	if f.optional && f.kind != kindAny {
		typed = "(" + f.src + " ?? " + zeroLiteral(f.kind) + ")"
	}
	textOf := typed
	if f.kind != kindString {
		textOf = "text(" + f.src + ")"
	}
	numberOf := typed
	if f.kind != kindNumber {
		numberOf = "number(" + f.src + ")"
	}
	str := func() (string, string) {
		s, ok := r.Value.(string)
		if !ok || s == "" {
			return "", "must be a text that is not empty"
		}
		return quoteExpr(s), ""
	}
	switch r.Operator {
	case OpIs, OpIsNot:
		lit, ok := literal(r.Value)
		if !ok || r.Value == nil {
			return "", "value", "must be a text, a number or true or false"
		}
		op := " == "
		if r.Operator == OpIsNot {
			op = " != "
		}
		src = typed + op + lit
	case OpContains, OpNotContains, OpStartsWith, OpEndsWith:
		if f.kind == kindList {
			return "", "operator", fmt.Sprintf("%s is a list; use %q or %q", r.Field, OpHasTag, OpHasNoTag)
		}
		lit, m := str()
		if m != "" {
			return "", "value", m
		}
		switch r.Operator {
		case OpContains:
			src = textOf + " contains " + lit
		case OpNotContains:
			src = "not (" + textOf + " contains " + lit + ")"
		case OpStartsWith:
			src = textOf + " startsWith " + lit
		case OpEndsWith:
			src = textOf + " endsWith " + lit
		}
	case OpGreater, OpGreaterOrEqual, OpLess, OpLessOrEqual:
		if !isNumber(r.Value) {
			return "", "value", "must be a number"
		}
		lit, _ := literal(r.Value)
		src = numberOf + " " + r.Operator + " " + lit
	case OpBetween:
		vs, ok := r.Value.([]any)
		if !ok || len(vs) != 2 {
			return "", "value", "must be a list of two values: [low, high], numbers or dates"
		}
		switch {
		case isNumber(vs[0]) && isNumber(vs[1]):
			if toNumber(vs[0]) > toNumber(vs[1]) {
				return "", "value", "the low bound is above the high bound"
			}
		case isTimeText(vs[0]) && isTimeText(vs[1]):
			if compareTime(vs[0], vs[1]) > 0 {
				return "", "value", "the low bound is after the high bound"
			}
		default:
			return "", "value", "must be two numbers or two dates (2026-12-01 or 2026-12-01T15:00:00Z)"
		}
		lo, _ := literal(vs[0])
		hi, _ := literal(vs[1])
		src = "between(" + f.src + ", " + lo + ", " + hi + ")"
	case OpIsSet, OpIsNotSet:
		if r.Value != nil {
			return "", "value", "must be empty for " + r.Operator
		}
		src = "isSet(" + f.src + ")"
		if r.Operator == OpIsNotSet {
			src = "not isSet(" + f.src + ")"
		}
	case OpHasTag, OpHasNoTag:
		if f.kind != kindList && f.kind != kindAny {
			return "", "field", fmt.Sprintf("%s is not a list; %s works on contact.tags or contact.sequences", r.Field, r.Operator)
		}
		lit, m := str()
		if m != "" {
			return "", "value", m
		}
		src = lit + " in " + f.src
		if r.Operator == OpHasNoTag {
			src = lit + " not in " + f.src
		}
	case OpBefore, OpAfter:
		if !isTimeText(r.Value) {
			return "", "value", "must be a date or a timestamp: 2026-12-01 or 2026-12-01T15:00:00Z"
		}
		lit, _ := literal(r.Value)
		fn := "before"
		if r.Operator == OpAfter {
			fn = "after"
		}
		src = fn + "(" + f.src + ", " + lit + ")"
	case OpInList:
		vs, ok := r.Value.([]any)
		if !ok || len(vs) == 0 || len(vs) > maxListValues {
			return "", "value", fmt.Sprintf("must be a list of 1 to %d values", maxListValues)
		}
		lits := make([]string, len(vs))
		for i, v := range vs {
			l, ok := literal(v)
			if !ok || v == nil {
				return "", "value", fmt.Sprintf("value %d must be a text, a number or true or false", i)
			}
			lits[i] = l
		}
		src = typed + " in [" + strings.Join(lits, ", ") + "]"
	case "":
		return "", "operator", "is required; one of: " + strings.Join(Operators, ", ")
	default:
		return "", "operator", fmt.Sprintf("%q is not an operator; use one of: %s", r.Operator, strings.Join(Operators, ", "))
	}
	if _, err := compileExpr(src, true); err != nil {
		// A type mismatch such as contact.subscribed is "yes".
		return "", "value", fmt.Sprintf("does not fit %s: %s", r.Field, err.(*ExprError).Message)
	}
	return src, "", ""
}

func zeroLiteral(k fieldKind) string {
	switch k {
	case kindString:
		return `""`
	case kindNumber:
		return "0"
	case kindBool:
		return "false"
	}
	return "nil"
}

func isTimeText(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, ok = parseTime(s)
	return ok
}

// ParseCondition turns an expression back into builder rows when it is a
// flat AND or OR of comparisons the builder writes. Otherwise it returns the
// reason the builder cannot show it ("advanced"), and the UI keeps the
// expression as text. The empty condition is no rows.
func ParseCondition(src string) (c Conditions, advanced string) {
	if strings.TrimSpace(src) == "" {
		return Conditions{Logic: LogicAnd, Rows: []Row{}}, ""
	}
	if _, err := compileExpr(src, true); err != nil {
		return Conditions{}, "the expression does not compile: " + err.Error()
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return Conditions{}, "the expression does not parse: " + err.Error()
	}
	logic, leaves, mixed := splitLogic(tree.Node)
	if mixed {
		return Conditions{}, "it mixes and with or"
	}
	c = Conditions{Logic: cmpOr(logic, LogicAnd), Rows: make([]Row, 0, len(leaves))}
	for _, n := range leaves {
		r, ok := rowOf(n)
		if !ok {
			return Conditions{}, fmt.Sprintf("%q is not a comparison the builder can show", n.String())
		}
		if _, part, msg := compileRow(r); msg != "" {
			return Conditions{}, fmt.Sprintf("%q: %s %s", n.String(), part, msg)
		}
		c.Rows = append(c.Rows, r)
	}
	return c, ""
}

// splitLogic splits an expression at its top-level and (or or): the logic
// ("" for a single part) and the parts. A part joined by the other logic is
// kept whole, and mixed says there was one.
func splitLogic(n ast.Node) (logic string, leaves []ast.Node, mixed bool) {
	var flatten func(n ast.Node)
	flatten = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok {
			l := ""
			switch b.Operator {
			case "&&", "and":
				l = LogicAnd
			case "||", "or":
				l = LogicOr
			}
			switch {
			case l != "" && (logic == "" || logic == l):
				logic = l
				flatten(b.Left)
				flatten(b.Right)
				return
			case l != "":
				mixed = true
			}
		}
		leaves = append(leaves, n)
	}
	flatten(n)
	return logic, leaves, mixed
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rowOf reads one comparison as a row.
func rowOf(n ast.Node) (Row, bool) {
	switch x := n.(type) {
	case *ast.UnaryNode:
		if x.Operator != "not" && x.Operator != "!" {
			return Row{}, false
		}
		inner, ok := rowOf(x.Node)
		if !ok {
			return Row{}, false
		}
		negated := map[string]string{OpContains: OpNotContains, OpIsSet: OpIsNotSet, OpHasTag: OpHasNoTag}
		op, ok := negated[inner.Operator]
		if !ok {
			return Row{}, false
		}
		inner.Operator = op
		return inner, true
	case *ast.BinaryNode:
		switch x.Operator {
		case "==", "!=":
			field, ok := fieldOf(x.Left)
			v, lok := valueOf(x.Right)
			if !ok || !lok || v == nil {
				return Row{}, false
			}
			op := OpIs
			if x.Operator == "!=" {
				op = OpIsNot
			}
			return Row{Field: field, Operator: op, Value: v}, true
		case "contains", "startsWith", "endsWith":
			field, ok := fieldOf(x.Left)
			s, sok := x.Right.(*ast.StringNode)
			if !ok || !sok {
				return Row{}, false
			}
			op := map[string]string{"contains": OpContains, "startsWith": OpStartsWith, "endsWith": OpEndsWith}[x.Operator]
			return Row{Field: field, Operator: op, Value: s.Value}, true
		case ">", ">=", "<", "<=":
			field, ok := fieldOf(x.Left)
			v, vok := valueOf(x.Right)
			if !ok || !vok || !isNumber(v) {
				return Row{}, false
			}
			return Row{Field: field, Operator: x.Operator, Value: v}, true
		case "in":
			if s, ok := x.Left.(*ast.StringNode); ok {
				field, ok := fieldOf(x.Right)
				if !ok {
					return Row{}, false
				}
				return Row{Field: field, Operator: OpHasTag, Value: s.Value}, true
			}
			field, ok := fieldOf(x.Left)
			arr, aok := x.Right.(*ast.ArrayNode)
			if !ok || !aok {
				return Row{}, false
			}
			vs := make([]any, len(arr.Nodes))
			for i, e := range arr.Nodes {
				v, ok := valueOf(e)
				if !ok {
					return Row{}, false
				}
				vs[i] = v
			}
			return Row{Field: field, Operator: OpInList, Value: vs}, true
		}
	case *ast.CallNode:
		callee, ok := x.Callee.(*ast.IdentifierNode)
		if !ok || len(x.Arguments) == 0 {
			return Row{}, false
		}
		field, ok := fieldOf(x.Arguments[0])
		if !ok {
			return Row{}, false
		}
		args := make([]any, len(x.Arguments)-1)
		for i, a := range x.Arguments[1:] {
			if args[i], ok = valueOf(a); !ok {
				return Row{}, false
			}
		}
		switch {
		case callee.Value == "isSet" && len(args) == 0:
			return Row{Field: field, Operator: OpIsSet}, true
		case callee.Value == "between" && len(args) == 2:
			return Row{Field: field, Operator: OpBetween, Value: args}, true
		case (callee.Value == "before" || callee.Value == "after") && len(args) == 1:
			return Row{Field: field, Operator: callee.Value, Value: args[0]}, true
		}
	}
	return Row{}, false
}

// fieldOf reads a field path, looking through the guards the builder writes
// (text(…), number(…), … ?? zero) and through ?. .
func fieldOf(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok && (id.Value == "text" || id.Value == "number") && len(x.Arguments) == 1 {
			return fieldOf(x.Arguments[0])
		}
	case *ast.BinaryNode:
		if x.Operator == "??" {
			if _, ok := valueOf(x.Right); ok {
				return fieldOf(x.Left)
			}
		}
	case *ast.ChainNode:
		return fieldOf(x.Node)
	case *ast.IdentifierNode:
		if x.Value == "contact" || x.Value == "previous" || x.Value == "event" {
			return x.Value, true
		}
	case *ast.MemberNode:
		parent, ok := fieldOf(x.Node)
		prop, pok := x.Property.(*ast.StringNode)
		if !ok || !pok || x.Method {
			return "", false
		}
		for _, p := range keyedParents {
			if strings.HasPrefix(parent, p+".") {
				return "", false // a key below a custom field: nested JSON
			}
		}
		return parent + "." + prop.Value, true
	}
	return "", false
}

// valueOf reads a literal as the JSON value a row holds.
func valueOf(n ast.Node) (any, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.IntegerNode:
		return float64(x.Value), true
	case *ast.FloatNode:
		return x.Value, true
	case *ast.BoolNode:
		return x.Value, true
	case *ast.NilNode:
		return nil, true
	case *ast.UnaryNode:
		if x.Operator == "-" {
			v, ok := valueOf(x.Node)
			if f, isF := v.(float64); ok && isF {
				return -f, true
			}
		}
	}
	return nil, false
}
