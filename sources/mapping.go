package sources

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tripline/tripline/triggers"
)

// Mapping turns a sender's webhook JSON into inbound events (SPEC section
// 13). In JSON:
//
//	{"event": "event",                       // where the sender's event name is
//	 "id": "delivery_id",                    // the sender's delivery id: the idempotency key
//	 "events": {
//	   "new_lead": {"type": "contact_updated", "fields": {
//	     "contact_id": "lead.id", "contact.email": "lead.email",
//	     "contact.custom_fields.plan": {"value": "pro"}}},
//	   "*": {"type": "custom", "fields": {…}}}}
//
// A value is a gjson path of the body (a string), or an object: {"path":
// "a.b"} (or a list of paths, the first that exists wins), {"header":
// "X-Event"} (a request header), {"value": …} (a literal), combined in that
// order of preference. An event name key is exact, a prefix ending in ".*"
// ("chat.*") or "*" (any other); the most specific wins. A name that matches
// no key is ignored.
type Mapping struct {
	Event  *Value              `json:"event,omitempty"`
	ID     *Value              `json:"id,omitempty"`
	Events map[string]EventMap `json:"events"`
}

// EventMap is the Tripline event one sender event becomes.
type EventMap struct {
	Type   string           `json:"type"`
	Fields map[string]Value `json:"fields"`
}

// Value is where one mapped value comes from.
type Value struct {
	Paths  []string        // gjson paths of the body, first existing wins
	Header string          // a request header, when no path exists
	Lit    json.RawMessage // a literal, when neither exists; nil for none
}

// UnmarshalJSON reads a path string or a {"path", "header", "value"} object.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Value{Paths: []string{s}}
		return nil
	}
	var o struct {
		Path   json.RawMessage `json:"path"`
		Header string          `json:"header"`
		Value  json.RawMessage `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return fmt.Errorf("a value is a gjson path (a string) or an object of path, header and value: %w", err)
	}
	*v = Value{Header: o.Header, Lit: o.Value}
	if len(o.Path) > 0 && string(o.Path) != "null" {
		var one string
		if json.Unmarshal(o.Path, &one) == nil {
			v.Paths = []string{one}
		} else if err := json.Unmarshal(o.Path, &v.Paths); err != nil {
			return fmt.Errorf("path must be a string or a list of strings")
		}
	}
	return nil
}

// MarshalJSON writes a lone path as a string, anything else as an object.
func (v Value) MarshalJSON() ([]byte, error) {
	if len(v.Paths) == 1 && v.Header == "" && v.Lit == nil {
		return json.Marshal(v.Paths[0])
	}
	o := map[string]any{}
	switch len(v.Paths) {
	case 0:
	case 1:
		o["path"] = v.Paths[0]
	default:
		o["path"] = v.Paths
	}
	if v.Header != "" {
		o["header"] = v.Header
	}
	if v.Lit != nil {
		o["value"] = v.Lit
	}
	return json.Marshal(o)
}

// ParseMapping decodes a mapping strictly (unknown fields are errors).
func ParseMapping(raw json.RawMessage) (Mapping, error) {
	var m Mapping
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// MaxPathLength is the longest gjson path a mapping may hold.
const MaxPathLength = 512

// fieldKind is how a mapped value is read into an event field.
type fieldKind int

const (
	kindString fieldKind = iota
	kindInt
	kindMessages
	kindObject
	kindTime
	kindContactKey    // contact.<key>
	kindCustomFields  // contact.custom_fields (an object merged key by key)
	kindCustomField   // contact.custom_fields.<name>
	kindDataKey       // data.<key>
	kindContactObject // contact (a whole partial state)
)

// stringFields set the string fields of an event, by JSON name.
var stringFields = map[string]func(e *triggers.Event, s string){
	"contact_id":          func(e *triggers.Event, s string) { e.ContactID = s },
	"tag":                 func(e *triggers.Event, s string) { e.Tag = s },
	"conversation_id":     func(e *triggers.Event, s string) { e.ConversationID = s },
	"by":                  func(e *triggers.Event, s string) { e.By = s },
	"assignee":            func(e *triggers.Event, s string) { e.Assignee = s },
	"summary":             func(e *triggers.Event, s string) { e.Summary = s },
	"sequence_id":         func(e *triggers.Event, s string) { e.SequenceID = s },
	"sequence_name":       func(e *triggers.Event, s string) { e.SequenceName = s },
	"referred_contact_id": func(e *triggers.Event, s string) { e.ReferredContactID = s },
	"ref_name":            func(e *triggers.Event, s string) { e.RefName = s },
	"reflink_id":          func(e *triggers.Event, s string) { e.ReflinkID = s },
	"message_id":          func(e *triggers.Event, s string) { e.MessageID = s },
	"author":              func(e *triggers.Event, s string) { e.Author = s },
	"text":                func(e *triggers.Event, s string) { e.Text = s },
	"comment":             func(e *triggers.Event, s string) { e.Comment = s },
	"name":                func(e *triggers.Event, s string) { e.Name = s },
	"message.id":          func(e *triggers.Event, s string) { inboundMessage(e).ID = s },
	"message.text":        func(e *triggers.Event, s string) { inboundMessage(e).Text = s },
}

// inboundMessage returns the event's offline message, made when absent.
func inboundMessage(e *triggers.Event) *triggers.InboundMessage {
	if e.Message == nil {
		e.Message = &triggers.InboundMessage{}
	}
	return e.Message
}

// intFields set the whole-number fields of an event.
var intFields = map[string]func(e *triggers.Event, n int){
	"message_count":    func(e *triggers.Event, n int) { e.MessageCount = &n },
	"duration_seconds": func(e *triggers.Event, n int) { e.DurationSeconds = &n },
	"rating":           func(e *triggers.Event, n int) { e.Rating = n },
}

// Compiled is a checked mapping, ready to apply.
type Compiled struct {
	event, id *compiledValue
	exact     map[string]*compiledEvent
	prefixes  []*compiledEvent // "chat.*" entries, longest prefix first
	fallback  *compiledEvent   // "*"
}

type compiledEvent struct {
	key    string // the events key: "new_lead", "chat.*", "*"
	prefix string // for a "x.*" key, "x."
	typ    string
	fields []compiledField
}

type compiledField struct {
	field string // the Tripline field: "contact.email"
	name  string // for contact.<key>, data.<key>, contact.custom_fields.<name>: the key
	kind  fieldKind
	value compiledValue
}

type compiledValue struct {
	paths  []string
	header string
	lit    gjson.Result
	hasLit bool
}

// Compile checks a mapping and compiles it. Problems are FieldErrors named
// "mapping.…", each naming the bad path or field.
func Compile(m Mapping) (*Compiled, []FieldError) {
	var errs []FieldError
	c := &Compiled{exact: map[string]*compiledEvent{}}
	if m.Event != nil {
		v, e := compileValue("mapping.event", *m.Event)
		c.event, errs = &v, append(errs, e...)
	}
	if m.ID != nil {
		v, e := compileValue("mapping.id", *m.ID)
		c.id, errs = &v, append(errs, e...)
	}
	if len(m.Events) == 0 {
		errs = append(errs, FieldError{"mapping.events", `must map at least one sender event name (or "*") to a Tripline event`})
	}
	keys := make([]string, 0, len(m.Events))
	for k := range m.Events {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ce, e := compileEvent("mapping.events."+k, k, m.Events[k])
		errs = append(errs, e...)
		switch {
		case k == "*":
			c.fallback = ce
		case strings.HasSuffix(k, ".*"):
			ce.prefix = strings.TrimSuffix(k, "*")
			c.prefixes = append(c.prefixes, ce)
		case k == "":
			errs = append(errs, FieldError{"mapping.events", `an event name key must not be empty; use "*" for any event`})
		default:
			c.exact[k] = ce
		}
	}
	if m.Event == nil && (len(c.exact) > 0 || len(c.prefixes) > 0) {
		errs = append(errs, FieldError{"mapping.event", `is required when events names sender events other than "*": the path of the sender's event name`})
	}
	sort.SliceStable(c.prefixes, func(i, j int) bool { return len(c.prefixes[i].prefix) > len(c.prefixes[j].prefix) })
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func compileEvent(at, key string, em EventMap) (*compiledEvent, []FieldError) {
	ce := &compiledEvent{key: key, typ: em.Type}
	var errs []FieldError
	own, ok := triggers.EventFields(em.Type)
	if em.Type == "" {
		errs = append(errs, FieldError{at + ".type", "is required: the Tripline event type, one of " + strings.Join(triggers.EventTypes(), ", ")})
	} else if !ok {
		errs = append(errs, FieldError{at + ".type", fmt.Sprintf("unknown Tripline event type %q; one of %s", em.Type, strings.Join(triggers.EventTypes(), ", "))})
	}
	if _, has := em.Fields["contact_id"]; !has {
		errs = append(errs, FieldError{at + ".fields.contact_id", "is required: the path of the sender's contact (visitor, lead) id"})
	}
	names := make([]string, 0, len(em.Fields))
	for f := range em.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	contactKeys := triggers.ContactPatchKeys()
	for _, f := range names {
		fat := at + ".fields." + f
		cf := compiledField{field: f}
		switch {
		case f == "contact_id" || (stringFields[f] != nil && slices.Contains(own, f)):
			cf.kind = kindString
		case stringFields[f] != nil && strings.HasPrefix(f, "message.") && slices.Contains(own, "message"):
			cf.kind = kindString // offline_message_created: message.id, message.text
		case intFields[f] != nil && slices.Contains(own, f):
			cf.kind = kindInt
		case f == "messages" && slices.Contains(own, f):
			cf.kind = kindMessages
		case f == "data" && slices.Contains(own, f):
			cf.kind = kindObject
		case strings.HasPrefix(f, "data.") && slices.Contains(own, "data") && len(f) > len("data."):
			cf.kind, cf.name = kindDataKey, f[len("data."):]
		case f == "occurred_at":
			cf.kind = kindTime
		case f == "contact":
			cf.kind = kindContactObject
		case f == "contact.custom_fields":
			cf.kind = kindCustomFields
		case strings.HasPrefix(f, "contact.custom_fields."):
			cf.kind, cf.name = kindCustomField, f[len("contact.custom_fields."):]
			if n := len([]rune(cf.name)); n == 0 || n > triggers.MaxCustomFieldName {
				errs = append(errs, FieldError{fat, fmt.Sprintf("a custom field name has 1 to %d characters", triggers.MaxCustomFieldName)})
				continue
			}
		case strings.HasPrefix(f, "contact.") && slices.Contains(contactKeys, f[len("contact."):]):
			cf.kind, cf.name = kindContactKey, f[len("contact."):]
		case strings.HasPrefix(f, "contact."):
			errs = append(errs, FieldError{fat, "unknown contact field; one of " + strings.Join(contactKeys, ", ") + ", custom_fields, custom_fields.NAME"})
			continue
		default:
			if ok {
				errs = append(errs, FieldError{fat, fmt.Sprintf("not a field of %s events; its fields: contact_id, occurred_at, contact.…%s", em.Type, listOrNone(own))})
			}
			continue
		}
		v, e := compileValue(fat, em.Fields[f])
		errs = append(errs, e...)
		cf.value = v
		ce.fields = append(ce.fields, cf)
	}
	return ce, errs
}

func listOrNone(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	return ", " + strings.Join(fields, ", ")
}

func compileValue(at string, v Value) (compiledValue, []FieldError) {
	var errs []FieldError
	cv := compiledValue{paths: v.Paths, header: v.Header}
	if len(v.Paths) == 0 && v.Header == "" && v.Lit == nil {
		errs = append(errs, FieldError{at, "needs a path, a header or a value"})
	}
	for i, p := range v.Paths {
		if msg := checkPath(p); msg != "" {
			pat := at
			if len(v.Paths) > 1 {
				pat = fmt.Sprintf("%s.path[%d]", at, i)
			}
			errs = append(errs, FieldError{pat, fmt.Sprintf("bad gjson path %q: %s", p, msg)})
		}
	}
	if v.Header != "" && !validHeaderName(v.Header) {
		errs = append(errs, FieldError{at + ".header", "must be an HTTP header name"})
	}
	if v.Lit != nil {
		if !json.Valid(v.Lit) {
			errs = append(errs, FieldError{at + ".value", "must be JSON"})
		}
		cv.lit, cv.hasLit = gjson.ParseBytes(v.Lit), true
	}
	return cv, errs
}

// checkPath returns why p is not a gjson path Tripline takes, or "".
// gjson itself never fails: a path it cannot read just finds nothing, so the
// mistakes worth catching at save are checked here.
func checkPath(p string) string {
	if p == "" {
		return "is empty"
	}
	if len(p) > MaxPathLength {
		return fmt.Sprintf("is longer than %d bytes", MaxPathLength)
	}
	var stack []byte
	inStr := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c < 0x20:
			return "holds a control character"
		case c == '\\':
			i++
			if i == len(p) {
				return "ends with a lone backslash"
			}
		case inStr:
			if c == '"' {
				inStr = false
			}
		case c == '"' && len(stack) > 0:
			inStr = true
		case c == '[' || c == '{' || c == '(':
			stack = append(stack, c)
		case c == ']' || c == '}' || c == ')':
			open := map[byte]byte{']': '[', '}': '{', ')': '('}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return fmt.Sprintf("unbalanced %q at byte %d", c, i+1)
			}
			stack = stack[:len(stack)-1]
		case c == '@' && (i == 0 || p[i-1] == '.' || p[i-1] == '|'):
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '|' && p[j] != ':' {
				j++
			}
			if name := p[i+1 : j]; !gjson.ModifierExists(name, nil) {
				return fmt.Sprintf("unknown modifier @%s", name)
			}
		case (c == '.' || c == '|') && (i == 0 || i == len(p)-1 || p[i-1] == '.' || p[i-1] == '|') && len(stack) == 0:
			return fmt.Sprintf("empty component at byte %d", i+1)
		}
	}
	if inStr {
		return "unterminated string"
	}
	if len(stack) > 0 {
		return fmt.Sprintf("unclosed %q", stack[len(stack)-1])
	}
	return ""
}

// Request is one inbound request as the mapping reads it.
type Request struct {
	Body   []byte
	Header http.Header
}

// Result is what a request maps to.
type Result struct {
	EventName string // the sender's event name; "" when the mapping reads none
	SenderID  string // the sender's delivery id; "" when none
	Ignored   bool   // no events key matches EventName
	Events    []triggers.Event
}

// MappingError is a request whose mapped fields are not valid; it is
// answered 422 and kept in the request log.
type MappingError struct {
	EventName string
	Problems  []Problem
}

// Problem is one invalid mapped field: Path is where in the sender's
// request it came from ("lead.email", "header X-OWC-Event"), Field the
// Tripline field it was mapped to.
type Problem struct {
	Path    string `json:"path"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *MappingError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + " (" + p.Field + "): " + p.Message
	}
	return strings.Join(parts, "; ")
}

// ErrNotJSON is a body that is not JSON.
var ErrNotJSON = &MappingError{Problems: []Problem{{Path: "$", Field: "", Message: "the body is not JSON"}}}

// Apply maps one request. A body that is not valid JSON, or whose mapped
// fields are not valid events, is a *MappingError. Apply never panics on
// any body.
func (c *Compiled) Apply(r Request) (Result, error) {
	if !gjson.ValidBytes(r.Body) {
		return Result{}, ErrNotJSON
	}
	body := string(r.Body)
	var res Result
	if c.event != nil {
		v, _, _ := c.event.resolve(body, r.Header)
		res.EventName = textOf(v)
	}
	if c.id != nil {
		v, _, _ := c.id.resolve(body, r.Header)
		res.SenderID = textOf(v)
		if v.IsArray() || v.IsObject() {
			res.SenderID = v.Raw // a multipath: [event,lead.id]
		}
	}
	ce := c.lookup(res.EventName)
	if ce == nil {
		res.Ignored = true
		return res, nil
	}
	ev, problems := ce.build(body, r.Header)
	for _, fe := range ev.Validate() {
		problems = append(problems, ce.problem(body, r.Header, fe.Field, fe.Message))
	}
	if len(problems) > 0 {
		return res, &MappingError{EventName: res.EventName, Problems: problems}
	}
	res.Events = []triggers.Event{ev}
	return res, nil
}

func (c *Compiled) lookup(name string) *compiledEvent {
	if ce := c.exact[name]; ce != nil {
		return ce
	}
	for _, ce := range c.prefixes {
		if strings.HasPrefix(name, ce.prefix) {
			return ce
		}
	}
	return c.fallback
}

// resolve finds a value: the first path that exists, else the header, else
// the literal. where says which, for messages.
func (v *compiledValue) resolve(body string, h http.Header) (gjson.Result, string, bool) {
	for _, p := range v.paths {
		if r := gjson.Get(body, p); r.Exists() {
			return r, p, true
		}
	}
	if v.header != "" {
		if s := h.Get(v.header); s != "" {
			return gjson.Result{Type: gjson.String, Str: s}, "header " + v.header, true
		}
	}
	if v.hasLit {
		return v.lit, "value", true
	}
	return gjson.Result{}, v.describe(), false
}

// describe names where a value is read from, for a message about a value
// that was not found.
func (v *compiledValue) describe() string {
	var parts []string
	parts = append(parts, v.paths...)
	if v.header != "" {
		parts = append(parts, "header "+v.header)
	}
	return strings.Join(parts, " or ")
}

// textOf is a value as text: a string as is, a number as written, else "".
func textOf(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number:
		return r.Raw
	}
	return ""
}

func (ce *compiledEvent) build(body string, h http.Header) (triggers.Event, []Problem) {
	ev := triggers.Event{Type: ce.typ}
	var problems []Problem
	var contact, custom map[string]json.RawMessage
	fail := func(where string, f *compiledField, msg string) {
		problems = append(problems, Problem{Path: where, Field: f.field, Message: msg})
	}
	for i := range ce.fields {
		f := &ce.fields[i]
		r, where, ok := f.value.resolve(body, h)
		if !ok || r.Type == gjson.Null {
			continue
		}
		switch f.kind {
		case kindString:
			s := textOf(r)
			if s == "" && r.Type != gjson.String {
				fail(where, f, "must be a string or a number, not "+typeName(r))
				continue
			}
			if f.field == "contact_id" {
				ev.ContactID = s
			} else {
				stringFields[f.field](&ev, s)
			}
		case kindInt:
			n, ok := wholeNumber(r)
			if !ok {
				fail(where, f, "must be a whole number, not "+typeName(r))
				continue
			}
			intFields[f.field](&ev, n)
		case kindMessages:
			if !r.IsArray() {
				fail(where, f, "must be an array of objects, not "+typeName(r))
				continue
			}
			msgs := []map[string]any{}
			for _, m := range r.Array() {
				if !m.IsObject() {
					fail(where, f, "must be an array of objects; it holds "+typeName(m))
					break
				}
				obj, _ := m.Value().(map[string]any)
				msgs = append(msgs, obj)
			}
			ev.Messages = msgs
		case kindObject:
			if !r.IsObject() {
				fail(where, f, "must be an object, not "+typeName(r))
				continue
			}
			obj, _ := r.Value().(map[string]any)
			ev.Data = mergeInto(ev.Data, obj)
		case kindDataKey:
			ev.Data = mergeInto(ev.Data, map[string]any{f.name: r.Value()})
		case kindTime:
			t, ok := timeOf(r)
			if !ok {
				fail(where, f, "must be an RFC 3339 time or unix seconds")
				continue
			}
			ev.OccurredAt = &t
		case kindContactObject, kindCustomFields:
			if !r.IsObject() {
				fail(where, f, "must be an object, not "+typeName(r))
				continue
			}
			dst := &contact
			if f.kind == kindCustomFields {
				dst = &custom
			}
			r.ForEach(func(k, v gjson.Result) bool {
				*dst = setRaw(*dst, k.Str, v.Raw)
				return true
			})
		case kindContactKey:
			contact = setRaw(contact, f.name, r.Raw)
		case kindCustomField:
			custom = setRaw(custom, f.name, r.Raw)
		}
	}
	if custom != nil {
		b, _ := json.Marshal(custom) // json.RawMessage values taken from a valid document
		contact = setRaw(contact, "custom_fields", string(b))
	}
	if contact != nil {
		ev.Contact = triggers.ContactPatch(contact)
	}
	return ev, problems
}

// problem turns a Validate message about a Tripline field into one naming
// the sender's path: the mapped field that field is, or starts with.
func (ce *compiledEvent) problem(body string, h http.Header, field, msg string) Problem {
	var best *compiledField
	for i := range ce.fields {
		f := &ce.fields[i]
		if f.field == field || strings.HasPrefix(field, f.field+".") || strings.HasPrefix(f.field, field+".") {
			if best == nil || len(f.field) > len(best.field) {
				best = f
			}
		}
	}
	if best == nil {
		return Problem{Path: "(not mapped)", Field: field, Message: msg + "; map it in events." + ce.key + ".fields"}
	}
	_, where, found := best.value.resolve(body, h)
	if !found {
		msg += " (nothing at " + where + ")"
	}
	return Problem{Path: where, Field: field, Message: msg}
}

func setRaw(m map[string]json.RawMessage, k, raw string) map[string]json.RawMessage {
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	m[k] = json.RawMessage(raw)
	return m
}

func mergeInto(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = make(map[string]any, len(src))
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

func wholeNumber(r gjson.Result) (int, bool) {
	var f float64
	switch r.Type {
	case gjson.Number:
		f = r.Num
	case gjson.String:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(r.Str), 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
		return 0, false
	}
	return int(f), true
}

func timeOf(r gjson.Result) (time.Time, bool) {
	switch r.Type {
	case gjson.Number:
		if r.Num < 0 || r.Num > 1e11 || math.IsNaN(r.Num) {
			return time.Time{}, false
		}
		sec, frac := math.Modf(r.Num)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	case gjson.String:
		t, err := time.Parse(time.RFC3339Nano, r.Str)
		return t.UTC(), err == nil && t.Year() > 0 && t.Year() < 10000
	}
	return time.Time{}, false
}

func typeName(r gjson.Result) string {
	switch {
	case r.IsObject():
		return "an object"
	case r.IsArray():
		return "an array"
	}
	switch r.Type {
	case gjson.String:
		return "a string"
	case gjson.Number:
		return "a number"
	case gjson.True, gjson.False:
		return "a boolean"
	}
	return "null"
}

// IdempotencyKey returns the event id (idempotency key) of the index-th
// event a sender's delivery id became, unique per source: the source id,
// the delivery id and the index, hashed when that would exceed
// triggers.MaxIDLength.
func IdempotencyKey(sourceID, senderID string, index int) string {
	if senderID == "" {
		return ""
	}
	k := sourceID + ":" + senderID
	if index > 0 {
		k += "#" + strconv.Itoa(index)
	}
	if len([]rune(k)) > triggers.MaxIDLength {
		sum := sha256.Sum256([]byte(k))
		k = sourceID + ":sha256:" + hex.EncodeToString(sum[:])
	}
	return k
}
