package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/metrics"
)

type fakeEndpoints struct {
	enabled, disabled int64
	err               error
}

func (f *fakeEndpoints) EndpointCounts(context.Context) (int64, int64, error) {
	return f.enabled, f.disabled, f.err
}

// parse reads a scrape with the Prometheus text parser.
func parse(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the family's metric with these labels (name=value
// pairs), and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if got[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestHealthMetrics(t *testing.T) {
	t.Parallel()
	eps := &fakeEndpoints{enabled: 5, disabled: 2}
	m := metrics.New(metrics.Config{Endpoints: eps, Version: "1.2.3", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var obs api.Observer = m
	obs.Request("GET", "/v1/hooks/:id", 204, 3*time.Millisecond)
	obs.Request("GET", "/v1/hooks/:id", 204, 30*time.Millisecond)
	obs.Request("GET", "", 404, time.Millisecond)
	obs.EventsRejected(api.RejectInvalid, 1)

	fams := parse(t, scrape(t, m))
	if _, ok := value(fams, "tripline_endpoints", "state", "breaker_open"); ok {
		t.Error("breaker_open exported before ObserveBreakers")
	}
	open := 1
	m.ObserveBreakers(func() int { return open })
	fams = parse(t, scrape(t, m))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"tripline_endpoints", []string{"state", "enabled"}, 5},
		{"tripline_endpoints", []string{"state", "disabled"}, 2},
		{"tripline_endpoints", []string{"state", "breaker_open"}, 1},
		{"tripline_http_request_duration_seconds", []string{"route", "GET /v1/hooks/:id", "code", "204"}, 2},
		{"tripline_http_request_duration_seconds", []string{"route", "unmatched", "code", "404"}, 1},
		{"tripline_events_rejected_total", []string{"reason", "invalid"}, 1},
		{"tripline_events_rejected_total", []string{"reason", "too_large"}, 0},
		{"tripline_build_info", []string{"version", "1.2.3", "goversion", runtime.Version()}, 1},
	} {
		got, ok := value(fams, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	for name, typ := range map[string]dto.MetricType{
		"tripline_endpoints": dto.MetricType_GAUGE, "tripline_build_info": dto.MetricType_GAUGE,
		"tripline_events_rejected_total": dto.MetricType_COUNTER, "tripline_http_request_duration_seconds": dto.MetricType_HISTOGRAM,
	} {
		if f := fams[name]; f == nil || f.GetType() != typ {
			t.Errorf("%s: family %v, want type %v", name, f, typ)
		}
	}

	// A failing query leaves the database's states out, not the breakers.
	eps.err = errors.New("database down")
	fams = parse(t, scrape(t, m))
	if _, ok := value(fams, "tripline_endpoints", "state", "enabled"); ok {
		t.Error("enabled exported although the query failed")
	}
	if _, ok := value(fams, "tripline_endpoints", "state", "breaker_open"); !ok {
		t.Error("breaker_open left out with the query")
	}
}
