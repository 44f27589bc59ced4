package store_test

import (
	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/triggers"
	"testing"
	"time"
)

func TestRuleErrorRecordMany(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		a, b, foreign := newRule(f, ""), newRule(f, ""), newRule(other, "")
		for _, r := range []engine.Rule{a, b, foreign} {
			if err := s.RuleInsert(ctx, r); err != nil {
				t.Fatalf("RuleInsert: %v", err)
			}
		}
		version := rulesVersion(t, s, f.ws.ID)
		record := func(at time.Time, errs ...engine.RuleError) {
			ingest(t, s, func(tx engine.IngestTx) error {
				return tx.RuleErrorRecordMany(ctx, engine.RuleErrorRecordManyParams{WorkspaceID: f.ws.ID, At: at, Errors: errs})
			})
		}
		record(t0, engine.RuleError{RuleID: a.ID, Error: "first", Count: 2}, engine.RuleError{RuleID: b.ID, Error: "b's", Count: 1},
			engine.RuleError{RuleID: foreign.ID, Error: "not mine", Count: 1})
		record(t0.Add(time.Minute), engine.RuleError{RuleID: a.ID, Error: "second 'quoted' ✓", Count: 3})

		got, err := s.RuleGet(ctx, f.ws.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastError != "second 'quoted' ✓" || got.ErrorCount != 5 || got.LastErrorAt == nil || !got.LastErrorAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("rule a: %q %d %v", got.LastError, got.ErrorCount, got.LastErrorAt)
		}
		if !got.UpdatedAt.Equal(t0) {
			t.Errorf("recording an error changed updated_at to %v", got.UpdatedAt)
		}
		list, err := s.RuleList(ctx, tripline.RuleListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.ID == b.ID && (r.LastError != "b's" || r.ErrorCount != 1) {
				t.Errorf("rule b in the list: %q %d", r.LastError, r.ErrorCount)
			}
		}
		if got, _ := s.RuleGet(ctx, other.ws.ID, foreign.ID); got.ErrorCount != 0 {
			t.Errorf("another workspace's rule got an error: %+v", got)
		}
		if v := rulesVersion(t, s, f.ws.ID); v != version {
			t.Errorf("recording errors bumped the rules version %d → %d", version, v)
		}
		// Saving the rule keeps its error record.
		a.Name = "renamed"
		a.UpdatedAt = t0.Add(time.Hour)
		if err := s.RuleUpdate(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RuleGet(ctx, f.ws.ID, a.ID); got.ErrorCount != 5 {
			t.Errorf("update reset the error count: %+v", got)
		}
	})
}

func TestSimulateReads(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		r1, r2 := newRule(f, ""), newRule(f, "")
		for _, r := range []engine.Rule{r1, r2} {
			if err := s.RuleInsert(ctx, r); err != nil {
				t.Fatalf("RuleInsert: %v", err)
			}
		}
		claimFire(t, s, engine.RuleFireClaimParams{WorkspaceID: f.ws.ID, RuleID: r1.ID, ContactID: "c_1", Now: t0})
		fires, err := s.RuleFireGetMany(ctx, engine.RuleFireGetManyParams{WorkspaceID: f.ws.ID, ContactID: "c_1", RuleIDs: []string{r1.ID, r2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(fires) != 1 || !fires[r1.ID].Equal(t0) {
			t.Errorf("fires: %v", fires)
		}
		if fires, _ := s.RuleFireGetMany(ctx, engine.RuleFireGetManyParams{WorkspaceID: f.ws.ID, ContactID: "c_2", RuleIDs: []string{r1.ID}}); len(fires) != 0 {
			t.Errorf("another contact's fires: %v", fires)
		}
		rules, _, err := s.RuleListAll(ctx, f.ws.ID)
		if err != nil || len(rules) != 2 {
			t.Fatalf("RuleListAll: %d, %v", len(rules), err)
		}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: f.ws.ID, Contacts: []*triggers.Contact{{ID: "c_1", Name: "Ann", CreatedAt: t0, UpdatedAt: t0}}})
		})
		cs, err := s.ContactGetMany(ctx, engine.ContactGetManyParams{WorkspaceID: f.ws.ID, IDs: []string{"c_1", "c_9"}})
		if err != nil || len(cs) != 1 || cs["c_1"].Name != "Ann" {
			t.Fatalf("ContactGetMany: %v, %v", cs, err)
		}
	})
}
