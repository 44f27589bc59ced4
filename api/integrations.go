package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// IntegrationStore is what the routes integrations rely on need from
// storage (GET /v1/me, trigger params of REST hooks, the dropdown lists); it
// is part of Store.
type IntegrationStore interface {
	// APIKeyGetByHash returns the API key with that hash, or
	// tripline.ErrNotFound.
	APIKeyGetByHash(ctx context.Context, keyHash string) (tripline.APIKey, error)
	// HookGet returns one hook of the workspace with its rule's condition.
	HookGet(ctx context.Context, workspaceID, id string) (tripline.Hook, error)
	// RuleTriggers returns the triggers of the workspace's rules among ids,
	// by rule id; unknown ids are left out.
	RuleTriggers(ctx context.Context, workspaceID string, ids []string) (map[string]engine.Trigger, error)
	// ContactValues returns one page of the distinct values of the
	// workspace's contacts of one kind (tags, custom-field names or
	// sequences), in ascending order after Cursor (a value).
	ContactValues(ctx context.Context, params tripline.ContactValuesParams) ([]tripline.ContactValue, error)
}

// Observer is told about every HTTP request and about refused inbound
// events, for metrics (metrics.Metrics implements it).
type Observer interface {
	// Request observes a request by its gin route template ("" when no
	// route matched), status code and duration.
	Request(method, route string, code int, d time.Duration)
	// EventsRejected counts inbound events refused, by reason: a request
	// refused whole counts once.
	EventsRejected(reason string, n int)
}

// Reasons of Observer.EventsRejected.
const (
	RejectInvalid   = "invalid"   // a 400: the request's events were not valid (the whole batch is refused)
	RejectTooLarge  = "too_large" // a 413: the body was over 1 MiB
	RejectFailed    = "failed"    // the ingest failed (a 500 or 503); the sender should retry
	RejectDuplicate = "duplicate" // an event whose id was seen before: accepted, fires nothing
)

// rejectReason is the Observer reason of an error answering POST /v1/events.
func rejectReason(err error) string {
	var ve *tripline.ValidationError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &ve):
		return RejectInvalid
	case errors.As(err, &tooLarge):
		return RejectTooLarge
	}
	return RejectFailed
}

// noObserver observes nothing.
type noObserver struct{}

func (noObserver) Request(string, string, int, time.Duration) {}
func (noObserver) EventsRejected(string, int)                 {}

// ctxAPIKeyHash holds the hash of the request's API key; unset for the web
// UI's session.
const ctxAPIKeyHash = "tripline.api_key_hash"

// integrationRoutes serves the routes of docs/zapier.md and docs/make.md that
// are not REST hooks: the identity call and the lists behind dropdowns.
func (s *server) integrationRoutes(g *gin.RouterGroup) {
	g.GET("/me", s.me)
	g.GET("/tags", s.contactValues(tripline.ContactTags))
	g.GET("/fields", s.contactValues(tripline.ContactFields))
	g.GET("/sequences", s.contactValues(tripline.ContactSequences))
}

type meJSON struct {
	Workspace meWorkspaceJSON `json:"workspace"`
	Key       *meKeyJSON      `json:"key"` // null when signed in to the web UI
}

type meWorkspaceJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type meKeyJSON struct {
	ID        string    `json:"id"`
	Prefix    string    `json:"prefix"`
	CreatedAt timestamp `json:"created_at"`
}

// me serves GET /v1/me: the workspace and the API key of the request, the
// connection test of Zapier and Make.
func (s *server) me(c *gin.Context) {
	v, _ := c.Get(ctxWorkspace)
	ws := v.(tripline.Workspace)
	out := meJSON{Workspace: meWorkspaceJSON{ID: ws.ID, Name: ws.Name}}
	if hash := c.GetString(ctxAPIKeyHash); hash != "" {
		key, err := s.Store.APIKeyGetByHash(c.Request.Context(), hash)
		if err != nil {
			s.writeError(c, fmt.Errorf("get api key: %w", err))
			return
		}
		out.Key = &meKeyJSON{ID: key.ID, Prefix: key.Prefix, CreatedAt: timestamp(key.CreatedAt)}
	}
	writeJSON(c, http.StatusOK, out)
}

type contactValueJSON struct {
	Name  string   `json:"name"`
	Types []string `json:"types,omitempty"` // fields only
}

// contactValues serves GET /v1/tags, /v1/fields and /v1/sequences: the
// distinct values seen on the workspace's contacts, by name, a page at a time.
func (s *server) contactValues(kind tripline.ContactValueKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		fetch := func(p tripline.ListParams) ([]tripline.ContactValue, error) {
			return s.Store.ContactValues(c.Request.Context(), tripline.ContactValuesParams{ListParams: p, Kind: kind})
		}
		idOf := func(v tripline.ContactValue) string { return v.Value }
		render := func(v tripline.ContactValue) (contactValueJSON, error) {
			out := contactValueJSON{Name: v.Value}
			if kind == tripline.ContactFields {
				out.Types = orEmpty(v.Types)
			}
			return out, nil
		}
		servePage(s, c, fetch, idOf, render)
	}
}

// servePage answers a list request: ?limit= and ?cursor= read, one page
// fetched and rendered by listPage, or the problem.
func servePage[M, R any](s *server, c *gin.Context, fetch func(tripline.ListParams) ([]M, error), idOf func(M) string, render func(M) (R, error)) {
	var errs fieldErrors
	params := listParams(c, &errs)
	if err := errs.err("The list parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	pg, err := listPage(params, fetch, idOf, render)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, pg)
}

// hookParams are the trigger params a REST hook may set, with the names of
// the catalogue (GET /v1/triggers); each trigger type takes only its own.
// They are engine.Trigger's fields but Type and Types, which the hook's
// event sets: a param added to engine.Trigger is a hook param with it.
type hookParams struct {
	engine.Trigger
}

// hookEventFields are the JSON names of the fields of engine.Trigger that
// are not params: a hook's event is its "event".
var hookEventFields = []string{"type", "types"}

// hiddenFields makes "type" and "types" unknown fields of a hook's body
// (decodeStrict).
func (hookInput) hiddenFields() []string { return hookEventFields }

// trigger is the rule trigger of a hook on event with these params.
func (p hookParams) trigger(event string) engine.Trigger {
	return p.withParams(engine.Trigger{Type: event})
}

// withParams is t (its type or types) with these params.
func (p hookParams) withParams(t engine.Trigger) engine.Trigger {
	out := p.Trigger
	out.Type, out.Types = t.Type, slices.Clone(t.Types)
	return out
}

// triggerParams are the params a trigger sets, by name ({} for none).
func triggerParams(t engine.Trigger) map[string]any {
	out := map[string]any{}
	raw, err := json.Marshal(t)
	if err != nil {
		return out // a struct of strings and an int always encodes
	}
	_ = json.Unmarshal(raw, &out)
	delete(out, "type")
	return out
}

// checkHookParams adds an error for each param t sets that its type does not
// declare; an unknown type is left to ValidateRule.
func checkHookParams(t engine.Trigger, errs *fieldErrors) {
	spec, ok := triggers.Lookup(t.Type)
	if !ok {
		return
	}
	var names []string
	for _, p := range spec.Params {
		names = append(names, p.Name)
	}
	set := triggerParams(t)
	for _, name := range slices.Sorted(maps.Keys(set)) {
		if slices.Contains(names, name) {
			continue
		}
		msg := fmt.Sprintf("is not a parameter of %s, which takes none", t.Type)
		if len(names) > 0 {
			msg = fmt.Sprintf("is not a parameter of %s; it takes: %s", t.Type, strings.Join(names, ", "))
		}
		errs.add(name, msg)
	}
}

// hookRuleErrors keeps the errors of ValidateRule that a hook's subscriber
// can fix, named as the hook's fields: the event, the params, the condition.
func hookRuleErrors(err error, errs *fieldErrors) error {
	var ve *tripline.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	for _, f := range ve.Fields {
		switch {
		case f.Field == "trigger.type":
			if !slices.ContainsFunc(*errs, func(e tripline.FieldError) bool { return e.Field == "event" }) {
				errs.add("event", f.Message)
			}
		case strings.HasPrefix(f.Field, "trigger.types"):
			errs.add("event"+strings.TrimPrefix(f.Field, "trigger.types"), f.Message)
		case strings.HasPrefix(f.Field, "trigger."):
			f.Field = strings.TrimPrefix(f.Field, "trigger.")
			if !slices.ContainsFunc(*errs, func(e tripline.FieldError) bool { return e.Field == f.Field }) {
				*errs = append(*errs, f)
			}
		case f.Field == "condition":
			*errs = append(*errs, f)
		}
	}
	return nil
}

// queryHookParams reads the trigger params of GET /v1/hooks/samples from the
// query string, by their JSON names.
func queryHookParams(c *gin.Context, errs *fieldErrors) hookParams {
	var p hookParams
	v := reflect.ValueOf(&p.Trigger).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		q := c.Query(name)
		if slices.Contains(hookEventFields, name) || q == "" {
			continue
		}
		switch f.Type.Kind() {
		case reflect.String:
			v.Field(i).SetString(q)
		case reflect.Int:
			n, err := strconv.Atoi(q)
			if err != nil {
				errs.add(name, "must be a whole number")
			}
			v.Field(i).SetInt(int64(n))
		}
	}
	return p
}

// Bounds of the trigger events a filtered sample request looks through.
const (
	samplesScanFactor = 20
	maxSamplesScan    = 500
)

// hookSampleRule is the rule GET /v1/hooks/samples filters with: the hook's
// (hook_id), or one made of the query's event, params and condition.
func (s *server) hookSampleRule(c *gin.Context, errs *fieldErrors) (engine.Rule, bool) {
	if hookID := c.Query("hook_id"); hookID != "" {
		ws := workspaceID(c)
		h, err := s.Store.HookGet(c.Request.Context(), ws, hookID)
		if err != nil {
			s.writeError(c, err)
			return engine.Rule{}, false
		}
		rule, err := s.Store.RuleGet(c.Request.Context(), ws, h.RuleID)
		if err != nil {
			s.writeError(c, fmt.Errorf("rule of hook %s: %w", h.ID, err))
			return engine.Rule{}, false
		}
		if e := c.Query("event"); e != "" && e != rule.Trigger.Type {
			errs.add("event", fmt.Sprintf("hook %s is on %s, not %s", h.ID, rule.Trigger.Type, e))
		}
		return rule, true
	}
	event := c.Query("event")
	if _, ok := triggers.Lookup(event); !ok {
		errs.add("event", "must be a trigger type: "+triggerTypes())
		return engine.Rule{}, true
	}
	rule := engine.Rule{ID: sampleRule.ID, Name: sampleRule.Name, Enabled: true,
		Trigger:   queryHookParams(c, errs).trigger(event),
		Condition: strings.TrimSpace(c.Query("condition")),
		Actions:   []engine.Action{{Type: engine.ActionWebhook, EndpointID: "ep_sample"}}}
	checkHookParams(rule.Trigger, errs)
	var ruleErrs fieldErrors
	if err := s.ValidateRule(&rule); err != nil {
		if err := hookRuleErrors(err, &ruleErrs); err != nil {
			s.writeError(c, fmt.Errorf("validate sample rule: %w", err))
			return engine.Rule{}, false
		}
	}
	// A param left out filters nothing here, even one a hook requires.
	set := triggerParams(rule.Trigger)
	for _, e := range ruleErrs {
		dup := slices.ContainsFunc(*errs, func(f tripline.FieldError) bool { return f.Field == e.Field })
		if _, ok := set[e.Field]; !dup && (ok || e.Field == "condition" || e.Field == "event") {
			*errs = append(*errs, e)
		}
	}
	return rule, true
}

// matchingSamples returns up to limit of the workspace's recent trigger
// events that rule would have fired for, newest first, looking through a
// bounded number of them; none matching, the catalogue sample with the
// rule's params set.
func (s *server) matchingSamples(ctx context.Context, ws string, rule engine.Rule, limit int) ([]triggers.TriggerEvent, error) {
	m, err := engine.NewMatcher(rule)
	if err != nil {
		return nil, fmt.Errorf("compile rule %s: %w", rule.ID, err)
	}
	scan := limit
	if rule.Condition != "" || len(triggerParams(rule.Trigger)) > 0 {
		scan = min(limit*samplesScanFactor, maxSamplesScan)
	}
	recent, err := s.Store.TriggerEventListRecent(ctx, tripline.TriggerEventListParams{WorkspaceID: ws, Type: rule.Trigger.Type, Limit: scan})
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []triggers.TriggerEvent
	for _, te := range recent {
		if ok, _ := m.Match(te, now); ok {
			out = append(out, te)
			if len(out) == limit {
				break
			}
		}
	}
	if len(out) == 0 {
		te, err := sampleTriggerEvent(rule.Trigger.Type, now)
		if err != nil {
			return nil, err
		}
		out = append(out, engine.SampleFor(rule.Trigger, te))
	}
	return out, nil
}
