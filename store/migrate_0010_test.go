package store_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
)

// TestMigration0010RollsBack: rolled back, migration 0010 leaves the indexes
// as they were (SQLite's table rebuild would lose them), and it migrates
// again over rows.
func TestMigration0010RollsBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		// What 0009 left, in a database of its own (later migrations add
		// indexes of their own, so the live schema is not the reference).
		url := filepath.Join(t.TempDir(), "at0009.db")
		if s.Dialect() == store.DialectPostgres {
			url = storetest.PostgresURL(t)
		}
		at0009, err := store.Open(ctx, store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = at0009.Close() })
		if err := at0009.MigrateTo(ctx, "0009_hot_path"); err != nil {
			t.Fatal(err)
		}
		before, err := at0009.SchemaIndexesAndForeignKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RollbackAfter(ctx, "0009_hot_path"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SchemaIndexesAndForeignKeys(ctx); !slices.Equal(got, before) {
			t.Errorf("indexes after rolling back 0010:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		ws, err := s.WorkspaceGet(ctx, f.ws.ID)
		if err != nil || ws.Timezone != "UTC" || ws.RequireHTTPS {
			t.Fatalf("the workspace after the round trip: %+v, %v", ws, err)
		}
	})
}
