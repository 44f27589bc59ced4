package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
)

// Why a rule did not match in a simulation, from the least to the most
// advanced: a rule that gets further for one trigger event than for another
// reports the furthest reason.
const (
	ReasonRuleDisabled   = "rule_disabled"
	ReasonFolderDisabled = "folder_disabled"
	ReasonTriggerType    = "trigger_type"
	ReasonTriggerParam   = "trigger_param"
	ReasonConditionFalse = "condition_false"
	ReasonConditionError = "condition_error"
	ReasonFrequency      = "frequency"
)

var reasonRank = map[string]int{
	ReasonTriggerType: 0, ReasonTriggerParam: 1, ReasonConditionFalse: 2, ReasonConditionError: 3, ReasonFrequency: 4,
}

// SimulateParams are the input of a dry run.
type SimulateParams struct {
	WorkspaceID string
	// Event is the inbound event, validated.
	Event triggers.Event
	// Contact is the contact's state before the event; nil uses the stored
	// contact (a new contact when there is none).
	Contact *triggers.Contact
	// Now is the time of the simulation.
	Now time.Time

	// Rule, when set, is a draft (an unsaved rule, validated by the caller):
	// it alone is simulated, as if it were on and outside any folder; the
	// stored rules are not.
	Rule *Rule
	// TriggerEvents, when set, are used as they are instead of the trigger
	// events Event derives (Event and Contact are then ignored): the UI's
	// preview of a draft against a catalogue sample (see SampleFor).
	TriggerEvents []triggers.TriggerEvent
}

// draftRuleID is the id a draft without one is simulated under.
const draftRuleID = "rul_draft"

// Simulation is what an event would do: the trigger events it derives and,
// for every rule of the workspace, whether it fires and why not.
type Simulation struct {
	TriggerEvents []triggers.TriggerEvent `json:"trigger_events"`
	Rules         []RuleOutcome           `json:"rules"`
}

// RuleOutcome is one rule's fate in a simulation.
type RuleOutcome struct {
	RuleID  string `json:"rule_id"`
	Name    string `json:"name"`
	Matched bool   `json:"matched"`
	// Reason is why it did not match: one of the Reason… constants.
	Reason string `json:"reason,omitempty"`
	// Error is the condition's runtime (or compile) error, with condition_error.
	Error string `json:"error,omitempty"`
	// Actions are the deliveries a matched rule would create.
	Actions []SimulatedAction `json:"actions,omitempty"`
	// ConditionLogic and ConditionRows explain a condition_false or
	// condition_error: each part of the condition evaluated on its own,
	// with the value of the field it read (see ExplainCondition).
	ConditionLogic string         `json:"condition_logic,omitempty"`
	ConditionRows  []ConditionRow `json:"condition_rows,omitempty"`
}

// SimulatedAction is one delivery a simulation would create, rendered.
type SimulatedAction struct {
	TriggerEventID string            `json:"trigger_event_id"`
	EndpointID     string            `json:"endpoint_id"`
	Payload        json.RawMessage   `json:"payload"`
	Headers        map[string]string `json:"headers"`
	// Error is a template render error: the real delivery would be dead.
	Error string `json:"error,omitempty"`
}

// Simulator runs dry runs: the matching of Pipeline.Ingest (the same rule
// index, conditions, frequency rules and rendering) on read-only storage.
// Nothing is stored or sent; frequency is checked without being claimed.
type Simulator struct {
	store SimulateStore
	log   *slog.Logger

	mu   sync.Mutex
	prev map[string]*index // the last index per workspace, to reuse compilations
}

// NewSimulator returns a Simulator reading from store. A nil log is slog.Default().
func NewSimulator(store SimulateStore, log *slog.Logger) *Simulator {
	return &Simulator{store: store, log: cmp.Or(log, slog.Default()), prev: map[string]*index{}}
}

// Simulate answers what p.Event (or p.TriggerEvents) would do now, for the
// stored rules or the draft p.Rule. An event Apply rejects is a
// *tripline.ValidationError on "event".
func (s *Simulator) Simulate(ctx context.Context, p SimulateParams) (Simulation, error) {
	ws := p.WorkspaceID
	now := cmp.Or(p.Now, time.Now()).UTC()
	var rules []Rule
	var folders []Folder
	if p.Rule != nil {
		r := *p.Rule
		r.Enabled, r.FolderID, r.WorkspaceID = true, "", ws
		r.ID = cmp.Or(r.ID, draftRuleID)
		rules = []Rule{r}
	} else {
		var err error
		if rules, folders, err = s.store.RuleListAll(ctx, ws); err != nil {
			return Simulation{}, fmt.Errorf("simulate: %w", err)
		}
	}
	tes := p.TriggerEvents
	if tes == nil {
		var err error
		if tes, err = s.derive(ctx, p, now); err != nil {
			return Simulation{}, err
		}
	}

	var prev *index
	if p.Rule == nil {
		s.mu.Lock()
		prev = s.prev[ws]
		s.mu.Unlock()
	}
	ix := buildIndex(0, rules, folders, prev, s.log)
	if p.Rule == nil {
		s.mu.Lock()
		s.prev[ws] = ix
		s.mu.Unlock()
	}

	fires, err := s.lastFires(ctx, ws, rules, tes)
	if err != nil {
		return Simulation{}, err
	}
	candidates := make([]map[string]bool, len(tes))
	for i := range tes {
		candidates[i] = map[string]bool{}
		for _, cr := range ix.candidates(&tes[i]) {
			candidates[i][cr.ID] = true
		}
		if tes[i].Type == triggers.TriggerDatetimeBased {
			// Raised by the scheduler for the rules of its date field.
			for _, cr := range ix.datetime[tes[i].Fields.Field] {
				candidates[i][cr.ID] = true
			}
		}
	}
	folderOn := make(map[string]bool, len(folders))
	for _, f := range folders {
		folderOn[f.ID] = f.Enabled
	}

	out := Simulation{TriggerEvents: tes, Rules: make([]RuleOutcome, 0, len(rules))}
	if out.TriggerEvents == nil {
		out.TriggerEvents = []triggers.TriggerEvent{}
	}
	for i := range rules {
		r := &rules[i]
		o := RuleOutcome{RuleID: r.ID, Name: r.Name}
		cr := ix.all[r.ID]
		switch {
		case !r.Enabled:
			o.Reason = ReasonRuleDisabled
		case r.FolderID != "" && !folderOn[r.FolderID]:
			o.Reason = ReasonFolderDisabled
		case cr == nil:
			// A stored rule that no longer compiles (buildIndex logged it).
			o.Reason = ReasonConditionError
			if _, err := compileRule(new(*r)); err != nil {
				o.Error = err.Error()
			}
		default:
			s.simulateRule(&o, cr, ws, tes, candidates, fires, now)
		}
		out.Rules = append(out.Rules, o)
	}
	return out, nil
}

// derive returns the trigger events p.Event would cause for the contact
// state p.Contact, or the stored one.
func (s *Simulator) derive(ctx context.Context, p SimulateParams, now time.Time) ([]triggers.TriggerEvent, error) {
	ws, ev := p.WorkspaceID, p.Event
	ids := []string{ev.ContactID}
	if ev.ReferredContactID != "" {
		ids = append(ids, ev.ReferredContactID)
	}
	contacts, err := s.store.ContactGetMany(ctx, ContactGetManyParams{WorkspaceID: ws, IDs: ids})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if contacts == nil {
		contacts = map[string]*triggers.Contact{}
	}
	if p.Contact != nil {
		c := *p.Contact
		c.ID = ev.ContactID
		if c.Tags == nil {
			c.Tags = []string{}
		}
		if c.Sequences == nil {
			c.Sequences = []string{}
		}
		if c.CustomFields == nil {
			c.CustomFields = map[string]any{}
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = now
		}
		contacts[ev.ContactID] = &c
	}
	// Apply never changes the contacts it is given: the stored ones stay as read.
	tes, err := triggers.Apply(contacts, ev, now)
	if err != nil {
		return nil, tripline.Invalid("event", err.Error())
	}
	return tes, nil

}

// simulateRule matches one active rule against every trigger event as
// Pipeline.match does, without claiming frequency.
func (s *Simulator) simulateRule(o *RuleOutcome, cr *compiledRule, ws string, tes []triggers.TriggerEvent, candidates []map[string]bool, fires map[fireKey]time.Time, now time.Time) {
	o.Reason = ReasonTriggerType
	better := func(reason string) {
		if reasonRank[reason] >= reasonRank[o.Reason] {
			o.Reason = reason
		}
	}
	for i := range tes {
		te := &tes[i]
		switch {
		case !cr.hasType(te.Type):
			continue
		case !candidates[i][cr.ID]:
			better(ReasonTriggerParam)
			continue
		}
		env := NewEnv(*te, &cr.Rule, now)
		ok, err := cr.match(env)
		if err != nil {
			better(ReasonConditionError)
			o.Error = err.Error()
			o.ConditionLogic, o.ConditionRows = ExplainCondition(cr.Condition, env)
			continue
		}
		if !ok {
			if reasonRank[ReasonConditionFalse] >= reasonRank[o.Reason] {
				o.ConditionLogic, o.ConditionRows = ExplainCondition(cr.Condition, env)
			}
			better(ReasonConditionFalse)
			continue
		}
		key := fireKey{rule: cr.ID, contact: te.ContactID}
		last, fired := fires[key]
		if !frequencyAllows(cr.Frequency, last, fired, now) {
			better(ReasonFrequency)
			continue
		}
		if cr.Frequency.OncePerContact || cr.Frequency.CooldownSeconds > 0 {
			fires[key] = now // a second trigger event of this call would be refused, as in ingest
		}
		o.Matched = true
		for _, ca := range cr.actions {
			a := SimulatedAction{TriggerEventID: te.ID, EndpointID: ca.endpointID}
			body, headers, err := ca.render(ws, env, te)
			if err != nil {
				a.Error, body = TemplateErrorPrefix+err.Error(), json.RawMessage("null")
			}
			a.Payload, a.Headers = body, headers
			if a.Headers == nil {
				a.Headers = map[string]string{}
			}
			o.Actions = append(o.Actions, a)
		}
	}
	if o.Matched {
		o.Reason, o.Error = "", ""
		o.ConditionLogic, o.ConditionRows = "", nil
	}
}

type fireKey struct{ rule, contact string }

// lastFires reads when the rules with a frequency last fired for the
// contacts of the trigger events.
func (s *Simulator) lastFires(ctx context.Context, ws string, rules []Rule, tes []triggers.TriggerEvent) (map[fireKey]time.Time, error) {
	var ruleIDs []string
	for _, r := range rules {
		if r.Frequency.OncePerContact || r.Frequency.CooldownSeconds > 0 {
			ruleIDs = append(ruleIDs, r.ID)
		}
	}
	out := map[fireKey]time.Time{}
	if len(ruleIDs) == 0 {
		return out, nil
	}
	var contacts []string
	for _, te := range tes {
		if !slices.Contains(contacts, te.ContactID) {
			contacts = append(contacts, te.ContactID)
		}
	}
	for _, c := range contacts {
		got, err := s.store.RuleFireGetMany(ctx, RuleFireGetManyParams{WorkspaceID: ws, ContactID: c, RuleIDs: ruleIDs})
		if err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
		for rule, at := range got {
			out[fireKey{rule: rule, contact: c}] = at
		}
	}
	return out, nil
}

// frequencyAllows is the rule RuleFireClaim applies, for a read: a rule
// fires when it never fired for the contact, or, with a cooldown, when it
// last fired before now minus the cooldown.
func frequencyAllows(f Frequency, last time.Time, fired bool, now time.Time) bool {
	switch {
	case !f.OncePerContact && f.CooldownSeconds <= 0, !fired:
		return true
	case f.OncePerContact:
		return false
	}
	return last.Before(cooldownStart(f, now))
}

// cooldownStart is the FiredBefore of a cooldown claim at now.
func cooldownStart(f Frequency, now time.Time) time.Time {
	return now.Add(-time.Duration(f.CooldownSeconds) * time.Second)
}
