package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/tripline/tripline/actions"
)

// Exported for the tests of package store_test.

// MigrateTo migrates up to and including the migration id.
func (s *Store) MigrateTo(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return migrator(tx).MigrateTo(id) })
}

// RollbackAfter undoes the migrations applied after id.
func (s *Store) RollbackAfter(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return migrator(tx).RollbackTo(id) })
}

// RollbackLastMigration undoes the last migration applied.
func (s *Store) RollbackLastMigration(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return migrator(tx).RollbackLast() })
}

// SchemaIndexesAndForeignKeys lists the schema's indexes and foreign keys,
// one line each with its definition, sorted, with no schema name in them.
func (s *Store) SchemaIndexesAndForeignKeys(ctx context.Context) ([]string, error) {
	db := s.db.WithContext(ctx)
	var out []string
	if s.dialect == DialectPostgres {
		var schema string
		if err := db.Raw(`SELECT current_schema()`).Scan(&schema).Error; err != nil {
			return nil, err
		}
		var rows []struct{ Name, Def string }
		err := db.Raw(`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema()
			UNION ALL SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, strings.ReplaceAll(r.Name+": "+r.Def, schema+".", ""))
		}
	} else {
		var rows []struct{ Name, SQL string }
		if err := db.Raw(`SELECT name, COALESCE(sql, '') AS sql FROM sqlite_master WHERE type = 'index'`).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, r.Name+": "+r.SQL)
		}
		var tables []string
		if err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table'`).Scan(&tables).Error; err != nil {
			return nil, err
		}
		for _, t := range tables {
			var fks []struct{ Table, From, To, OnDelete string }
			if err := db.Raw(`SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)`, t).Scan(&fks).Error; err != nil {
				return nil, err
			}
			for _, fk := range fks {
				out = append(out, fmt.Sprintf("%s.%s: REFERENCES %s(%s) ON DELETE %s", t, fk.From, fk.Table, fk.To, fk.OnDelete))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// LastMigration returns the id of the last migration applied.
func (s *Store) LastMigration(ctx context.Context) string {
	var id string
	s.db.WithContext(ctx).Raw(`SELECT id FROM migrations ORDER BY id DESC LIMIT 1`).Scan(&id)
	return id
}

// PlannerSettingsAfter runs the Postgres claim (which is "claim") or
// outcome recording ("record") of nothing in a transaction it rolls back,
// and returns the planner settings of the statements that follow it there,
// "name=value" sorted, with the settings before it.
func (s *Store) PlannerSettingsAfter(ctx context.Context, which string) (before, after string, err error) {
	const q = `SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings
		WHERE name IN ('enable_sort', 'enable_seqscan', 'enable_bitmapscan', 'enable_hashjoin', 'enable_mergejoin')`
	errRollback := fmt.Errorf("rollback")
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(q).Scan(&before).Error; err != nil {
			return err
		}
		switch which {
		case "claim":
			if _, err := claimPostgres(tx, actions.DeliveryClaimDueParams{Owner: "t", Limit: 1}); err != nil {
				return err
			}
		default:
			if _, err := recordPostgres(tx, actions.DeliveryRecordOutcomesParams{Owner: "t"}, nil); err != nil {
				return err
			}
		}
		if err := tx.Raw(q).Scan(&after).Error; err != nil {
			return err
		}
		return errRollback
	})
	if err == errRollback {
		err = nil
	}
	return before, after, err
}
