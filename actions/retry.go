package actions

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultRetrySchedule is the seconds to wait after each failed attempt when an
// endpoint has no schedule of its own: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h,
// that is 8 attempts over about 27.5 hours.
var DefaultRetrySchedule = []int{5, 300, 1800, 7200, 18000, 36000, 36000}

// DefaultTimeout is how long an attempt may take when the endpoint sets none.
const DefaultTimeout = 15 * time.Second

// MaxTimeout is the longest per-attempt timeout the Sender allows; a longer
// endpoint timeout is cut to it. The Worker's default lease is built on it.
const MaxTimeout = 60 * time.Second

// MaxResponseBody is how many bytes of a response body an attempt records,
// counted after decompression.
const MaxResponseBody = 16 << 10

// MaxRetryDelay caps the wait before a retry, whether it comes from a schedule
// or a Retry-After header.
const MaxRetryDelay = 24 * time.Hour

// RetryPolicy decides when a failed delivery is tried again.
type RetryPolicy struct {
	// Jitter returns a value in [0, 1) that spreads each scheduled delay over
	// ±20 %. Nil means math/rand/v2.
	Jitter func() float64
}

// Next returns when to try again after attemptCount attempts (the one that
// just failed included) following schedule, or dead once every delay of
// schedule is used up. A scheduled delay is spread by ±20 %; retryAfter > 0
// (from a Retry-After header) replaces it as is. The wait is capped at
// MaxRetryDelay and rounded to the millisecond.
func (p RetryPolicy) Next(schedule []int, attemptCount int, now time.Time, retryAfter time.Duration) (next time.Time, dead bool) {
	n := max(attemptCount, 1)
	if n > len(schedule) {
		return time.Time{}, true
	}
	delay := retryAfter
	if delay <= 0 {
		// Capping the seconds first keeps the conversion from overflowing.
		delay = time.Duration(min(max(schedule[n-1], 0), int(MaxRetryDelay/time.Second))) * time.Second
		delay = time.Duration(float64(delay) * (0.8 + 0.4*p.jitter()))
	}
	return now.Add(min(delay, MaxRetryDelay).Round(time.Millisecond)), false
}

func (p RetryPolicy) jitter() float64 {
	if p.Jitter == nil {
		return rand.Float64()
	}
	return min(max(p.Jitter(), 0), 1)
}

// ParseRetryAfter reads a Retry-After header value, either delay seconds or an
// HTTP date, as a wait from now capped at MaxRetryDelay. It returns 0 for an
// empty, invalid or past value.
func ParseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if h[0] >= '0' && h[0] <= '9' {
		secs, err := strconv.ParseUint(h, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range still means "very long"
			return 0
		}
		return time.Duration(min(secs, uint64(MaxRetryDelay/time.Second))) * time.Second
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0
	}
	return min(max(t.Sub(now), 0), MaxRetryDelay)
}
