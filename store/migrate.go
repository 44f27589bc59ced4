package store

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrationLockKey is the Postgres advisory lock that serializes instances
// migrating one database at the same time ("tripline" in ASCII).
const migrationLockKey = 0x7472_6970_6c69_6e65

// migrations are the schema's versions, in order. Each declares its own
// snapshot of the rows it creates or changes (see migrate_*.go), never the
// live models, so that later migrations can evolve the schema. Never edit a
// migration that has been released; add one.
var migrations = []*gormigrate.Migration{
	migration0001,
	migration0002,
	migration0003,
	migration0005,
	migration0006,
	migration0007,
	migration0008,
	migration0009,
	migration0010,
	migration0012,
	migration0016,
}

// Migrate brings the schema up to date. It is idempotent, and safe to run
// from several processes at once: on Postgres they take turns on an advisory
// lock, on SQLite on the write lock.
func (s *Store) Migrate(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error; err != nil {
				return err
			}
		}
		return migrator(tx).Migrate()
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrator runs migrations in tx, a transaction.
func migrator(tx *gorm.DB) *gormigrate.Gormigrate {
	return gormigrate.New(tx, &gormigrate.Options{
		TableName:                 "migrations",
		IDColumnName:              "id",
		IDColumnSize:              255,
		UseTransaction:            false, // tx is already one
		ValidateUnknownMigrations: true,  // a newer binary migrated this database: refuse
	}, migrations)
}
