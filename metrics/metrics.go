// Package metrics exposes Tripline's Prometheus metrics at /metrics. It
// implements the small observer interfaces of the domain packages
// (engine.Observer, and actions.Queue by wrapping it), so that engine and
// actions stay free of any metrics library; cmd/tripline wires it.
package metrics

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
)

// QueueStats is what the queue gauges are computed from on each scrape;
// store.Store implements it.
type QueueStats interface {
	// DeliveryQueueStats returns how many deliveries are due at now and the
	// due time of the most overdue one (zero when none is due).
	DeliveryQueueStats(ctx context.Context, now time.Time) (due int64, oldestDue time.Time, err error)
}

// Config configures New.
type Config struct {
	// Queue feeds tripline_queue_depth and tripline_oldest_pending_age_seconds.
	// Optional: without it those gauges are not exported.
	Queue QueueStats
	// QueryTimeout bounds the scrape's database query. Default: 2s.
	QueryTimeout time.Duration
	// Logger receives the errors of that query. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Endpoints feeds tripline_endpoints{state="enabled|disabled"}.
	// Optional: without it those states are not exported.
	Endpoints EndpointStats
	// Version labels tripline_build_info. Default: "dev".
	Version string
}

// Metrics holds Tripline's metrics in its own registry (never the global
// one, so that tests can make as many as they like).
type Metrics struct {
	cfg      Config
	registry *prometheus.Registry

	eventsIngested  prometheus.Counter
	triggerEvents   *prometheus.CounterVec
	ruleMatches     prometheus.Counter
	attempts        *prometheus.CounterVec
	deliveries      *prometheus.CounterVec
	attemptDuration prometheus.Histogram
	queueDepth      *prometheus.Desc
	oldestAge       *prometheus.Desc

	eventsRejected *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	endpoints      *prometheus.Desc
	breakersMu     sync.Mutex
	breakers       func() int // open circuit breakers; nil until ObserveBreakers
}

var _ engine.Observer = (*Metrics)(nil)

// New returns the metrics, with Go runtime and process metrics registered too.
func New(cfg Config) *Metrics {
	cfg.QueryTimeout = cmp.Or(cfg.QueryTimeout, 2*time.Second)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.Version = cmp.Or(cfg.Version, "dev")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{
		cfg:      cfg,
		registry: prometheus.NewRegistry(),
		eventsIngested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tripline_events_ingested_total", Help: "Inbound events applied (duplicates not counted).",
		}),
		triggerEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tripline_trigger_events_total", Help: "Trigger events derived from inbound events, by trigger type.",
		}, []string{"type"}),
		ruleMatches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tripline_rule_matches_total", Help: "Rules that fired for a trigger event (condition true, frequency allowed).",
		}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tripline_attempts_total",
			Help: "Delivery attempts recorded, by outcome: succeeded, failed (a retry is scheduled) or dead (no retry left).",
		}, []string{"outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tripline_deliveries_total",
			Help: "Deliveries that reached a final state through an attempt, by status: succeeded or dead.",
		}, []string{"status"}),
		eventsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tripline_events_rejected_total",
			Help: "Inbound events refused or ignored, by reason: invalid (400), too_large (413), failed (500/503; a request refused whole counts once) and duplicate (each event).",
		}, []string{"reason"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tripline_http_request_duration_seconds",
			Help:    "Duration of HTTP requests, by route template (method and gin path; unmatched for no route) and status code.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"route", "code"}),
		endpoints: prometheus.NewDesc("tripline_endpoints",
			"Endpoints by state: enabled and disabled (all workspaces, from the database), breaker_open (enabled endpoints whose circuit breaker this instance holds open).",
			[]string{"state"}, nil),
		attemptDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tripline_attempt_duration_seconds",
			Help:    "Duration of delivery attempts, from sending the request to reading the response.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60},
		}),
		queueDepth: prometheus.NewDesc("tripline_queue_depth",
			"Deliveries due now and not yet claimed: pending, or failed with their retry time reached.", nil, nil),
		oldestAge: prometheus.NewDesc("tripline_oldest_pending_age_seconds",
			"How long the most overdue due delivery has waited past its due time; 0 when none is due.", nil, nil),
	}
	m.registry.MustRegister(m.eventsIngested, m.triggerEvents, m.ruleMatches, m.deliveries, m.attemptDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(m.attempts, m.eventsRejected, m.httpDuration, newBuildInfo(cfg.Version), endpointCollector{m})
	for _, reason := range []string{api.RejectInvalid, api.RejectTooLarge, api.RejectFailed, api.RejectDuplicate} {
		m.eventsRejected.WithLabelValues(reason) // exported at 0, so rate() sees the first one
	}
	if cfg.Queue != nil {
		m.registry.MustRegister(queueCollector{m})
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorLog: slogErrorLog{m.cfg.Logger}})
}

// Ingested implements engine.Observer.
func (m *Metrics) Ingested(_ string, res engine.IngestResult) {
	m.eventsIngested.Add(float64(res.Accepted))
	for _, typ := range res.TriggerEventTypes {
		m.triggerEvents.WithLabelValues(typ).Inc()
	}
	m.ruleMatches.Add(float64(res.RuleMatches))
	if res.Duplicates > 0 {
		m.EventsRejected(api.RejectDuplicate, res.Duplicates)
	}
}

// Queue wraps the worker's queue to count the outcomes it records, once they
// are recorded: an outcome whose recording failed is sent again, and counted
// then.
func (m *Metrics) Queue(q actions.Queue) actions.Queue { return observedQueue{Queue: q, m: m} }

type observedQueue struct {
	actions.Queue
	m *Metrics
}

// DeliveryRecordOutcomes implements actions.Queue.
func (q observedQueue) DeliveryRecordOutcomes(ctx context.Context, p actions.DeliveryRecordOutcomesParams) error {
	if err := q.Queue.DeliveryRecordOutcomes(ctx, p); err != nil {
		return err
	}
	for _, o := range p.Outcomes {
		q.m.attempts.WithLabelValues(string(o.Status)).Inc()
		if o.Status == actions.StatusSucceeded || o.Status == actions.StatusDead {
			q.m.deliveries.WithLabelValues(string(o.Status)).Inc()
		}
		q.m.attemptDuration.Observe(float64(o.Attempt.DurationMS) / 1000)
	}
	return nil
}

// queueCollector computes the queue gauges with one query per scrape.
type queueCollector struct{ m *Metrics }

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.m.queueDepth
	ch <- c.m.oldestAge
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.m.cfg.QueryTimeout)
	defer cancel()
	now := c.m.cfg.Now()
	due, oldest, err := c.m.cfg.Queue.DeliveryQueueStats(ctx, now)
	if err != nil {
		// The scrape goes on without the gauges: their absence alerts, a
		// made-up zero would not.
		c.m.cfg.Logger.Warn("metrics: queue query failed; queue gauges left out of this scrape", "error", err)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, now.Sub(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.m.queueDepth, prometheus.GaugeValue, float64(due))
	ch <- prometheus.MustNewConstMetric(c.m.oldestAge, prometheus.GaugeValue, age)
}

// slogErrorLog hands promhttp's errors to slog.
type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Println(v ...any) {
	l.log.Warn("metrics: serving /metrics failed", "error", slog.AnyValue(v))
}
