package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tripline/tripline/triggers"
)

// DefaultTimezone is the zone of a datetime_based_trigger that names none:
// the workspace's, which is UTC until workspaces carry a zone setting.
var DefaultTimezone = time.UTC

// IngestArmGrace is how far in the past a due time computed when a contact's
// field changes may be and still be armed (it then fires at once): a field set
// to "now" by a platform whose clock is a little ahead still fires. Older due
// times are history and do not fire; nor does any due time already past when
// a rule is saved.
const IngestArmGrace = time.Minute

// Limits of a datetime_based_trigger's offset: ten years.
const maxOffset = 3660 * 24 * time.Hour

// DatetimeSchedule is a compiled datetime_based_trigger: the field it watches
// and when, relative to the field's value, it fires.
type DatetimeSchedule struct {
	Field    string
	Params   triggers.DatetimeParams
	Location *time.Location
}

// DueAt returns when the trigger fires for a field value, in UTC to the
// millisecond (the precision due times are stored with), or ok false and why
// the value is not a date.
func (d *DatetimeSchedule) DueAt(value any) (time.Time, bool, string) {
	t, ok, reason := triggers.DueAt(value, d.Params, d.Location)
	return t.Truncate(time.Millisecond), ok, reason
}

// DatetimeScheduleOf returns the schedule of a validated trigger, or nil when
// it is not a datetime_based_trigger.
func DatetimeScheduleOf(t Trigger) (*DatetimeSchedule, error) {
	if t.Type != triggers.TriggerDatetimeBased {
		return nil, nil
	}
	var errs []string
	d := compileDatetime(&t, func(field, msg string) { errs = append(errs, field+": "+msg) })
	if len(errs) > 0 {
		return nil, fmt.Errorf("datetime trigger: %v", errs)
	}
	return d, nil
}

// DatetimeValueHash identifies a field value in a due row: a due time fires
// once per rule, contact and value.
func DatetimeValueHash(v any) string {
	b, _ := json.Marshal(v) // values come from JSON
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// compileDatetime checks the datetime parameters of a trigger, fills the
// default direction, and returns its schedule (nil for other trigger types or
// when a parameter is wrong; add receives the problems).
func compileDatetime(t *Trigger, add func(field, msg string)) *DatetimeSchedule {
	if t.Type != triggers.TriggerDatetimeBased {
		if t.Amount != 0 {
			add("trigger.amount", "is not a parameter of "+t.Type)
		}
		return nil
	}
	ok := true
	fail := func(field, msg string) { add(field, msg); ok = false }
	if t.Field == "" {
		fail("trigger.field", "is required: the custom field that holds the date, such as appointment_at")
	}
	if t.Direction == "" {
		t.Direction = triggers.DirectionOn
	}
	switch t.Direction {
	case triggers.DirectionBefore, triggers.DirectionAfter:
		if t.Amount < 1 {
			fail("trigger.amount", fmt.Sprintf("must be at least 1 with direction %s", t.Direction))
		}
		unit := map[string]time.Duration{triggers.UnitMinutes: time.Minute, triggers.UnitHours: time.Hour, triggers.UnitDays: 24 * time.Hour}[t.Unit]
		switch {
		case t.Unit == "":
			fail("trigger.unit", "is required with before and after: minutes, hours or days")
		case unit > 0 && time.Duration(t.Amount) > maxOffset/unit:
			fail("trigger.amount", fmt.Sprintf("is more than %d %s (ten years)", maxOffset/unit, t.Unit))
		}
	case triggers.DirectionOn:
		if t.Amount != 0 {
			fail("trigger.amount", "is only used with before and after")
		}
		if t.Unit != "" && t.Unit != triggers.UnitDays {
			fail("trigger.unit", "is only used with before and after")
		}
	default:
		ok = false // the catalogue's enum check reports it
	}
	if t.At != "" {
		if _, _, err := triggers.ParseClock(t.At); err != nil {
			fail("trigger.at", err.Error())
		} else if t.Unit != triggers.UnitDays && t.Direction != triggers.DirectionOn {
			fail("trigger.at", "is only used with unit days (or direction on): it sets the local time of day")
		}
	}
	loc := DefaultTimezone
	if t.Timezone != "" {
		l, err := time.LoadLocation(t.Timezone)
		if err != nil || t.Timezone == "Local" {
			fail("trigger.timezone", fmt.Sprintf("unknown time zone %q; use an IANA name such as Europe/Berlin or America/New_York", t.Timezone))
		} else {
			loc = l
		}
	}
	if !ok {
		return nil
	}
	return &DatetimeSchedule{
		Field:    t.Field,
		Params:   triggers.DatetimeParams{Direction: t.Direction, Amount: t.Amount, Unit: t.Unit, At: t.At},
		Location: loc,
	}
}
