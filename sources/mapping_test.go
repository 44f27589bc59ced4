package sources_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tripline/tripline/sources"
)

func compileCustom(t testing.TB, raw string) (*sources.Compiled, []sources.FieldError) {
	t.Helper()
	m, err := sources.ParseMapping(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	return sources.Compile(m)
}

const shopMapping = `{
	"event": "kind", "id": {"path": "meta.delivery", "header": "X-Delivery"},
	"events": {
		"signup": {"type": "contact_updated", "fields": {
			"contact_id": "user.id", "contact.email": "user.email",
			"contact.custom_fields.plan": "user.plan", "contact.custom_fields.origin": {"value": "shop"}}},
		"label": {"type": "tag_applied", "fields": {"contact_id": "user.id", "tag": "label.name"}},
		"ticket.*": {"type": "custom", "fields": {"contact_id": "user.id", "name": {"path": "kind"}, "data": "ticket"}}
	}}`

func TestCustomMappingApplies(t *testing.T) {
	t.Parallel()
	c, errs := compileCustom(t, shopMapping)
	if errs != nil {
		t.Fatal(errs)
	}
	tests := []struct {
		body, header, want, wantID string
		ignored                    bool
	}{
		{body: `{"kind":"signup","meta":{"delivery":"d1"},"user":{"id":42,"email":"a@b.co","plan":"pro"}}`, wantID: "d1",
			want: `[{"type":"contact_updated","contact_id":"42","contact":{"custom_fields":{"origin":"shop","plan":"pro"},"email":"a@b.co"}}]`},
		{body: `{"kind":"label","user":{"id":"u1"},"label":{"name":"vip"}}`, header: "h9", wantID: "h9",
			want: `[{"type":"tag_applied","contact_id":"u1","tag":"vip"}]`},
		{body: `{"kind":"ticket.opened","user":{"id":"u1"},"ticket":{"n":7}}`,
			want: `[{"type":"custom","contact_id":"u1","name":"ticket.opened","data":{"n":7}}]`},
		{body: `{"kind":"ping"}`, ignored: true, want: `null`},
		{body: `[1,2]`, ignored: true, want: `null`},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set("X-Delivery", tt.header)
		}
		res, err := c.Apply(sources.Request{Body: []byte(tt.body), Header: h})
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		got, _ := json.Marshal(res.Events)
		if compact(t, string(got)) != compact(t, tt.want) || res.Ignored != tt.ignored || res.SenderID != tt.wantID {
			t.Errorf("%s: got %s ignored %v id %q; want %s ignored %v id %q", tt.body, got, res.Ignored, res.SenderID, tt.want, tt.ignored, tt.wantID)
		}
	}
}

func TestCustomMappingInvalidFieldsNameTheSendersPath(t *testing.T) {
	t.Parallel()
	c, _ := compileCustom(t, shopMapping)
	tests := []struct{ body, path, field string }{
		{`{"kind":"signup","user":{"id":"u1","email":7}}`, "user.email", "contact.email"},
		{`{"kind":"signup","user":{"email":"a@b.co"}}`, "user.id", "contact_id"},
		{`{"kind":"label","user":{"id":"u1"},"label":{"name":{"x":1}}}`, "label.name", "tag"},
		{`{"kind":"label","user":{"id":"u1"}}`, "label.name", "tag"},
		{`{"kind":"ticket.x","user":{"id":"u1"},"ticket":[1]}`, "ticket", "data"},
		{`not json`, "$", ""},
	}
	for _, tt := range tests {
		_, err := c.Apply(sources.Request{Body: []byte(tt.body)})
		var me *sources.MappingError
		if !errors.As(err, &me) {
			t.Fatalf("%s: err %v, want a MappingError", tt.body, err)
		}
		if me.Problems[0].Path != tt.path || me.Problems[0].Field != tt.field {
			t.Errorf("%s: problems %+v; want path %q field %q", tt.body, me.Problems, tt.path, tt.field)
		}
	}
}

func TestCompileRejectsBadMappings(t *testing.T) {
	t.Parallel()
	tests := []struct{ mapping, field, message string }{
		{`{"event":"e","events":{"a":{"type":"tag_applied","fields":{"contact_id":"u","tagg":"t"}}}}`, "mapping.events.a.fields.tagg", "not a field of tag_applied"},
		{`{"event":"e","events":{"a":{"type":"tag_aplied","fields":{"contact_id":"u"}}}}`, "mapping.events.a.type", "unknown Tripline event type"},
		{`{"event":"e","events":{"a":{"type":"tag_applied","fields":{"contact_id":"u[","tag":"t"}}}}`, "mapping.events.a.fields.contact_id", "bad gjson path"},
		{`{"event":"e..x","events":{"*":{"type":"contact_updated","fields":{"contact_id":"u"}}}}`, "mapping.event", "empty component"},
		{`{"event":"e","events":{"a":{"type":"contact_updated","fields":{"contact_id":"u","contact.emial":"x"}}}}`, "mapping.events.a.fields.contact.emial", "unknown contact field"},
		{`{"event":"e","events":{"a":{"type":"contact_updated","fields":{"contact.email":"x"}}}}`, "mapping.events.a.fields.contact_id", "is required"},
		{`{"events":{"a":{"type":"contact_updated","fields":{"contact_id":"u"}}}}`, "mapping.event", "is required"},
		{`{"event":"e","events":{}}`, "mapping.events", "at least one"},
		{`{"event":"@nosuch","events":{"*":{"type":"contact_updated","fields":{"contact_id":"u"}}}}`, "mapping.event", "unknown modifier"},
		{`{"event":"e","events":{"*":{"type":"contact_updated","fields":{"contact_id":{"header":"Bad Header"}}}}}`, "mapping.events.*.fields.contact_id.header", "header name"},
	}
	for _, tt := range tests {
		_, errs := compileCustom(t, tt.mapping)
		if len(errs) == 0 {
			t.Errorf("%s compiled", tt.mapping)
			continue
		}
		if errs[0].Field != tt.field || !strings.Contains(errs[0].Message, tt.message) {
			t.Errorf("%s: %v; want %s: …%s…", tt.mapping, errs, tt.field, tt.message)
		}
	}
	if _, err := sources.ParseMapping(json.RawMessage(`{"event":"e","evnts":{}}`)); err == nil {
		t.Error("an unknown key of a mapping parsed")
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	if k := sources.IdempotencyKey("src_1", "", 0); k != "" {
		t.Errorf("no sender id gave %q", k)
	}
	if k := sources.IdempotencyKey("src_1", "d1", 0); k != "src_1:d1" {
		t.Errorf("key %q", k)
	}
	long := sources.IdempotencyKey("src_1", strings.Repeat("x", 300), 0)
	if len(long) > 255 || !strings.HasPrefix(long, "src_1:sha256:") {
		t.Errorf("long key %q", long)
	}
}
