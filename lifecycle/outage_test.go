package lifecycle_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/lifecycle"
)

func TestOutageLogsOnce(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := lifecycle.NewOutage(slog.New(slog.NewTextHandler(&buf, nil)), "database", func() time.Time { return now })
	ctx := context.Background()
	o.OK(ctx) // nothing was down: no line
	if buf.Len() != 0 || o.Down() {
		t.Fatalf("OK without an outage logged %q", buf.String())
	}
	for i := range 3 {
		if first := o.Failed(ctx, errors.New("connection refused")); first != (i == 0) {
			t.Fatalf("failure %d: first = %v", i, first)
		}
	}
	now = now.Add(1500 * time.Millisecond)
	o.OK(ctx)
	o.OK(ctx)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "connection refused") ||
		!strings.Contains(lines[1], "level=INFO") || !strings.Contains(lines[1], "down_for=1.5s") || !strings.Contains(lines[1], "failed_calls=3") {
		t.Fatalf("log:\n%s", buf.String())
	}
	if o.Down() {
		t.Fatal("still down after OK")
	}
}

func TestErrorLevel(t *testing.T) {
	t.Parallel()
	if got := lifecycle.ErrorLevel(fmt.Errorf("claim: %w", tripline.ErrUnavailable)); got != slog.LevelDebug {
		t.Errorf("unavailable: %v", got)
	}
	if got := lifecycle.ErrorLevel(errors.New("syntax error")); got != slog.LevelError {
		t.Errorf("other: %v", got)
	}
}
