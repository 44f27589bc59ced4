package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
)

// The fake store's sessions, kept as the real stores keep them: a session
// ends when it expires or its API key is gone.

func (s *fakeStore) SessionInsert(_ context.Context, session api.Session) error {
	unlock, err := s.enter("SessionInsert")
	if err != nil {
		return err
	}
	defer unlock()
	if s.sessions == nil {
		s.sessions = map[string]api.Session{}
	}
	if _, ok := s.sessions[session.TokenHash]; ok {
		return fmt.Errorf("session: %w", tripline.ErrConflict)
	}
	s.sessions[session.TokenHash] = session
	return nil
}

func (s *fakeStore) SessionGet(_ context.Context, tokenHash string, now time.Time) (api.Session, engine.Workspace, error) {
	unlock, err := s.enter("SessionGet")
	if err != nil {
		return api.Session{}, engine.Workspace{}, err
	}
	defer unlock()
	session, ok := s.sessions[tokenHash]
	ws, keyOK := s.keys[session.KeyHash]
	if !ok || !keyOK || !now.Before(session.ExpiresAt) {
		return api.Session{}, engine.Workspace{}, fmt.Errorf("session: %w", tripline.ErrNotFound)
	}
	return session, ws, nil
}

func (s *fakeStore) SessionDelete(_ context.Context, tokenHash string) error {
	unlock, err := s.enter("SessionDelete")
	if err != nil {
		return err
	}
	defer unlock()
	delete(s.sessions, tokenHash)
	return nil
}

// removeKey deletes an API key, as revoking one would.
func (s *fakeStore) removeKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, api.HashAPIKey(key))
}
