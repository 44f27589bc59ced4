package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Template is a compiled payload template (SPEC section 6): any JSON value in
// which a string that is exactly "{{ expr }}" becomes the expression's typed
// JSON value and placeholders inside other text are interpolated as text.
// Object keys keep the order the user wrote them in. Rendering writes JSON with
// encoding/json, so the output is valid JSON whatever the data.
type Template struct {
	root node
}

// TemplateError is a template that does not compile: Path is the JSON path of
// the string that holds the problem and Column (1-based) points into it.
type TemplateError struct {
	Path    string
	Message string
	Line    int
	Column  int
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("%s: %s (line %d, column %d)", e.Path, e.Message, e.Line, e.Column)
}

type node interface {
	render(w *bytes.Buffer, env *Env) error
}

// CompileTemplate compiles a JSON template. path names the template's place in
// the rule (such as "actions[0].body") for errors.
func CompileTemplate(path string, raw json.RawMessage) (*Template, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	root, err := parseNode(dec, path)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &TemplateError{Path: path, Message: "more than one JSON value", Line: 1, Column: 1}
	}
	return &Template{root: root}, nil
}

// Render returns the template's JSON for env.
func (t *Template) Render(env *Env) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := t.root.render(&buf, env); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func parseNode(dec *json.Decoder, path string) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, &TemplateError{Path: path, Message: "not valid JSON: " + err.Error(), Line: 1, Column: 1}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var obj objectNode
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, &TemplateError{Path: path, Message: "not valid JSON: " + err.Error(), Line: 1, Column: 1}
				}
				key := kt.(string)
				child, err := parseNode(dec, path+pathKey(key))
				if err != nil {
					return nil, err
				}
				obj.keys = append(obj.keys, key)
				obj.vals = append(obj.vals, child)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, &TemplateError{Path: path, Message: "not valid JSON: " + err.Error(), Line: 1, Column: 1}
			}
			return &obj, nil
		case '[':
			var arr arrayNode
			for i := 0; dec.More(); i++ {
				child, err := parseNode(dec, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				arr = append(arr, child)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, &TemplateError{Path: path, Message: "not valid JSON: " + err.Error(), Line: 1, Column: 1}
			}
			return arr, nil
		}
	case string:
		return compileString(path, t, false)
	}
	b, err := json.Marshal(tok) // null, bool, json.Number
	if err != nil {
		return nil, &TemplateError{Path: path, Message: "not valid JSON: " + err.Error(), Line: 1, Column: 1}
	}
	return literalNode(b), nil
}

var identKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func pathKey(key string) string {
	if identKey.MatchString(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

type literalNode []byte

func (n literalNode) render(w *bytes.Buffer, _ *Env) error {
	w.Write(n)
	return nil
}

type objectNode struct {
	keys []string
	vals []node
}

func (n *objectNode) render(w *bytes.Buffer, env *Env) error {
	w.WriteByte('{')
	for i, k := range n.keys {
		if i > 0 {
			w.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		w.Write(kb)
		w.WriteByte(':')
		if err := n.vals[i].render(w, env); err != nil {
			return err
		}
	}
	w.WriteByte('}')
	return nil
}

type arrayNode []node

func (n arrayNode) render(w *bytes.Buffer, env *Env) error {
	w.WriteByte('[')
	for i, v := range n {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := v.render(w, env); err != nil {
			return err
		}
	}
	w.WriteByte(']')
	return nil
}

// valueNode is a string that is exactly one placeholder: its typed value.
type valueNode struct {
	path string
	prog *vm.Program
}

func (n *valueNode) render(w *bytes.Buffer, env *Env) error {
	v, err := runExpr(n.prog, env)
	if err != nil {
		return fmt.Errorf("%s: %w", n.path, err)
	}
	if sizeOf(v, 0, MaxRenderedBytes+1)+w.Len() > MaxRenderedBytes {
		return fmt.Errorf("%s: %w", n.path, errTooLarge)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: value is not representable in JSON: %w", n.path, err)
	}
	w.Write(b)
	return nil
}

// errTooLarge is a payload that would be larger than MaxRenderedBytes.
var errTooLarge = fmt.Errorf("the payload would be larger than %d bytes", MaxRenderedBytes)

// textNode is text with placeholders, rendered as a JSON string.
type textNode struct {
	path  string
	parts []textPart
}

type textPart struct {
	text string
	prog *vm.Program // nil for literal text
}

func (n *textNode) render(w *bytes.Buffer, env *Env) error {
	s, err := n.text(env)
	if err != nil {
		return err
	}
	if w.Len()+len(s) > MaxRenderedBytes {
		return fmt.Errorf("%s: %w", n.path, errTooLarge)
	}
	b, _ := json.Marshal(s)
	w.Write(b)
	return nil
}

func (n *textNode) text(env *Env) (string, error) {
	var sb strings.Builder
	for _, p := range n.parts {
		if p.prog == nil {
			sb.WriteString(p.text)
			continue
		}
		v, err := runExpr(p.prog, env)
		if err != nil {
			return "", fmt.Errorf("%s: %w", n.path, err)
		}
		if sizeOf(v, 0, MaxRenderedBytes+1)+sb.Len() > MaxRenderedBytes {
			return "", fmt.Errorf("%s: %w", n.path, errTooLarge)
		}
		s, err := textOf(v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", n.path, err)
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

// textOf is how a placeholder's value reads inside text: strings as they are,
// nothing for null, times in RFC 3339, everything else as JSON.
func textOf(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("value is not representable as text: %w", err)
	}
	return string(b), nil
}

// compileString compiles a template string. A string that is exactly one
// placeholder becomes a valueNode unless textOnly (header values are text).
func compileString(path, s string, textOnly bool) (node, error) {
	if !strings.Contains(s, "{{") {
		b, _ := json.Marshal(s)
		return literalNode(b), nil
	}
	if !textOnly && strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") && strings.Count(s, "{{") == 1 && len(s) >= 4 {
		prog, err := compilePlaceholder(path, s, 2, s[2:len(s)-2])
		if err != nil {
			return nil, err
		}
		return &valueNode{path: path, prog: prog}, nil
	}
	n := &textNode{path: path}
	rest, offset := s, 0
	for {
		open := strings.Index(rest, "{{")
		if open < 0 {
			if rest != "" {
				n.parts = append(n.parts, textPart{text: rest})
			}
			return n, nil
		}
		end := strings.Index(rest[open+2:], "}}")
		if end < 0 {
			return nil, &TemplateError{Path: path, Message: `"{{" is not closed by "}}"`, Line: 1, Column: offset + open + 1}
		}
		if open > 0 {
			n.parts = append(n.parts, textPart{text: rest[:open]})
		}
		src := rest[open+2 : open+2+end]
		prog, err := compilePlaceholder(path, s, offset+open+2, src)
		if err != nil {
			return nil, err
		}
		n.parts = append(n.parts, textPart{prog: prog})
		consumed := open + 2 + end + 2
		rest, offset = rest[consumed:], offset+consumed
	}
}

func compilePlaceholder(path, whole string, start int, src string) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &TemplateError{Path: path, Message: "empty placeholder", Line: 1, Column: start + 1}
	}
	prog, err := compileExpr(src, false)
	if err != nil {
		var ee *ExprError
		if errors.As(err, &ee) {
			// Place the expression's position within the whole string.
			line, col := ee.Line, ee.Column
			prefix := whole[:start]
			if line == 1 {
				lastNL := strings.LastIndexByte(prefix, '\n')
				col += len([]rune(prefix[lastNL+1:]))
			}
			line += strings.Count(prefix, "\n")
			return nil, &TemplateError{Path: path, Message: ee.Message, Line: line, Column: col}
		}
		return nil, &TemplateError{Path: path, Message: err.Error(), Line: 1, Column: start + 1}
	}
	return prog, nil
}

// HeaderTemplate is a compiled header value: text with placeholders.
type HeaderTemplate struct {
	n node
}

// CompileHeader compiles a header value template.
func CompileHeader(path, value string) (*HeaderTemplate, error) {
	n, err := compileString(path, value, true)
	if err != nil {
		return nil, err
	}
	return &HeaderTemplate{n: n}, nil
}

// Render returns the header value for env. A value that would hold a line
// break is an error: it could smuggle headers.
func (h *HeaderTemplate) Render(env *Env) (string, error) {
	var s string
	switch n := h.n.(type) {
	case literalNode:
		_ = json.Unmarshal(n, &s)
	case *textNode:
		var err error
		if s, err = n.text(env); err != nil {
			return "", err
		}
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("header value holds a line break")
	}
	return s, nil
}
