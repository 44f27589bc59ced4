package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// activityRoutes serves the stored trigger events: the activity page's list
// and, for one event, what every rule makes of it.
func (s *server) activityRoutes(g *gin.RouterGroup) {
	g.GET("/trigger-events", s.listTriggerEvents)
	g.GET("/trigger-events/:id", s.getTriggerEvent)
}

// evaluationNote says what the rules of a trigger event's detail are.
const evaluationNote = "Each rule is evaluated now, as it is now, against the stored trigger event (its contact before and after, and its time as now); deliveries are what the rule really made for this event when it happened."

// ruleVerdictJSON is one rule's verdict on a stored trigger event: the
// simulation's outcome and the deliveries the rule made for the event.
type ruleVerdictJSON struct {
	engine.RuleOutcome
	// Deleted: the rule made deliveries for the event and no longer exists.
	Deleted bool `json:"deleted,omitempty"`
	// Enabled is the rule's toggle now.
	Enabled bool `json:"enabled"`
	// Fired says the rule made deliveries for this event when it happened.
	Fired      bool           `json:"fired"`
	Deliveries []deliveryJSON `json:"deliveries"`
}

// triggerEventDetailJSON is the answer of GET /v1/trigger-events/{id}.
type triggerEventDetailJSON struct {
	TriggerEvent json.RawMessage   `json:"trigger_event"`
	CreatedAt    timestamp         `json:"created_at"`
	Erased       bool              `json:"erased"`
	EvaluatedAt  timestamp         `json:"evaluated_at"`
	Note         string            `json:"note"`
	Rules        []ruleVerdictJSON `json:"rules"`
}

func (s *server) listTriggerEvents(c *gin.Context) {
	var errs fieldErrors
	params := tripline.TriggerEventPageParams{ListParams: listParams(c, &errs), ContactID: c.Query("contact_id"), Source: c.Query("source")}
	none := false
	for _, t := range strings.Split(c.Query("type"), ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if _, ok := triggers.Lookup(t); !ok {
			errs.add("type", fmt.Sprintf("%q is not a trigger type (GET /v1/triggers lists them)", t))
		}
		params.Types = append(params.Types, t)
	}
	if id := c.Query("rule_id"); id != "" {
		// A rule looks at the trigger events of its trigger type: those are
		// the events to ask "why not" about.
		r, err := s.Store.RuleGet(c.Request.Context(), workspaceID(c), id)
		switch {
		case errors.Is(err, tripline.ErrNotFound):
			errs.add("rule_id", fmt.Sprintf("there is no rule %q in this workspace", id))
		case err != nil:
			s.writeError(c, err)
			return
		case len(params.Types) > 0 && !slices.Contains(params.Types, r.Trigger.Type):
			none = true // the filters exclude each other
		default:
			params.Types = []string{r.Trigger.Type}
		}
	}
	if err := errs.err("The list parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	fetch := func(p tripline.ListParams) ([]triggers.StoredTriggerEvent, error) {
		if none {
			return nil, nil
		}
		params.ListParams = p
		return s.Store.TriggerEventList(c.Request.Context(), params)
	}
	idOf := func(e triggers.StoredTriggerEvent) string { return e.Event.ID }
	pg, err := listPage(params.ListParams, fetch, idOf, renderTriggerEventItem)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, pg)
}

// renderTriggerEventItem writes a trigger event as the list shows it: its
// JSON without the contact's states (they are in the detail), plus
// contact_name, created_at (when it was stored) and erased.
func renderTriggerEventItem(e triggers.StoredTriggerEvent) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if e.Erased {
		m = map[string]json.RawMessage{}
		m["id"], _ = json.Marshal(e.Event.ID)
		m["type"], _ = json.Marshal(e.Event.Type)
		m["contact_id"], _ = json.Marshal(e.Event.ContactID)
	} else {
		b, err := json.Marshal(e.Event)
		if err != nil {
			return nil, fmt.Errorf("trigger event %s: %w", e.Event.ID, err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("trigger event %s: %w", e.Event.ID, err)
		}
		delete(m, "contact")
		delete(m, "previous")
	}
	name := e.Event.Contact.Name
	if name == "" {
		name = strings.TrimSpace(e.Event.Contact.FirstName + " " + e.Event.Contact.LastName)
	}
	m["contact_name"], _ = json.Marshal(name)
	m["created_at"], _ = json.Marshal(timestamp(e.CreatedAt))
	m["erased"], _ = json.Marshal(e.Erased)
	return json.Marshal(m)
}

// getTriggerEvent serves GET /v1/trigger-events/{id}: the stored event and,
// for every rule, matched or why not — evaluated now, with the engine's own
// matcher, against the stored event — beside the deliveries it made.
func (s *server) getTriggerEvent(c *gin.Context) {
	ctx, ws, id := c.Request.Context(), workspaceID(c), c.Param("id")
	stored, err := s.Store.TriggerEventGet(ctx, ws, id)
	if err != nil {
		s.writeError(c, describe(err, "trigger event", id))
		return
	}
	te := stored.Event
	// The deliveries it made, by rule: the contact's index leads to them.
	var made []actions.Delivery
	cursor := ""
	for {
		page, err := s.Store.DeliveryList(ctx, actions.DeliveryListParams{ListParams: tripline.ListParams{WorkspaceID: ws, Limit: maxLimit, Cursor: cursor}, ContactID: te.ContactID, TriggerEventID: te.ID})
		if err != nil {
			s.writeError(c, err)
			return
		}
		made = append(made, page...)
		if len(page) < maxLimit {
			break
		}
		cursor = page[len(page)-1].ID
	}
	byRule := map[string][]deliveryJSON{}
	for _, d := range made {
		byRule[d.RuleID] = append(byRule[d.RuleID], renderDelivery(d))
	}

	now := s.now()
	out := triggerEventDetailJSON{CreatedAt: timestamp(stored.CreatedAt), Erased: stored.Erased, EvaluatedAt: timestamp(now), Note: evaluationNote, Rules: []ruleVerdictJSON{}}
	if out.TriggerEvent, err = json.Marshal(te); err != nil {
		s.writeError(c, fmt.Errorf("trigger event %s: %w", te.ID, err))
		return
	}
	rules, _, err := s.Store.RuleListAll(ctx, ws)
	if err != nil {
		s.writeError(c, err)
		return
	}
	enabled := make(map[string]bool, len(rules))
	for _, r := range rules {
		enabled[r.ID] = r.Enabled
	}
	seen := map[string]bool{}
	if !stored.Erased {
		at := te.Timestamp
		if at.IsZero() {
			at = stored.CreatedAt
		}
		sim, err := s.simulator.Simulate(ctx, engine.SimulateParams{WorkspaceID: ws, TriggerEvents: []triggers.TriggerEvent{te}, Now: at})
		if err != nil {
			s.writeError(c, err)
			return
		}
		for _, o := range sim.Rules {
			seen[o.RuleID] = true
			ds := byRule[o.RuleID]
			out.Rules = append(out.Rules, ruleVerdictJSON{RuleOutcome: o, Enabled: enabled[o.RuleID], Fired: len(ds) > 0, Deliveries: orEmpty(ds)})
		}
	}
	for _, r := range rules { // an erased event is not evaluated: its rules with their deliveries
		if !seen[r.ID] && len(byRule[r.ID]) > 0 {
			seen[r.ID] = true
			out.Rules = append(out.Rules, ruleVerdictJSON{RuleOutcome: engine.RuleOutcome{RuleID: r.ID, Name: r.Name}, Enabled: r.Enabled, Fired: true, Deliveries: byRule[r.ID]})
		}
	}
	for _, ruleID := range slices.Sorted(maps.Keys(byRule)) {
		if !seen[ruleID] {
			out.Rules = append(out.Rules, ruleVerdictJSON{RuleOutcome: engine.RuleOutcome{RuleID: ruleID}, Deleted: true, Fired: true, Deliveries: byRule[ruleID]})
		}
	}
	writeJSON(c, http.StatusOK, out)
}
