package sources

import (
	"encoding/json"
	"fmt"
	"maps"
)

// The built-in kinds' mappings, written against the platforms' webhook
// documentation (../shared/platforms in the project's specification; see
// docs/sources.md). Where a page leaves a field's place open, a value lists
// the places it may be, first found wins, so that each sample of the page
// and the shapes its prose describes map.

func p(paths ...string) Value { return Value{Paths: paths} }
func lit(v any) Value         { b, _ := json.Marshal(v); return Value{Lit: b} }

// with returns fields merged with more (more wins).
func with(fields map[string]Value, more map[string]Value) map[string]Value {
	out := maps.Clone(fields)
	maps.Copy(out, more)
	return out
}

func chatonboMapping() Mapping {
	// The payload structure "is consistent across all events": event,
	// timestamp, bot, lead (when captured), conversation.
	contact := map[string]Value{
		"contact_id":                     p("lead.id", "visitor.sessionId", "visitor.id", "sessionId", "conversation.id"),
		"contact.name":                   p("lead.name"),
		"contact.email":                  p("lead.email"),
		"contact.phone":                  p("lead.phone"),
		"contact.channel":                lit("web"),
		"contact.custom_fields.page_url": p("conversation.pageUrl", "pageUrl"),
		"occurred_at":                    p("timestamp"),
	}
	return Mapping{
		Event: &Value{Paths: []string{"event"}},
		// Chatonbo sends no delivery id; its page says to de-duplicate on
		// the conversation or lead id, so the key is the event name with them.
		ID: &Value{Paths: []string{"[event,lead.id,conversation.id]"}},
		Events: map[string]EventMap{
			"new_lead": {Type: "contact_updated", Fields: contact},
			"new_conversation": {Type: "conversation_opened", Fields: with(contact, map[string]Value{
				"conversation_id": p("conversation.id"),
				"by":              {Paths: []string{"conversation.startedBy"}, Lit: json.RawMessage(`"visitor"`)},
			})},
			"conversation_ended": {Type: "conversation_closed", Fields: with(contact, map[string]Value{
				"conversation_id":  p("conversation.id"),
				"summary":          p("conversation.summary"),
				"message_count":    p("conversation.messageCount"),
				"duration_seconds": p("conversation.duration", "conversation.durationSeconds", "duration"),
				"messages":         p("conversation.messages", "messages"),
			})},
		},
	}
}

func onWebChatMapping() Mapping {
	// The event is in the body's "event" and in X-OWC-Event; the delivery id
	// in X-OWC-Delivery. Visitor, chat, message and agent sit under "data"
	// (or at the top level).
	contact := map[string]Value{
		"contact_id":                  p("data.visitor.id", "visitor.id", "data.chat.visitor.id", "data.visitor_id", "visitor_id"),
		"contact.name":                p("data.visitor.name", "visitor.name"),
		"contact.email":               p("data.visitor.email", "visitor.email"),
		"contact.phone":               p("data.visitor.phone", "visitor.phone"),
		"contact.channel":             lit("web"),
		"contact.custom_fields.notes": p("data.visitor.notes", "visitor.notes"),
		"occurred_at":                 p("created_at", "timestamp", "data.created_at"),
	}
	chat := with(contact, map[string]Value{"conversation_id": p("data.chat.id", "chat.id", "data.chat_id", "chat_id")})
	return Mapping{
		Event: &Value{Paths: []string{"event"}, Header: "X-OWC-Event"},
		ID:    &Value{Paths: []string{"delivery_id"}, Header: "X-OWC-Delivery"},
		Events: map[string]EventMap{
			// A chat is started by a visitor, a trigger, the AI chatbot or an agent.
			"chat.created": {Type: "conversation_opened", Fields: with(chat, map[string]Value{
				"by": {Paths: []string{"data.chat.started_by", "data.started_by", "chat.started_by"}, Lit: json.RawMessage(`"visitor"`)},
			})},
			"chat.assigned": {Type: "conversation_assigned", Fields: with(chat, map[string]Value{
				"assignee": p("data.agent.name", "agent.name", "data.agent.id", "agent.id", "data.chat.agent.name"),
			})},
			"chat.closed": {Type: "conversation_closed", Fields: with(chat, map[string]Value{
				"messages":                     p("data.chat.transcript", "data.transcript", "chat.transcript", "transcript"),
				"message_count":                p("data.chat.transcript.#", "data.transcript.#", "chat.transcript.#", "transcript.#"),
				"duration_seconds":             p("data.chat.duration_seconds", "chat.duration_seconds"),
				"contact.custom_fields.labels": p("data.chat.labels", "data.labels", "chat.labels"),
			})},
			"chat.rated": {Type: "chat_rated", Fields: with(chat, map[string]Value{
				"rating":  p("data.rating.score", "data.chat.rating", "data.rating", "rating.score", "rating"),
				"comment": p("data.rating.comment", "data.comment", "rating.comment", "comment"),
			})},
			"chat.*": {Type: "contact_updated", Fields: contact},
			"message.created": {Type: "message_created", Fields: with(chat, map[string]Value{
				"message_id": p("data.message.id", "message.id"),
				"author":     p("data.message.author", "message.author"),
				"text":       p("data.message.text", "message.text"),
			})},
			"offline_message.created": {Type: "offline_message_created", Fields: with(contact, map[string]Value{
				"message.id":   p("data.offline_message.id", "data.message.id", "offline_message.id", "message.id"),
				"message.text": p("data.offline_message.text", "data.offline_message.message", "data.message.text", "offline_message.text", "message.text"),
			})},
			"visitor.updated":  {Type: "contact_updated", Fields: contact},
			"visitor.banned":   {Type: "contact_banned", Fields: with(contact, map[string]Value{"by": agentBy})},
			"visitor.unbanned": {Type: "contact_unbanned", Fields: with(contact, map[string]Value{"by": agentBy})},
			"visitor.*":        {Type: "contact_updated", Fields: contact},
		},
	}
}

// agentBy is the agent who banned or unbanned a visitor.
var agentBy = Value{Paths: []string{"data.agent.name", "data.agent.id", "agent.name", "data.by", "by"}}

func pollybotMapping() Mapping {
	lead := map[string]Value{
		"contact_id":                        p("data.id"),
		"contact.name":                      p("data.name"),
		"contact.email":                     p("data.email"),
		"contact.phone":                     p("data.phone"),
		"contact.tags":                      p("data.tags"),
		"contact.custom_fields":             p("data.customFields"),
		"contact.custom_fields.company":     p("data.company"),
		"contact.custom_fields.lead_status": p("data.status"),
		"contact.custom_fields.priority":    p("data.priority"),
		"contact.custom_fields.urgency":     p("data.urgency"),
		"contact.custom_fields.lead_source": p("data.source"),
		"occurred_at":                       p("timestamp"),
	}
	// CONVERSATION_* are announced, not yet documented: their data is read
	// from the lead's fields or a conversation's, whichever is there.
	conv := map[string]Value{
		"contact_id":      p("data.leadId", "data.lead.id", "data.visitorId", "data.sessionId", "data.id"),
		"contact.name":    p("data.lead.name"),
		"contact.email":   p("data.lead.email"),
		"contact.phone":   p("data.lead.phone"),
		"conversation_id": p("data.conversationId", "data.conversation.id", "data.id"),
		"occurred_at":     p("timestamp"),
	}
	return Mapping{
		Event: &Value{Paths: []string{"event"}},
		// No delivery id is sent; a retry resends the same event, lead and
		// timestamp.
		ID: &Value{Paths: []string{"[event,data.id,timestamp]"}},
		Events: map[string]EventMap{
			"LEAD_CREATED":         {Type: "contact_updated", Fields: lead},
			"LEAD_UPDATED":         {Type: "contact_updated", Fields: lead},
			"CONVERSATION_STARTED": {Type: "conversation_opened", Fields: conv},
			"CONVERSATION_RESOLVED": {Type: "conversation_closed", Fields: with(conv, map[string]Value{
				"summary":       p("data.summary", "data.conversation.summary"),
				"message_count": p("data.messageCount", "data.messages.#", "data.conversation.messageCount"),
				"messages":      p("data.messages", "data.conversation.messages"),
			})},
		},
	}
}

func chatDataMapping() Mapping {
	// One event per chat: the visitor's messages and the chatbot's answer.
	// The lead is missing for chats of third-party integrations: the
	// conversation then stands for the contact. The event name is only in
	// X-Chat-Data-Topic.
	return Mapping{
		Event: &Value{Header: "X-Chat-Data-Topic"},
		ID:    &Value{Paths: []string{"[conversation_id,messages.#,answer.content]"}},
		Events: map[string]EventMap{
			"*": {Type: "message_created", Fields: map[string]Value{
				"contact_id":                       p("lead.uuid", "lead.id", "conversation_id"),
				"contact.name":                     p("lead.name"),
				"contact.email":                    p("lead.email"),
				"contact.phone":                    p("lead.phone"),
				"contact.custom_fields.chatbot_id": p("chatbot_id"),
				"conversation_id":                  p("conversation_id"),
				"author":                           lit("ai"),
				"text":                             p("answer.content"),
				// The answer's facts ride on the trigger event's data.
				"data.score":        p("answer.score"),
				"data.client_ip":    p("client_ip"),
				"data.cost_credits": p("cost_credits"),
				"data.source":       p("source"),
				"data.chatbot_id":   p("chatbot_id"),
				"data.messages":     p("messages"),
			}},
		},
	}
}

func chatbotXMapping() Mapping {
	// ChatbotX posts its flat contact payload (Tripline's default payload is
	// a superset of it): event, contact_id, the trigger's own fields flat,
	// and the contact with name, channel, tags and custom fields. The
	// contact's tags are not copied on tag events, or the tag would already
	// be there when the event applies it.
	contact := map[string]Value{
		"contact_id":            p("contact_id", "contact.id"),
		"contact.name":          p("contact.name"),
		"contact.first_name":    p("contact.first_name"),
		"contact.last_name":     p("contact.last_name"),
		"contact.email":         p("contact.email"),
		"contact.phone":         p("contact.phone"),
		"contact.channel":       p("contact.channel"),
		"contact.custom_fields": p("contact.custom_fields"),
		"occurred_at":           p("timestamp"),
	}
	conv := with(contact, map[string]Value{"conversation_id": p("conversation_id", "contact.conversation.id")})
	by := func(path string) map[string]Value { return with(conv, map[string]Value{"by": p(path, "by")}) }
	seq := with(contact, map[string]Value{"sequence_id": p("sequence_id"), "sequence_name": p("sequence_name")})
	return Mapping{
		Event: &Value{Paths: []string{"event"}},
		ID:    &Value{Paths: []string{"id"}},
		Events: map[string]EventMap{
			"tag_applied":                       {Type: "tag_applied", Fields: with(contact, map[string]Value{"tag": p("tag")})},
			"tag_removed":                       {Type: "tag_removed", Fields: with(contact, map[string]Value{"tag": p("tag")})},
			"contact_unsubscribed":              {Type: "contact_updated", Fields: with(contact, map[string]Value{"contact.subscribed": lit(false)})},
			"conversation_transferred_to_human": {Type: "conversation_transferred_to_human", Fields: by("transferred_by")},
			"conversation_transferred_to_bot":   {Type: "conversation_transferred_to_bot", Fields: by("transferred_by")},
			"conversation_assigned": {Type: "conversation_assigned", Fields: with(by("assigned_by"), map[string]Value{
				"assignee": p("assigned_to"),
			})},
			"conversation_unassigned":    {Type: "conversation_unassigned", Fields: by("assigned_by")},
			"conversation_archived":      {Type: "conversation_archived", Fields: by("archived_by")},
			"marked_as_follow_up":        {Type: "marked_as_follow_up", Fields: by("marked_by")},
			"subscribed_to_sequence":     {Type: "subscribed_to_sequence", Fields: seq},
			"unsubscribed_from_sequence": {Type: "unsubscribed_from_sequence", Fields: seq},
			// new_contact, contact_info_updated, custom_field_changed and
			// the rest carry the contact's new state.
			"*": {Type: "contact_updated", Fields: with(contact, map[string]Value{"contact.subscribed": p("contact.subscribed")})},
		},
	}
}

var builtins = map[string]func() Mapping{
	KindChatonbo:  chatonboMapping,
	KindOnWebChat: onWebChatMapping,
	KindPollybot:  pollybotMapping,
	KindChatData:  chatDataMapping,
	KindChatbotX:  chatbotXMapping,
}

var compiledBuiltins = func() map[string]*Compiled {
	m := map[string]*Compiled{}
	for kind, f := range builtins {
		c, errs := Compile(f())
		if errs != nil {
			panic(fmt.Sprintf("sources: built-in kind %s: %v", kind, errs))
		}
		m[kind] = c
	}
	return m
}()

// BuiltinMapping returns the mapping of a built-in kind, and false for
// custom and unknown kinds.
func BuiltinMapping(kind string) (Mapping, bool) {
	f, ok := builtins[kind]
	if !ok {
		return Mapping{}, false
	}
	return f(), true
}

// CompiledFor returns the compiled mapping of a source: its kind's built-in
// one, or its own for custom.
func CompiledFor(s Source) (*Compiled, []FieldError) {
	if c, ok := compiledBuiltins[s.Kind]; ok {
		return c, nil
	}
	if s.Kind != KindCustom {
		return nil, []FieldError{{"kind", fmt.Sprintf("unknown kind %q", s.Kind)}}
	}
	if len(s.Mapping) == 0 {
		return nil, []FieldError{{"mapping", "is required for a custom source"}}
	}
	m, err := ParseMapping(s.Mapping)
	if err != nil {
		return nil, []FieldError{{"mapping", err.Error()}}
	}
	return Compile(m)
}
