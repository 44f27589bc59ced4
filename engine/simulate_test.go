package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/triggers"
)

// readStore is a SimulateStore in memory: it has no way to write.
type readStore struct {
	rules    []Rule
	folders  []Folder
	contacts map[string]*triggers.Contact
	fires    map[string]time.Time // by rule id, for contact c_1
}

func (s *readStore) RuleListAll(context.Context, string) ([]Rule, []Folder, error) {
	return s.rules, s.folders, nil
}

func (s *readStore) ContactGetMany(_ context.Context, p ContactGetManyParams) (map[string]*triggers.Contact, error) {
	out := map[string]*triggers.Contact{}
	for _, id := range p.IDs {
		if c, ok := s.contacts[id]; ok {
			out[id] = c
		}
	}
	return out, nil
}

func (s *readStore) RuleFireGetMany(_ context.Context, p RuleFireGetManyParams) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for _, id := range p.RuleIDs {
		if at, ok := s.fires[id]; ok && p.ContactID == "c_1" {
			out[id] = at
		}
	}
	return out, nil
}

func TestSimulate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rule := func(id string, mutate func(r *Rule)) Rule {
		r := validRule()
		r.ID, r.Name, r.Condition = id, "rule "+id, ""
		mutate(&r)
		return r
	}
	stored := &triggers.Contact{ID: "c_1", Name: "Ann", Channel: "sms", Tags: []string{}, Sequences: []string{},
		CustomFields: map[string]any{"budget": 5000.0}, Subscribed: true, CreatedAt: now.Add(-time.Hour)}
	st := &readStore{
		folders:  []Folder{{ID: "fld_off", Enabled: false}},
		contacts: map[string]*triggers.Contact{"c_1": stored},
		fires:    map[string]time.Time{"rul_once": now.Add(-24 * time.Hour), "rul_cool": now.Add(-2 * time.Minute)},
		rules: []Rule{
			rule("rul_matched", func(r *Rule) {
				r.Actions[0].Body = json.RawMessage(`{"who": "{{ contact.name }}", "budget": "{{ contact.custom_fields.budget }}"}`)
				r.Actions[0].Headers = map[string]string{"X-Tag": "{{ event.tag }}"}
			}),
			rule("rul_off", func(r *Rule) { r.Enabled = false }),
			rule("rul_folder", func(r *Rule) { r.FolderID = "fld_off" }),
			rule("rul_type", func(r *Rule) { r.Trigger.Type = triggers.TriggerTagRemoved }),
			rule("rul_param", func(r *Rule) { r.Trigger.Tag = "Other" }),
			rule("rul_false", func(r *Rule) { r.Condition = `contact.channel == "whatsapp"` }),
			rule("rul_error", func(r *Rule) { r.Condition = `contact.custom_fields.missing > 3` }),
			rule("rul_once", func(r *Rule) { r.Frequency.OncePerContact = true }),
			rule("rul_cool", func(r *Rule) { r.Frequency.CooldownSeconds = 60 }), // last fired 2 min ago: fires
			rule("rul_tpl", func(r *Rule) { r.Actions[0].Body = json.RawMessage(`{"x": "{{ contact.custom_fields.a.b }}"}`) }),
			rule("rul_new", func(r *Rule) { r.Trigger = Trigger{Type: triggers.TriggerNewContact} }),
		},
	}
	sim := NewSimulator(st, nil)
	ev := triggers.Event{Type: triggers.EventTagApplied, ContactID: "c_1", Tag: "Order Closed"}
	res, err := sim.Simulate(t.Context(), SimulateParams{WorkspaceID: "ws_1", Event: ev, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TriggerEvents) != 2 || res.TriggerEvents[0].Type != triggers.TriggerTagApplied || res.TriggerEvents[1].Type != triggers.TriggerContactChanged {
		t.Fatalf("trigger events: %+v", res.TriggerEvents)
	}
	want := map[string]string{
		"rul_matched": "", "rul_off": ReasonRuleDisabled, "rul_folder": ReasonFolderDisabled, "rul_type": ReasonTriggerType,
		"rul_param": ReasonTriggerParam, "rul_false": ReasonConditionFalse, "rul_error": ReasonConditionError,
		"rul_once": ReasonFrequency, "rul_cool": "", "rul_tpl": "", "rul_new": ReasonTriggerType,
	}
	byID := map[string]RuleOutcome{}
	for _, o := range res.Rules {
		byID[o.RuleID] = o
		if w, ok := want[o.RuleID]; !ok || o.Reason != w || o.Matched != (w == "") {
			t.Errorf("%s: matched %v reason %q, want %q", o.RuleID, o.Matched, o.Reason, w)
		}
	}
	if len(byID) != len(want) {
		t.Errorf("%d outcomes, want %d", len(byID), len(want))
	}
	if e := byID["rul_error"].Error; !strings.Contains(e, ">") && e == "" {
		t.Errorf("condition error text: %q", e)
	}
	m := byID["rul_matched"]
	if len(m.Actions) != 1 || string(m.Actions[0].Payload) != `{"who":"Ann","budget":5000}` || m.Actions[0].Headers["X-Tag"] != "Order Closed" ||
		m.Actions[0].EndpointID != "ep_1" || m.Actions[0].TriggerEventID != res.TriggerEvents[0].ID {
		t.Errorf("matched rule: %+v", m)
	}
	if a := byID["rul_tpl"].Actions; len(a) != 1 || !strings.HasPrefix(a[0].Error, TemplateErrorPrefix) {
		t.Errorf("template error: %+v", a)
	}
	if len(stored.Tags) != 0 {
		t.Errorf("the stored contact was changed: %v", stored.Tags)
	}

	// A contact state given in the request replaces the stored one; a
	// contact nobody knows is new and fires new_contact.
	given := &triggers.Contact{Name: "Bob", Channel: "whatsapp"}
	res, err = sim.Simulate(t.Context(), SimulateParams{WorkspaceID: "ws_1", Event: ev, Contact: given, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Rules {
		if o.RuleID == "rul_false" && !o.Matched {
			t.Errorf("the given contact (whatsapp) was not used: %+v", o)
		}
	}
	res, err = sim.Simulate(t.Context(), SimulateParams{WorkspaceID: "ws_1", Event: triggers.Event{Type: triggers.EventTagApplied, ContactID: "c_new", Tag: "x"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Rules {
		if o.RuleID == "rul_new" && !o.Matched {
			t.Errorf("new contact: %+v", o)
		}
	}
}
