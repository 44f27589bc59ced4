package api_test

import (
	"context"

	"github.com/tripline/tripline/actions"
)

func (s *fakeStore) EndpointStatsMany(_ context.Context, ws string, ids []string) (map[string]map[actions.Status]int, error) {
	unlock, err := s.enter("EndpointStatsMany")
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := map[string]map[actions.Status]int{}
	for _, d := range s.deliveries {
		for _, id := range ids {
			if d.d.WorkspaceID == ws && d.d.EndpointID == id {
				if out[id] == nil {
					out[id] = map[actions.Status]int{}
				}
				out[id][d.d.Status]++
			}
		}
	}
	return out, nil
}
