package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// These tests run the engine's Pipeline on the real stores of every dialect,
// some with two stores on one database (two instances sharing it).

// clock is an injected clock the test moves.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.set(t0); return c }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

// world is a workspace with an endpoint on one database, seen by one or more stores.
type world struct {
	stores []*store.Store
	ws     tripline.Workspace
	ep     actions.Endpoint
	clock  *clock
}

// openWorld opens n stores on one fresh database of the dialect (n
// instances sharing it) and creates a workspace and an endpoint.
func openWorld(t *testing.T, dialect string, n int) *world {
	t.Helper()
	// SQLite first: asking for the Postgres URL skips the test without one.
	var url string
	if dialect == store.DialectSQLite {
		url = filepath.Join(t.TempDir(), "tripline.db")
	} else {
		url = storetest.PostgresURL(t)
	}
	w := &world{clock: newClock()}
	for range n {
		s, err := store.Open(context.Background(), store.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		w.stores = append(w.stores, s)
	}
	s := w.stores[0]
	var err error
	if w.ws, err = s.WorkspaceCreate(t.Context(), "ws-"+id.New("t")); err != nil {
		t.Fatal(err)
	}
	w.ep = actions.Endpoint{ID: id.New(id.Endpoint), WorkspaceID: w.ws.ID, Name: "e", URL: "https://example.com/hook",
		Enabled: true, Secret: "whsec_c2VjcmV0", CreatedAt: t0, UpdatedAt: t0}
	if err := s.EndpointInsert(t.Context(), w.ep); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) pipeline(t *testing.T, i int) *engine.Pipeline {
	t.Helper()
	p, err := engine.NewPipeline(engine.PipelineConfig{Store: w.stores[i], Now: w.clock.now, MaxConflictRetries: 50})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) rule(t *testing.T, mutate func(r *engine.Rule)) engine.Rule {
	t.Helper()
	r := engine.Rule{ID: id.New(id.Rule), WorkspaceID: w.ws.ID, Name: "r", Enabled: true,
		Trigger: engine.Trigger{Type: triggers.TriggerTagApplied},
		Actions: []engine.Action{{Type: engine.ActionWebhook, EndpointID: w.ep.ID}}}
	if mutate != nil {
		mutate(&r)
	}
	if err := engine.ValidateRule(&r); err != nil {
		t.Fatal(err)
	}
	if err := w.stores[0].RuleInsert(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) deliveries(t *testing.T, ruleID string) []actions.Delivery {
	t.Helper()
	ds, err := w.stores[0].DeliveryList(t.Context(), actions.DeliveryListParams{ListParams: tripline.ListParams{WorkspaceID: w.ws.ID, Limit: 1000}, RuleID: ruleID})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func tagEvent(contact, tag string) triggers.Event {
	return triggers.Event{Type: triggers.EventTagApplied, ContactID: contact, Tag: tag}
}

func ingestEvents(t *testing.T, p *engine.Pipeline, ws string, evs ...triggers.Event) engine.IngestResult {
	t.Helper()
	res, err := p.Ingest(t.Context(), ws, evs)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return res
}

func forEachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// TestFrequencyUnderConcurrency: two simultaneous ingests for one contact,
// on two pipelines (two instances), fire a once_per_contact rule once.
func TestFrequencyUnderConcurrency(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		w := openWorld(t, dialect, 2)
		r := w.rule(t, func(r *engine.Rule) { r.Frequency.OncePerContact = true })
		ps := []*engine.Pipeline{w.pipeline(t, 0), w.pipeline(t, 1)}
		for round := range 5 {
			contact := "c_" + string(rune('a'+round))
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() {
					<-start
					_, errs[i] = ps[i].Ingest(context.Background(), w.ws.ID, []triggers.Event{tagEvent(contact, "tag "+string(rune('0'+i)))})
				})
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		byContact := map[string]int{}
		for _, d := range w.deliveries(t, r.ID) {
			byContact[d.ContactID]++
		}
		if len(byContact) != 5 {
			t.Errorf("deliveries by contact: %v; want one for each of 5 contacts", byContact)
		}
		for c, n := range byContact {
			if n != 1 {
				t.Errorf("contact %s: %d deliveries, want 1", c, n)
			}
		}
	})
}

// TestCooldownWithClock: cooldown_seconds lets the rule fire again only after
// the period, on the injected clock.
func TestCooldownWithClock(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		w := openWorld(t, dialect, 1)
		r := w.rule(t, func(r *engine.Rule) { r.Frequency.CooldownSeconds = 60 })
		p := w.pipeline(t, 0)
		steps := []struct {
			after time.Duration
			want  int
		}{{0, 1}, {30 * time.Second, 1}, {29 * time.Second, 1}, {2 * time.Second, 2}, {time.Second, 2}, {61 * time.Second, 3}}
		for i, st := range steps {
			w.clock.add(st.after)
			ingestEvents(t, p, w.ws.ID, tagEvent("c_1", "tag "+string(rune('a'+i))))
			if got := len(w.deliveries(t, r.ID)); got != st.want {
				t.Fatalf("step %d (%v): %d deliveries, want %d", i, w.clock.now().Sub(t0), got, st.want)
			}
		}
	})
}

// TestEditsSeenAtOnceByOtherInstances: a rule edited or disabled through one
// store is matched accordingly by the next ingest of another instance.
func TestEditsSeenAtOnceByOtherInstances(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		w := openWorld(t, dialect, 2)
		r := w.rule(t, func(r *engine.Rule) { r.Condition = `contact.channel == "sms"` })
		other := w.pipeline(t, 1)
		n := 0
		fire := func() int {
			n++
			ingestEvents(t, other, w.ws.ID, triggers.Event{Type: triggers.EventTagApplied, ContactID: "c_1", Tag: "t" + string(rune('a'+n)),
				Contact: triggers.ContactPatch{"channel": json.RawMessage(`"sms"`)}})
			return len(w.deliveries(t, r.ID))
		}
		if got := fire(); got != 1 {
			t.Fatalf("before edits: %d deliveries", got)
		}
		update := func(mutate func(r *engine.Rule)) {
			mutate(&r)
			w.clock.add(time.Second)
			r.UpdatedAt = w.clock.now()
			if err := w.stores[0].RuleUpdate(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
		update(func(r *engine.Rule) { r.Enabled = false })
		if got := fire(); got != 1 {
			t.Fatalf("disabled rule fired: %d deliveries", got)
		}
		update(func(r *engine.Rule) { r.Enabled, r.Condition = true, `contact.channel == "whatsapp"` })
		if got := fire(); got != 1 {
			t.Fatalf("the other instance matched the old condition: %d deliveries", got)
		}
		update(func(r *engine.Rule) { r.Condition = `contact.channel == "sms"` })
		if got := fire(); got != 2 {
			t.Fatalf("the other instance missed the edit: %d deliveries", got)
		}
	})
}

// TestRuntimeErrorsAreVisible: a condition error is recorded on the rule; a
// template error makes a dead delivery in the log.
func TestRuntimeErrorsAreVisible(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		w := openWorld(t, dialect, 1)
		badCond := w.rule(t, func(r *engine.Rule) { r.Condition = `contact.custom_fields.missing > 3` })
		badBody := w.rule(t, func(r *engine.Rule) {
			r.Actions[0].Body = json.RawMessage(`{"city": "{{ contact.custom_fields.address.city }}"}`)
		})
		p := w.pipeline(t, 0)
		ingestEvents(t, p, w.ws.ID, tagEvent("c_1", "a"), tagEvent("c_1", "b"))

		got, err := w.stores[0].RuleGet(t.Context(), w.ws.ID, badCond.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ErrorCount != 2 || got.LastError == "" || got.LastErrorAt == nil || !got.LastErrorAt.Equal(t0) {
			t.Errorf("condition error not recorded: %d %q %v", got.ErrorCount, got.LastError, got.LastErrorAt)
		}
		ds := w.deliveries(t, badBody.ID)
		if len(ds) != 2 {
			t.Fatalf("%d deliveries for the bad template, want 2 (dead)", len(ds))
		}
		for _, d := range ds {
			if d.Status != actions.StatusDead || d.AttemptCount != 0 || !strings.HasPrefix(d.LastError, engine.TemplateErrorPrefix+"actions[0].body.city") {
				t.Errorf("delivery %+v", d)
			}
		}
	})
}
