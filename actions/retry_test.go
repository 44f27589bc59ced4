package actions

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestRetryPolicyNextDefaultSchedule(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	// Delay after attempt n, for jitter 0 (-20 %), 0.5 (exact) and 0.75 (+10 %).
	for _, tc := range []struct {
		attempts       int
		low, mid, high time.Duration
		wantDead       bool
	}{
		{attempts: 1, low: 4 * time.Second, mid: 5 * time.Second, high: 5500 * time.Millisecond},
		{attempts: 2, low: 4 * time.Minute, mid: 5 * time.Minute, high: 330 * time.Second},
		{attempts: 3, low: 24 * time.Minute, mid: 30 * time.Minute, high: 33 * time.Minute},
		{attempts: 4, low: 96 * time.Minute, mid: 2 * time.Hour, high: 132 * time.Minute},
		{attempts: 5, low: 4 * time.Hour, mid: 5 * time.Hour, high: 330 * time.Minute},
		{attempts: 6, low: 8 * time.Hour, mid: 10 * time.Hour, high: 11 * time.Hour},
		{attempts: 7, low: 8 * time.Hour, mid: 10 * time.Hour, high: 11 * time.Hour},
		{attempts: 8, wantDead: true},
		{attempts: 9, wantDead: true},
		{attempts: math.MaxInt, wantDead: true},
		{attempts: 0, low: 4 * time.Second, mid: 5 * time.Second, high: 5500 * time.Millisecond},
		{attempts: math.MinInt, low: 4 * time.Second, mid: 5 * time.Second, high: 5500 * time.Millisecond},
	} {
		for jitter, want := range map[float64]time.Duration{0: tc.low, 0.5: tc.mid, 0.75: tc.high} {
			p := RetryPolicy{Jitter: func() float64 { return jitter }}
			next, dead := p.Next(DefaultRetrySchedule, tc.attempts, now, 0)
			if dead != tc.wantDead {
				t.Errorf("attempts %d: dead = %v, want %v", tc.attempts, dead, tc.wantDead)
				continue
			}
			if !dead && next.Sub(now) != want {
				t.Errorf("attempts %d, jitter %v: delay %s, want %s", tc.attempts, jitter, next.Sub(now), want)
			}
		}
	}
}

func TestRetryPolicyNext(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		schedule   []int
		attempts   int
		jitter     float64
		retryAfter time.Duration
		want       time.Duration
		wantDead   bool
	}{
		{name: "retry-after replaces the delay, unjittered", schedule: DefaultRetrySchedule, attempts: 3, jitter: 0, retryAfter: 90 * time.Second, want: 90 * time.Second},
		{name: "retry-after clamped to 24h", schedule: DefaultRetrySchedule, attempts: 1, jitter: 0.5, retryAfter: 72 * time.Hour, want: 24 * time.Hour},
		{name: "retry-after after the last attempt", schedule: DefaultRetrySchedule, attempts: 8, retryAfter: time.Minute, wantDead: true},
		{name: "empty schedule: no retries", schedule: []int{}, attempts: 1, wantDead: true},
		{name: "nil schedule: no retries", schedule: nil, attempts: 1, wantDead: true},
		{name: "custom schedule", schedule: []int{60, 120}, attempts: 2, jitter: 0.5, want: 2 * time.Minute},
		{name: "zero delay", schedule: []int{0}, attempts: 1, jitter: 0.9, want: 0},
		{name: "negative delay is zero", schedule: []int{-30}, attempts: 1, jitter: 0.5, want: 0},
		{name: "huge delay clamped, no overflow", schedule: []int{math.MaxInt}, attempts: 1, jitter: 0.5, want: 24 * time.Hour},
		{name: "jitter does not pass the cap", schedule: []int{86400}, attempts: 1, jitter: 0.99, want: 24 * time.Hour},
		{name: "jitter below the cap", schedule: []int{86400}, attempts: 1, jitter: 0, want: 24 * time.Hour * 8 / 10},
		{name: "jitter above range clamped", schedule: []int{100}, attempts: 1, jitter: 7, want: 120 * time.Second},
		{name: "jitter below range clamped", schedule: []int{100}, attempts: 1, jitter: -7, want: 80 * time.Second},
		{name: "rounded to the millisecond", schedule: []int{1}, attempts: 1, jitter: 1.0 / 3, want: 933 * time.Millisecond},
	} {
		p := RetryPolicy{Jitter: func() float64 { return tc.jitter }}
		next, dead := p.Next(tc.schedule, tc.attempts, now, tc.retryAfter)
		if dead != tc.wantDead || (!dead && next.Sub(now) != tc.want) {
			t.Errorf("%s: Next = %s, dead %v; want %s, dead %v", tc.name, next.Sub(now), dead, tc.want, tc.wantDead)
		}
	}
}

func TestRetryPolicyDefaultJitter(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for range 1000 {
		next, _ := RetryPolicy{}.Next(DefaultRetrySchedule, 2, now, 0)
		if d := next.Sub(now); d < 4*time.Minute || d >= 6*time.Minute {
			t.Fatalf("delay %s outside 5 min ± 20 %%", d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Duration
	}{
		{"120", 2 * time.Minute},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"", 0},
		{"-5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"86401", 24 * time.Hour},
		{"99999999999999999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{now.Add(time.Hour).Format(time.RFC850), time.Hour},
	} {
		if got := ParseRetryAfter(tc.h, now); got != tc.want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", tc.h, got, tc.want)
		}
	}
}
