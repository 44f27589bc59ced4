package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
)

// maxBodyBytes is the largest request body accepted (SPEC section 9); larger
// ones are answered 413.
const maxBodyBytes = 1 << 20

// readBody reads the whole request body, at most maxBodyBytes. A larger body
// is an *http.MaxBytesError (413); an empty one a validation error.
func readBody(c *gin.Context) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	if err != nil {
		return nil, err
	}
	switch string(bytes.TrimSpace(data)) {
	case "":
		return nil, &tripline.ValidationError{Detail: "The request body is empty; send a JSON object."}
	case "null":
		return nil, &tripline.ValidationError{Detail: "The request body must be a JSON object, not null."}
	}
	return data, nil
}

// decodeOnto reads a JSON object from the request body and lays its top-level
// fields over base: each field sent replaces base's, null included (it decodes
// to the field's empty value). Creating uses the defaults as base, PATCH the
// stored object's writable fields. Replacing whole top-level fields, rather
// than decoding onto base in place, keeps encoding/json from merging maps and
// reusing slice elements of the old value.
func decodeOnto[T any](c *gin.Context, base T, readOnly []string) (T, error) {
	var zero T
	data, err := readBody(c)
	if err != nil {
		return zero, err
	}
	var patch map[string]json.RawMessage
	if err := decodeStrict(data, &patch, nil); err != nil {
		return zero, err
	}
	merged, err := json.Marshal(base)
	if err != nil {
		return zero, fmt.Errorf("encode %T: %w", base, err)
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(merged, &fields); err != nil {
		return zero, fmt.Errorf("decode %T: %w", base, err)
	}
	maps.Copy(fields, patch)
	if merged, err = json.Marshal(fields); err != nil {
		return zero, fmt.Errorf("encode merged %T: %w", base, err)
	}
	var out T
	return out, decodeStrict(merged, &out, readOnly)
}

// decodeStrict decodes exactly one JSON value from data into dst, rejecting
// unknown fields and trailing data. Every failure is a
// *tripline.ValidationError that says where: line and column for syntax
// errors, the field's path ("actions[0].headers") for unknown fields and
// wrong types. Unknown top-level fields named in readOnly are reported as
// read-only rather than unknown.
func decodeStrict(data []byte, dst any, readOnly []string) error {
	if t := reflect.TypeOf(dst); hiddenKeys(t, data) {
		return unknownFields(unknownFieldPaths(data, t), readOnly)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(data, dst, err, readOnly)
	}
	if err := checkBodyText(data); err != nil {
		return err
	}
	// encoding/json does not pass DisallowUnknownFields on to a type's own
	// UnmarshalJSON (a contact's reads its fields through a plain copy of
	// itself): where dst holds such a type, look for unknown keys here.
	if t := reflect.TypeOf(dst); hasOwnStructDecoder(t) {
		if paths := unknownFieldPaths(data, t); len(paths) > 0 {
			return unknownFields(paths, readOnly)
		}
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(data, skipSpace(data, end))
		return invalidBody("The request body holds more than one JSON value.", "unexpected data after the JSON value", line, col)
	}
	return nil
}

func decodeError(data []byte, dst any, err error, readOnly []string) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		line, col := position(data, max(syntax.Offset-1, 0))
		return invalidBody("The request body is not valid JSON.", syntax.Error(), line, col)
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, int64(len(data)))
		return invalidBody("The request body is not valid JSON.", "the body ends before the JSON value is complete", line, col)
	case errors.As(err, &typ):
		path := pathAt(data, typ.Offset)
		if path == "" && typ.Field != "" {
			path = typ.Field // without array indexes, but better than nothing
		}
		if path == "" {
			return &tripline.ValidationError{Detail: fmt.Sprintf("The request body must be %s, not %s.", describeType(typ.Type), typ.Value)}
		}
		return &tripline.ValidationError{Detail: "A field has the wrong type.", Fields: []tripline.FieldError{{
			Field: path, Message: fmt.Sprintf("must be %s, not %s", describeType(typ.Type), typ.Value),
		}}}
	}
	if name, ok := unknownFieldName(err); ok {
		paths := unknownFieldPaths(data, reflect.TypeOf(dst))
		if len(paths) == 0 {
			paths = []string{name}
		}
		return unknownFields(paths, readOnly)
	}
	// What is left comes from a type's own UnmarshalJSON: still the caller's
	// input, so a 400. encoding/json does not say which field; for a time, the
	// first string in the body equal to the text that failed to parse is a
	// reliable guess.
	var pe *time.ParseError
	if errors.As(err, &pe) {
		if path := pathOfString(data, pe.Value); path != "" {
			return &tripline.ValidationError{Detail: "A time is not valid.", Fields: []tripline.FieldError{{
				Field: path, Message: "must be an RFC 3339 time such as 2026-11-22T10:00:00Z",
			}}}
		}
	}
	return &tripline.ValidationError{Detail: "The request body could not be read: " + err.Error() + "."}
}

// unknownFields is the 400 for keys of the body that name no field.
func unknownFields(paths, readOnly []string) error {
	ve := &tripline.ValidationError{Detail: "The request body has fields that cannot be set."}
	for _, p := range paths {
		msg := "is not a known field"
		if slices.Contains(readOnly, p) {
			msg = "is read-only: Tripline sets it"
		}
		ve.Fields = append(ve.Fields, tripline.FieldError{Field: p, Message: msg})
	}
	return ve
}

// unknownFieldName extracts the name from the error that
// json.Decoder.DisallowUnknownFields produces. encoding/json exports no type
// for it, so the message `json: unknown field "name"` is the only way to get
// the name; this is the one place that depends on that text.
func unknownFieldName(err error) (string, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	name, uerr := strconv.Unquote(rest)
	return name, uerr == nil
}

func invalidBody(detail, message string, line, col int) error {
	return &tripline.ValidationError{Detail: detail, Fields: []tripline.FieldError{{Message: message, Line: line, Column: col}}}
}

// position returns the 1-based line and column (in characters) of byte offset
// off in data.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte{'\n'}) + 1, utf8.RuneCount(before[lineStart:]) + 1
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}

// describeType names a Go type the way a JSON user knows it.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a JSON value"
}

// pathAt returns the path ("events[3].rating") of the JSON value that ends at
// byte offset off (where encoding/json reports a type error), or "" for the
// top-level value. Unlike UnmarshalTypeError.Field it includes array indexes.
func pathAt(data []byte, off int64) string {
	return findValue(data, func(_ json.Token, end int64) bool { return end >= off })
}

// pathOfString returns the path of the first string value equal to s, or "".
func pathOfString(data []byte, s string) string {
	return findValue(data, func(tok json.Token, _ int64) bool { return tok == s })
}

// findValue walks the JSON values of data in document order and returns the
// path of the first one that match accepts, or "". match sees the value's
// first token (a scalar, or the delimiter that opens an object or array) and
// the byte offset where that token ends.
func findValue(data []byte, match func(tok json.Token, end int64) bool) string {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []*frame
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.array {
			top.index++
		} else {
			top.wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			valueDone()
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			stack[n-1].key, stack[n-1].wantKey = tok.(string), false
			continue
		}
		if match(tok, dec.InputOffset()) {
			var b strings.Builder
			for _, f := range stack {
				if f.array {
					fmt.Fprintf(&b, "[%d]", f.index)
					continue
				}
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
			return b.String()
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{array: d == '[', wantKey: d == '{'})
			continue
		}
		valueDone()
	}
}

// joinPath appends a field name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// unknownFieldPaths walks data alongside the Go type t (the type decoded into)
// and returns the paths of the object keys that t has no field for, sorted.
// encoding/json names only the first unknown key, without its path.
func unknownFieldPaths(data []byte, t reflect.Type) []string {
	var out []string
	var walk func(raw json.RawMessage, t reflect.Type, path string)
	walk = func(raw json.RawMessage, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == rawMessageType || ownDecoder(t) && !ownStructDecoder(t) {
			return // decoded by its own rules
		}
		switch t.Kind() {
		case reflect.Struct:
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) != nil {
				return
			}
			fields := jsonFields(t)
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				p := joinPath(path, k)
				ft, ok := fields[k]
				if !ok {
					ft, ok = foldLookup(fields, k)
				}
				if !ok {
					out = append(out, p)
					continue
				}
				walk(obj[k], ft, p)
			}
		case reflect.Map:
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) != nil {
				return
			}
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				walk(obj[k], t.Elem(), joinPath(path, k))
			}
		case reflect.Slice, reflect.Array:
			var arr []json.RawMessage
			if json.Unmarshal(raw, &arr) != nil {
				return
			}
			for i, v := range arr {
				walk(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(data, t, "")
	return out
}

// ownDecoder reports whether t decodes itself (implements json.Unmarshaler).
func ownDecoder(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)
}

// ownStructDecoder reports whether t is a struct that decodes itself but
// takes the keys of its own fields, as triggers.Contact does (it only
// accepts null where its field is a string): its keys can be checked
// against its fields. time.Time decodes from a string and is not one.
func ownStructDecoder(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != timeType && ownDecoder(t) && t.NumField() > 0
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	ownStructCache sync.Map // reflect.Type → bool
)

// hasOwnStructDecoder reports whether a value of t can hold a struct for
// which ownStructDecoder is true. The answer is cached per type, so bodies
// without one pay nothing.
func hasOwnStructDecoder(t reflect.Type) bool {
	if v, ok := ownStructCache.Load(t); ok {
		return v.(bool)
	}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type) bool
	walk = func(t reflect.Type) bool {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if seen[t] {
			return false
		}
		seen[t] = true
		switch {
		case t == rawMessageType || t == timeType:
			return false
		case ownStructDecoder(t):
			return true
		case ownDecoder(t):
			return false
		}
		switch t.Kind() {
		case reflect.Struct:
			for f := range t.Fields() {
				if walk(f.Type) {
					return true
				}
			}
		case reflect.Map, reflect.Slice, reflect.Array:
			return walk(t.Elem())
		}
		return false
	}
	has := walk(t)
	ownStructCache.Store(t, has)
	return has
}

// jsonFields maps the JSON names of a struct's fields to their types, the
// way encoding/json sees them (tags, "-", embedded structs promoted).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := fields[k]; !ok {
						fields[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		fields[cmp.Or(name, f.Name)] = ft
	}
	if h, ok := reflect.New(t).Interface().(fieldHider); ok {
		for _, name := range h.hiddenFields() {
			delete(fields, name)
		}
	}
	return fields
}

// fieldHider is a body type whose Go fields include some that are not
// fields of the body: hookInput takes its params from engine.Trigger, whose
// type and types are not a hook's. Their keys in a body are unknown fields.
type fieldHider interface{ hiddenFields() []string }

// hiddenKeys reports whether data, a body decoded into t, is an object
// with a key that t hides.
func hiddenKeys(t reflect.Type, data []byte) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	h, ok := reflect.New(t).Interface().(fieldHider)
	if !ok {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return false // the decoder says what is wrong with it
	}
	for k := range obj {
		if slices.ContainsFunc(h.hiddenFields(), func(name string) bool { return strings.EqualFold(name, k) }) {
			return true
		}
	}
	return false
}

// foldLookup matches a key case-insensitively, as encoding/json does.
func foldLookup(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	for name, t := range fields {
		if strings.EqualFold(name, key) {
			return t, true
		}
	}
	return nil, false
}
