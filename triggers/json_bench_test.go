package triggers

import (
	"encoding/json"
	"testing"
	"time"
)

// benchContact is a contact of typical size: a few tags, custom fields and a
// conversation.
func benchContact() Contact {
	at := time.Date(2026, 11, 22, 10, 0, 0, 123_000_000, time.UTC)
	return Contact{
		ID: "c_12345", Name: "Zoë O'Neil", FirstName: "Zoë", LastName: "O'Neil", Email: "zoe@example.com", Phone: "+33612345678",
		Channel: "whatsapp", Tags: []string{"vip", "Order Closed"}, Subscribed: true,
		CustomFields: map[string]any{"budget": 10000.0, "plan": "pro", "items": []any{"a", "b"}, "score": 0.25},
		Conversation: &Conversation{ID: "cv_1", Status: StatusOpen, Handler: HandlerBot},
		Sequences:    []string{}, CreatedAt: at, UpdatedAt: at.Add(time.Minute),
	}
}

// BenchmarkMarshal measures writing a contact and a trigger event (with its
// contact and previous state) as JSON, as ingest stores them.
//
//	go test ./triggers -run '^$' -bench Marshal
func BenchmarkMarshal(b *testing.B) {
	c := benchContact()
	prev := c.Clone()
	prev.Tags = prev.Tags[:1]
	te := TriggerEvent{ID: "evt_1", Type: TriggerTagApplied, Timestamp: c.UpdatedAt, ContactID: c.ID,
		Contact: c, Previous: prev, Fields: Fields{Tag: "Order Closed"}}
	b.Run("contact", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("trigger_event", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(te); err != nil {
				b.Fatal(err)
			}
		}
	})
	// As ingest stores them: AppendJSON into a buffer used again, without
	// json.Marshal's compaction.
	b.Run("contact_append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = c.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("trigger_event_append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = te.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
