package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// jsonCol is a column written by insertJSON: its name, which is also its key
// in the JSON objects, and its SQL type on Postgres.
type jsonCol struct{ name, pgType string }

// insertJSON inserts rows, a slice of structs whose JSON keys are the column
// names, with one statement and one parameter: the rows as a JSON array, read
// by jsonb_to_recordset on Postgres and json_each on SQLite. The statement's
// text does not depend on the number of rows (Postgres prepares it once), no
// parameter is bound per value (binding is quadratic in the parameters on
// SQLite), and no reflection runs per row. Times must be strings in
// timeLayout, which both dialects read as their timestamp. suffix follows
// the SELECT (ON CONFLICT …).
func (s *Store) insertJSON(tx *gorm.DB, table string, cols []jsonCol, rows any, suffix string) error {
	j, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	var sql strings.Builder
	fmt.Fprintf(&sql, "INSERT INTO %s (%s) SELECT ", table, strings.Join(names, ", "))
	if s.dialect == DialectPostgres {
		defs := make([]string, len(cols))
		for i, c := range cols {
			defs[i] = c.name + " " + c.pgType
		}
		fmt.Fprintf(&sql, "%s FROM jsonb_to_recordset(CAST(? AS jsonb)) AS r(%s)", strings.Join(names, ", "), strings.Join(defs, ", "))
	} else {
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = "json_extract(value, '$." + c.name + "')"
		}
		// WHERE true: SQLite needs it before ON CONFLICT after a SELECT.
		fmt.Fprintf(&sql, "%s FROM json_each(?) WHERE true", strings.Join(exprs, ", "))
	}
	if suffix != "" {
		sql.WriteString(" " + suffix)
	}
	return tx.Exec(sql.String(), string(j)).Error
}
