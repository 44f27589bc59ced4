package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tripline/tripline/internal/jsonenc"
)

// colKind is the type of a batchCol.
type colKind uint8

const (
	colText     colKind = iota // text
	colTextNull                // text or NULL
	colInt                     // bigint
	colIntNull                 // bigint or NULL
	colTime                    // a timestamp: timestamptz on Postgres, text in timeLayout on SQLite
	colTimeNull                // a timestamp or NULL
)

// batchCol is a column written by a batchInsert: its name, which is also its
// key in SQLite's JSON objects, and its kind.
type batchCol struct {
	name string
	kind colKind
}

// batchInsert is an INSERT of many rows whose statement's text does not depend
// on their number (Postgres prepares it once) and binds no parameter per value
// (the SQLite driver binds in time quadratic in the parameters):
//
//   - on Postgres each column is one array parameter, sent in pgx's binary
//     format and read by unnest: no value is escaped, and Postgres parses no
//     JSON;
//   - on SQLite the rows are one JSON array of objects whose keys are the
//     column names, read by json_each, written without reflection.
//
// The rows are written by a batchRows.
type batchInsert struct {
	cols             []batchCol
	postgres, sqlite string // the statement of each dialect
}

// newBatchInsert returns the insert of cols into table; suffix follows the
// SELECT (ON CONFLICT …).
func newBatchInsert(table string, cols []batchCol, suffix string) *batchInsert {
	names := make([]string, len(cols))
	exprs := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		exprs[i] = "json_extract(value, '$." + c.name + "')"
	}
	head := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT "
	if suffix != "" {
		suffix = " " + suffix
	}
	return &batchInsert{
		cols:     cols,
		postgres: head + "* FROM " + unnest(cols, 1) + suffix,
		// WHERE true: SQLite needs it before ON CONFLICT after a SELECT.
		sqlite: head + strings.Join(exprs, ", ") + " FROM json_each(?) WHERE true" + suffix,
	}
}

// unnest returns "unnest($first::text[], …)", the Postgres rows of cols
// given as array parameters numbered from first.
func unnest(cols []batchCol, first int) string {
	arrays := make([]string, len(cols))
	for i, c := range cols {
		arrays[i] = fmt.Sprintf("$%d::%s", first+i, map[colKind]string{
			colText: "text[]", colTextNull: "text[]", colInt: "bigint[]", colIntNull: "bigint[]", colTime: "timestamptz[]", colTimeNull: "timestamptz[]",
		}[c.kind])
	}
	return "unnest(" + strings.Join(arrays, ", ") + ")"
}

// rows returns a writer of about n rows for the insert.
func (ins *batchInsert) rows(n int) *batchRows { return newBatchRows(ins.cols, n) }

// newBatchRows returns a writer of about n rows of cols.
func newBatchRows(cols []batchCol, n int) *batchRows {
	w := &batchRows{kinds: cols, cols: make([]column, len(cols))}
	for i, c := range cols {
		switch c.kind {
		case colText:
			w.cols[i].text = make([]string, 0, n)
		case colTextNull:
			w.cols[i].textNull = make([]*string, 0, n)
		case colInt:
			w.cols[i].int = make([]int64, 0, n)
		case colIntNull:
			w.cols[i].intNull = make([]*int64, 0, n)
		case colTime:
			w.cols[i].time = make([]time.Time, 0, n)
		case colTimeNull:
			w.cols[i].timeNull = make([]*time.Time, 0, n)
		}
	}
	return w
}

// insertBatch runs ins with the rows w holds, written for it.
func (s *Store) insertBatch(tx *gorm.DB, ins *batchInsert, w *batchRows) error {
	if err := w.complete(); err != nil {
		return err
	}
	if s.dialect == DialectPostgres {
		_, err := execPostgres(tx, ins.postgres, w.args())
		return err
	}
	return tx.Exec(ins.sqlite, string(w.json())).Error
}

// execPostgres runs a statement whose parameters are numbered ($1), straight
// on the transaction's connection: gorm would spread each slice argument into
// a list of parameters. It is timed by gorm's logger, as gorm's statements are.
func execPostgres(tx *gorm.DB, query string, args []any) (sql.Result, error) {
	begin := time.Now()
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, query, args...)
	tx.Logger.Trace(tx.Statement.Context, begin, func() (string, int64) {
		if err != nil {
			return query, -1
		}
		n, _ := res.RowsAffected()
		return query, n
	}, err)
	return res, err
}

// queryPostgres is execPostgres for a statement that returns rows.
func queryPostgres(tx *gorm.DB, query string, args []any) (*sql.Rows, error) {
	begin := time.Now()
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, query, args...)
	tx.Logger.Trace(tx.Statement.Context, begin, func() (string, int64) { return query, -1 }, err)
	return rows, err
}

// column holds the values of one column of a batchRows, in the field of its kind.
type column struct {
	text     []string
	textNull []*string
	int      []int64
	intNull  []*int64
	time     []time.Time
	timeNull []*time.Time
}

// batchRows holds the rows of a batchInsert, written a row at a time with one
// call per column, in the order of the insert's columns; a call of the wrong
// kind panics. Times are stored at microsecond precision, in UTC.
type batchRows struct {
	kinds []batchCol // the columns, in order
	cols  []column
	col   int // the column the next call writes
}

// complete reports an error when the last row lacks columns.
func (w *batchRows) complete() error {
	if w.col != 0 {
		return fmt.Errorf("batch rows: a row has %d of its %d columns", w.col, len(w.cols))
	}
	return nil
}

// next returns the column the call of kind k writes and moves on.
func (w *batchRows) next(k colKind) *column {
	if c := w.kinds[w.col]; c.kind != k {
		panic(fmt.Sprintf("store: batch column %s is of kind %d, written as %d", c.name, c.kind, k))
	}
	c := &w.cols[w.col]
	w.col = (w.col + 1) % len(w.cols)
	return c
}

func (w *batchRows) str(v string) {
	c := w.next(colText)
	c.text = append(c.text, v)
}

// strBytes writes text held in bytes.
func (w *batchRows) strBytes(v []byte) { w.str(string(v)) }

func (w *batchRows) strPtr(v *string) {
	c := w.next(colTextNull)
	c.textNull = append(c.textNull, v)
}

func (w *batchRows) int(v int64) {
	c := w.next(colInt)
	c.int = append(c.int, v)
}

func (w *batchRows) intPtr(v *int64) {
	c := w.next(colIntNull)
	c.intNull = append(c.intNull, v)
}

func (w *batchRows) time(t timestamp) {
	c := w.next(colTime)
	c.time = append(c.time, t.UTC().Truncate(time.Microsecond))
}

func (w *batchRows) timePtr(t *timestamp) {
	c := w.next(colTimeNull)
	if t == nil {
		c.timeNull = append(c.timeNull, nil)
		return
	}
	c.timeNull = append(c.timeNull, new(t.UTC().Truncate(time.Microsecond)))
}

// args returns the Postgres statement's parameters: one slice per column.
func (w *batchRows) args() []any {
	args := make([]any, len(w.cols))
	for i, c := range w.kinds {
		switch c.kind {
		case colText:
			args[i] = w.cols[i].text
		case colTextNull:
			args[i] = w.cols[i].textNull
		case colInt:
			args[i] = w.cols[i].int
		case colIntNull:
			args[i] = w.cols[i].intNull
		case colTime:
			args[i] = w.cols[i].time
		case colTimeNull:
			args[i] = w.cols[i].timeNull
		}
	}
	return args
}

// len returns the number of rows written.
func (w *batchRows) len() int {
	c, k := w.cols[0], w.kinds[0].kind
	switch k {
	case colText:
		return len(c.text)
	case colTextNull:
		return len(c.textNull)
	case colInt:
		return len(c.int)
	case colIntNull:
		return len(c.intNull)
	case colTime:
		return len(c.time)
	}
	return len(c.timeNull)
}

// jsonSize is about the size of json(): room for a quarter of the text to
// be escaped, so that the buffer is not copied as it grows.
func (w *batchRows) jsonSize(n int) int {
	size := 2
	for i, col := range w.kinds {
		size += n * (len(col.name) + 4 + 32)
		for _, v := range w.cols[i].text {
			size += len(v) + len(v)/4
		}
	}
	return size
}

// json returns the rows as SQLite reads them: a JSON array of objects, the
// values as json.Marshal writes them, times as strings in timeLayout.
func (w *batchRows) json() []byte {
	n := w.len()
	b := make([]byte, 0, w.jsonSize(n))
	b = append(b, '[')
	for r := range n {
		if r > 0 {
			b = append(b, ',')
		}
		for i, col := range w.kinds {
			if i == 0 {
				b = append(b, `{"`...)
			} else {
				b = append(b, `,"`...)
			}
			b = append(b, col.name...)
			b = append(b, '"', ':')
			c := &w.cols[i]
			switch col.kind {
			case colText:
				b = jsonenc.String(b, c.text[r])
			case colTextNull:
				if v := c.textNull[r]; v != nil {
					b = jsonenc.String(b, *v)
				} else {
					b = append(b, "null"...)
				}
			case colInt:
				b = jsonenc.Int(b, c.int[r])
			case colIntNull:
				if v := c.intNull[r]; v != nil {
					b = jsonenc.Int(b, *v)
				} else {
					b = append(b, "null"...)
				}
			case colTime:
				b = append(c.time[r].AppendFormat(append(b, '"'), timeLayout), '"')
			case colTimeNull:
				if v := c.timeNull[r]; v != nil {
					b = append(v.AppendFormat(append(b, '"'), timeLayout), '"')
				} else {
					b = append(b, "null"...)
				}
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
