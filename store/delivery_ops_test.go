package store_test

import (
	"errors"
	"testing"
	"time"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/store"
)

func wantState(t *testing.T, err error, what string) {
	t.Helper()
	var se *tripline.StateError
	if !errors.As(err, &se) {
		t.Fatalf("%s: got %v, want a *tripline.StateError", what, err)
	}
}

func TestEndpointEnableResumesOrDiscardsPaused(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		f.record(t, 1, actions.StatusFailed, 410, t0) // disables it; the delivery is paused
		a, b := f.newDelivery(t0), f.newDelivery(t0)
		f.insertDeliveries(t, a, b)
		if c := f.claim(t, "w1", t0, 10); len(c) != 0 { // a disabled endpoint's due deliveries pause on claim
			t.Fatalf("claimed %v", claimedIDs(c))
		}
		now := t0.Add(time.Hour)
		e, err := s.EndpointEnable(ctx, actions.EndpointEnableParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, Now: now})
		if err != nil || !e.Enabled || e.DisabledReason != "" || e.FailureStreak != 0 || e.Secret != f.ep.Secret {
			t.Fatalf("EndpointEnable = %+v, %v", e, err)
		}
		c := f.claim(t, "w1", now, 10)
		if len(c) != 3 {
			t.Fatalf("resumed %d deliveries, want 3", len(c))
		}
		if _, err := s.EndpointEnable(ctx, actions.EndpointEnableParams{WorkspaceID: "ws_other", ID: f.ep.ID, Now: now}); !errors.Is(err, tripline.ErrNotFound) {
			t.Fatalf("other workspace: %v", err)
		}

		// Disabled again, then enabled with discard_paused.
		e.Enabled = false
		if err := s.EndpointUpdate(ctx, e); err != nil {
			t.Fatal(err)
		}
		d := f.newDelivery(now)
		f.insertDeliveries(t, d)
		f.claim(t, "w1", now, 10)
		if _, err := s.EndpointEnable(ctx, actions.EndpointEnableParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, DiscardPaused: true, Now: now}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := f.get(t, d.Delivery.ID); got.Status != actions.StatusDiscarded {
			t.Fatalf("paused delivery is %s, want discarded", got.Status)
		}
	})
}

func TestDeliveryRedeliverRecoverDiscard(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		dead := f.record(t, 2, actions.StatusDead, 500, t0)
		ok := f.record(t, 1, actions.StatusSucceeded, 200, t0)
		now := t0.Add(time.Hour)
		op := func(id string) actions.DeliveryOpParams {
			return actions.DeliveryOpParams{WorkspaceID: f.ws.ID, ID: id, Now: now}
		}

		// Redeliver: a new series, the same id, due now.
		d, err := s.DeliveryRedeliver(ctx, op(ok[0].Attempt.DeliveryID))
		if err != nil || d.Status != actions.StatusPending || d.AttemptCount != 0 || d.DeliveredAt != nil || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(now.Truncate(time.Millisecond)) {
			t.Fatalf("DeliveryRedeliver = %+v, %v", d, err)
		}
		c := f.claim(t, "w1", now, 10)
		if len(c) != 1 || c[0].Delivery.ID != d.ID || len(c[0].Message.Payload) == 0 {
			t.Fatalf("claimed %+v", c)
		}
		_, err = s.DeliveryRedeliver(ctx, op(d.ID)) // in flight now
		wantState(t, err, "redeliver while sending")
		if _, err := s.DeliveryRedeliver(ctx, op("msg_nope")); !errors.Is(err, tripline.ErrNotFound) {
			t.Fatalf("redeliver unknown: %v", err)
		}

		// Recover: the dead ones since t0, not those created earlier.
		n, err := s.EndpointRecover(ctx, actions.EndpointRecoverParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, Since: t0.Add(time.Second),
			Statuses: []actions.Status{actions.StatusDead}, Now: now})
		if err != nil || n != 0 {
			t.Fatalf("recover since later = %d, %v", n, err)
		}
		n, err = s.EndpointRecover(ctx, actions.EndpointRecoverParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, Since: t0,
			Statuses: []actions.Status{actions.StatusDead, actions.StatusFailed}, Now: now})
		if err != nil || n != 2 {
			t.Fatalf("recover = %d, %v", n, err)
		}
		if got, _, _ := f.get(t, dead[0].Attempt.DeliveryID); got.Status != actions.StatusPending || got.AttemptCount != 0 {
			t.Fatalf("recovered delivery %+v", got)
		}
		if _, err := s.EndpointRecover(ctx, actions.EndpointRecoverParams{WorkspaceID: f.ws.ID, ID: "ep_nope", Since: t0,
			Statuses: []actions.Status{actions.StatusDead}, Now: now}); !errors.Is(err, tripline.ErrNotFound) {
			t.Fatalf("recover unknown endpoint: %v", err)
		}

		// Discard: a pending one yes, a succeeded or sending one no.
		d, err = s.DeliveryDiscard(ctx, op(dead[0].Attempt.DeliveryID))
		if err != nil || d.Status != actions.StatusDiscarded {
			t.Fatalf("DeliveryDiscard = %+v, %v", d, err)
		}
		_, err = s.DeliveryDiscard(ctx, op(c[0].Delivery.ID))
		wantState(t, err, "discard while sending")
		if c := f.claim(t, "w1", now, 10); len(c) != 1 || c[0].Delivery.ID != dead[1].Attempt.DeliveryID {
			t.Fatalf("after discard claimed %v", claimedIDs(c))
		}
	})
}

func TestEndpointRotateSecret(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		until := t0.Add(24 * time.Hour)
		e, err := s.EndpointRotateSecret(ctx, actions.EndpointRotateSecretParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, Secret: "whsec_bmV3", PreviousExpiresAt: &until, Now: t0})
		if err != nil || e.Secret != "whsec_bmV3" || e.PreviousSecret != f.ep.Secret || e.PreviousSecretExpiresAt == nil || !e.PreviousSecretExpiresAt.Equal(until) {
			t.Fatalf("EndpointRotateSecret = %+v, %v", e, err)
		}
		// The claimed endpoint carries both.
		f.insertDeliveries(t, f.newDelivery(t0))
		c := f.claim(t, "w1", t0, 1)
		if len(c) != 1 || c[0].Endpoint.Secret != "whsec_bmV3" || c[0].Endpoint.PreviousSecret != f.ep.Secret {
			t.Fatalf("claimed endpoint %+v", c)
		}
		// An ordinary update keeps the rotation.
		e.Name = "renamed"
		if err := s.EndpointUpdate(ctx, e); err != nil {
			t.Fatal(err)
		}
		if got := f.endpoint(t); got.PreviousSecret != f.ep.Secret || got.Name != "renamed" {
			t.Fatalf("after update %+v", got)
		}
		// Without grace the old secret is gone at once.
		e, err = s.EndpointRotateSecret(ctx, actions.EndpointRotateSecretParams{WorkspaceID: f.ws.ID, ID: f.ep.ID, Secret: "whsec_bmV3ZXI=", Now: t0})
		if err != nil || e.PreviousSecret != "" || e.PreviousSecretExpiresAt != nil {
			t.Fatalf("rotation without grace = %+v, %v", e, err)
		}
	})
}
