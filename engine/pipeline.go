package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// PipelineConfig configures a Pipeline.
type PipelineConfig struct {
	// Store is where ingest transactions run. Required.
	Store Store
	// Logger receives rule evaluation errors. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// OnCommit is called after a transaction that created deliveries commits,
	// to wake the delivery worker. Optional.
	OnCommit func()
	// OnArm is called after a transaction that armed datetime triggers
	// commits, with the earliest due time armed, to wake the scheduler when it
	// sleeps past it. Optional.
	OnArm func(next time.Time)
	// MaxConflictRetries is how often an ingest transaction that lost a race
	// with a concurrent one is run again. Default: 5.
	MaxConflictRetries int
	// Observer is told what each committed ingest did, for metrics. Optional.
	Observer Observer
	// Dispatcher, when set, takes deliveries straight from their ingest: as
	// many as it has free send slots for are created claimed by it and sent
	// once the transaction commits, without a claim. Optional.
	Dispatcher Dispatcher
}

// Dispatcher sends deliveries as soon as the ingest that creates them
// commits; the delivery worker implements it (actions.Worker).
type Dispatcher interface {
	// Reserve is given the endpoints of deliveries about to be created, one
	// per delivery, and says which of them it takes: those are created
	// claimed, with its owner and lease. It never blocks.
	Reserve(endpoints []actions.Endpoint) actions.Reservation
	// Dispatch sends the deliveries created claimed under r, after their
	// transaction committed.
	Dispatch(r actions.Reservation, claimed []actions.Claimed)
	// Cancel gives back r, whose transaction did not commit.
	Cancel(r actions.Reservation)
}

// Observer is told what each ingest call did once it committed; the metrics
// package implements it, so that the engine does not depend on a metrics
// library. It must return quickly.
type Observer interface {
	Ingested(workspaceID string, res IngestResult)
}

func (c *PipelineConfig) fill() error {
	if c.Store == nil {
		return errors.New("engine: PipelineConfig.Store is required")
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.OnCommit == nil {
		c.OnCommit = func() {}
	}
	if c.OnArm == nil {
		c.OnArm = func(time.Time) {}
	}
	c.MaxConflictRetries = cmp.Or(c.MaxConflictRetries, 5)
	return nil
}

// Pipeline ingests inbound events: in one transaction it applies them to the
// contacts, derives trigger events, matches rules and creates deliveries.
type Pipeline struct {
	cfg PipelineConfig

	mu      sync.Mutex
	indexes map[string]*index // by workspace id
}

// NewPipeline returns a Pipeline.
func NewPipeline(cfg PipelineConfig) (*Pipeline, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	return &Pipeline{cfg: cfg, indexes: map[string]*index{}}, nil
}

// IngestResult is what one ingest call did.
type IngestResult struct {
	Accepted        int      // events applied
	Duplicates      int      // events whose id was seen before; they fired nothing
	TriggerEventIDs []string // the trigger events derived, in order
	Deliveries      int      // deliveries created
	// TriggerEventTypes are the types of TriggerEventIDs, index for index.
	TriggerEventTypes []string
	// RuleMatches counts the (rule, trigger event) pairs that matched: the
	// condition held and the frequency allowed the rule to fire.
	RuleMatches int

	nextDue time.Time // the earliest datetime trigger armed; zero if none
}

// Ingest applies events of one workspace in order, each seeing the state the
// previous one left, and returns after the contact changes, trigger events and
// deliveries are committed together. Events must have been validated.
func (p *Pipeline) Ingest(ctx context.Context, workspaceID string, events []triggers.Event) (IngestResult, error) {
	var res IngestResult
	var reserved []actions.Reservation // one per run of the transaction that reserved
	var direct []actions.Claimed       // created claimed by the last run
	var reserve func(endpoints []actions.Endpoint) actions.Reservation
	if p.cfg.Dispatcher != nil {
		reserve = func(endpoints []actions.Endpoint) actions.Reservation {
			r := p.cfg.Dispatcher.Reserve(endpoints)
			if r.Slots() > 0 {
				reserved = append(reserved, r)
			}
			return r
		}
	}
	err := p.inTx(ctx, func(tx IngestTx) error {
		var err error
		direct = nil
		res, err = p.ingest(ctx, tx, workspaceID, events, reserve, &direct)
		return err
	})
	if err != nil {
		for _, r := range reserved {
			p.cfg.Dispatcher.Cancel(r)
		}
		return IngestResult{}, fmt.Errorf("ingest: %w", err)
	}
	if len(reserved) > 0 {
		// Only the last run committed; earlier runs' reservations are unused.
		last := reserved[len(reserved)-1]
		if len(direct) == 0 {
			p.cfg.Dispatcher.Cancel(last)
		} else {
			p.cfg.Dispatcher.Dispatch(last, direct)
		}
		for _, r := range reserved[:len(reserved)-1] {
			p.cfg.Dispatcher.Cancel(r)
		}
	}
	if res.Deliveries > len(direct) {
		p.cfg.OnCommit()
	}
	if !res.nextDue.IsZero() {
		p.cfg.OnArm(res.nextDue)
	}
	if p.cfg.Observer != nil {
		p.cfg.Observer.Ingested(workspaceID, res)
	}
	return res, nil
}

// inTx runs fn in an ingest transaction, again when it lost a race with a
// concurrent one (tripline.ErrConflict), up to MaxConflictRetries times.
func (p *Pipeline) inTx(ctx context.Context, fn func(tx IngestTx) error) error {
	for try := 0; ; try++ {
		err := p.cfg.Store.IngestInTx(ctx, fn)
		if !errors.Is(err, tripline.ErrConflict) || try >= p.cfg.MaxConflictRetries || ctx.Err() != nil {
			return err
		}
	}
}

// ingest runs one ingest transaction. When reserve is not nil, pending
// deliveries are created claimed, as many as reserve grants send slots for,
// and appended to direct.
func (p *Pipeline) ingest(ctx context.Context, tx IngestTx, ws string, events []triggers.Event,
	reserve func(endpoints []actions.Endpoint) actions.Reservation, direct *[]actions.Claimed) (IngestResult, error) {
	var res IngestResult
	now := p.cfg.Now().UTC()

	ix, err := p.index(ctx, tx, ws)
	if err != nil {
		return res, err
	}

	// Idempotency: an event whose id was seen before, in an earlier call or
	// earlier in this one, is a duplicate.
	var keys []string
	seen := map[string]bool{}
	dup := make([]bool, len(events))
	for i, ev := range events {
		if ev.ID == "" {
			continue
		}
		if seen[ev.ID] {
			dup[i] = true
			continue
		}
		seen[ev.ID] = true
		keys = append(keys, ev.ID)
	}
	if len(keys) > 0 {
		existing, err := tx.EventKeyInsertMany(ctx, EventKeyInsertManyParams{WorkspaceID: ws, Keys: keys, Now: now})
		if err != nil {
			return res, err
		}
		for i, ev := range events {
			if existing[ev.ID] {
				dup[i] = true
			}
		}
	}

	// Load every contact the events touch, once.
	var ids []string
	idSeen := map[string]bool{}
	for i, ev := range events {
		if dup[i] {
			continue
		}
		for _, cid := range []string{ev.ContactID, ev.ReferredContactID} {
			if cid != "" && !idSeen[cid] {
				idSeen[cid] = true
				ids = append(ids, cid)
			}
		}
	}
	contacts, err := tx.ContactGetMany(ctx, ContactGetManyParams{WorkspaceID: ws, IDs: ids})
	if err != nil {
		return res, err
	}
	if contacts == nil {
		contacts = map[string]*triggers.Contact{}
	}
	loaded := make(map[string]*triggers.Contact, len(contacts))
	for k, v := range contacts {
		loaded[k] = v
	}

	var tes []triggers.TriggerEvent
	for i, ev := range events {
		if dup[i] {
			res.Duplicates++
			continue
		}
		out, err := triggers.Apply(contacts, ev, now)
		if err != nil {
			return res, tripline.Invalid(fmt.Sprintf("events[%d]", i), err.Error())
		}
		tes = append(tes, out...)
		res.Accepted++
	}

	m, err := p.match(ctx, tx, ws, ix, tes, now)
	if err != nil {
		return res, err
	}
	if err := p.recordRuleErrors(ctx, tx, ws, m.errs, now); err != nil {
		return res, err
	}
	deliveries := m.deliveries

	var changed []*triggers.Contact
	for _, cid := range ids {
		if c, ok := contacts[cid]; ok && c != loaded[cid] {
			changed = append(changed, c)
		}
	}
	if len(changed) > 0 {
		if err := tx.ContactUpsertMany(ctx, ContactUpsertManyParams{WorkspaceID: ws, Contacts: changed}); err != nil {
			return res, err
		}
	}
	// After the contacts are stored: due rows refer to them.
	if res.nextDue, err = p.armContacts(ctx, tx, ws, ix, ids, loaded, contacts, now); err != nil {
		return res, err
	}
	if len(tes) > 0 {
		if err := tx.TriggerEventInsertMany(ctx, TriggerEventInsertManyParams{WorkspaceID: ws, Events: tes}); err != nil {
			return res, err
		}
	}
	if len(deliveries) > 0 {
		if reserve != nil {
			*direct = claimDirect(deliveries, m.endpoints, reserve)
		}
		if err := tx.DeliveryInsertMany(ctx, deliveries); err != nil {
			return res, err
		}
	}
	for _, te := range tes {
		res.TriggerEventIDs = append(res.TriggerEventIDs, te.ID)
		res.TriggerEventTypes = append(res.TriggerEventTypes, te.Type)
	}
	res.Deliveries, res.RuleMatches = len(deliveries), m.rules
	return res, nil
}

// matched is what match found for the trigger events of one transaction.
type matched struct {
	deliveries []actions.NewDelivery
	endpoints  map[string]actions.Endpoint // of the deliveries, with their secrets when a Dispatcher is set
	rules      int                         // (rule, trigger event) pairs that fired
	errs       []RuleError                 // rules whose condition failed at run time
}

// match finds the rules each trigger event fires and renders their
// deliveries. It also counts the rules that fired and returns the rules
// whose condition failed at run time, one entry per rule, to be recorded on them.
func (p *Pipeline) match(ctx context.Context, tx IngestTx, ws string, ix *index, tes []triggers.TriggerEvent, now time.Time) (matched, error) {
	var out []actions.NewDelivery
	matches := 0
	var endpointIDs []string
	var ruleErrs []RuleError
	errIndex := map[string]int{}
	for i := range tes {
		te := &tes[i]
		// One environment per trigger event, its rule swapped per candidate:
		// building it copies two contacts, which would otherwise be paid by
		// every candidate rule.
		env := NewEnv(*te, &Rule{}, now)
		for _, cr := range ix.candidates(te) {
			env.Rule = RuleEnv{ID: cr.ID, Name: cr.Name}
			ok, err := cr.match(env)
			if err != nil {
				p.cfg.Logger.WarnContext(ctx, "condition failed to evaluate; the rule does not match",
					"workspace_id", ws, "rule_id", cr.ID, "trigger_event_id", te.ID, "error", err)
				if j, seen := errIndex[cr.ID]; seen {
					ruleErrs[j].Error = err.Error()
					ruleErrs[j].Count++
				} else {
					errIndex[cr.ID] = len(ruleErrs)
					ruleErrs = append(ruleErrs, RuleError{RuleID: cr.ID, Error: err.Error(), Count: 1})
				}
				continue
			}
			if !ok {
				continue
			}
			if fired, err := p.claimFrequency(ctx, tx, ws, cr, te.ContactID, now); err != nil || !fired {
				if err != nil {
					return matched{}, err
				}
				continue
			}
			matches++
			for _, ca := range cr.actions {
				d := actions.Delivery{
					ID: id.NewAt(id.Delivery, now), WorkspaceID: ws, EndpointID: ca.endpointID, RuleID: cr.ID,
					TriggerEventID: te.ID, Event: te.Type, ContactID: te.ContactID,
					Status: actions.StatusPending, CreatedAt: now,
				}
				body, headers, err := ca.render(ws, env, te)
				if err != nil {
					// The delivery is kept, dead before any attempt, so the
					// failure shows in the delivery log next to the others.
					p.cfg.Logger.WarnContext(ctx, "payload template failed to render; the delivery is dead",
						"workspace_id", ws, "rule_id", cr.ID, "trigger_event_id", te.ID, "endpoint_id", ca.endpointID, "error", err)
					d.Status, d.LastError = actions.StatusDead, TemplateErrorPrefix+err.Error()
					body, headers = json.RawMessage("null"), nil
				} else {
					next := now
					d.NextAttemptAt = &next
				}
				out = append(out, actions.NewDelivery{Delivery: d, Message: actions.Message{Payload: body, Headers: headers}})
				endpointIDs = append(endpointIDs, ca.endpointID)
			}
		}
	}
	if len(out) == 0 {
		return matched{rules: matches, errs: ruleErrs}, nil
	}
	endpoints, err := tx.EndpointGetMany(ctx, EndpointGetManyParams{WorkspaceID: ws, IDs: endpointIDs, Secrets: p.cfg.Dispatcher != nil})
	if err != nil {
		return matched{}, err
	}
	kept := out[:0]
	for _, d := range out {
		ep, ok := endpoints[d.Delivery.EndpointID]
		if !ok {
			// Endpoints in use cannot be deleted; this is a rule saved with an
			// endpoint deleted in between.
			p.cfg.Logger.WarnContext(ctx, "rule refers to an endpoint that does not exist; nothing is sent",
				"workspace_id", ws, "rule_id", d.Delivery.RuleID, "endpoint_id", d.Delivery.EndpointID)
			continue
		}
		if !ep.Enabled && d.Delivery.Status == actions.StatusPending {
			d.Delivery.Status = actions.StatusPaused
			d.Delivery.NextAttemptAt = nil
		}
		kept = append(kept, d)
	}
	return matched{deliveries: kept, endpoints: endpoints, rules: matches, errs: ruleErrs}, nil
}

// claimDirect offers the pending deliveries to reserve, marks those it takes
// as claimed, to be sent when the transaction commits, and returns them as
// the worker takes them, in order.
func claimDirect(deliveries []actions.NewDelivery, endpoints map[string]actions.Endpoint, reserve func([]actions.Endpoint) actions.Reservation) []actions.Claimed {
	var idx []int
	var eps []actions.Endpoint
	for i, d := range deliveries {
		if d.Delivery.Status == actions.StatusPending {
			idx = append(idx, i)
			eps = append(eps, endpoints[d.Delivery.EndpointID])
		}
	}
	if len(idx) == 0 {
		return nil
	}
	r := reserve(eps)
	var claimed []actions.Claimed
	for k, i := range idx {
		if !r.Taken[k] {
			continue
		}
		d := &deliveries[i]
		d.ClaimedBy, d.LeaseUntil = r.Owner, r.LeaseUntil
		claimed = append(claimed, actions.Claimed{Delivery: d.Delivery, Message: d.Message, Endpoint: eps[k]})
	}
	return claimed
}

// TemplateErrorPrefix starts the last_error of a delivery whose payload or
// header template failed to render: it was dead before any attempt, and an
// endpoint's health (auto-disable) must not count it.
const TemplateErrorPrefix = `template: `

// recordRuleErrors records the condition errors of one transaction on their
// rules, in one statement.
func (p *Pipeline) recordRuleErrors(ctx context.Context, tx IngestTx, ws string, errs []RuleError, now time.Time) error {
	if len(errs) == 0 {
		return nil
	}
	return tx.RuleErrorRecordMany(ctx, RuleErrorRecordManyParams{WorkspaceID: ws, At: now, Errors: errs})
}

// claimFrequency reports whether the rule's frequency lets it fire for the
// contact now, and records the firing if so.
func (p *Pipeline) claimFrequency(ctx context.Context, tx IngestTx, ws string, cr *compiledRule, contactID string, now time.Time) (bool, error) {
	f := cr.Frequency
	if !f.OncePerContact && f.CooldownSeconds <= 0 {
		return true, nil
	}
	params := RuleFireClaimParams{WorkspaceID: ws, RuleID: cr.ID, ContactID: contactID, Now: now}
	if !f.OncePerContact {
		params.FiredBefore = cooldownStart(f, now)
	}
	return tx.RuleFireClaim(ctx, params)
}

// index returns the workspace's rule index, rebuilding it when a rule or
// folder changed since it was built (on this instance or any other).
func (p *Pipeline) index(ctx context.Context, tx IngestTx, ws string) (*index, error) {
	version, err := tx.WorkspaceRulesVersion(ctx, ws)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	cur := p.indexes[ws]
	p.mu.Unlock()
	if cur != nil && cur.version == version {
		return cur, nil
	}
	rules, folders, err := tx.RuleListAll(ctx, ws)
	if err != nil {
		return nil, err
	}
	ix := buildIndex(version, rules, folders, cur, p.cfg.Logger)
	p.mu.Lock()
	if old := p.indexes[ws]; old == nil || old.version <= version {
		p.indexes[ws] = ix
	}
	p.mu.Unlock()
	return ix, nil
}
