package api_test

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/sources"
)

// fakeSources is the fake store's sources, by id, and request logs, by
// source id, oldest first.
type fakeSources struct {
	byID map[string]sources.Source
	logs map[string][]sources.LogEntry
}

func (s *fakeStore) SourceList(_ context.Context, p tripline.ListParams) ([]sources.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sources.Source
	for _, k := range slices.Sorted(maps.Keys(s.srcs.byID)) {
		src := s.srcs.byID[k]
		if src.WorkspaceID == p.WorkspaceID && k > p.Cursor && len(out) < cmp.Or(p.Limit, 50) {
			out = append(out, src)
		}
	}
	return out, nil
}

func (s *fakeStore) SourceGet(_ context.Context, ws, id string) (sources.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.srcs.byID[id]
	if !ok || src.WorkspaceID != ws {
		return sources.Source{}, tripline.ErrNotFound
	}
	return src, nil
}

func (s *fakeStore) SourceGetByTokenHash(_ context.Context, hash string) (sources.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, src := range s.srcs.byID {
		if src.TokenHash == hash {
			return src, nil
		}
	}
	return sources.Source{}, tripline.ErrNotFound
}

func (s *fakeStore) SourceInsert(_ context.Context, src sources.Source) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srcs.byID == nil {
		s.srcs = fakeSources{byID: map[string]sources.Source{}, logs: map[string][]sources.LogEntry{}}
	}
	s.srcs.byID[src.ID] = src
	return nil
}

func (s *fakeStore) SourceUpdate(ctx context.Context, src sources.Source) error {
	if _, err := s.SourceGet(ctx, src.WorkspaceID, src.ID); err != nil {
		return err
	}
	return s.SourceInsert(ctx, src)
}

func (s *fakeStore) SourceDelete(ctx context.Context, ws, id string) error {
	if _, err := s.SourceGet(ctx, ws, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.srcs.byID, id)
	delete(s.srcs.logs, id)
	return nil
}

func (s *fakeStore) SourceRequestInsert(_ context.Context, e sources.LogEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := append(s.srcs.logs[e.SourceID], e)
	if len(log) > sources.LogSize {
		log = log[len(log)-sources.LogSize:]
	}
	s.srcs.logs[e.SourceID] = log
	return nil
}

func (s *fakeStore) SourceRequestList(_ context.Context, ws, id string) ([]sources.LogEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sources.LogEntry
	for _, e := range s.srcs.logs[id] {
		if e.WorkspaceID == ws {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out, nil
}
