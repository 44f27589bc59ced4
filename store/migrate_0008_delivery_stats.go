package store

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0008 adds the index GET /v1/deliveries/stats (Store.DeliveryStats)
// reads a workspace's deliveries of an hour range by: without it the query
// read every delivery of the workspace, however old, through
// (workspace_id, id).
var migration0008 = &gormigrate.Migration{
	ID: "0008_delivery_stats",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec(`CREATE INDEX deliveries_workspace_created_at_idx ON deliveries (workspace_id, created_at, status)`).Error
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Exec(`DROP INDEX IF EXISTS deliveries_workspace_created_at_idx`).Error
	},
}
