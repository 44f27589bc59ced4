package store

import (
	"strings"

	"gorm.io/gorm"
)

// Planner methods some Postgres statements turn off: each was measured
// wrong for one statement (see claimPostgres and recordPostgres), so it is
// turned off just before that statement and restored just after, for the
// rest of the transaction to be planned as usual.
var (
	claimPlannerOff  = []string{"enable_sort"}
	recordPlannerOff = []string{"enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"}
)

// plannerOff turns the planner methods off for the rest of tx, until
// plannerRestore: one statement.
func plannerOff(tx *gorm.DB, methods []string) error {
	sets := make([]string, len(methods))
	for i, m := range methods {
		sets[i] = "set_config('" + m + "', 'off', true)"
	}
	return tx.Exec(`SELECT ` + strings.Join(sets, ", ")).Error
}

// plannerRestore gives the planner methods back the values they had before
// plannerOff (the session's, which an operator may have set): one
// statement.
func plannerRestore(tx *gorm.DB, methods []string) error {
	return tx.Exec(`SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN ('` + strings.Join(methods, "', '") + `')`).Error
}
