package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
)

// ruleInput is the writable fields of a rule (SPEC section 6).
type ruleInput struct {
	FolderID  string           `json:"folder_id"` // "" or null: outside any folder
	Name      string           `json:"name"`
	Enabled   bool             `json:"enabled"`
	Trigger   engine.Trigger   `json:"trigger"`
	Condition string           `json:"condition"`
	Actions   []engine.Action  `json:"actions"`
	Frequency engine.Frequency `json:"frequency"`
}

// ruleJSON is a rule as the API answers it.
type ruleJSON struct {
	ID        string           `json:"id"`
	FolderID  *string          `json:"folder_id"`
	Name      string           `json:"name"`
	Enabled   bool             `json:"enabled"`
	Trigger   engine.Trigger   `json:"trigger"`
	Condition string           `json:"condition"`
	Actions   []engine.Action  `json:"actions"`
	Frequency engine.Frequency `json:"frequency"`
	CreatedAt timestamp        `json:"created_at"`
	UpdatedAt timestamp        `json:"updated_at"`
	// The condition's runtime errors, read-only: the last one, when, and how many.
	LastError   *string    `json:"last_error"`
	LastErrorAt *timestamp `json:"last_error_at"`
	ErrorCount  int64      `json:"error_count"`
	// When the rule last made a delivery, read-only; null if never.
	LastFiredAt *timestamp `json:"last_fired_at"`
}

func (s *server) rules() *resource[engine.Rule, ruleInput] {
	return &resource[engine.Rule, ruleInput]{
		s:        s,
		kind:     "rule",
		idPrefix: id.Rule,
		readOnly: []string{"id", "created_at", "updated_at", "last_error", "last_error_at", "error_count", "last_fired_at"},
		defaults: ruleInput{Enabled: true},
		list: func(c *gin.Context, p tripline.ListParams) ([]engine.Rule, error) {
			return s.Store.RuleList(c.Request.Context(), tripline.RuleListParams{ListParams: p, FolderID: c.Query("folder_id")})
		},
		get:    s.Store.RuleGet,
		insert: s.Store.RuleInsert,
		update: s.Store.RuleUpdate,
		remove: s.Store.RuleDelete,
		meta: func(r *engine.Rule) meta {
			return meta{ID: &r.ID, WorkspaceID: &r.WorkspaceID, CreatedAt: &r.CreatedAt, UpdatedAt: &r.UpdatedAt}
		},
		input: func(r engine.Rule) ruleInput {
			return ruleInput{FolderID: r.FolderID, Name: r.Name, Enabled: r.Enabled, Trigger: r.Trigger,
				Condition: r.Condition, Actions: r.Actions, Frequency: r.Frequency}
		},
		apply: func(in ruleInput, r *engine.Rule) {
			r.FolderID, r.Name, r.Enabled, r.Trigger = in.FolderID, in.Name, in.Enabled, in.Trigger
			r.Condition, r.Actions, r.Frequency = in.Condition, in.Actions, in.Frequency
		},
		prepare: s.prepareRule,
		render: func(_ context.Context, r engine.Rule, _ view) (any, error) {
			return ruleJSON{ID: r.ID, FolderID: optional(r.FolderID), Name: r.Name, Enabled: r.Enabled,
				Trigger: r.Trigger, Condition: r.Condition, Actions: orEmpty(r.Actions),
				Frequency: r.Frequency, CreatedAt: timestamp(r.CreatedAt), UpdatedAt: timestamp(r.UpdatedAt),
				LastError: optional(r.LastError), LastErrorAt: optionalTime(r.LastErrorAt), ErrorCount: r.ErrorCount,
				LastFiredAt: optionalTime(r.LastFiredAt)}, nil
		},
	}
}

// prepareRule compiles the rule (Config.ValidateRule) and checks that its
// folder and endpoints exist in its workspace; it reports every problem at once.
func (s *server) prepareRule(ctx context.Context, r *engine.Rule) error {
	var fields []tripline.FieldError
	var ve *tripline.ValidationError
	switch err := s.ValidateRule(r); {
	case errors.As(err, &ve):
		fields = append(fields, ve.Fields...)
	case err != nil:
		return fmt.Errorf("validate rule: %w", err)
	}
	refs, err := s.checkRuleRefs(ctx, r)
	if err != nil {
		return err
	}
	fields = append(fields, refs...)
	if len(fields) == 0 {
		return nil
	}
	slices.SortStableFunc(fields, func(a, b tripline.FieldError) int { return cmp.Compare(a.Field, b.Field) })
	return &tripline.ValidationError{Detail: "The rule is not valid.", Fields: fields}
}

// checkRuleRefs reports a folder or endpoint the rule names that its workspace
// does not have.
func (s *server) checkRuleRefs(ctx context.Context, r *engine.Rule) ([]tripline.FieldError, error) {
	var errs fieldErrors
	exists := func(err error) (bool, error) {
		if errors.Is(err, tripline.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	if r.FolderID != "" {
		_, err := s.Store.FolderGet(ctx, r.WorkspaceID, r.FolderID)
		ok, err := exists(err)
		if err != nil {
			return nil, fmt.Errorf("check folder: %w", err)
		}
		if !ok {
			errs.add("folder_id", fmt.Sprintf("there is no folder %q in this workspace", r.FolderID))
		}
	}
	known := map[string]bool{}
	for i, a := range r.Actions {
		if a.EndpointID == "" {
			continue // ValidateRule says it is required
		}
		ok, seen := known[a.EndpointID]
		if !seen {
			_, err := s.Store.EndpointGet(ctx, r.WorkspaceID, a.EndpointID)
			if ok, err = exists(err); err != nil {
				return nil, fmt.Errorf("check endpoint: %w", err)
			}
			known[a.EndpointID] = ok
		}
		if !ok {
			errs.add(fmt.Sprintf("actions[%d].endpoint_id", i), fmt.Sprintf("there is no endpoint %q in this workspace; create it first (POST /v1/endpoints)", a.EndpointID))
		}
	}
	return errs, nil
}
