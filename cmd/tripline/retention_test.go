package main

import (
	"testing"
	"time"
)

func TestRetentionFlag(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"720h": 720 * time.Hour, "30d": 30 * 24 * time.Hour, " 7d ": 7 * 24 * time.Hour, "90m": 90 * time.Minute} {
		var r retention
		if err := r.Set(in); err != nil || time.Duration(r) != want {
			t.Errorf("Set(%q) = %s, %v; want %s", in, time.Duration(r), err, want)
		}
	}
	for _, bad := range []string{"", "0d", "-1h", "30 days", "xd", "0"} {
		var r retention
		if err := r.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
