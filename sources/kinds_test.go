package sources_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/tripline/tripline/sources"
)

// sample reads a platform's documented payload from testdata/samples.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %s: %v", s, err)
	}
	return b.String()
}

func TestBuiltinKindsMapDocumentedSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, file string
		header     http.Header
		wantName   string
		wantID     string
		want       string // the events, as JSON
	}{
		{kind: "chatonbo", file: "chatonbo_new_lead.json", wantName: "new_lead",
			wantID: `["new_lead","f9e8d7c6-b5a4-3210-fedc-ba0987654321","c1d2e3f4-a5b6-7890-cdef-ab1234567890"]`,
			want: `[{"type":"contact_updated","contact_id":"f9e8d7c6-b5a4-3210-fedc-ba0987654321","occurred_at":"2026-03-19T14:32:00Z",
				"contact":{"channel":"web","custom_fields":{"page_url":"https://example.com/pricing"},"email":"john@example.com","name":"John Smith","phone":"+1-555-123-4567"}}]`},
		{kind: "chatonbo", file: "chatonbo_new_conversation.json", wantName: "new_conversation",
			want: `[{"type":"conversation_opened","contact_id":"sess_5f2c","occurred_at":"2026-03-19T14:30:00Z",
				"contact":{"channel":"web","custom_fields":{"page_url":"https://example.com/pricing"}},"conversation_id":"c1d2e3f4-a5b6-7890-cdef-ab1234567890","by":"visitor"}]`},
		{kind: "chatonbo", file: "chatonbo_conversation_ended.json", wantName: "conversation_ended",
			want: `[{"type":"conversation_closed","contact_id":"f9e8d7c6-b5a4-3210-fedc-ba0987654321","occurred_at":"2026-03-19T14:40:00Z",
				"contact":{"channel":"web","custom_fields":{"page_url":"https://example.com/pricing"},"email":"john@example.com","name":"John Smith","phone":"+1-555-123-4567"},
				"conversation_id":"c1d2e3f4-a5b6-7890-cdef-ab1234567890","summary":"Visitor asked about pricing plans and requested a demo.","message_count":8,"duration_seconds":480}]`},
		{kind: "pollybot", file: "pollybot_lead_created.json", wantName: "LEAD_CREATED", wantID: `["LEAD_CREATED","clp123abc456",1699123456]`,
			want: `[{"type":"contact_updated","contact_id":"clp123abc456","occurred_at":"2023-11-04T18:44:16Z",
				"contact":{"custom_fields":{"budget":"10000","company":"Acme Corp","lead_source":"chat_widget","lead_status":"NEW","priority":"MEDIUM","timeline":"Q1 2024","urgency":"medium"},
				"email":"john@example.com","name":"John Doe","phone":"+1234567890","tags":["website", "inquiry"]}}]`},
		{kind: "pollybot", file: "pollybot_test_receiver.json", wantName: "LEAD_CREATED",
			want: `[{"type":"contact_updated","contact_id":"lead_123","contact":{"email":"john@example.com","name":"John Doe","phone":"+1234567890"}}]`},
		{kind: "chat-data", file: "chat-data_chat.json", header: http.Header{"X-Chat-Data-Topic": {"chat"}}, wantName: "chat",
			want: `[{"type":"message_created","contact_id":"28239132-671d-4b1f-9d43-1c7b70985ede",
				"contact":{"custom_fields":{"chatbot_id":"654aee418bc9a33b0e50d0ad"}},"conversation_id":"dbf24043-83a6-47fb-b241-9865de3877c9",
				"author":"ai","text":"You can follow the [guide]( to integrate your chatbot with Discord.",
				"data":{"chatbot_id":"654aee418bc9a33b0e50d0ad","client_ip":"xx.xx.xx.xx","cost_credits":20,
				"messages":[{"content":"👋 Hello there! I'm Chat Data AI, your go-to source for all things about Chat Data!","role":"assistant"},{"content":"By the way, you can create a chatbot like me for your website! 😮","role":"assistant"},{"content":"How to integrate with Discord?","role":"user"}],
				"score":0.8503905227042547,"source":"widget"}}]`},
		{kind: "onwebchat", file: "onwebchat_chat_closed.json", header: http.Header{"X-Owc-Event": {"chat.closed"}, "X-Owc-Delivery": {"ignored-body-wins"}},
			wantName: "chat.closed", wantID: "dlv_7f3a",
			want: `[{"type":"conversation_closed","contact_id":"v_42","occurred_at":"2026-11-30T09:15:00Z",
				"contact":{"channel":"web","custom_fields":{"labels":["sales"],"notes":"wholesale"},"email":"ana@example.com","name":"Ana Silva","phone":"+351912345678"},
				"conversation_id":"chat_881","message_count":2,
				"messages":[{"at":"2026-11-30T09:10:00Z","author":"visitor","text":"Do you ship to Canada?"},{"at":"2026-11-30T09:11:00Z","author":"agent","text":"Yes, within 5 days."}]}]`},
		{kind: "onwebchat", file: "onwebchat_message_created.json", header: http.Header{"X-Owc-Delivery": {"d_9"}},
			wantName: "message.created", wantID: "d_9",
			want: `[{"type":"message_created","contact_id":"v_42","occurred_at":"2026-11-30T09:10:00Z","contact":{"channel":"web","name":"Ana Silva"},
				"conversation_id":"chat_881","message_id":"m_1","author":"visitor","text":"Do you ship to Canada?"}]`},
		{kind: "onwebchat", file: "onwebchat_chat_rated.json", wantName: "chat.rated",
			want: `[{"type":"chat_rated","contact_id":"v_42","occurred_at":"2026-11-30T09:16:00Z","contact":{"channel":"web"},
				"conversation_id":"chat_881","rating":5,"comment":"Quick answer"}]`},
		{kind: "onwebchat", file: "onwebchat_chat_created.json", wantName: "chat.created",
			want: `[{"type":"conversation_opened","contact_id":"v_42","occurred_at":"2026-11-30T09:00:00Z","contact":{"channel":"web","name":"Ana Silva"},
				"conversation_id":"chat_881","by":"ai"}]`},
		{kind: "onwebchat", file: "onwebchat_offline_message_created.json", wantName: "offline_message.created",
			want: `[{"type":"offline_message_created","contact_id":"v_77","occurred_at":"2026-11-30T23:40:00Z",
				"contact":{"channel":"web","email":"li@example.com","name":"Li Wei"},"message":{"id":"om_5","text":"Please call me back tomorrow."}}]`},
		{kind: "onwebchat", file: "onwebchat_visitor_banned.json", header: http.Header{"X-Owc-Event": {"visitor.banned"}}, wantName: "visitor.banned",
			want: `[{"type":"contact_banned","contact_id":"v_13","occurred_at":"2026-11-30T10:00:00Z","contact":{"channel":"web"},"by":"Maria"}]`},
		{kind: "chatbotx", file: "chatbotx_tag_applied.json", wantName: "tag_applied", wantID: "evt_01JD3Q5V4W8K9Z2M6N7P1R0S2T",
			want: `[{"type":"tag_applied","contact_id":"c_123","occurred_at":"2026-11-22T10:00:00Z",
				"contact":{"channel":"whatsapp","custom_fields":{"budget":10000},"name":"John Smith"},"tag":"Order Closed"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			c, errs := sources.CompiledFor(sources.Source{Kind: tt.kind})
			if errs != nil {
				t.Fatal(errs)
			}
			res, err := c.Apply(sources.Request{Body: sample(t, tt.file), Header: tt.header})
			if err != nil {
				t.Fatal(err)
			}
			if res.Ignored || res.EventName != tt.wantName {
				t.Fatalf("event name %q, ignored %v; want %q mapped", res.EventName, res.Ignored, tt.wantName)
			}
			if tt.wantID != "" && res.SenderID != tt.wantID {
				t.Errorf("sender id %q, want %q", res.SenderID, tt.wantID)
			}
			got, err := json.Marshal(res.Events)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := compact(t, string(got)), compact(t, tt.want); g != w {
				t.Errorf("events\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestBuiltinKindsIgnoreUnmappedEvents(t *testing.T) {
	t.Parallel()
	c, _ := sources.CompiledFor(sources.Source{Kind: "pollybot"})
	res, err := c.Apply(sources.Request{Body: []byte(`{"event":"WEBHOOK_TEST","data":{}}`)})
	if err != nil || !res.Ignored || len(res.Events) != 0 {
		t.Fatalf("res %+v, err %v; want ignored", res, err)
	}
}
