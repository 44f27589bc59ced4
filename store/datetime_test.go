package store_test

import (
	"context"
	"encoding/json"
	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// dtClock is a settable clock shared by a store, its pipeline and schedulers.
type dtClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *dtClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *dtClock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *dtClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// dtFixture is a workspace with an endpoint, a pipeline and a scheduler on
// one store, all on one injected clock.
type dtFixture struct {
	fixture
	clock *dtClock
	p     *engine.Pipeline
	sched *engine.Scheduler
}

func dtSetup(t *testing.T, dialect string, start time.Time) dtFixture {
	t.Helper()
	c := &dtClock{now: start}
	s := storetest.OpenConfig(t, dialect, store.Config{Now: c.Now})
	return dtOn(t, s, c)
}

func dtOn(t *testing.T, s *store.Store, c *dtClock) dtFixture {
	t.Helper()
	f := dtFixture{fixture: setup(t, s), clock: c}
	f.p, f.sched = f.newScheduler(t, "sch_a")
	return f
}

func (f dtFixture) newScheduler(t *testing.T, owner string) (*engine.Pipeline, *engine.Scheduler) {
	t.Helper()
	p, err := engine.NewPipeline(engine.PipelineConfig{Store: f.s, Now: f.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := engine.NewScheduler(engine.SchedulerConfig{Store: f.s, Pipeline: p, Now: f.clock.Now, Owner: owner, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	return p, sc
}

// rule saves a datetime rule sending to the fixture's endpoint.
func (f dtFixture) rule(t *testing.T, trig engine.Trigger) engine.Rule {
	t.Helper()
	trig.Type = triggers.TriggerDatetimeBased
	r := engine.Rule{ID: id.New(id.Rule), WorkspaceID: f.ws.ID, Name: "reminder", Enabled: true, Trigger: trig,
		Actions: []engine.Action{{Type: "webhook", EndpointID: f.ep.ID}}}
	if err := engine.ValidateRule(&r); err != nil {
		t.Fatalf("ValidateRule: %v", err)
	}
	if err := f.s.RuleInsert(t.Context(), r); err != nil {
		t.Fatalf("RuleInsert: %v", err)
	}
	return r
}

// set ingests a contact_updated event setting custom fields.
func (f dtFixture) set(t *testing.T, contactID string, fields map[string]any) {
	t.Helper()
	ev := triggers.Event{Type: triggers.EventContactUpdated, ContactID: contactID, Contact: fieldsPatch(t, fields)}
	if _, err := f.p.Ingest(t.Context(), f.ws.ID, []triggers.Event{ev}); err != nil {
		t.Fatalf("Ingest: %v", err)
	}
}

// fieldsPatch is a contact patch setting custom fields.
func fieldsPatch(t testing.TB, fields map[string]any) triggers.ContactPatch {
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return triggers.ContactPatch{"custom_fields": b}
}

// run runs one scheduler pass at the clock's time.
func (f dtFixture) run(t *testing.T, sc *engine.Scheduler) engine.PassResult {
	t.Helper()
	res, err := sc.RunDue(t.Context())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	return res
}

func (f dtFixture) due(t *testing.T, ruleID string) []store.DatetimeDue {
	t.Helper()
	rows, err := f.s.DatetimeDueList(t.Context(), f.ws.ID, ruleID)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// deliveries returns the payloads of the rule's deliveries, oldest first.
func (f dtFixture) deliveries(t *testing.T, ruleID string) []map[string]any {
	t.Helper()
	ds, err := f.s.DeliveryList(t.Context(), actions.DeliveryListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 1000}, RuleID: ruleID})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for i := len(ds) - 1; i >= 0; i-- {
		_, m, _ := f.get(t, ds[i].ID)
		var body map[string]any
		if err := json.Unmarshal(m.Payload, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body)
	}
	return out
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func TestDatetimeDueStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		t0 := t0.Truncate(time.Millisecond) // due times are kept to the millisecond
		f := setup(t, s)
		r := newRule(f, "")
		r.Trigger = engine.Trigger{Type: triggers.TriggerDatetimeBased, Field: "at", Direction: "on"}
		if err := s.RuleInsert(ctx, r); err != nil {
			t.Fatal(err)
		}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: f.ws.ID, Contacts: []*triggers.Contact{{ID: "c1"}, {ID: "c2"}, {ID: "c3"}}})
		})
		due := func(c, hash string, at time.Time) engine.DueTrigger {
			return engine.DueTrigger{WorkspaceID: f.ws.ID, RuleID: r.ID, ContactID: c, ValueHash: hash, DueAt: at}
		}
		arm := func(ds ...engine.DueTrigger) {
			ingest(t, s, func(tx engine.IngestTx) error {
				return tx.(engine.DueTx).DatetimeDueArmMany(ctx, engine.DatetimeDueArmManyParams{WorkspaceID: f.ws.ID, Due: ds})
			})
		}
		mark := func(d engine.DueTrigger) (ok bool) {
			ingest(t, s, func(tx engine.IngestTx) (err error) {
				m, err := tx.(engine.DueTx).DatetimeDueMarkFiredMany(ctx, engine.DatetimeDueMarkFiredManyParams{Due: []engine.DueTrigger{d}, Now: t0})
				ok = m[engine.DueKey{RuleID: d.RuleID, ContactID: d.ContactID}]
				return err
			})
			return ok
		}
		list := func() []store.DatetimeDue {
			rows, err := s.DatetimeDueList(ctx, f.ws.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		d1, d2, d3 := due("c1", "h1", t0.Add(time.Hour)), due("c2", "h2", t0.Add(2*time.Hour)), due("c3", "h3", t0.Add(3*time.Hour))
		arm(d1, d2, d3, due("c1", "h1", t0.Add(time.Hour))) // a pair twice: the last wins
		if rows := list(); len(rows) != 3 || rows[0].State != "pending" || !rows[0].DueAt.Equal(d1.DueAt) {
			t.Fatalf("armed %+v", rows)
		}

		// Next and claims: only what is due, never twice while leased.
		if next, ok, err := s.DatetimeDueNext(ctx, t0); err != nil || !ok || !next.Equal(d1.DueAt) {
			t.Fatalf("next %v %v %v", next, ok, err)
		}
		at := t0.Add(2 * time.Hour)
		claim := func(owner string, now time.Time) []engine.DueTrigger {
			got, err := s.DatetimeDueClaim(ctx, engine.DatetimeDueClaimParams{Now: now, Limit: 10, Owner: owner, LeaseUntil: now.Add(time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := claim("a", at); len(got) != 2 || got[0].ContactID != "c1" || got[1].ContactID != "c2" || got[1].ValueHash != "h2" {
			t.Fatalf("claim a %+v", got)
		}
		if got := claim("b", at); len(got) != 0 {
			t.Fatalf("claimed again under lease: %+v", got)
		}
		if err := s.DatetimeDueReleaseClaims(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if got := claim("b", at); len(got) != 2 {
			t.Fatalf("released claims not claimable: %+v", got)
		}
		if got := claim("c", at.Add(2*time.Minute)); len(got) != 2 {
			t.Fatalf("expired leases not claimable: %+v", got)
		}

		// Marking fired is conditional on value and time, and happens once.
		if mark(due("c1", "other", d1.DueAt)) || mark(due("c1", "h1", d1.DueAt.Add(time.Second))) {
			t.Fatal("marked a row whose value or time differ")
		}
		if !mark(d1) || mark(d1) {
			t.Fatal("mark fired: want once")
		}
		// Re-arming: the same value that fired stays fired; another value arms.
		arm(due("c1", "h1", t0.Add(5*time.Hour)))
		if rows := list(); rows[0].State != "fired" || rows[0].FiredAt == nil || !rows[0].DueAt.Equal(d1.DueAt) {
			t.Fatalf("same value re-armed: %+v", rows[0])
		}
		arm(due("c1", "h9", t0.Add(5*time.Hour)))
		if rows := list(); rows[0].State != "pending" || rows[0].ValueHash != "h9" || rows[0].FiredAt != nil {
			t.Fatalf("new value not armed: %+v", rows[0])
		}
		// Cancel deletes pending rows only.
		if !mark(due("c1", "h9", t0.Add(5*time.Hour))) {
			t.Fatal("mark c1")
		}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.(engine.DueTx).DatetimeDueCancelMany(ctx, engine.DatetimeDueCancelManyParams{WorkspaceID: f.ws.ID,
				Keys: []engine.DueKey{{RuleID: r.ID, ContactID: "c1"}, {RuleID: r.ID, ContactID: "c2"}}})
		})
		if rows := list(); len(rows) != 2 || rows[0].ContactID != "c1" || rows[1].ContactID != "c3" {
			t.Fatalf("after cancel %+v", rows)
		}
		// Deleting the rule deletes its due rows.
		if err := s.RuleDelete(ctx, f.ws.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		if rows := list(); len(rows) != 0 {
			t.Fatalf("after rule delete %+v", rows)
		}
	})
}

func TestSchedulerFiresAtTheTime(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		for _, tc := range []struct {
			name  string
			value string
			trig  engine.Trigger
			want  string
		}{
			{"2 hours after", "2026-12-01T15:00:00Z", engine.Trigger{Field: "appointment_at", Direction: "after", Amount: 2, Unit: "hours"}, "2026-12-01T17:00:00Z"},
			{"DST spring, 1 day before at 09:00 Berlin", "2026-03-30T12:00:00+02:00",
				engine.Trigger{Field: "appointment_at", Direction: "before", Amount: 1, Unit: "days", At: "09:00", Timezone: "Europe/Berlin"}, "2026-03-29T07:00:00Z"},
			{"DST fall, 1 day before at 09:00 Berlin", "2026-10-26T12:00:00+01:00",
				engine.Trigger{Field: "appointment_at", Direction: "before", Amount: 1, Unit: "days", At: "09:00", Timezone: "Europe/Berlin"}, "2026-10-25T08:00:00Z"},
			{"leap day, on at 09:00", "2028-02-29",
				engine.Trigger{Field: "appointment_at", Direction: "on", At: "09:00", Timezone: "UTC"}, "2028-02-29T09:00:00Z"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				want := utc(t, tc.want)
				f := dtSetup(t, dialect, want.Add(-72*time.Hour))
				r := f.rule(t, tc.trig)
				f.set(t, "c_1", map[string]any{"appointment_at": tc.value})
				rows := f.due(t, r.ID)
				if len(rows) != 1 || !rows[0].DueAt.Equal(want) || rows[0].State != "pending" {
					t.Fatalf("armed %+v, want due %v", rows, want)
				}
				if res := f.run(t, f.sched); res.Fired != 0 || !res.Next.Equal(want) {
					t.Fatalf("early pass %+v", res)
				}
				f.clock.Set(want.Add(-time.Millisecond))
				if res := f.run(t, f.sched); res.Fired != 0 {
					t.Fatalf("fired a millisecond early: %+v", res)
				}
				f.clock.Set(want)
				if res := f.run(t, f.sched); res.Fired != 1 || res.Deliveries != 1 || !res.Next.IsZero() {
					t.Fatalf("pass at the time %+v", res)
				}
				// A restart (a new pipeline and scheduler on the same database)
				// and later passes fire nothing again.
				_, again := f.newScheduler(t, "sch_restarted")
				f.clock.Add(time.Hour)
				if res := f.run(t, again); res.Claimed != 0 {
					t.Fatalf("fired again after restart: %+v", res)
				}
				ds := f.deliveries(t, r.ID)
				if len(ds) != 1 {
					t.Fatalf("%d deliveries", len(ds))
				}
				b := ds[0]
				if b["event"] != "datetime_based_trigger" || b["field"] != "appointment_at" || b["field_value"] != tc.value ||
					b["scheduled_for"] != want.Format(triggers.TimestampFormat) || b["contact_id"] != "c_1" {
					t.Fatalf("payload %v", b)
				}
			})
		}
	})
}

func TestSchedulerFiresLateAfterDowntimeOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		start := utc(t, "2026-11-22T10:00:00Z")
		f := dtSetup(t, dialect, start)
		r := f.rule(t, engine.Trigger{Field: "trial_ends_at", Direction: "after", Amount: 30, Unit: "minutes"})
		for _, c := range []string{"c_1", "c_2", "c_3"} {
			f.set(t, c, map[string]any{"trial_ends_at": "2026-11-22T11:00:00Z"})
		}
		// A scheduler claims, then dies before firing.
		claimed, err := f.s.DatetimeDueClaim(t.Context(), engine.DatetimeDueClaimParams{
			Now: start.Add(2 * time.Hour), Limit: 10, Owner: "sch_dead", LeaseUntil: start.Add(2*time.Hour + 30*time.Second)})
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim %v %v", claimed, err)
		}
		// Hours of downtime later, the lease is long gone: they fire, late.
		f.clock.Set(start.Add(5 * time.Hour))
		if res := f.run(t, f.sched); res.Fired != 3 {
			t.Fatalf("late pass %+v", res)
		}
		if res := f.run(t, f.sched); res.Claimed != 0 {
			t.Fatalf("second pass %+v", res)
		}
		// The dead scheduler's claim, fired after all (a slow instance), finds
		// them fired.
		if res, err := f.p.FireDue(t.Context(), f.ws.ID, claimed); err != nil || res.Fired != 0 || res.Dropped != 3 {
			t.Fatalf("stale claim fired: %+v %v", res, err)
		}
		if n := len(f.deliveries(t, r.ID)); n != 3 {
			t.Fatalf("%d deliveries, want 3", n)
		}
	})
}

func TestSchedulerRearmsAndCancels(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		start := utc(t, "2026-11-22T10:00:00Z")
		f := dtSetup(t, dialect, start)
		r := f.rule(t, engine.Trigger{Field: "appointment_at", Direction: "before", Amount: 1, Unit: "hours"})
		f.set(t, "c_1", map[string]any{"appointment_at": "2026-11-23T10:00:00Z"})

		// Moving the appointment re-arms; the old time fires nothing.
		f.set(t, "c_1", map[string]any{"appointment_at": "2026-11-24T10:00:00Z"})
		if rows := f.due(t, r.ID); len(rows) != 1 || !rows[0].DueAt.Equal(utc(t, "2026-11-24T09:00:00Z")) {
			t.Fatalf("re-armed %+v", rows)
		}
		f.clock.Set(utc(t, "2026-11-23T09:30:00Z"))
		if res := f.run(t, f.sched); res.Fired != 0 {
			t.Fatalf("old time fired: %+v", res)
		}
		f.clock.Set(utc(t, "2026-11-24T09:00:00Z"))
		if res := f.run(t, f.sched); res.Fired != 1 {
			t.Fatalf("new time: %+v", res)
		}
		// Setting the same value again (after it fired) does not fire again.
		f.set(t, "c_1", map[string]any{"appointment_at": nil})
		f.set(t, "c_1", map[string]any{"appointment_at": "2026-11-24T10:00:00Z"})
		if rows := f.due(t, r.ID); len(rows) != 1 || rows[0].State != "fired" {
			t.Fatalf("same value re-armed: %+v", rows)
		}
		// A value that is not a date, or removed, cancels.
		f.set(t, "c_2", map[string]any{"appointment_at": "2026-12-01T10:00:00Z"})
		f.set(t, "c_3", map[string]any{"appointment_at": "2026-12-01T10:00:00Z"})
		f.set(t, "c_2", map[string]any{"appointment_at": "soon"})
		f.set(t, "c_3", map[string]any{"appointment_at": nil})
		if rows := f.due(t, r.ID); len(rows) != 1 {
			t.Fatalf("not cancelled: %+v", rows)
		}
		// Deleting the rule cancels all.
		f.set(t, "c_4", map[string]any{"appointment_at": "2026-12-01T10:00:00Z"})
		if err := f.s.RuleDelete(t.Context(), f.ws.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(utc(t, "2026-12-02T00:00:00Z"))
		if res := f.run(t, f.sched); res.Claimed != 0 {
			t.Fatalf("deleted rule fired: %+v", res)
		}
		if n := len(f.deliveries(t, r.ID)); n != 1 {
			t.Fatalf("%d deliveries", n)
		}
	})
}

func TestRuleSaveArmsOnlyFutureTimes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		start := utc(t, "2026-11-22T10:00:00Z")
		f := dtSetup(t, dialect, start)
		f.set(t, "c_past", map[string]any{"appointment_at": "2026-11-22T09:00:00Z"})
		f.set(t, "c_future", map[string]any{"appointment_at": "2026-11-22T12:00:00Z"})
		f.set(t, "c_date", map[string]any{"appointment_at": "2026-11-25"})
		f.set(t, "c_text", map[string]any{"appointment_at": "next week"})
		f.set(t, "c_none", map[string]any{"other": 1})

		r := f.rule(t, engine.Trigger{Field: "appointment_at", Direction: "on"})
		rows := f.due(t, r.ID)
		if len(rows) != 2 || rows[0].ContactID != "c_date" || rows[1].ContactID != "c_future" {
			t.Fatalf("armed at save %+v", rows)
		}
		f.clock.Set(utc(t, "2026-11-30T00:00:00Z"))
		if res := f.run(t, f.sched); res.Fired != 2 {
			t.Fatalf("pass %+v", res)
		}

		// Disabling drops what is pending; enabling again arms only what is
		// still to come.
		f.clock.Set(start)
		r2 := f.rule(t, engine.Trigger{Field: "appointment_at", Direction: "before", Amount: 1, Unit: "hours"})
		if n := len(f.due(t, r2.ID)); n != 2 {
			t.Fatalf("r2 armed %d", n)
		}
		r2.Enabled = false
		if err := f.s.RuleUpdate(t.Context(), r2); err != nil {
			t.Fatal(err)
		}
		if n := len(f.due(t, r2.ID)); n != 0 {
			t.Fatalf("disabled rule keeps %d due rows", n)
		}
		f.clock.Set(utc(t, "2026-11-22T11:30:00Z")) // c_future's 11:00 has passed
		r2.Enabled = true
		if err := f.s.RuleUpdate(t.Context(), r2); err != nil {
			t.Fatal(err)
		}
		if rows := f.due(t, r2.ID); len(rows) != 1 || rows[0].ContactID != "c_date" {
			t.Fatalf("re-enabled armed %+v", rows)
		}
	})
}

func TestTwoSchedulersFireEachDueTimeOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		start := utc(t, "2026-11-22T10:00:00Z")
		f := dtSetup(t, dialect, start)
		r := f.rule(t, engine.Trigger{Field: "at", Direction: "on"})
		const n = 60
		events := make([]triggers.Event, n)
		for i := range events {
			events[i] = triggers.Event{Type: triggers.EventContactUpdated, ContactID: id.New("c"),
				Contact: fieldsPatch(t, map[string]any{"at": start.Add(time.Duration(i%5) * time.Minute).Format(time.RFC3339)})}
		}
		if _, err := f.p.Ingest(t.Context(), f.ws.ID, events); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(start.Add(time.Hour))
		_, other := f.newScheduler(t, "sch_b")
		var wg sync.WaitGroup
		results := make([]engine.PassResult, 2)
		for i, sc := range []*engine.Scheduler{f.sched, other} {
			wg.Go(func() {
				res, err := sc.RunDue(context.Background())
				if err != nil {
					t.Errorf("RunDue: %v", err)
				}
				results[i] = res
			})
		}
		wg.Wait()
		if fired := results[0].Fired + results[1].Fired; fired != n {
			t.Fatalf("fired %d (%+v), want %d", fired, results, n)
		}
		if got := len(f.deliveries(t, r.ID)); got != n {
			t.Fatalf("%d deliveries, want %d", got, n)
		}
	})
}

func TestSchedulerStartWakeStop(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		start := utc(t, "2026-11-22T10:00:00Z")
		f := dtSetup(t, dialect, start)
		committed := make(chan struct{}, 10)
		p, err := engine.NewPipeline(engine.PipelineConfig{Store: f.s, Now: f.clock.Now, OnCommit: func() { committed <- struct{}{} }})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := engine.NewScheduler(engine.SchedulerConfig{Store: f.s, Pipeline: p, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		f.rule(t, engine.Trigger{Field: "at", Direction: "on"})
		f.set(t, "c_1", map[string]any{"at": "2026-11-22T10:05:00Z"})
		if err := sc.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(start.Add(5 * time.Minute))
		sc.Wake(time.Time{}) // the injected clock jumped: look now
		select {
		case <-committed:
		case <-time.After(30 * time.Second):
			t.Fatal("the scheduler did not fire after Wake")
		}
		if err := sc.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := sc.Start(t.Context()); err == nil {
			t.Fatal("started twice")
		}
	})
}

// Two instances (two stores, two pools, two schedulers) on one Postgres fire
// each due time once.
func TestTwoInstancesOnOnePostgresFireOnce(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	start := utc(t, "2026-11-22T10:00:00Z")
	c := &dtClock{now: start}
	open := func() *store.Store {
		s, err := store.Open(t.Context(), store.Config{URL: url, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := dtOn(t, open(), c)
	b := a
	b.s = open()
	b.p, b.sched = b.newScheduler(t, "sch_b")
	r := a.rule(t, engine.Trigger{Field: "at", Direction: "after", Amount: 5, Unit: "minutes"})
	const n = 200
	events := make([]triggers.Event, n)
	for i := range events {
		events[i] = triggers.Event{Type: triggers.EventContactUpdated, ContactID: id.New("c"),
			Contact: fieldsPatch(t, map[string]any{"at": start.Add(time.Duration(i) * time.Second).Format(time.RFC3339)})}
	}
	if _, err := a.p.Ingest(t.Context(), a.ws.ID, events); err != nil {
		t.Fatal(err)
	}
	c.Set(start.Add(time.Hour))
	var wg sync.WaitGroup
	results := make([]engine.PassResult, 2)
	for i, f := range []dtFixture{a, b} {
		wg.Go(func() {
			res, err := f.sched.RunDue(context.Background())
			if err != nil {
				t.Errorf("RunDue: %v", err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if results[0].Fired+results[1].Fired != n {
		t.Fatalf("fired %+v, want %d in all", results, n)
	}
	if got := len(a.deliveries(t, r.ID)); got != n {
		t.Fatalf("%d deliveries, want %d", got, n)
	}
	t.Logf("instance a fired %d, b %d", results[0].Fired, results[1].Fired)
}
