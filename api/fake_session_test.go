package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tripline/tripline"
)

// The fake store's sessions, kept as the real stores keep them: a session
// ends when it expires or its API key is gone.

func (s *fakeStore) SessionInsert(_ context.Context, session tripline.Session) error {
	unlock, err := s.enter("SessionInsert")
	if err != nil {
		return err
	}
	defer unlock()
	if s.sessions == nil {
		s.sessions = map[string]tripline.Session{}
	}
	if _, ok := s.sessions[session.TokenHash]; ok {
		return fmt.Errorf("session: %w", tripline.ErrConflict)
	}
	s.sessions[session.TokenHash] = session
	return nil
}

func (s *fakeStore) SessionGet(_ context.Context, tokenHash string, now time.Time) (tripline.Session, tripline.Workspace, error) {
	unlock, err := s.enter("SessionGet")
	if err != nil {
		return tripline.Session{}, tripline.Workspace{}, err
	}
	defer unlock()
	session, ok := s.sessions[tokenHash]
	ws, keyOK := s.keys[session.KeyHash]
	if !ok || !keyOK || !now.Before(session.ExpiresAt) {
		return tripline.Session{}, tripline.Workspace{}, fmt.Errorf("session: %w", tripline.ErrNotFound)
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
	delete(s.keys, tripline.HashKey(key))
}
