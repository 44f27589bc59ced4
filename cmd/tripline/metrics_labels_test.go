package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// TestMetricLabelsBounded loads a Tripline with many endpoints (REST hooks
// and plain ones), contacts, raw paths with ids and unmatched paths, then
// parses /metrics with the Prometheus text parser: the metrics of SPEC
// section 9's integrations are there, and no label takes a value per
// endpoint, contact, id or path.
func TestMetricLabelsBounded(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) { metricLabelsBounded(t, dialect) })
}

func metricLabelsBounded(t *testing.T, dialect string) {
	tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
	rc := newReceiver(t)
	const endpoints, contacts = 40, 300
	var epIDs []string
	for i := range endpoints {
		var ep map[string]any
		if i%2 == 0 {
			ep = tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": fmt.Sprintf("ep %d", i), "url": fmt.Sprintf("%s/ep/%d", rc.URL, i)})
			epIDs = append(epIDs, ep["id"].(string))
		} else {
			h := tl.must(201, "POST", "/v1/hooks", map[string]any{"target_url": fmt.Sprintf("%s/hook/%d", rc.URL, i), "event": "custom", "name": fmt.Sprintf("never-%d", i)})
			epIDs = append(epIDs, h["endpoint_id"].(string))
		}
	}
	tl.must(200, "PATCH", "/v1/endpoints/"+epIDs[0], map[string]any{"enabled": false})
	one := tl.must(201, "POST", "/v1/hooks", map[string]any{"target_url": rc.URL + "/one", "event": "tag_applied", "tag": "tag-5"})
	for b := 0; b < contacts; b += 100 {
		var evs []any
		for i := b; i < b+100; i++ {
			evs = append(evs, map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", i), "tag": fmt.Sprintf("tag-%d", i)})
		}
		tl.must(202, "POST", "/v1/events", map[string]any{"events": evs})
	}
	rc.next(t)
	ds := tl.must(200, "GET", "/v1/deliveries?rule_id="+one["rule_id"].(string), nil)["data"].([]any)
	if len(ds) != 1 {
		t.Fatalf("deliveries of the tag-5 hook: %v", ds)
	}
	tl.waitDelivery(ds[0].(map[string]any)["id"].(string), "succeeded")
	tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "again", "id": "dup"})
	tl.must(200, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_1", "tag": "again", "id": "dup"})
	tl.must(400, "POST", "/v1/events", map[string]any{"type": "no_such_event", "contact_id": "c_1"})
	for i := range 30 {
		tl.do("GET", fmt.Sprintf("/v1/endpoints/%s", epIDs[i]), nil)
		tl.do("GET", fmt.Sprintf("/v1/contacts/c_%d", i), nil)
		tl.do("GET", fmt.Sprintf("/no/such/path/%d", i), nil)
	}

	// The counters move just after the outcome is recorded: scrape until
	// the delivery shows.
	var fams map[string]*dto.MetricFamily
	for range 200 {
		resp, err := http.Get(tl.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var parser expfmt.TextParser
		if fams, err = parser.TextToMetricFamilies(strings.NewReader(string(body))); err != nil {
			t.Fatalf("parse /metrics: %v", err)
		}
		if fams["tripline_deliveries_total"] != nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	for _, name := range []string{"tripline_endpoints", "tripline_attempts_total", "tripline_deliveries_total",
		"tripline_events_rejected_total", "tripline_http_request_duration_seconds", "tripline_build_info",
		"tripline_queue_depth", "tripline_oldest_pending_age_seconds"} {
		if fams[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	gauge := func(name, label, value string) float64 {
		for _, m := range fams[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					if m.Gauge != nil {
						return m.Gauge.GetValue()
					}
					return m.Counter.GetValue()
				}
			}
		}
		t.Errorf("%s{%s=%q} missing", name, label, value)
		return -1
	}
	if got := gauge("tripline_endpoints", "state", "enabled"); got != endpoints {
		t.Errorf("enabled endpoints %v, want %d", got, endpoints)
	}
	if got := gauge("tripline_endpoints", "state", "disabled"); got != 1 {
		t.Errorf("disabled endpoints %v, want 1", got)
	}
	gauge("tripline_endpoints", "state", "breaker_open")
	if got := gauge("tripline_events_rejected_total", "reason", "invalid"); got != 1 {
		t.Errorf("invalid events %v, want 1", got)
	}
	if got := gauge("tripline_events_rejected_total", "reason", "duplicate"); got != 1 {
		t.Errorf("duplicate events %v, want 1", got)
	}

	// Every label's values, per metric: none grows with the load.
	const bound = 40 // route templates are the largest set, well under this
	for name, f := range fams {
		values := map[string]map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if values[l.GetName()] == nil {
					values[l.GetName()] = map[string]bool{}
				}
				values[l.GetName()][l.GetValue()] = true
				v := l.GetValue()
				if strings.Contains(v, "ep_") || strings.Contains(v, "c_") || strings.Contains(v, "hk_") ||
					strings.Contains(v, "tag-") || strings.Contains(v, "/no/such") {
					t.Errorf("%s{%s=%q}: a label value names an object or a raw path", name, l.GetName(), v)
				}
			}
		}
		for label, vs := range values {
			if len(vs) > bound {
				t.Errorf("%s: label %s has %d values after the load", name, label, len(vs))
			}
			t.Logf("%s: %s has %d values", name, label, len(vs))
		}
	}
	if routes := fams["tripline_http_request_duration_seconds"]; routes != nil {
		var found bool
		for _, m := range routes.GetMetric() {
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == "route" && l.GetValue() == "GET /v1/endpoints/:id"
			}
		}
		if !found {
			t.Error("no route template GET /v1/endpoints/:id")
		}
	}
}
