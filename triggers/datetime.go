package triggers

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // rules name IANA zones; do not depend on the host's zoneinfo
)

// Directions and units of a datetime_based_trigger (SPEC section 5).
const (
	DirectionBefore = "before"
	DirectionAfter  = "after"
	DirectionOn     = "on"

	UnitMinutes = "minutes"
	UnitHours   = "hours"
	UnitDays    = "days"
)

// DatetimeParams are a datetime_based_trigger's offset: Amount Units Before or
// After the field's time, or On it; with days, At sets the local time of day
// ("09:00") in the rule's zone.
type DatetimeParams struct {
	Direction string // DirectionBefore, DirectionAfter or DirectionOn
	Amount    int    // ≥ 1 with before and after; 0 with on
	Unit      string // UnitMinutes, UnitHours or UnitDays; "" with on
	At        string // "HH:MM" or ""; only with days (or on)
}

// ParseClock parses a time of day "HH:MM" (24-hour).
func ParseClock(s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, 0, fmt.Errorf("%q is not a time of day; write HH:MM, such as 09:00", s)
	}
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 0, 0, fmt.Errorf("%q is not a time of day; write HH:MM between 00:00 and 23:59", s)
	}
	return hour, minute, nil
}

// ParseDateValue reads a custom field value as a time: an RFC 3339 string
// ("2026-12-01T15:00:00Z"), a local date and time without offset
// ("2026-12-01T15:00", "2026-12-01T15:00:00"), taken in loc, or a date
// ("2026-12-01"), which is local midnight in loc. dateOnly reports the last.
// Anything else is not a date, and reason says why.
func ParseDateValue(value any, loc *time.Location) (t time.Time, dateOnly bool, reason string) {
	s, ok := value.(string)
	if !ok {
		if value == nil {
			return time.Time{}, false, "the field is not set"
		}
		return time.Time{}, false, fmt.Sprintf("the value is %s, not a date string; use RFC 3339 (2026-12-01T15:00:00Z) or a date (2026-12-01)", jsonKind(value))
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, ""
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, true, ""
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, ""
		}
	}
	return time.Time{}, false, fmt.Sprintf("%q is not a date; use RFC 3339 (2026-12-01T15:00:00Z) or a date (2026-12-01)", truncate(s, 40))
}

// DueAt returns when a datetime_based_trigger with params p fires for a
// contact whose field holds value, in UTC, or ok false and the reason when the
// value is not a date.
//
// "on" is the value's time, or At on the value's day. "before" and "after"
// shift it by Amount Units: minutes and hours are exact durations; days are
// calendar days in loc, keeping the local time of day (or setting it to At),
// so "1 day before at 09:00" in Europe/Berlin is 09:00 local on both sides of
// a daylight saving change. A local time that does not exist (skipped by a
// change to summer time) moves forward by the gap; one that occurs twice
// (a change to winter time) is the first.
func DueAt(value any, p DatetimeParams, loc *time.Location) (due time.Time, ok bool, reason string) {
	if loc == nil {
		loc = time.UTC
	}
	t, _, reason := ParseDateValue(value, loc)
	if reason != "" {
		return time.Time{}, false, reason
	}
	sign := 1
	switch p.Direction {
	case DirectionBefore:
		sign = -1
	case DirectionAfter, DirectionOn, "":
	default:
		return time.Time{}, false, fmt.Sprintf("direction %q is not before, after or on", p.Direction)
	}
	amount := sign * p.Amount
	if p.Direction == DirectionOn || p.Direction == "" {
		amount = 0
	}
	hour, minute := -1, -1
	if p.At != "" {
		h, m, err := ParseClock(p.At)
		if err != nil {
			return time.Time{}, false, err.Error()
		}
		hour, minute = h, m
	}
	if hour >= 0 && amount != 0 && p.Unit != UnitDays {
		return time.Time{}, false, "at (a time of day) is only used with unit days"
	}
	switch {
	case amount == 0 && hour < 0:
		return t.UTC(), true, ""
	case p.Unit == UnitMinutes && hour < 0:
		return t.Add(time.Duration(amount) * time.Minute).UTC(), true, ""
	case p.Unit == UnitHours && hour < 0:
		return t.Add(time.Duration(amount) * time.Hour).UTC(), true, ""
	case p.Unit == UnitDays || amount == 0:
		local := t.In(loc)
		y, mo, d := local.Date()
		if hour < 0 {
			hour, minute = local.Hour(), local.Minute()
		}
		return localTime(y, mo, d+amount, hour, minute, local.Second(), local.Nanosecond(), p.At != "", loc).UTC(), true, ""
	}
	return time.Time{}, false, fmt.Sprintf("unit %q is not minutes, hours or days", p.Unit)
}

// localTime is time.Date in loc with the daylight-saving rules of DueAt
// made explicit (time.Date leaves them unspecified): a wall time in a gap is
// read with the offset before the change, which moves it forward by the gap;
// an ambiguous wall time is the earlier instant. With at, seconds are zero.
func localTime(y int, mo time.Month, d, h, m, s, ns int, at bool, loc *time.Location) time.Time {
	if at {
		s, ns = 0, 0
	}
	wall := time.Date(y, mo, d, h, m, s, ns, time.UTC) // the wall clock, as if UTC
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	_, after := wall.Add(36 * time.Hour).In(loc).Zone()
	var valid []time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second).In(loc)
		if sameWall(t, wall) {
			valid = append(valid, t)
		}
	}
	switch {
	case len(valid) == 0: // in a gap
		return wall.Add(-time.Duration(before) * time.Second).In(loc)
	case len(valid) == 2 && valid[1].Before(valid[0]):
		return valid[1]
	}
	return valid[0]
}

// sameWall reports whether t reads as the wall clock w (given as UTC).
func sameWall(t, w time.Time) bool {
	ty, tmo, td := t.Date()
	wy, wmo, wd := w.Date()
	th, tm, ts := t.Clock()
	wh, wm, ws := w.Clock()
	return ty == wy && tmo == wmo && td == wd && th == wh && tm == wm && ts == ws
}

// jsonKind names the JSON type of a decoded value, with its article.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case float64, float32, int, int64:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
