package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0009 drops foreign keys and indexes that every delivery paid to
// write and that nothing needs (measured on Postgres with pg_waldump: each
// delivery cost about 37 B-tree inserts and 4.5 row locks, the FOR KEY SHARE
// locks that foreign-key checks take on the parent row).
//
// The indexes on a time column, on both dialects: their readers (retention,
// DeliveryStats, the since filters) now read id ranges, ids being ULIDs of
// the row's time (see idrange.go). trigger_events_workspace_type_idx stays:
// TriggerEventListRecent (a REST hook's sample events) reads it.
//
// The foreign keys, on Postgres only: from every ingested row to its
// workspace, and from messages and attempts to their delivery. Their
// cascades never fire: workspaces and deliveries are never deleted
// (retention deletes messages, attempts and trigger events, not their
// parents). Rows cannot be orphaned either: a delivery's message is
// inserted with it, in one transaction; the attempts INSERT skips deliveries
// that are not there (recordPostgres); a workspace's rows are written by its
// authenticated requests. Whatever deletes a workspace or a delivery one day
// must delete its rows itself. SQLite keeps its foreign keys: checking one
// is a lookup in the same process, with no row lock and no log record, and
// dropping one means rebuilding its table.
var migration0009 = &gormigrate.Migration{
	ID: "0009_hot_path",
	Migrate: func(tx *gorm.DB) error {
		var sqls []string
		if tx.Dialector.Name() == DialectPostgres {
			for _, fk := range m0009ForeignKeys {
				sqls = append(sqls, `ALTER TABLE `+fk.table+` DROP CONSTRAINT IF EXISTS `+fk.name)
			}
		}
		for _, idx := range m0009Indexes {
			sqls = append(sqls, `DROP INDEX IF EXISTS `+idx.name)
		}
		return m0009Exec(tx, sqls)
	},
	Rollback: func(tx *gorm.DB) error {
		var sqls []string
		for _, idx := range m0009Indexes {
			sqls = append(sqls, idx.create)
		}
		if tx.Dialector.Name() == DialectPostgres {
			for _, fk := range m0009ForeignKeys {
				sqls = append(sqls, `ALTER TABLE `+fk.table+` ADD CONSTRAINT `+fk.name+` FOREIGN KEY (`+fk.column+`) REFERENCES `+fk.references+` ON DELETE CASCADE`)
			}
		}
		return m0009Exec(tx, sqls)
	},
}

// m0009ForeignKeys are the foreign keys migration 0009 drops on Postgres,
// as migration 0001 made them (a snapshot: do not change it).
var m0009ForeignKeys = []struct{ table, name, column, references string }{
	{"attempts", "fk_attempts_delivery", "delivery_id", "deliveries (id)"},
	{"delivery_messages", "fk_delivery_messages_delivery", "delivery_id", "deliveries (id)"},
	{"deliveries", "fk_deliveries_workspace", "workspace_id", "workspaces (id)"},
	{"trigger_events", "fk_trigger_events_workspace", "workspace_id", "workspaces (id)"},
	{"contacts", "fk_contacts_workspace", "workspace_id", "workspaces (id)"},
	{"event_keys", "fk_event_keys_workspace", "workspace_id", "workspaces (id)"},
	{"rule_fires", "fk_rule_fires_workspace", "workspace_id", "workspaces (id)"},
}

// m0009Indexes are the indexes migration 0009 drops, as migrations 0003 and
// 0008 made them (a snapshot: do not change it).
var m0009Indexes = []struct{ name, create string }{
	{"deliveries_created_at_idx", `CREATE INDEX deliveries_created_at_idx ON deliveries (created_at)`},
	{"deliveries_workspace_created_at_idx", `CREATE INDEX deliveries_workspace_created_at_idx ON deliveries (workspace_id, created_at, status)`},
	{"attempts_at_idx", `CREATE INDEX attempts_at_idx ON attempts (at)`},
	{"trigger_events_created_at_idx", `CREATE INDEX trigger_events_created_at_idx ON trigger_events (created_at)`},
}

func m0009Exec(tx *gorm.DB, sqls []string) error {
	for _, sql := range sqls {
		if err := tx.Exec(sql).Error; err != nil {
			return err
		}
	}
	return nil
}
