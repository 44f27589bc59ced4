package api_test

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
)

// The fake's IntegrationStore: keys are made up from the workspaces of
// s.keys, hooks, rules and contacts are those of the other fakes.

func (s *fakeStore) APIKeyGetByHash(_ context.Context, keyHash string) (tripline.APIKey, error) {
	unlock, err := s.enter("APIKeyGetByHash")
	if err != nil {
		return tripline.APIKey{}, err
	}
	defer unlock()
	ws, ok := s.keys[keyHash]
	if !ok {
		return tripline.APIKey{}, tripline.ErrNotFound
	}
	return tripline.APIKey{ID: "key_" + keyHash[:8], WorkspaceID: ws.ID, Hash: keyHash, Prefix: "tl_fake"}, nil
}

func (s *fakeStore) HookGet(_ context.Context, ws, id string) (tripline.Hook, error) {
	unlock, err := s.enter("HookGet")
	if err != nil {
		return tripline.Hook{}, err
	}
	defer unlock()
	h, ok := s.eco.hooks[id]
	if !ok || h.WorkspaceID != ws {
		return tripline.Hook{}, fmt.Errorf("hook %s: %w", id, tripline.ErrNotFound)
	}
	return h, nil
}

func (s *fakeStore) RuleTriggers(_ context.Context, ws string, ids []string) (map[string]engine.Trigger, error) {
	unlock, err := s.enter("RuleTriggers")
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := map[string]engine.Trigger{}
	for _, id := range ids {
		if r, ok := s.rules[id]; ok && r.WorkspaceID == ws {
			out[id] = r.Trigger
		}
	}
	return out, nil
}

func (s *fakeStore) ContactValues(_ context.Context, p tripline.ContactValuesParams) ([]tripline.ContactValue, error) {
	unlock, err := s.enter("ContactValues")
	if err != nil {
		return nil, err
	}
	defer unlock()
	seen := map[string]map[string]bool{}
	add := func(v, typ string) {
		if seen[v] == nil {
			seen[v] = map[string]bool{}
		}
		if typ != "" {
			seen[v][typ] = true
		}
	}
	for k, c := range s.eco.contacts {
		if k != p.WorkspaceID+"/"+c.ID {
			continue
		}
		switch p.Kind {
		case tripline.ContactTags:
			for _, t := range c.Tags {
				add(t, "")
			}
		case tripline.ContactSequences:
			for _, q := range c.Sequences {
				add(q, "")
			}
		case tripline.ContactFields:
			for name, v := range c.CustomFields {
				add(name, fakeJSONType(v))
			}
		}
	}
	var out []tripline.ContactValue
	for _, v := range slices.Sorted(maps.Keys(seen)) {
		if v <= p.Cursor || len(out) == p.Limit {
			continue
		}
		cv := tripline.ContactValue{Value: v}
		if p.Kind == tripline.ContactFields {
			cv.Types = slices.Sorted(maps.Keys(seen[v]))
		}
		out = append(out, cv)
	}
	return out, nil
}

func fakeJSONType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, int:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}
