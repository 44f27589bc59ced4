package triggers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxCustomFieldName is the longest custom field name, in characters.
const MaxCustomFieldName = 100

// contactStrings are the string keys of a contact. info names the
// contact_info_updated "info" parameter a change of the key counts for ("" when
// the key is not contact info).
var contactStrings = []struct {
	key   string
	info  string
	field func(*Contact) *string
}{
	{"name", "name", func(c *Contact) *string { return &c.Name }},
	{"first_name", "name", func(c *Contact) *string { return &c.FirstName }},
	{"last_name", "name", func(c *Contact) *string { return &c.LastName }},
	{"email", "email", func(c *Contact) *string { return &c.Email }},
	{"phone", "phone", func(c *Contact) *string { return &c.Phone }},
	{"channel", "", func(c *Contact) *string { return &c.Channel }},
}

// patchOp applies one key of a contact patch.
type patchOp func(*Contact)

// patchKeys decode the keys a patch may set. Each returns the operation, or an
// error message about the key's value.
var patchKeys = func() map[string]func(raw json.RawMessage) (patchOp, string) {
	m := map[string]func(raw json.RawMessage) (patchOp, string){
		"subscribed": boolKey(func(c *Contact) *bool { return &c.Subscribed }),
		"banned":     boolKey(func(c *Contact) *bool { return &c.Banned }),
		"tags":       stringSet(func(c *Contact) *[]string { return &c.Tags }),
		"sequences":  stringSet(func(c *Contact) *[]string { return &c.Sequences }),
	}
	for _, f := range contactStrings {
		m[f.key] = func(raw json.RawMessage) (patchOp, string) {
			var s *string
			if json.Unmarshal(raw, &s) != nil {
				return nil, "must be a string or null"
			}
			v := ""
			if s != nil {
				v = *s
			}
			return func(c *Contact) { *f.field(c) = v }, ""
		}
	}
	return m
}()

// readOnlyKeys are contact keys a patch may not set, with the reason.
var readOnlyKeys = map[string]string{
	"conversation": "cannot be set through contact; send conversation_* events",
	"referred_by":  "cannot be set through contact; send a contact_referred event",
	"created_at":   "is kept by Tripline and cannot be set",
	"updated_at":   "is kept by Tripline and cannot be set",
}

var patchKeyList = strings.Join(slices.Sorted(maps.Keys(patchKeys)), ", ") + ", custom_fields, id"

// boolKey decodes a boolean key.
func boolKey(field func(*Contact) *bool) func(json.RawMessage) (patchOp, string) {
	return func(raw json.RawMessage) (patchOp, string) {
		var b bool
		if isNull(raw) || json.Unmarshal(raw, &b) != nil {
			return nil, "must be true or false"
		}
		return func(c *Contact) { *field(c) = b }, ""
	}
}

// stringSet decodes an array of strings that replaces a set: duplicates are
// dropped, first occurrence kept.
func stringSet(field func(*Contact) *[]string) func(json.RawMessage) (patchOp, string) {
	return func(raw json.RawMessage) (patchOp, string) {
		var v []string
		if isNull(raw) || json.Unmarshal(raw, &v) != nil {
			return nil, "must be an array of strings"
		}
		if slices.Contains(v, "") {
			return nil, "must not contain empty strings"
		}
		set := make([]string, 0, len(v))
		for _, s := range v {
			set = addTo(set, s)
		}
		return func(c *Contact) { *field(c) = slices.Clone(set) }, ""
	}
}

// decodePatch checks a contact patch and turns it into operations, applied in
// key order. A custom field set to null is removed.
func decodePatch(p ContactPatch, contactID string) ([]patchOp, []FieldError) {
	var (
		ops  []patchOp
		errs []FieldError
	)
	for _, key := range slices.Sorted(maps.Keys(p)) {
		raw, field := p[key], "contact."+key
		if dec, ok := patchKeys[key]; ok {
			op, msg := dec(raw)
			if msg != "" {
				errs = append(errs, FieldError{field, msg})
				continue
			}
			ops = append(ops, op)
			continue
		}
		switch key {
		case "id":
			var s string
			if json.Unmarshal(raw, &s) != nil || s != contactID {
				errs = append(errs, FieldError{field, "must equal contact_id when present"})
			}
		case "custom_fields":
			op, ferrs := decodeCustomFields(raw)
			if ferrs != nil {
				errs = append(errs, ferrs...)
				continue
			}
			ops = append(ops, op)
		default:
			msg, ok := readOnlyKeys[key]
			if !ok {
				msg = "not a contact field; the fields are " + patchKeyList
			}
			errs = append(errs, FieldError{field, msg})
		}
	}
	return ops, errs
}

func decodeCustomFields(raw json.RawMessage) (patchOp, []FieldError) {
	const field = "contact.custom_fields"
	var values map[string]any // a null value clears its field
	if isNull(raw) || json.Unmarshal(raw, &values) != nil {
		return nil, []FieldError{{field, "must be an object"}}
	}
	var errs []FieldError
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if name == "" {
			errs = append(errs, FieldError{field, "a custom field name must not be empty"})
		} else if utf8.RuneCountInString(name) > MaxCustomFieldName {
			errs = append(errs, FieldError{field, fmt.Sprintf("custom field name %.20q… is longer than %d characters", name, MaxCustomFieldName)})
		}
	}
	if errs != nil {
		return nil, errs
	}
	return func(c *Contact) {
		for name, v := range values {
			if v == nil {
				delete(c.CustomFields, name)
			} else {
				c.CustomFields[name] = v
			}
		}
	}, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// addTo adds s to the set, keeping the order of application.
func addTo(set []string, s string) []string {
	if slices.Contains(set, s) {
		return set
	}
	return append(set, s)
}
