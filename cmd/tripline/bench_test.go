package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIngestToDelivery measures the whole path on a real server: batches
// of 100 events posted to the API, each firing one rule, until every delivery
// has been received, signed, by a local receiver. It reports events/s ingested
// (API answers) and deliveries/s (first event posted to last delivery received).
//
//	go test ./cmd/tripline -run '^$' -bench IngestToDelivery -benchtime 5000x
func BenchmarkIngestToDelivery(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			benchIngestToDelivery(b, dialect)
		})
	}
}

func benchIngestToDelivery(b *testing.B, dialect string) {
	bt := testing.TB(b)
	if dialect == "postgres" && os.Getenv("TRIPLINE_TEST_DATABASE_URL") == "" {
		b.Skip("TRIPLINE_TEST_DATABASE_URL is not set")
	}
	tl := start(bt, databaseURL(bt, dialect), "--bootstrap-api-key", testKey)
	var got atomic.Int64
	done := make(chan struct{})
	target := int64(b.N)
	rc := newReceiver(bt)
	rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
		if got.Add(1) == target {
			close(done)
		}
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "bench", "url": rc.URL})
	tl.must(201, "POST", "/v1/rules", map[string]any{"name": "bench", "trigger": map[string]any{"type": "tag_applied", "tag": "bench"},
		"actions": []any{map[string]any{"endpoint_id": ep["id"]}}})

	const batch = 100
	b.ResetTimer()
	begin := time.Now()
	for sent := 0; sent < b.N; sent += batch {
		n := min(batch, b.N-sent)
		events := make([]any, n)
		for i := range events {
			events[i] = map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", sent+i), "tag": "bench"}
		}
		tl.must(202, "POST", "/v1/events", map[string]any{"events": events})
	}
	ingested := time.Since(begin)
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("only %d of %d deliveries arrived", got.Load(), b.N)
	}
	total := time.Since(begin)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/ingested.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/total.Seconds(), "deliveries/s")
}

// TestBenchCommand runs `tripline bench --events 200` on SQLite and checks
// that it prints its progress and figures.
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := Run(t.Context(), []string{"bench", "--events", "200", "--batch", "50", "--endpoints", "2", "--fanout", "3"}, &out, io.Discard); err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, want := range []string{"tripline bench: sqlite, 6 endpoint(s), 3 deliveries per event", "events:       200 in ", "events/s ingested",
		"deliveries:   600 in ", "deliveries/s", "latency:      p50 ", "p99 "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("bench output lacks %q:\n%s", want, out.String())
		}
	}
	if err := Run(t.Context(), []string{"bench", "--batch", "5000"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--batch") {
		t.Fatalf("bench --batch 5000: %v, want an error naming --batch", err)
	}
}
