package store_test

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

// benchContacts is how many contacts the datetime benchmarks hold:
// TRIPLINE_BENCH_CONTACTS, default 10,000 (the figure is 1,000,000).
func benchContacts(b *testing.B) int {
	n := 10_000
	if v := os.Getenv("TRIPLINE_BENCH_CONTACTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("TRIPLINE_BENCH_CONTACTS=%q", v)
		}
	}
	return n
}

// benchDatetime is a workspace of n contacts, each with an appointment_at a
// second apart from base (and a few other fields), on an injected clock.
type benchDatetime struct {
	s     *store.Store
	clock *dtClock
	ws    tripline.Workspace
	ep    actions.Endpoint
	base  time.Time
}

func newBenchDatetime(b *testing.B, dialect string, n int) *benchDatetime {
	b.Helper()
	ctx := b.Context()
	base := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &dtClock{now: base.Add(-30 * 24 * time.Hour)}
	s := storetest.OpenConfig(b, dialect, store.Config{Now: c.Now, SlowQuery: time.Hour})
	ws, err := s.WorkspaceCreate(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	ep := actions.Endpoint{ID: id.New(id.Endpoint), WorkspaceID: ws.ID, URL: "https://example.com", Enabled: true, Secret: "whsec_eA=="}
	if err := s.EndpointInsert(ctx, ep); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const batch = 2000
	for i := 0; i < n; i += batch {
		cs := make([]*triggers.Contact, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			cs = append(cs, &triggers.Contact{ID: fmt.Sprintf("c_%08d", j), Name: "Contact", Email: "c@example.com", Subscribed: true,
				Tags: []string{"vip"}, CustomFields: map[string]any{"appointment_at": base.Add(time.Duration(j) * time.Second).Format(time.RFC3339), "budget": 1000.0},
				CreatedAt: c.Now(), UpdatedAt: c.Now()})
		}
		err := s.IngestInTx(ctx, func(tx engine.IngestTx) error {
			return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: ws.ID, Contacts: cs})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: %d contacts written in %s", dialect, n, time.Since(start).Round(time.Millisecond))
	return &benchDatetime{s: s, clock: c, ws: ws, ep: ep, base: base}
}

// rule saves a datetime rule "i minutes before appointment_at", which arms it
// for every contact in the save.
func (bd *benchDatetime) rule(b *testing.B, i int) {
	r := engine.Rule{ID: id.New(id.Rule), WorkspaceID: bd.ws.ID, Name: fmt.Sprint("reminder ", i), Enabled: true,
		Trigger: engine.Trigger{Type: triggers.TriggerDatetimeBased, Field: "appointment_at", Direction: "before", Amount: i + 1, Unit: "minutes"},
		Actions: []engine.Action{{Type: "webhook", EndpointID: bd.ep.ID}}}
	if err := engine.ValidateRule(&r); err != nil {
		b.Fatal(err)
	}
	if err := bd.s.RuleInsert(b.Context(), r); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDatetimeArm measures scheduling: saving a datetime rule arms it
// for every contact holding the field (one due row each). One op is one rule
// saved over TRIPLINE_BENCH_CONTACTS contacts; -benchtime=10x is the issue's
// "10 rules". armed/s is due rows written per second.
func BenchmarkDatetimeArm(b *testing.B) {
	n := benchContacts(b)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			bd := newBenchDatetime(b, dialect, n)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				bd.rule(b, i)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "armed/s")
		})
	}
}

// BenchmarkDatetimeFire measures firing: one op is one batch of 100 due
// triggers claimed and fired through Pipeline.FireDue (contacts loaded,
// trigger events, default payloads rendered, deliveries inserted, due rows
// marked fired), with 10 rules armed over TRIPLINE_BENCH_CONTACTS contacts.
// fires/s is due triggers fired per second. The setup logs how long arming
// the 10 rules took.
func BenchmarkDatetimeFire(b *testing.B) {
	n := benchContacts(b)
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			bd := newBenchDatetime(b, dialect, n)
			start := time.Now()
			for i := range 10 {
				bd.rule(b, i)
			}
			b.Logf("%s: 10 rules armed over %d contacts (%d due rows) in %s", dialect, n, 10*n, time.Since(start).Round(time.Millisecond))
			p, err := engine.NewPipeline(engine.PipelineConfig{Store: bd.s, Now: bd.clock.Now, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			bd.clock.Set(bd.base.Add(time.Duration(n) * time.Second))
			ctx := b.Context()
			fired := 0
			for b.Loop() {
				now := bd.clock.Now()
				due, err := bd.s.DatetimeDueClaim(ctx, engine.DatetimeDueClaimParams{Now: now, Limit: 100, Owner: "bench", LeaseUntil: now.Add(time.Minute)})
				if err != nil {
					b.Fatal(err)
				}
				if len(due) == 0 {
					b.Fatalf("nothing left to fire after %d (use a -benchtime of at most %dx)", fired, 10*n/100)
				}
				res, err := p.FireDue(ctx, bd.ws.ID, due)
				if err != nil {
					b.Fatal(err)
				}
				fired += res.Fired
			}
			b.ReportMetric(float64(fired)/b.Elapsed().Seconds(), "fires/s")
		})
	}
}
