package metrics

import (
	"context"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tripline/tripline/api"
)

// EndpointStats is what tripline_endpoints is computed from on each scrape;
// store.Store implements it.
type EndpointStats interface {
	// EndpointCounts counts the endpoints of every workspace by whether
	// they are enabled.
	EndpointCounts(ctx context.Context) (enabled, disabled int64, err error)
}

// Endpoint states of tripline_endpoints.
const (
	StateEnabled     = "enabled"
	StateDisabled    = "disabled"
	StateBreakerOpen = "breaker_open"
)

// UnmatchedRoute is the route label of requests that matched no route, so
// that a scan of random paths adds one label value, not one per path.
const UnmatchedRoute = "unmatched"

// ObserveBreakers sets where tripline_endpoints{state="breaker_open"} is read
// from on each scrape (actions.Worker.OpenBreakers); without it that state
// is left out.
func (m *Metrics) ObserveBreakers(open func() int) {
	m.breakersMu.Lock()
	m.breakers = open
	m.breakersMu.Unlock()
}

var _ api.Observer = (*Metrics)(nil)

// EventsRejected counts inbound events refused by reason: a request refused
// whole (invalid, too_large, failed) counts once.
func (m *Metrics) EventsRejected(reason string, n int) {
	m.eventsRejected.WithLabelValues(reason).Add(float64(n))
}

// Request observes one HTTP request by its gin route template ("GET
// /v1/hooks/:id"; "" is UnmatchedRoute) and status code.
func (m *Metrics) Request(method, route string, code int, d time.Duration) {
	label := UnmatchedRoute
	if route != "" {
		label = method + " " + route
	}
	m.httpDuration.WithLabelValues(label, strconv.Itoa(code)).Observe(d.Seconds())
}

func newBuildInfo(version string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tripline_build_info", Help: "Always 1; its labels are the version of Tripline and of Go that built it.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	g.Set(1)
	return g
}

// endpointCollector computes tripline_endpoints with one query per scrape.
type endpointCollector struct{ m *Metrics }

func (c endpointCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.m.endpoints }

func (c endpointCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.breakersMu.Lock()
	breakers := c.m.breakers
	c.m.breakersMu.Unlock()
	if breakers != nil {
		ch <- prometheus.MustNewConstMetric(c.m.endpoints, prometheus.GaugeValue, float64(breakers()), StateBreakerOpen)
	}
	if c.m.cfg.Endpoints == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.m.cfg.QueryTimeout)
	defer cancel()
	enabled, disabled, err := c.m.cfg.Endpoints.EndpointCounts(ctx)
	if err != nil {
		c.m.cfg.Logger.Warn("metrics: endpoint query failed; endpoint gauges left out of this scrape", "error", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.m.endpoints, prometheus.GaugeValue, float64(enabled), StateEnabled)
	ch <- prometheus.MustNewConstMetric(c.m.endpoints, prometheus.GaugeValue, float64(disabled), StateDisabled)
}
