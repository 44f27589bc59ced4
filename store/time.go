package store

import (
	"database/sql/driver"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// timeLayout is how a timestamp is written: UTC, fixed width, so that on
// SQLite, where it is text, comparing the text compares the times. Postgres
// parses it into a timestamptz.
const timeLayout = "2006-01-02 15:04:05.000000Z"

// timestamp is a time column: timestamptz on Postgres, text in timeLayout on
// SQLite (the driver's own format trims trailing zeros and keeps the zone, so
// its text does not sort as time). Microseconds are the precision of both.
// Never change how it is written: existing rows and migrations depend on it.
type timestamp struct{ time.Time }

// ts converts a domain time for storage.
func ts(t time.Time) timestamp { return timestamp{t.UTC().Truncate(time.Microsecond)} }

// tsPtr converts an optional domain time for storage.
func tsPtr(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// Value implements driver.Valuer.
func (t timestamp) Value() (driver.Value, error) {
	return t.UTC().Truncate(time.Microsecond).Format(timeLayout), nil
}

// Scan implements sql.Scanner.
func (t *timestamp) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("scan timestamp: unexpected %T", v)
	}
}

func (t *timestamp) parse(s string) error {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999 -0700 MST"} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan timestamp: cannot parse %q", s)
}

// GormDBDataType gives the column type for each dialect.
func (timestamp) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "timestamptz"
	}
	return "text"
}

// timePtr converts an optional stored time back.
func timePtr(t *timestamp) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// ms converts a queue time to its column: Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msPtr converts an optional queue time to its column.
func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// fromMS converts an optional queue column back to a UTC time.
func fromMS(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := time.UnixMilli(*v).UTC()
	return &t
}
