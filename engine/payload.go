package engine

import (
	"encoding/json"

	"github.com/tripline/tripline/internal/jsonenc"
	"github.com/tripline/tripline/triggers"
)

// DefaultPayload is the payload of a webhook action without a body template
// (SPEC section 6): a superset of ChatbotX's flat payload, keys in a fixed
// order. It is written without reflection, byte for byte as json.Marshal
// wrote each value: the bytes are signed, and receivers may have pinned them.
func DefaultPayload(workspaceID string, te *triggers.TriggerEvent, rule RuleEnv) (json.RawMessage, error) {
	b := make([]byte, 0, 1024)
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, te.ID)
	b = append(b, `,"event":`...)
	b = jsonenc.String(b, te.Type)
	b = append(b, `,"timestamp":`...)
	b = jsonenc.String(b, te.Timestamp.UTC().Format(triggers.TimestampFormat))
	b = append(b, `,"workspace_id":`...)
	b = jsonenc.String(b, workspaceID)
	// A trigger Tripline raises itself (endpoint_disabled) is about no contact:
	// contact_id and contact are null rather than an empty state.
	b = append(b, `,"contact_id":`...)
	if te.ContactID == "" {
		b = append(b, "null"...)
	} else {
		b = jsonenc.String(b, te.ContactID)
	}
	// An event that came through an inbound source carries it (SPEC
	// section 13); the payloads of POST /v1/events are unchanged.
	if te.Source != nil {
		b = te.Source.AppendJSON(append(b, `,"source":`...))
	}
	var err error
	if spec, _ := triggers.Lookup(te.Type); len(spec.Fields) > 0 {
		fields := te.FieldsMap()
		for _, name := range spec.Fields {
			b = append(jsonenc.String(append(b, ','), name), ':')
			if b, err = jsonenc.Value(b, fields[name]); err != nil {
				return nil, err
			}
		}
	}
	b = append(b, `,"contact":`...)
	if te.ContactID == "" {
		b = append(b, "null"...)
	} else if b, err = te.Contact.AppendJSON(b); err != nil {
		return nil, err
	}
	b = append(b, `,"rule":{"id":`...)
	b = jsonenc.String(b, rule.ID)
	b = append(b, `,"name":`...)
	b = jsonenc.String(b, rule.Name)
	return append(b, "}}"...), nil
}
