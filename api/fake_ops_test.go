package api_test

import (
	"context"
	"slices"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
)

// The fake's delivery operations: enough state changes for the handlers'
// tests; the store's conformance suite checks the real rules.

func (s *fakeStore) EndpointEnable(_ context.Context, p actions.EndpointEnableParams) (actions.Endpoint, error) {
	unlock, err := s.enter("EndpointEnable")
	if err != nil {
		return actions.Endpoint{}, err
	}
	defer unlock()
	e, err := get(s.endpoints, p.WorkspaceID, p.ID, endpointWS)
	if err != nil {
		return e, err
	}
	e.Enabled, e.DisabledReason, e.FailureStreak, e.ConsecutiveDead, e.UpdatedAt = true, "", 0, 0, p.Now
	s.endpoints[e.ID] = e
	for id, fd := range s.deliveries {
		if fd.d.EndpointID == e.ID && fd.d.Status == actions.StatusPaused {
			fd.d.Status = actions.StatusPending
			if p.DiscardPaused {
				fd.d.Status = actions.StatusDiscarded
			}
			s.deliveries[id] = fd
		}
	}
	return e, nil
}

func (s *fakeStore) EndpointRotateSecret(_ context.Context, p actions.EndpointRotateSecretParams) (actions.Endpoint, error) {
	unlock, err := s.enter("EndpointRotateSecret")
	if err != nil {
		return actions.Endpoint{}, err
	}
	defer unlock()
	e, err := get(s.endpoints, p.WorkspaceID, p.ID, endpointWS)
	if err != nil {
		return e, err
	}
	e.PreviousSecret, e.PreviousSecretExpiresAt = "", p.PreviousExpiresAt
	if p.PreviousExpiresAt != nil {
		e.PreviousSecret = e.Secret
	}
	e.Secret, e.UpdatedAt = p.Secret, p.Now
	s.endpoints[e.ID] = e
	return e, nil
}

func (s *fakeStore) EndpointRecover(_ context.Context, p actions.EndpointRecoverParams) (int, error) {
	unlock, err := s.enter("EndpointRecover")
	if err != nil {
		return 0, err
	}
	defer unlock()
	if _, err := get(s.endpoints, p.WorkspaceID, p.ID, endpointWS); err != nil {
		return 0, err
	}
	n := 0
	for id, fd := range s.deliveries {
		if fd.d.EndpointID == p.ID && !fd.d.CreatedAt.Before(p.Since) && slices.Contains(p.Statuses, fd.d.Status) {
			fd.d.Status, fd.d.AttemptCount = actions.StatusPending, 0
			s.deliveries[id] = fd
			n++
		}
	}
	return n, nil
}

func (s *fakeStore) DeliveryRedeliver(_ context.Context, p actions.DeliveryOpParams) (actions.Delivery, error) {
	unlock, err := s.enter("DeliveryRedeliver")
	if err != nil {
		return actions.Delivery{}, err
	}
	defer unlock()
	fd, err := get(s.deliveries, p.WorkspaceID, p.ID, deliveryWS)
	if err != nil {
		return fd.d, err
	}
	if fd.d.Status == actions.StatusSending {
		return fd.d, &tripline.StateError{Detail: "The delivery is being sent right now."}
	}
	fd.d.Status, fd.d.AttemptCount, fd.d.NextAttemptAt, fd.d.DeliveredAt = actions.StatusPending, 0, &p.Now, nil
	s.deliveries[p.ID] = fd
	return fd.d, nil
}

func (s *fakeStore) DeliveryDiscard(_ context.Context, p actions.DeliveryOpParams) (actions.Delivery, error) {
	unlock, err := s.enter("DeliveryDiscard")
	if err != nil {
		return actions.Delivery{}, err
	}
	defer unlock()
	fd, err := get(s.deliveries, p.WorkspaceID, p.ID, deliveryWS)
	if err != nil {
		return fd.d, err
	}
	switch fd.d.Status {
	case actions.StatusPending, actions.StatusFailed, actions.StatusPaused:
	default:
		return fd.d, &tripline.StateError{Detail: "Only a pending, failed or paused delivery can be discarded."}
	}
	fd.d.Status, fd.d.NextAttemptAt = actions.StatusDiscarded, nil
	s.deliveries[p.ID] = fd
	return fd.d, nil
}
