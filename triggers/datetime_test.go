package triggers

import (
	"strings"
	"testing"
	"time"
)

func TestDueAt(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	for _, tc := range []struct {
		name  string
		value any
		p     DatetimeParams
		loc   *time.Location
		want  time.Time
	}{
		{"on is the value's time", "2026-12-01T15:00:00Z", DatetimeParams{Direction: DirectionOn}, time.UTC, utc("2026-12-01T15:00:00Z")},
		{"offset kept", "2026-12-01T15:00:00+05:30", DatetimeParams{Direction: DirectionOn}, berlin, utc("2026-12-01T09:30:00Z")},
		{"empty direction is on", "2026-12-01T15:00:00Z", DatetimeParams{}, nil, utc("2026-12-01T15:00:00Z")},
		{"2 hours after", "2026-12-01T15:00:00Z", DatetimeParams{Direction: DirectionAfter, Amount: 2, Unit: UnitHours}, time.UTC, utc("2026-12-01T17:00:00Z")},
		{"30 minutes before", "2026-12-01T15:00:00Z", DatetimeParams{Direction: DirectionBefore, Amount: 30, Unit: UnitMinutes}, time.UTC, utc("2026-12-01T14:30:00Z")},
		{"on at 09:00 in the zone", "2026-12-01T15:00:00Z", DatetimeParams{Direction: DirectionOn, At: "09:00"}, berlin, utc("2026-12-01T08:00:00Z")},
		{"1 day before at 09:00", "2026-12-01T15:00:00Z", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "09:00"}, berlin, utc("2026-11-30T08:00:00Z")},
		{"date-only is local midnight", "2026-12-01", DatetimeParams{Direction: DirectionOn}, berlin, utc("2026-11-30T23:00:00Z")},
		{"date-only 2 hours before", "2026-12-01", DatetimeParams{Direction: DirectionBefore, Amount: 2, Unit: UnitHours}, berlin, utc("2026-11-30T21:00:00Z")},
		{"date-only day before at 09:00", "2026-12-01", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "09:00"}, berlin, utc("2026-11-30T08:00:00Z")},
		{"local time without offset", "2026-12-01T15:00", DatetimeParams{Direction: DirectionOn}, berlin, utc("2026-12-01T14:00:00Z")},

		// Spring forward, Europe/Berlin 2026-03-29 02:00 CET → 03:00 CEST.
		{"DST spring: day before at 09:00 is 09:00 CET", "2026-03-30T12:00:00+02:00", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "09:00"}, berlin, utc("2026-03-29T07:00:00Z")},
		{"DST spring: day after at 09:00 from CET", "2026-03-28T12:00:00+01:00", DatetimeParams{Direction: DirectionAfter, Amount: 1, Unit: UnitDays, At: "09:00"}, berlin, utc("2026-03-29T07:00:00Z")},
		{"DST spring: 1 day keeps the local time", "2026-03-28T10:00:00+01:00", DatetimeParams{Direction: DirectionAfter, Amount: 1, Unit: UnitDays}, berlin, utc("2026-03-29T08:00:00Z")},
		{"DST spring: 24 hours is a duration", "2026-03-28T10:00:00+01:00", DatetimeParams{Direction: DirectionAfter, Amount: 24, Unit: UnitHours}, berlin, utc("2026-03-29T09:00:00Z")},
		{"DST spring: a skipped time moves forward", "2026-03-30T12:00:00+02:00", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "02:30"}, berlin, utc("2026-03-29T01:30:00Z")},
		{"DST spring New York: a skipped time moves forward", "2026-03-09T12:00:00-04:00", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "02:30"}, ny, utc("2026-03-08T07:30:00Z")},
		// Fall back, Europe/Berlin 2026-10-25 03:00 CEST → 02:00 CET.
		{"DST fall: day before at 09:00 is 09:00 CET", "2026-10-26T12:00:00+01:00", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "09:00"}, berlin, utc("2026-10-25T08:00:00Z")},
		{"DST fall: on at 09:00 the day before the change is CEST", "2026-10-24T18:00:00+02:00", DatetimeParams{Direction: DirectionOn, At: "09:00"}, berlin, utc("2026-10-24T07:00:00Z")},
		{"DST fall: an ambiguous time is the first", "2026-10-26T12:00:00+01:00", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "02:30"}, berlin, utc("2026-10-25T00:30:00Z")},
		{"DST fall New York: an ambiguous time is the first", "2026-11-02T12:00:00-05:00", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "01:30"}, ny, utc("2026-11-01T05:30:00Z")},

		// Leap day.
		{"leap day on", "2028-02-29", DatetimeParams{Direction: DirectionOn, At: "09:00"}, time.UTC, utc("2028-02-29T09:00:00Z")},
		{"day after the leap day", "2028-02-29T10:00:00Z", DatetimeParams{Direction: DirectionAfter, Amount: 1, Unit: UnitDays}, time.UTC, utc("2028-03-01T10:00:00Z")},
		{"day before March 1st of a leap year", "2028-03-01", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitDays, At: "08:00"}, time.UTC, utc("2028-02-29T08:00:00Z")},
		{"365 days after the leap day", "2028-02-29T00:00:00Z", DatetimeParams{Direction: DirectionAfter, Amount: 365, Unit: UnitDays}, time.UTC, utc("2029-02-28T00:00:00Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, reason := DueAt(tc.value, tc.p, tc.loc)
			if !ok || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Fatalf("DueAt(%v, %+v) = %v, %v, %q; want %v", tc.value, tc.p, got, ok, reason, tc.want)
			}
		})
	}
}

func TestDueAtNotADate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value  any
		reason string
	}{
		{nil, "not set"},
		{42.0, "is a number"},
		{true, "is a boolean"},
		{map[string]any{"a": 1.0}, "is an object"},
		{"tomorrow", `"tomorrow" is not a date`},
		{"2026-02-30", "is not a date"},
		{"", "is not a date"},
	} {
		_, ok, reason := DueAt(tc.value, DatetimeParams{Direction: DirectionOn}, time.UTC)
		if ok || !strings.Contains(reason, tc.reason) {
			t.Errorf("DueAt(%#v): ok %v, reason %q; want not ok with %q", tc.value, ok, reason, tc.reason)
		}
	}
	if _, ok, reason := DueAt("2026-12-01", DatetimeParams{Direction: DirectionBefore, Amount: 1, Unit: UnitHours, At: "09:00"}, time.UTC); ok || !strings.Contains(reason, "days") {
		t.Errorf("at with hours: ok %v, %q", ok, reason)
	}
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	if h, m, err := ParseClock("09:05"); err != nil || h != 9 || m != 5 {
		t.Fatalf("09:05: %d %d %v", h, m, err)
	}
	for _, bad := range []string{"9:00", "24:00", "09:60", "0900", "aa:bb", ""} {
		if _, _, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) accepted", bad)
		}
	}
}
