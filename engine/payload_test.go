package engine

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/tripline/tripline/triggers"
)

// reflectDefaultPayload is DefaultPayload as it was written with
// json.Marshal, value by value: the bytes the fast one must keep, since
// payloads are signed.
func reflectDefaultPayload(workspaceID string, te *triggers.TriggerEvent, rule RuleEnv) (json.RawMessage, error) {
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

func TestDefaultPayloadBytes(t *testing.T) {
	t.Parallel()
	odd := "<Zoë> & \"co\"\n\u2028\xff"
	for _, spec := range triggers.Catalogue() {
		for _, variant := range []func(te *triggers.TriggerEvent){
			func(*triggers.TriggerEvent) {},
			func(te *triggers.TriggerEvent) { te.ContactID = "" },
			func(te *triggers.TriggerEvent) {
				te.ID, te.Contact.Name, te.Contact.Tags, te.Contact.CustomFields = odd, odd, nil, map[string]any{odd: odd, "n": 1e-7}
				te.Fields = triggers.Fields{Tag: odd, Changed: []string{"name"}, ConversationID: odd, Summary: odd, MessageCount: 3,
					Messages: []map[string]any{{"text": odd}}, CustomField: &triggers.CustomFieldChange{Name: odd, OldValue: 1.5, NewValue: nil},
					Message: &triggers.Message{ID: "m", Author: "agent", Text: odd}, Data: map[string]any{"b": []any{odd, true}},
					FieldValue: "2026-11-22", ScheduledFor: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), Rating: 5}
				te.Contact.Conversation = &triggers.Conversation{ID: "cv", Status: triggers.StatusOpen, Assignee: odd}
			},
		} {
			te := sampleEvent()
			te.Type = spec.Type
			variant(&te)
			rule := RuleEnv{ID: "rul_1", Name: odd}
			want, err := reflectDefaultPayload("ws_1", &te, rule)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DefaultPayload("ws_1", &te, rule)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: DefaultPayload = %s, %v\nwant %s", spec.Type, got, err, want)
			}
		}
	}
	te := sampleEvent()
	te.Contact.CustomFields = map[string]any{"f": func() {}}
	if _, err := DefaultPayload("ws_1", &te, RuleEnv{}); err == nil {
		t.Error("a contact that cannot be written: no error")
	}
}
