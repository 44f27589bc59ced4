package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// loggingIngester logs with the request's context, as the pipeline does,
// without knowing the request id.
type loggingIngester struct {
	fakeIngester
	log *slog.Logger
}

func (l *loggingIngester) Ingest(ctx context.Context, ws string, events []triggers.Event) (engine.IngestResult, error) {
	l.log.WarnContext(ctx, "deep inside ingest", "workspace_id", ws)
	return l.fakeIngester.Ingest(ctx, ws, events)
}

func TestLogHandlerAddsRequestID(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	log := slog.New(api.LogHandler(slog.NewJSONHandler(logs, nil)))
	b := setup(t, func(c *api.Config) {
		c.Logger = log
		c.Ingester = &loggingIngester{log: log}
	})
	req := httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(`{"type":"tag_applied","contact_id":"c_1","tag":"x"}`))
	req.Header.Set("Authorization", "Bearer "+keyA)
	req.Header.Set("X-Request-Id", "rid-42")
	b.send(req).want(t, http.StatusAccepted)

	var deep, request int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if rec["request_id"] != "rid-42" {
			t.Errorf("line without the request id: %s", line)
		}
		switch rec["msg"] {
		case "deep inside ingest":
			deep++
		case "http request":
			request++
		}
	}
	if deep != 1 || request != 1 || strings.Count(logs.String(), `"request_id"`) != 2 {
		t.Errorf("want one ingest line and one request line, each with one request_id:\n%s", logs)
	}
	if api.RequestID(context.Background()) != "" {
		t.Error("RequestID of a context outside any request")
	}
}
