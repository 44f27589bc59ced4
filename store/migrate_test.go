package store_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
)

// TestMigration0009DropsAndRollsBack: migration 0009 drops exactly the time
// indexes and, on Postgres, the foreign keys the hot path paid for; rolled
// back over a database with rows, it restores the schema migration 0008
// left, and migrates again.
func TestMigration0009DropsAndRollsBack(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			schema := func(s *store.Store) []string {
				t.Helper()
				objs, err := s.SchemaIndexesAndForeignKeys(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return objs
			}

			// The schema 0008 left, in a database of its own.
			url := filepath.Join(t.TempDir(), "at0008.db")
			if dialect == store.DialectPostgres {
				url = storetest.PostgresURL(t)
			}
			at0008, err := store.Open(ctx, store.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = at0008.Close() })
			if err := at0008.MigrateTo(ctx, "0008_delivery_stats"); err != nil {
				t.Fatal(err)
			}
			want0008 := schema(at0008)

			// Rows for the foreign keys restored to check, written by the
			// live code on the last schema; then back to 0009.
			s := storetest.Open(t, dialect)
			f := setup(t, s)
			f.insertDeliveries(t, f.newDelivery(t0))
			c := f.claim(t, "w1", t0, 1)
			err = s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: []actions.Outcome{{
				Attempt: actions.Attempt{ID: id.NewAt(id.Attempt, t0), DeliveryID: c[0].Delivery.ID, At: t0, StatusCode: 200},
				Status:  actions.StatusSucceeded, AttemptCount: 1, LastStatusCode: 200, DeliveredAt: new(t0.Add(time.Second)),
			}}})
			if err != nil {
				t.Fatal(err)
			}

			if err := s.RollbackAfter(ctx, "0009_hot_path"); err != nil {
				t.Fatal(err)
			}
			got0009 := schema(s)
			dropped := slices.DeleteFunc(slices.Clone(want0008), func(o string) bool { return slices.Contains(got0009, o) })
			wantDropped := []string{"attempts_at_idx", "deliveries_created_at_idx", "deliveries_workspace_created_at_idx", "trigger_events_created_at_idx"}
			if dialect == store.DialectPostgres {
				wantDropped = append(wantDropped, "attempts.fk_attempts_delivery", "contacts.fk_contacts_workspace",
					"deliveries.fk_deliveries_workspace", "delivery_messages.fk_delivery_messages_delivery",
					"event_keys.fk_event_keys_workspace", "rule_fires.fk_rule_fires_workspace", "trigger_events.fk_trigger_events_workspace")
			}
			var droppedNames []string
			for _, o := range dropped {
				droppedNames = append(droppedNames, o[:strings.Index(o, ":")])
			}
			if slices.Sort(wantDropped); fmt.Sprint(droppedNames) != fmt.Sprint(wantDropped) {
				t.Errorf("0009 dropped %v, want %v", droppedNames, wantDropped)
			}
			if added := slices.DeleteFunc(slices.Clone(got0009), func(o string) bool { return slices.Contains(want0008, o) }); len(added) > 0 {
				t.Errorf("0009 added %v", added)
			}

			if err := s.RollbackLastMigration(ctx); err != nil {
				t.Fatalf("roll back 0009: %v", err)
			}
			if got := schema(s); !slices.Equal(got, want0008) {
				t.Errorf("schema after rolling back 0009:\n%s\nwant, as 0008 left it:\n%s", strings.Join(got, "\n"), strings.Join(want0008, "\n"))
			}
			if err := s.MigrateTo(ctx, "0009_hot_path"); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
			if got := schema(s); !slices.Equal(got, got0009) {
				t.Errorf("schema after migrating again:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(got0009, "\n"))
			}
			if _, _, attempts := f.get(t, c[0].Delivery.ID); len(attempts) != 1 {
				t.Errorf("attempts after the round trip: %v", attempts)
			}
		})
	}
}

// TestMigration0012RollsBack migrates to the last migration, rolls 0012
// back and migrates again.
func TestMigration0012RollsBack(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := storetest.Open(t, dialect)
			before, err := s.SchemaIndexesAndForeignKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MigrateTo(ctx, "0012_sources"); err != nil {
				t.Fatal(err)
			}
			for s.LastMigration(ctx) != "0012_sources" {
				if err := s.RollbackLastMigration(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.RollbackLastMigration(ctx); err != nil {
				t.Fatalf("roll back 0012: %v", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
			after, _ := s.SchemaIndexesAndForeignKeys(ctx)
			if !slices.Equal(before, after) {
				t.Errorf("schema after the round trip:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
			}
		})
	}
}
