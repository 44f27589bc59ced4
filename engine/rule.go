package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/expr-lang/expr/vm"
	"golang.org/x/net/http/httpguts"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/triggers"
)

// ActionWebhook is the one action type: POST a signed payload to an endpoint.
const ActionWebhook = "webhook"

// Limits on what a rule may hold.
const (
	MaxRuleNameLength = 200
	MaxActions        = 10
	MaxCooldown       = 366 * 24 * 60 * 60 // seconds
)

// compiledRule is a rule ready to match: its condition and templates compiled.
type compiledRule struct {
	Rule
	param string // the value of the trigger's match parameter; "" matches all
	// Rules of several types or all: typeParam holds, for each of Types, the
	// value of that type's match parameter ("" when unset or it has none);
	// matchParams, for "*" rules, the match parameters set, by name.
	typeParam   map[string]string
	matchParams map[string]string
	cond        *vm.Program // nil when the rule has no condition
	actions     []compiledAction
	datetime    *DatetimeSchedule // set for datetime_based_trigger rules
}

type compiledAction struct {
	endpointID string
	body       *Template // nil: the default payload
	headers    map[string]*HeaderTemplate
}

// params maps a trigger's parameter names to its fields.
func (t *Trigger) params() map[string]*string {
	return map[string]*string{
		"tag": &t.Tag, "field": &t.Field, "info": &t.Info, "sequence": &t.Sequence,
		"assignee": &t.Assignee, "author": &t.Author, "name": &t.Name,
		"direction": &t.Direction, "unit": &t.Unit, "at": &t.At, "timezone": &t.Timezone,
	}
}

// ValidateRule checks a rule as it would be saved: its name, trigger and
// parameters, condition, actions, templates and frequency. It fills defaults
// (an action's type) and returns a *tripline.ValidationError listing every
// problem, with line and column for expressions. It does not check that the
// endpoints and folder exist.
func ValidateRule(r *Rule) error {
	_, err := compileRule(r)
	return err
}

func compileRule(r *Rule) (*compiledRule, error) {
	cr := &compiledRule{Rule: *r}
	var errs []tripline.FieldError
	add := func(field, msg string) { errs = append(errs, tripline.FieldError{Field: field, Message: msg}) }

	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Name == "":
		add("name", "is required")
	case len(r.Name) > MaxRuleNameLength:
		add("name", fmt.Sprintf("is longer than %d characters", MaxRuleNameLength))
	}

	if r.Trigger.Type == AllTypes || len(r.Trigger.Types) > 0 {
		compileMultiTrigger(cr, &r.Trigger, add)
	} else {
		compileSingleTrigger(cr, &r.Trigger, add)
	}

	if strings.TrimSpace(r.Condition) != "" {
		prog, err := compileExpr(r.Condition, true)
		if err != nil {
			errs = append(errs, fieldErrorOf("condition", err))
		}
		cr.cond = prog
	}

	switch {
	case len(r.Actions) == 0:
		add("actions", "at least one action is required")
	case len(r.Actions) > MaxActions:
		add("actions", fmt.Sprintf("at most %d actions", MaxActions))
	}
	for i := range r.Actions {
		a := &r.Actions[i]
		path := fmt.Sprintf("actions[%d]", i)
		if a.Type == "" {
			a.Type = ActionWebhook
		}
		if a.Type != ActionWebhook {
			add(path+".type", fmt.Sprintf("%q is not an action type; use %q", a.Type, ActionWebhook))
		}
		if a.EndpointID == "" {
			add(path+".endpoint_id", "is required")
		}
		ca := compiledAction{endpointID: a.EndpointID}
		if len(a.Body) > 0 && string(a.Body) != "null" {
			t, err := CompileTemplate(path+".body", a.Body)
			if err != nil {
				errs = append(errs, fieldErrorOf(path+".body", err))
			}
			ca.body = t
		}
		for name, value := range a.Headers {
			hpath := fmt.Sprintf("%s.headers[%q]", path, name)
			if !httpguts.ValidHeaderFieldName(name) {
				add(hpath, "is not a valid header name")
				continue
			}
			if actions.ReservedHeader(name) {
				add(hpath, "is set by Tripline and cannot be overridden")
				continue
			}
			h, err := CompileHeader(hpath, value)
			if err != nil {
				errs = append(errs, fieldErrorOf(hpath, err))
				continue
			}
			if ca.headers == nil {
				ca.headers = map[string]*HeaderTemplate{}
			}
			ca.headers[http.CanonicalHeaderKey(name)] = h
		}
		cr.actions = append(cr.actions, ca)
	}

	if r.Frequency.CooldownSeconds < 0 || r.Frequency.CooldownSeconds > MaxCooldown {
		add("frequency.cooldown_seconds", fmt.Sprintf("must be between 0 and %d", MaxCooldown))
	}

	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b tripline.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return nil, &tripline.ValidationError{Detail: "the rule is not valid", Fields: errs}
	}
	cr.Rule = *r
	return cr, nil
}

// fieldErrorOf turns an expression or template compile error into a field error.
func fieldErrorOf(field string, err error) tripline.FieldError {
	var ee *ExprError
	var te *TemplateError
	switch {
	case errors.As(err, &ee):
		return tripline.FieldError{Field: field, Message: ee.Message, Line: ee.Line, Column: ee.Column}
	case errors.As(err, &te):
		return tripline.FieldError{Field: te.Path, Message: te.Message, Line: te.Line, Column: te.Column}
	}
	return tripline.FieldError{Field: field, Message: err.Error()}
}

// match evaluates the rule's condition. A runtime error is returned, and means
// the rule does not match.
func (cr *compiledRule) match(env *Env) (bool, error) {
	if cr.cond == nil {
		return true, nil
	}
	out, err := runExpr(cr.cond, env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("condition returned %T, not a boolean", out)
	}
	return b, nil
}

// render returns the payload and headers of one action.
func (ca *compiledAction) render(workspaceID string, env *Env, te *triggers.TriggerEvent) (json.RawMessage, map[string]string, error) {
	var body json.RawMessage
	var err error
	if ca.body != nil {
		body, err = ca.body.Render(env)
	} else {
		body, err = DefaultPayload(workspaceID, te, env.Rule)
	}
	if err != nil {
		return nil, nil, err
	}
	var headers map[string]string
	for name, h := range ca.headers {
		v, err := h.Render(env)
		if err != nil {
			return nil, nil, err
		}
		if headers == nil {
			headers = make(map[string]string, len(ca.headers))
		}
		headers[name] = v
	}
	return body, headers, nil
}
