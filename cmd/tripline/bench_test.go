package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
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
		"deliveries:   600 in ", "deliveries/s", "latency:      p50 ", "p99 ", "µs per delivery in this process (Tripline with SQLite"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("bench output lacks %q:\n%s", want, out.String())
		}
	}
	if err := Run(t.Context(), []string{"bench", "--batch", "5000"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--batch") {
		t.Fatalf("bench --batch 5000: %v, want an error naming --batch", err)
	}
}

// TestBenchWire checks the bench's hand-written event batches against
// json.Marshal of the same events, and that its receiver finds the contact
// id of a default payload.
func TestBenchWire(t *testing.T) {
	t.Parallel()
	var events []any
	for n := 7; n < 10; n++ {
		events = append(events, map[string]any{"type": "tag_applied", "contact_id": "b" + strconv.Itoa(n), "tag": "bench-" + strconv.Itoa(n%2)})
	}
	want, _ := json.Marshal(map[string]any{"events": events})
	if got := benchEvents([]byte("x"), 7, 10, 2); string(got) != "x"+string(want) {
		t.Errorf("benchEvents = %s\nwant x%s", got, want)
	}
	payload := `{"id":"evt_1","event":"tag_applied","timestamp":"2026-11-22T10:00:00.000Z","workspace_id":"ws_1","contact_id":"b42",` +
		`"tag":"bench-0","contact":{"id":"b42","referred_by":null},"rule":{"id":"rul_1","name":"bench 0.0"}}`
	for body, want := range map[string]string{payload: "b42", `{"contact_id":null}`: "", `{"contact_id":"b1`: "", "": ""} {
		if got := benchContactID([]byte(body)); got != want {
			t.Errorf("benchContactID(%s) = %q, want %q", body, got, want)
		}
	}
}
