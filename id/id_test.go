package id_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/id"
)

// TestMinAtBoundsIDsByTime: ids made in MinAt's millisecond or later sort
// at or after it, ids made earlier sort before it.
func TestMinAtBoundsIDsByTime(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		bound     time.Time
		made      time.Time
		wantAfter bool // made sorts at or after MinAt(bound)
	}{
		{"same instant", base, base, true},
		{"a nanosecond later", base, base.Add(time.Nanosecond), true},
		{"last nanosecond of the millisecond", base, base.Add(time.Millisecond - time.Nanosecond), true},
		{"next millisecond", base, base.Add(time.Millisecond), true},
		{"a year later", base, base.AddDate(1, 0, 0), true},
		{"a nanosecond earlier", base, base.Add(-time.Nanosecond), false},
		{"a millisecond earlier", base, base.Add(-time.Millisecond), false},
		{"bound inside its millisecond, made at its start", base.Add(999 * time.Microsecond), base, true},
		{"bound inside its millisecond, made before", base.Add(999 * time.Microsecond), base.Add(-time.Microsecond), false},
		{"another zone, same instant", base.In(time.FixedZone("+05", 5*3600)), base, true},
		{"zero time bounds everything", time.Time{}, time.Unix(0, 0), true},
		{"before 1970 bounds everything", time.Unix(-5, 0), time.Unix(0, 0), true},
	} {
		for range 100 { // the entropy of made is random
			made, bound := id.NewAt(id.Delivery, tc.made), id.MinAt(id.Delivery, tc.bound)
			if got := made >= bound; got != tc.wantAfter {
				t.Fatalf("%s: NewAt(%v) = %s >= MinAt(%v) = %s is %v, want %v", tc.name, tc.made, made, tc.bound, bound, got, tc.wantAfter)
			}
		}
	}
}

func TestMinAtIsAnID(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	got := id.MinAt(id.Attempt, at)
	made := id.NewAt(id.Attempt, at)
	if len(got) != len(made) || !strings.HasPrefix(got, "att_") || got[:14] != made[:14] || !strings.HasSuffix(got, "0000000000000000") {
		t.Errorf("MinAt = %s; an id of the same millisecond is %s", got, made)
	}
	if got, want := id.MinAt("x", time.Time{}), "x_00000000000000000000000000"; got != want {
		t.Errorf("MinAt(zero time) = %s, want %s", got, want)
	}
	if got, want := id.MinAt("x", time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)), "x_7ZZZZZZZZZ0000000000000000"; got != want {
		t.Errorf("MinAt(year 20000) = %s, want %s", got, want)
	}
}

// TestMaxLen: every prefix fits MaxPrefixLen, so every id fits MaxLen.
func TestMaxLen(t *testing.T) {
	t.Parallel()
	for _, p := range []string{id.Workspace, id.APIKey, id.Folder, id.Rule, id.Endpoint, id.Delivery, id.TriggerEvent, id.Attempt} {
		if got := id.New(p); len(p) > id.MaxPrefixLen || len(got) > id.MaxLen {
			t.Errorf("id %q of prefix %q is longer than MaxLen %d", got, p, id.MaxLen)
		}
	}
}
