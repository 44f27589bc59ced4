package engine

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
)

// The helper functions every condition and placeholder may call. The no-code
// builder compiles its rows to them where a plain operator could fail at run
// time on a missing value or a value of another type: each of them answers
// for any input and never errors, so a builder condition never fails at run
// time. docs/conditions.md documents them.
var exprFuncs = []expr.Option{
	expr.Function("number", func(p ...any) (any, error) { return toNumber(p[0]), nil }, new(func(any) float64)),
	expr.Function("text", func(p ...any) (any, error) { return toText(p[0]), nil }, new(func(any) string)),
	expr.Function("isSet", func(p ...any) (any, error) { return isSet(p[0]), nil }, new(func(any) bool)),
	expr.Function("between", func(p ...any) (any, error) { return between(p[0], p[1], p[2]), nil }, new(func(any, any, any) bool)),
	expr.Function("before", func(p ...any) (any, error) { return compareTime(p[0], p[1]) == -1, nil }, new(func(any, any) bool)),
	expr.Function("after", func(p ...any) (any, error) { return compareTime(p[0], p[1]) == 1, nil }, new(func(any, any) bool)),
}

// toNumber is x as a float64: numbers as they are, strings that hold a
// number parsed ("5", " 2.5 "), anything else NaN. Every comparison with NaN
// is false, so a missing or non-numeric value makes >, <, >=, <= false.
func toNumber(x any) float64 {
	switch v := x.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float32:
		return float64(v)
	case int32:
		return float64(v)
	case uint:
		return float64(v)
	case uint64:
		return float64(v)
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return math.NaN()
		}
		return f
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	return math.NaN()
}

// toText is x as text: strings as they are, nothing for null, times in RFC
// 3339, anything else as JSON (5 reads "5", true "true").
func toText(x any) string {
	s, err := textOf(x)
	if err != nil {
		return ""
	}
	return s
}

// isSet reports whether x holds a value: not null, not an empty string, list
// or object, not the zero time. 0 and false are set.
func isSet(x any) bool {
	switch v := x.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case time.Time:
		return !v.IsZero()
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() > 0
	case reflect.Pointer, reflect.Interface:
		return !rv.IsNil()
	}
	return true
}

// between reports lo <= x <= hi, as numbers, or as times when lo is a time
// (or a date or timestamp text). Values that are neither are not between.
func between(x, lo, hi any) bool {
	if _, ok := toTime(lo); ok {
		c1, c2 := compareTime(x, lo), compareTime(x, hi)
		return (c1 == 0 || c1 == 1) && c2 <= 0
	}
	n := toNumber(x)
	return n >= toNumber(lo) && n <= toNumber(hi)
}

// compareTime compares two times (or timestamp texts): -1, 0 or 1; 2 when
// either is not a time, which every caller treats as "no".
func compareTime(a, b any) int {
	ta, ok := toTime(a)
	if !ok {
		return 2
	}
	tb, ok := toTime(b)
	if !ok {
		return 2
	}
	return ta.Compare(tb)
}

// toTime reads a time: a time.Time, or text in RFC 3339 or as a date
// (2026-12-01, midnight UTC).
func toTime(x any) (time.Time, bool) {
	switch v := x.(type) {
	case time.Time:
		return v, !v.IsZero()
	case string:
		return parseTime(v)
	}
	return time.Time{}, false
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
