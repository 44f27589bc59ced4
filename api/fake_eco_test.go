package api_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// fakeEco holds what the REST-hook and contact handlers store. Maps are made
// on first use so that newFakeStore stays as it was.
type fakeEco struct {
	hooks    map[string]tripline.Hook
	contacts map[string]triggers.Contact // by workspace id + "/" + contact id
	events   map[string][]triggers.TriggerEvent
	erased   []string // workspace id + "/" + contact id, in order
}

func (e *fakeEco) init() {
	if e.hooks == nil {
		e.hooks, e.contacts, e.events = map[string]tripline.Hook{}, map[string]triggers.Contact{}, map[string][]triggers.TriggerEvent{}
	}
}

func hookWS(h tripline.Hook) string { return h.WorkspaceID }

func (s *fakeStore) HookInsert(_ context.Context, h tripline.Hook, rule engine.Rule, ep actions.Endpoint) error {
	unlock, err := s.enter("HookInsert")
	if err != nil {
		return err
	}
	defer unlock()
	s.eco.init()
	h.RuleID, h.EndpointID, h.Condition = rule.ID, ep.ID, rule.Condition
	s.eco.hooks[h.ID] = h
	s.rules[rule.ID] = rule
	s.endpoints[ep.ID] = ep
	return nil
}

func (s *fakeStore) HookList(_ context.Context, p tripline.ListParams) ([]tripline.Hook, error) {
	unlock, err := s.enter("HookList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return list(s.eco.hooks, p, false, hookWS, nil), nil
}

func (s *fakeStore) HookFind(_ context.Context, p tripline.HookFindParams) (tripline.Hook, error) {
	unlock, err := s.enter("HookFind")
	if err != nil {
		return tripline.Hook{}, err
	}
	defer unlock()
	for _, h := range s.eco.hooks {
		if h.WorkspaceID == p.WorkspaceID && (p.RuleID != "" && h.RuleID == p.RuleID || p.EndpointID != "" && h.EndpointID == p.EndpointID) {
			return h, nil
		}
	}
	return tripline.Hook{}, tripline.ErrNotFound
}

func (s *fakeStore) HookDelete(_ context.Context, ws, id string) error {
	unlock, err := s.enter("HookDelete")
	if err != nil {
		return err
	}
	defer unlock()
	return s.deleteHook(ws, func(h tripline.Hook) bool { return h.ID == id })
}

func (s *fakeStore) HookDeleteByEndpoint(_ context.Context, ws, endpointID string) error {
	unlock, err := s.enter("HookDeleteByEndpoint")
	if err != nil {
		return err
	}
	defer unlock()
	return s.deleteHook(ws, func(h tripline.Hook) bool { return h.EndpointID == endpointID })
}

func (s *fakeStore) deleteHook(ws string, match func(tripline.Hook) bool) error {
	for id, h := range s.eco.hooks {
		if h.WorkspaceID == ws && match(h) {
			delete(s.eco.hooks, id)
			delete(s.rules, h.RuleID)
			delete(s.endpoints, h.EndpointID)
			return nil
		}
	}
	return tripline.ErrNotFound
}

func (s *fakeStore) TriggerEventListRecent(_ context.Context, p tripline.TriggerEventListParams) ([]triggers.TriggerEvent, error) {
	unlock, err := s.enter("TriggerEventListRecent")
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []triggers.TriggerEvent
	evs := s.eco.events[p.WorkspaceID]
	for i := len(evs) - 1; i >= 0 && len(out) < p.Limit; i-- {
		if evs[i].Type == p.Type {
			out = append(out, evs[i])
		}
	}
	return out, nil
}

func (s *fakeStore) ContactList(_ context.Context, p tripline.ContactListParams) ([]triggers.Contact, error) {
	unlock, err := s.enter("ContactList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	byID := map[string]triggers.Contact{}
	for k, c := range s.eco.contacts {
		if k == p.WorkspaceID+"/"+c.ID {
			byID[c.ID] = c
		}
	}
	keep := func(c triggers.Contact) bool {
		if p.Tag != "" && !slices.Contains(c.Tags, p.Tag) {
			return false
		}
		if len(p.FieldPath) == 2 {
			return fmt.Sprint(c.CustomFields[p.FieldPath[1]]) == p.Value
		}
		return len(p.FieldPath) == 0 || p.FieldPath[0] != "email" || c.Email == p.Value
	}
	return list(byID, p.ListParams, false, func(triggers.Contact) string { return p.WorkspaceID }, keep), nil
}

func (s *fakeStore) ContactGet(_ context.Context, ws, id string) (triggers.Contact, error) {
	unlock, err := s.enter("ContactGet")
	if err != nil {
		return triggers.Contact{}, err
	}
	defer unlock()
	c, ok := s.eco.contacts[ws+"/"+id]
	if !ok {
		return triggers.Contact{}, fmt.Errorf("contact %s: %w", id, tripline.ErrNotFound)
	}
	return c, nil
}

func (s *fakeStore) ContactErase(_ context.Context, ws, id string) error {
	unlock, err := s.enter("ContactErase")
	if err != nil {
		return err
	}
	defer unlock()
	delete(s.eco.contacts, ws+"/"+id)
	s.eco.erased = append(s.eco.erased, ws+"/"+id)
	return nil
}

// putContact stores a contact of workspace ws.
func (s *fakeStore) putContact(ws string, c triggers.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eco.init()
	s.eco.contacts[ws+"/"+c.ID] = c
}

// putTriggerEvent stores a trigger event of workspace ws, the newest.
func (s *fakeStore) putTriggerEvent(ws string, te triggers.TriggerEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eco.init()
	s.eco.events[ws] = append(s.eco.events[ws], te)
}
