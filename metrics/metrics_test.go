package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/metrics"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

type fakeStats struct {
	due    int64
	oldest time.Time
	err    error
}

func (f *fakeStats) DeliveryQueueStats(context.Context, time.Time) (int64, time.Time, error) {
	return f.due, f.oldest, f.err
}

// fakeQueue records nothing and fails when told to.
type fakeQueue struct {
	actions.Queue // methods the test does not call
	err           error
}

func (q *fakeQueue) DeliveryRecordOutcomes(context.Context, actions.DeliveryRecordOutcomesParams) error {
	return q.err
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func wantLines(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(body, "\n"+l+"\n") {
			t.Errorf("scrape lacks %q", l)
		}
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	stats := &fakeStats{due: 7, oldest: now.Add(-90 * time.Second)}
	m := metrics.New(metrics.Config{Queue: stats, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	m.Ingested("ws_1", engine.IngestResult{Accepted: 3, Duplicates: 1, TriggerEventTypes: []string{"tag_applied", "new_contact", "tag_applied"}, RuleMatches: 2})
	fq := &fakeQueue{}
	q := m.Queue(fq)
	outcomes := func(ss ...actions.Status) actions.DeliveryRecordOutcomesParams {
		var p actions.DeliveryRecordOutcomesParams
		for _, s := range ss {
			p.Outcomes = append(p.Outcomes, actions.Outcome{Status: s, Attempt: actions.Attempt{DurationMS: 40}})
		}
		return p
	}
	if err := q.DeliveryRecordOutcomes(t.Context(), outcomes(actions.StatusSucceeded, actions.StatusSucceeded, actions.StatusFailed, actions.StatusDead)); err != nil {
		t.Fatal(err)
	}
	fq.err = errors.New("database down")
	if err := q.DeliveryRecordOutcomes(t.Context(), outcomes(actions.StatusSucceeded)); err == nil {
		t.Fatal("the wrapper swallowed the queue's error")
	}

	body := scrape(t, m)
	wantLines(t, body,
		"tripline_events_ingested_total 3",
		`tripline_trigger_events_total{type="tag_applied"} 2`,
		`tripline_trigger_events_total{type="new_contact"} 1`,
		"tripline_rule_matches_total 2",
		`tripline_attempts_total{outcome="succeeded"} 2`, // not the one whose recording failed
		`tripline_attempts_total{outcome="failed"} 1`,
		`tripline_attempts_total{outcome="dead"} 1`,
		`tripline_deliveries_total{status="succeeded"} 2`, // final states only
		`tripline_deliveries_total{status="dead"} 1`,
		`tripline_events_rejected_total{reason="duplicate"} 1`,
		`tripline_attempt_duration_seconds_bucket{le="0.05"} 4`,
		`tripline_attempt_duration_seconds_bucket{le="0.025"} 0`,
		"tripline_attempt_duration_seconds_count 4",
		"tripline_queue_depth 7",
		"tripline_oldest_pending_age_seconds 90",
	)
	if !strings.Contains(body, "go_goroutines") {
		t.Error("no Go runtime metrics")
	}

	stats.due, stats.oldest = 0, time.Time{}
	wantLines(t, scrape(t, m), "tripline_queue_depth 0", "tripline_oldest_pending_age_seconds 0")

	// A failing query leaves the gauges out; the rest is still served.
	stats.err = context.DeadlineExceeded
	body = scrape(t, m)
	if strings.Contains(body, "tripline_queue_depth") || !strings.Contains(body, "tripline_events_ingested_total 3") {
		t.Errorf("scrape with a failing query:\n%s", body)
	}
}
