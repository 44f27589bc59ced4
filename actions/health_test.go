package actions_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
)

func TestHealthAfter(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	out := func(s int, status actions.Status, code int) actions.Outcome {
		o := actions.Outcome{Attempt: actions.Attempt{DeliveryID: "msg_" + string(rune('a'+s)), At: at(s), StatusCode: code}, Status: status}
		if status != actions.StatusSucceeded {
			o.LastError = "HTTP " + string(rune('0'+code/100)) + "xx #" + string(rune('a'+s))
		}
		return o
	}
	charged := func(o actions.Outcome) actions.Outcome { o.Charged = true; return o }
	attempts := func(n int) actions.DisableAfter {
		return actions.DisableAfter{Failures: n, Counting: actions.CountAttempts}
	}
	dead := func(n int) actions.DisableAfter {
		return actions.DisableAfter{Failures: n, Counting: actions.CountDeadDeliveries}
	}
	F, D, S := actions.StatusFailed, actions.StatusDead, actions.StatusSucceeded
	for _, tc := range []struct {
		name         string
		h            actions.EndpointHealth
		outcomes     []actions.Outcome
		streak, dead int
		reason       string // prefix; "" means not disabled
		unsubscribed bool
	}{
		{name: "failures below the limit", h: actions.EndpointHealth{Enabled: true, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, F, 500)}, streak: 2},
		{name: "a success restarts the streaks", h: actions.EndpointHealth{Enabled: true, FailureStreak: 1, ConsecutiveDead: 1, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, S, 200), out(3, F, 500)}, streak: 1},
		{name: "order is by attempt time, not as given", h: actions.EndpointHealth{Enabled: true, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(3, F, 500), out(1, F, 500), out(2, S, 200)}, streak: 1},
		{name: "exactly N of a larger batch", h: actions.EndpointHealth{Enabled: true, FailureStreak: 1, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, F, 503), out(3, F, 500), out(4, F, 500)}, streak: 3,
			reason: "3 consecutive attempts failed (disable_after: 3 failed attempts); the last one failed with: HTTP 5xx #c"},
		{name: "a success after the disable does not restart", h: actions.EndpointHealth{Enabled: true, FailureStreak: 2, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, S, 200)}, streak: 3, reason: "3 consecutive attempts failed"},
		{name: "charged attempts do not count as attempts", h: actions.EndpointHealth{Enabled: true, FailureStreak: 2, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{charged(out(1, F, 0)), charged(out(2, D, 0))}, streak: 2, dead: 1},
		{name: "dead deliveries by default", h: actions.EndpointHealth{Enabled: true, FailureStreak: 9, ConsecutiveDead: 4},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, D, 500), out(3, D, 500)}, streak: 11, dead: 5,
			reason: "5 consecutive deliveries died (disable_after: 5 dead deliveries); the last one's last attempt failed with: HTTP 5xx #c"},
		{name: "a charged dead delivery counts as dead", h: actions.EndpointHealth{Enabled: true, ConsecutiveDead: 1, DisableAfter: dead(2)},
			outcomes: []actions.Outcome{charged(out(1, D, 0))}, dead: 2, reason: "2 consecutive deliveries died"},
		{name: "a failed attempt alone does not disable when counting dead", h: actions.EndpointHealth{Enabled: true, ConsecutiveDead: 5, FailureStreak: 3},
			outcomes: []actions.Outcome{out(1, F, 500)}, streak: 4, dead: 5},
		{name: "a lowered limit disables at the next failure", h: actions.EndpointHealth{Enabled: true, FailureStreak: 7, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(1, F, 500)}, streak: 8, reason: "8 consecutive attempts failed (disable_after: 3 failed attempts)"},
		{name: "410 Gone disables and unsubscribes", h: actions.EndpointHealth{Enabled: true},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, F, 410), out(3, F, 500)}, streak: 2,
			reason: "the endpoint answered 410 Gone at 2026-11-22T10:00:02Z", unsubscribed: true},
		{name: "410 after the limit in the same batch is the reason", h: actions.EndpointHealth{Enabled: true, DisableAfter: attempts(1)},
			outcomes: []actions.Outcome{out(1, F, 500), out(2, F, 410)}, streak: 1,
			reason: "the endpoint answered 410 Gone at 2026-11-22T10:00:02Z", unsubscribed: true},
		{name: "a disabled endpoint's streaks do not move", h: actions.EndpointHealth{Enabled: false, FailureStreak: 3, DisableAfter: attempts(3)},
			outcomes: []actions.Outcome{out(1, F, 410), out(2, S, 200), out(3, F, 500)}, streak: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := actions.HealthAfter(tc.h, tc.outcomes)
			if c.FailureStreak != tc.streak || c.ConsecutiveDead != tc.dead {
				t.Errorf("streaks %d failed, %d dead; want %d, %d", c.FailureStreak, c.ConsecutiveDead, tc.streak, tc.dead)
			}
			if c.Disable != (tc.reason != "") || !strings.HasPrefix(c.Reason, tc.reason) || (tc.reason == "" && c.Reason != "") {
				t.Errorf("disable %v, reason %q; want %q", c.Disable, c.Reason, tc.reason)
			}
			if c.Unsubscribed != tc.unsubscribed {
				t.Errorf("unsubscribed %v", c.Unsubscribed)
			}
		})
	}
}

// TestHealthAfterTimes: the times are the batch's latest, whatever the
// streaks do; a charged attempt sent no request.
func TestHealthAfterTimes(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := actions.HealthAfter(actions.EndpointHealth{Enabled: false}, []actions.Outcome{
		{Attempt: actions.Attempt{DeliveryID: "a", At: t0.Add(3 * time.Second)}, Status: actions.StatusSucceeded},
		{Attempt: actions.Attempt{DeliveryID: "b", At: t0.Add(time.Second)}, Status: actions.StatusSucceeded},
		{Attempt: actions.Attempt{DeliveryID: "c", At: t0.Add(2 * time.Second), StatusCode: 500}, Status: actions.StatusFailed},
		{Attempt: actions.Attempt{DeliveryID: "d", At: t0.Add(4 * time.Second)}, Status: actions.StatusFailed, Charged: true},
	})
	if !c.LastSuccessAt.Equal(t0.Add(3*time.Second)) || !c.LastAttemptAt.Equal(t0.Add(3*time.Second)) || !c.LastFailureAt.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("times %+v", c)
	}
}
