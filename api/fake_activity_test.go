package api_test

import (
	"context"
	"slices"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
)

// The fake's trigger events are those of fakeEco.events, newest last.

func (s *fakeStore) TriggerEventList(_ context.Context, p tripline.TriggerEventPageParams) ([]triggers.StoredTriggerEvent, error) {
	unlock, err := s.enter("TriggerEventList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []triggers.StoredTriggerEvent
	evs := s.eco.events[p.WorkspaceID]
	for i := len(evs) - 1; i >= 0 && len(out) < p.Limit; i-- {
		te := evs[i]
		if (p.Cursor != "" && te.ID >= p.Cursor) || (len(p.Types) > 0 && !slices.Contains(p.Types, te.Type)) || (p.ContactID != "" && te.ContactID != p.ContactID) {
			continue
		}
		out = append(out, triggers.StoredTriggerEvent{Event: te, CreatedAt: te.Timestamp})
	}
	return out, nil
}

func (s *fakeStore) TriggerEventGet(_ context.Context, ws, id string) (triggers.StoredTriggerEvent, error) {
	unlock, err := s.enter("TriggerEventGet")
	if err != nil {
		return triggers.StoredTriggerEvent{}, err
	}
	defer unlock()
	for _, te := range s.eco.events[ws] {
		if te.ID == id {
			return triggers.StoredTriggerEvent{Event: te, CreatedAt: te.Timestamp}, nil
		}
	}
	return triggers.StoredTriggerEvent{}, tripline.ErrNotFound
}
