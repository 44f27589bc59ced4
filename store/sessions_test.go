package store_test

import (
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
)

func TestSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		keyHash := "key-" + id.New("t")
		if err := s.APIKeyInsert(ctx, tripline.APIKey{WorkspaceID: f.ws.ID, Hash: keyHash, Prefix: "tl_x", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		live := tripline.Session{TokenHash: "tok-" + id.New("t"), WorkspaceID: f.ws.ID, KeyHash: keyHash, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.SessionInsert(ctx, live); err != nil {
			t.Fatalf("SessionInsert: %v", err)
		}
		got, ws, err := s.SessionGet(ctx, live.TokenHash, t0.Add(time.Minute))
		if err != nil || got != live || ws != f.ws {
			t.Fatalf("SessionGet = %+v, %+v, %v; want %+v, %+v", got, ws, err, live, f.ws)
		}
		_, _, err = s.SessionGet(ctx, live.TokenHash, t0.Add(time.Hour))
		wantErr(t, err, tripline.ErrNotFound, "SessionGet of an expired session")
		_, _, err = s.SessionGet(ctx, "nope", t0)
		wantErr(t, err, tripline.ErrNotFound, "SessionGet of an unknown token")

		// A session whose API key is gone (revoked) is no session.
		orphan := tripline.Session{TokenHash: "tok-" + id.New("t"), WorkspaceID: f.ws.ID, KeyHash: "deleted-key", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.SessionInsert(ctx, orphan); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionGet(ctx, orphan.TokenHash, t0)
		wantErr(t, err, tripline.ErrNotFound, "SessionGet of a session whose key was deleted")

		// A later sign-in sweeps expired sessions.
		later := tripline.Session{TokenHash: "tok-" + id.New("t"), WorkspaceID: f.ws.ID, KeyHash: keyHash, CreatedAt: t0.Add(2 * time.Hour), ExpiresAt: t0.Add(3 * time.Hour)}
		if err := s.SessionInsert(ctx, later); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionGet(ctx, live.TokenHash, t0)
		wantErr(t, err, tripline.ErrNotFound, "SessionGet of a swept session")

		if err := s.SessionDelete(ctx, later.TokenHash); err != nil {
			t.Fatalf("SessionDelete: %v", err)
		}
		_, _, err = s.SessionGet(ctx, later.TokenHash, t0.Add(2*time.Hour))
		wantErr(t, err, tripline.ErrNotFound, "SessionGet after SessionDelete")
		if err := s.SessionDelete(ctx, later.TokenHash); err != nil {
			t.Fatalf("SessionDelete of a deleted session: %v", err)
		}
	})
}

func TestRuleLastFiredAt(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		fired, idle := newRule(f, ""), newRule(f, "")
		for _, r := range []engine.Rule{fired, idle} {
			if err := s.RuleInsert(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		older, newer := f.newDelivery(t0), createdAt(f.newDelivery(t0), t0.Add(time.Minute))
		older.Delivery.RuleID, newer.Delivery.RuleID = fired.ID, fired.ID
		other := f.newDelivery(t0.Add(time.Hour)) // another rule's
		f.insertDeliveries(t, older, newer, other)

		got, err := s.RuleGet(ctx, f.ws.ID, fired.ID)
		if err != nil || got.LastFiredAt == nil || !got.LastFiredAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("RuleGet LastFiredAt = %v, %v; want %v", got.LastFiredAt, err, t0.Add(time.Minute))
		}
		list, err := s.RuleList(ctx, tripline.RuleListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 10}})
		if err != nil || len(list) != 2 {
			t.Fatalf("RuleList = %d rules, %v", len(list), err)
		}
		for _, r := range list {
			switch {
			case r.ID == fired.ID && (r.LastFiredAt == nil || !r.LastFiredAt.Equal(t0.Add(time.Minute))),
				r.ID == idle.ID && r.LastFiredAt != nil:
				t.Fatalf("RuleList: rule %s LastFiredAt = %v", r.ID, r.LastFiredAt)
			}
		}
		// Saving a rule leaves the delivery log alone: LastFiredAt is read-only.
		got.Name = "renamed"
		if err := s.RuleUpdate(ctx, got); err != nil {
			t.Fatalf("RuleUpdate of a rule read with LastFiredAt: %v", err)
		}
		if all, _, err := s.RuleListAll(ctx, f.ws.ID); err != nil || len(all) != 2 {
			t.Fatalf("RuleListAll = %d, %v", len(all), err)
		}
	})
}
