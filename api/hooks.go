package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// hookIDPrefix is the prefix of REST-hook ids: "hk_…".
const hookIDPrefix = "hk"

// Limits of GET /v1/hooks/samples.
const (
	defaultSamples = 3
	maxSamples     = 100
)

// hookInput is the body of POST /v1/hooks. Zapier sends target_url, Make's
// webhooks module url; exactly one of them is set.
type hookInput struct {
	TargetURL string          `json:"target_url"`
	URL       string          `json:"url"`
	Event     json.RawMessage `json:"event"` // a trigger type, "*" or a list: hookTrigger
	Condition string          `json:"condition"`
	hookParams
}

// hookJSON is a REST hook as the API answers it. Secret, the endpoint's
// signing secret, is only in the answer to create, as for endpoints.
type hookJSON struct {
	ID         string  `json:"id"`
	TargetURL  string  `json:"target_url"`
	Event      any     `json:"event"` // a trigger type, "*" or a list
	Condition  *string `json:"condition"`
	RuleID     string  `json:"rule_id"`
	EndpointID string  `json:"endpoint_id"`
	// Params are the trigger params the hook set ({} for none).
	Params    map[string]any `json:"params"`
	Secret    string         `json:"secret,omitempty"`
	CreatedAt timestamp      `json:"created_at"`
}

func renderHook(h tripline.Hook) hookJSON {
	return hookJSON{ID: h.ID, TargetURL: h.TargetURL, Event: hookEventJSON(h.Event), Condition: optional(h.Condition),
		RuleID: h.RuleID, EndpointID: h.EndpointID, Params: map[string]any{}, CreatedAt: timestamp(h.CreatedAt)}
}

// hookRoutes serves the REST hooks of SPEC section 9.
func (s *server) hookRoutes(g *gin.RouterGroup) {
	g.POST("/hooks", s.createHook)
	g.GET("/hooks", s.listHooks)
	g.GET("/hooks/samples", s.hookSamples)
	g.DELETE("/hooks/:id", s.deleteHook)
}

// createHook serves POST /v1/hooks: a rule on the event (and condition) that
// sends the default payload to a new endpoint at the target URL, both managed
// by the hook.
func (s *server) createHook(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var in hookInput
	if err := decodeStrict(body, &in, []string{"id", "created_at"}); err != nil {
		s.writeError(c, err)
		return
	}
	var errs fieldErrors
	urlField := "target_url"
	switch {
	case in.TargetURL != "" && in.URL != "":
		errs.add("url", "send either target_url (Zapier) or url (Make), not both")
	case in.URL != "":
		in.TargetURL, urlField = in.URL, "url"
	}
	now := s.now()
	ws := workspaceID(c)
	ep := actions.Endpoint{
		ID: id.NewAt(id.Endpoint, now), WorkspaceID: ws, URL: in.TargetURL, Enabled: true,
		TimeoutSeconds: defaultTimeoutSeconds, CreatedAt: now, UpdatedAt: now,
	}
	err = prepareEndpoint(&ep)
	if err == nil {
		err = s.checkHTTPS(c.Request.Context(), ws, ep.URL)
	}
	if err == nil {
		err = s.checkDestination(c.Request.Context(), ep.URL) // the SSRF guard, as for endpoints
	}
	if err != nil {
		var ve *tripline.ValidationError
		if !errors.As(err, &ve) {
			s.writeError(c, err)
			return
		}
		for _, f := range ve.Fields {
			if f.Field == "url" {
				errs.add(urlField, f.Message)
			}
		}
	}
	trigger, event, msg := hookTrigger(in.Event)
	if msg != "" {
		errs.add("event", msg)
	}
	h := tripline.Hook{ID: id.NewAt(hookIDPrefix, now), WorkspaceID: ws, EndpointID: ep.ID, TargetURL: ep.URL,
		Event: event, Condition: strings.TrimSpace(in.Condition), CreatedAt: now}
	ep.Name = "REST hook " + h.ID
	ep.Description = "Managed by REST hook " + h.ID + "; DELETE /v1/hooks/" + h.ID + " removes it."
	rule := engine.Rule{
		ID: id.NewAt(id.Rule, now), WorkspaceID: ws, Name: fmt.Sprintf("REST hook %s: %s", h.ID, event), Enabled: true,
		Trigger: in.withParams(trigger), Condition: h.Condition,
		Actions:   []engine.Action{{Type: engine.ActionWebhook, EndpointID: ep.ID}},
		CreatedAt: now, UpdatedAt: now,
	}
	h.RuleID = rule.ID
	checkHookParams(rule.Trigger, &errs)
	if err := s.ValidateRule(&rule); err != nil {
		if err := hookRuleErrors(err, &errs); err != nil {
			s.writeError(c, fmt.Errorf("validate hook rule: %w", err))
			return
		}
	}
	if err := errs.err("The subscription is not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	if ep.Secret, err = s.NewSecret(); err != nil {
		s.writeError(c, fmt.Errorf("new secret: %w", err))
		return
	}
	if err := s.Store.HookInsert(c.Request.Context(), h, rule, ep); err != nil {
		s.writeError(c, fmt.Errorf("create hook: %w", err))
		return
	}
	out := renderHook(h)
	out.Params = triggerParams(rule.Trigger)
	out.Secret = ep.Secret
	c.Header("Location", "/v1/hooks/"+h.ID)
	writeJSON(c, http.StatusCreated, out)
}

func (s *server) listHooks(c *gin.Context) {
	var ruleTriggers map[string]engine.Trigger
	fetch := func(p tripline.ListParams) ([]tripline.Hook, error) {
		hooks, err := s.Store.HookList(c.Request.Context(), p)
		if err != nil || len(hooks) == 0 {
			return hooks, err
		}
		ids := make([]string, len(hooks))
		for i, h := range hooks {
			ids[i] = h.RuleID
		}
		ruleTriggers, err = s.Store.RuleTriggers(c.Request.Context(), p.WorkspaceID, ids)
		return hooks, err
	}
	idOf := func(h tripline.Hook) string { return h.ID }
	render := func(h tripline.Hook) (hookJSON, error) {
		out := renderHook(h)
		if t, ok := ruleTriggers[h.RuleID]; ok {
			out.Params = triggerParams(t)
		}
		return out, nil
	}
	servePage(s, c, fetch, idOf, render)
}

// deleteHook serves DELETE /v1/hooks/{id}: 204, also when the hook is gone
// already, as Zapier unsubscribes without knowing whether Tripline removed it.
func (s *server) deleteHook(c *gin.Context) {
	err := s.Store.HookDelete(c.Request.Context(), workspaceID(c), c.Param("id"))
	if err != nil && !errors.Is(err, tripline.ErrNotFound) {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// hookSamples serves GET /v1/hooks/samples?event=&limit=: an array, newest
// first, of the payloads the hook would have received for the workspace's
// latest trigger events of that type (Zapier's "perform list"), or one
// catalogue sample when there are none yet. With hook_id, only the events the
// hook's rule (params and condition) would have fired for; without it, the
// same filter is made of the query's trigger params and condition, and the
// rule in each payload is a stand-in.
func (s *server) hookSamples(c *gin.Context) {
	var errs fieldErrors
	rule, ok := s.hookSampleRule(c, &errs)
	if !ok {
		return
	}
	limit := defaultSamples
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSamples {
			errs.add("limit", fmt.Sprintf("must be a whole number from 1 to %d", maxSamples))
		}
		limit = n
	}
	if err := errs.err("The sample parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	ws := workspaceID(c)
	tes, err := s.matchingSamples(c.Request.Context(), ws, rule, limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out, err := samplePayloadsOf(ws, tes, engine.RuleEnv{ID: rule.ID, Name: rule.Name})
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, out)
}

// triggerTypes lists the catalogue's trigger types, for messages.
func triggerTypes() string {
	types := make([]string, 0, 32)
	for _, s := range triggers.Catalogue() {
		types = append(types, s.Type)
	}
	return strings.Join(types, ", ")
}

// sampleRule is the rule named in sample payloads.
var sampleRule = engine.RuleEnv{ID: "rul_sample", Name: "REST hook sample"}

// samplePayloadsOf renders the default payloads of tes for rule.
func samplePayloadsOf(ws string, tes []triggers.TriggerEvent, rule engine.RuleEnv) ([]any, error) {
	out := make([]any, len(tes))
	for i := range tes {
		p, err := engine.DefaultPayload(ws, &tes[i], rule)
		if err != nil {
			return nil, fmt.Errorf("sample payload %s: %w", tes[i].ID, err)
		}
		out[i] = p
	}
	return out, nil
}

// guardManaged refuses to change or delete a rule or an endpoint that a REST
// hook manages: the subscriber owns it, through DELETE /v1/hooks/{id}.
func (s *server) guardManaged(kind string) func(ctx context.Context, workspaceID, id string) error {
	return func(ctx context.Context, workspaceID, id string) error {
		p := tripline.HookFindParams{WorkspaceID: workspaceID}
		if kind == "rule" {
			p.RuleID = id
		} else {
			p.EndpointID = id
		}
		h, err := s.Store.HookFind(ctx, p)
		switch {
		case errors.Is(err, tripline.ErrNotFound):
			return nil
		case err != nil:
			return fmt.Errorf("find hook of %s %s: %w", kind, id, err)
		}
		return &httpError{status: http.StatusConflict, err: tripline.ErrConflict,
			detail: fmt.Sprintf("This %s is managed by REST hook %s (a Zapier or Make subscription) and is read-only; DELETE /v1/hooks/%s removes it.", kind, h.ID, h.ID)}
	}
}
