package api_test

import (
	"context"
	"slices"
	"strings"

	"github.com/tripline/tripline"
)

// The fake's API keys are its keys map (hash → workspace); a key's id is
// "key_" and its hash.

func (s *fakeStore) APIKeyList(_ context.Context, p tripline.ListParams) ([]tripline.APIKey, error) {
	unlock, err := s.enter("APIKeyList")
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []tripline.APIKey
	for hash, ws := range s.keys {
		if ws.ID == p.WorkspaceID && "key_"+hash > p.Cursor {
			out = append(out, tripline.APIKey{ID: "key_" + hash, WorkspaceID: ws.ID, Hash: hash})
		}
	}
	slices.SortFunc(out, func(a, b tripline.APIKey) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(len(out), p.Limit)], nil
}

func (s *fakeStore) APIKeyInsert(_ context.Context, k tripline.APIKey) error {
	unlock, err := s.enter("APIKeyInsert")
	if err != nil {
		return err
	}
	defer unlock()
	s.keys[k.Hash] = tripline.Workspace{ID: k.WorkspaceID}
	return nil
}

func (s *fakeStore) APIKeyDelete(_ context.Context, ws, id string) error {
	unlock, err := s.enter("APIKeyDelete")
	if err != nil {
		return err
	}
	defer unlock()
	hash := strings.TrimPrefix(id, "key_")
	if w, ok := s.keys[hash]; !ok || w.ID != ws {
		return tripline.ErrNotFound
	}
	delete(s.keys, hash)
	return nil
}

func (s *fakeStore) APIKeyTouch(context.Context, tripline.APIKeyTouchParams) error { return nil }
