package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// errNoDueTx is returned when datetime rules need arming but the store's
// transaction cannot store due times.
var errNoDueTx = errors.New("the store does not support datetime_based_trigger (its IngestTx is not an engine.DueTx)")

// armContacts writes the due times of the datetime rules whose field changed
// on a contact in this ingest, or that a new contact arrives with: a date
// value arms (or re-arms) the rule for the contact; a value removed, not a
// date, or older than IngestArmGrace cancels what was pending. It returns the
// earliest due time armed (zero if none).
func (p *Pipeline) armContacts(ctx context.Context, tx IngestTx, ws string, ix *index, ids []string,
	before, after map[string]*triggers.Contact, now time.Time,
) (time.Time, error) {
	if len(ix.datetime) == 0 {
		return time.Time{}, nil
	}
	var arm []DueTrigger
	var cancel []DueKey
	for _, cid := range ids {
		c, old := after[cid], before[cid]
		if c == nil || c == old {
			continue
		}
		for field, rules := range ix.datetime {
			nv, has := c.CustomFields[field]
			var ov any
			var had bool
			if old != nil {
				ov, had = old.CustomFields[field]
			}
			hash := DatetimeValueHash(nv)
			if has == had && (!has || hash == DatetimeValueHash(ov)) {
				continue
			}
			for _, cr := range rules {
				due, ok, _ := cr.datetime.DueAt(nv)
				if !has || !ok || due.Before(now.Add(-IngestArmGrace)) {
					cancel = append(cancel, DueKey{RuleID: cr.ID, ContactID: cid})
					continue
				}
				arm = append(arm, DueTrigger{WorkspaceID: ws, RuleID: cr.ID, ContactID: cid, ValueHash: hash, DueAt: due})
			}
		}
	}
	if len(arm) == 0 && len(cancel) == 0 {
		return time.Time{}, nil
	}
	dtx, ok := tx.(DueTx)
	if !ok {
		return time.Time{}, errNoDueTx
	}
	if len(cancel) > 0 {
		if err := dtx.DatetimeDueCancelMany(ctx, DatetimeDueCancelManyParams{WorkspaceID: ws, Keys: cancel}); err != nil {
			return time.Time{}, err
		}
	}
	var next time.Time
	if len(arm) > 0 {
		if err := dtx.DatetimeDueArmMany(ctx, DatetimeDueArmManyParams{WorkspaceID: ws, Due: arm}); err != nil {
			return time.Time{}, err
		}
		next = slices.MinFunc(arm, func(a, b DueTrigger) int { return a.DueAt.Compare(b.DueAt) }).DueAt
	}
	return next, nil
}

// FireResult is what one FireDue call did.
type FireResult struct {
	Fired      int // due times that fired a trigger event
	Dropped    int // due times no longer valid: rule or contact gone, value changed, or fired already
	Deliveries int // deliveries created
}

// FireDue fires due datetime triggers of one workspace through the same path
// as inbound events, in one transaction: for each due time it loads the
// contact, checks that the rule is active and that the field still holds the
// value the time was computed from, marks the due row fired, builds a
// datetime_based_trigger event (previous is the contact as it is: nothing
// changed), and matches the one rule: condition, frequency, render,
// deliveries. Marking fired and inserting deliveries commit together, so a due
// time claimed twice (a lease ran out, two schedulers) fires once. A due row
// whose value or rule changed since it was claimed is re-armed or cancelled
// instead.
func (p *Pipeline) FireDue(ctx context.Context, workspaceID string, due []DueTrigger) (FireResult, error) {
	var res FireResult
	var next time.Time
	err := p.inTx(ctx, func(tx IngestTx) error {
		var err error
		res, next, err = p.fireDue(ctx, tx, workspaceID, due)
		return err
	})
	if err != nil {
		return FireResult{}, fmt.Errorf("fire due triggers: %w", err)
	}
	if res.Deliveries > 0 {
		p.cfg.OnCommit()
	}
	if !next.IsZero() {
		p.cfg.OnArm(next)
	}
	return res, nil
}

func (p *Pipeline) fireDue(ctx context.Context, tx IngestTx, ws string, due []DueTrigger) (FireResult, time.Time, error) {
	var res FireResult
	now := p.cfg.Now().UTC()
	dtx, ok := tx.(DueTx)
	if !ok {
		return res, time.Time{}, errNoDueTx
	}
	ix, err := p.index(ctx, tx, ws)
	if err != nil {
		return res, time.Time{}, err
	}
	ids := make([]string, 0, len(due))
	for _, d := range due {
		ids = append(ids, d.ContactID)
	}
	slices.Sort(ids)
	contacts, err := tx.ContactGetMany(ctx, ContactGetManyParams{WorkspaceID: ws, IDs: slices.Compact(ids)})
	if err != nil {
		return res, time.Time{}, err
	}

	var cancel []DueKey
	var rearm, valid []DueTrigger
	for _, d := range due {
		cr := ix.all[d.RuleID]
		c := contacts[d.ContactID]
		if cr == nil || cr.datetime == nil || c == nil {
			// The rule was deleted, disabled or changed type, or the contact
			// deleted, after the claim.
			cancel = append(cancel, DueKey{RuleID: d.RuleID, ContactID: d.ContactID})
			res.Dropped++
			continue
		}
		value, has := c.CustomFields[cr.datetime.Field]
		at, ok, _ := cr.datetime.DueAt(value)
		if hash := DatetimeValueHash(value); !has || !ok || hash != d.ValueHash || !at.Equal(d.DueAt) {
			// The row no longer says what the contact and rule say (a change
			// raced the claim): correct it rather than fire.
			if has && ok && !at.Before(now.Add(-IngestArmGrace)) {
				rearm = append(rearm, DueTrigger{WorkspaceID: ws, RuleID: d.RuleID, ContactID: d.ContactID, ValueHash: hash, DueAt: at})
			} else {
				cancel = append(cancel, DueKey{RuleID: d.RuleID, ContactID: d.ContactID})
			}
			res.Dropped++
			continue
		}
		valid = append(valid, d)
	}
	var marked map[DueKey]bool
	if len(valid) > 0 {
		if marked, err = dtx.DatetimeDueMarkFiredMany(ctx, DatetimeDueMarkFiredManyParams{Due: valid, Now: now}); err != nil {
			return res, time.Time{}, err
		}
	}
	byRule := map[string][]triggers.TriggerEvent{}
	var order []*compiledRule
	var all []triggers.TriggerEvent
	for _, d := range valid {
		if !marked[DueKey{RuleID: d.RuleID, ContactID: d.ContactID}] { // fired by another scheduler, or re-armed meanwhile
			res.Dropped++
			continue
		}
		cr, c := ix.all[d.RuleID], contacts[d.ContactID]
		te := triggers.TriggerEvent{
			ID: id.NewAt(id.TriggerEvent, now), Type: triggers.TriggerDatetimeBased, Timestamp: now,
			ContactID: c.ID, Contact: *c, Previous: c.Clone(),
			Fields: triggers.Fields{Field: cr.datetime.Field, FieldValue: c.CustomFields[cr.datetime.Field], ScheduledFor: d.DueAt},
		}
		if _, seen := byRule[cr.ID]; !seen {
			order = append(order, cr)
		}
		byRule[cr.ID] = append(byRule[cr.ID], te)
		all = append(all, te)
		res.Fired++
	}

	if len(cancel) > 0 {
		if err := dtx.DatetimeDueCancelMany(ctx, DatetimeDueCancelManyParams{WorkspaceID: ws, Keys: cancel}); err != nil {
			return res, time.Time{}, err
		}
	}
	var next time.Time
	if len(rearm) > 0 {
		if err := dtx.DatetimeDueArmMany(ctx, DatetimeDueArmManyParams{WorkspaceID: ws, Due: rearm}); err != nil {
			return res, time.Time{}, err
		}
		next = slices.MinFunc(rearm, func(a, b DueTrigger) int { return a.DueAt.Compare(b.DueAt) }).DueAt
	}
	var deliveries []actions.NewDelivery
	var ruleErrs []RuleError
	for _, cr := range order {
		// The due row names its rule: match the trigger events against an
		// index of exactly that rule, through the one matching path.
		m, err := p.match(ctx, tx, ws, singleRuleIndex(cr), byRule[cr.ID], now)
		if err != nil {
			return res, time.Time{}, err
		}
		deliveries = append(deliveries, m.deliveries...)
		ruleErrs = append(ruleErrs, m.errs...)
	}
	if err := p.recordRuleErrors(ctx, tx, ws, ruleErrs, now); err != nil {
		return res, time.Time{}, err
	}
	if len(all) > 0 {
		if err := tx.TriggerEventInsertMany(ctx, TriggerEventInsertManyParams{WorkspaceID: ws, Events: all}); err != nil {
			return res, time.Time{}, err
		}
	}
	if len(deliveries) > 0 {
		if err := tx.DeliveryInsertMany(ctx, deliveries); err != nil {
			return res, time.Time{}, err
		}
	}
	res.Deliveries = len(deliveries)
	return res, next, nil
}

// singleRuleIndex is an index that offers one rule to every trigger event.
func singleRuleIndex(cr *compiledRule) *index {
	return &index{byKey: map[indexKey][]*compiledRule{{triggerType: cr.Trigger.Type}: {cr}}, all: map[string]*compiledRule{cr.ID: cr}}
}
