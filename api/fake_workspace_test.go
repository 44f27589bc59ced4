package api_test

import (
	"cmp"
	"context"
	"fmt"

	"github.com/tripline/tripline"
)

// The workspaces of the fake live in its API keys (addKey).

func (s *fakeStore) WorkspaceGet(_ context.Context, id string) (tripline.Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ws := range s.keys {
		if ws.ID == id {
			ws.Timezone = cmp.Or(ws.Timezone, "UTC")
			return ws, nil
		}
	}
	return tripline.Workspace{}, fmt.Errorf("workspace %s: %w", id, tripline.ErrNotFound)
}

func (s *fakeStore) WorkspaceUpdate(_ context.Context, ws tripline.Workspace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for _, other := range s.keys {
		if other.ID != ws.ID && other.Name == ws.Name {
			return fmt.Errorf("workspace %q: %w", ws.Name, tripline.ErrConflict)
		}
		found = found || other.ID == ws.ID
	}
	if !found {
		return fmt.Errorf("workspace %s: %w", ws.ID, tripline.ErrNotFound)
	}
	for k, other := range s.keys {
		if other.ID == ws.ID {
			s.keys[k] = ws
		}
	}
	return nil
}
