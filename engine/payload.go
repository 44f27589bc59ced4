package engine

import (
	"bytes"
	"encoding/json"

	"github.com/tripline/tripline/triggers"
)

// DefaultPayload is the payload of a webhook action without a body template
// (SPEC section 6): a superset of ChatbotX's flat payload, keys in a fixed order.
func DefaultPayload(workspaceID string, te *triggers.TriggerEvent, rule RuleEnv) (json.RawMessage, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	put := func(key string, v any) error {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		buf.Write(kb)
		buf.WriteByte(':')
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(b)
		return nil
	}
	fields := te.FieldsMap()
	spec, _ := triggers.Lookup(te.Type)
	type kv struct {
		k string
		v any
	}
	// A trigger Tripline raises itself (endpoint_disabled) is about no contact:
	// contact_id and contact are null rather than an empty state.
	var contactID, contact any
	if te.ContactID != "" {
		contactID, contact = te.ContactID, te.Contact
	}
	pairs := []kv{
		{"id", te.ID}, {"event", te.Type}, {"timestamp", te.Timestamp.UTC().Format(triggers.TimestampFormat)},
		{"workspace_id", workspaceID}, {"contact_id", contactID},
	}
	for _, name := range spec.Fields {
		pairs = append(pairs, kv{name, fields[name]})
	}
	pairs = append(pairs, kv{"contact", contact}, kv{"rule", map[string]string{"id": rule.ID, "name": rule.Name}})
	for _, p := range pairs {
		if err := put(p.k, p.v); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
