package engine

import (
	"context"
	"fmt"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// FireSystem fires a trigger event that Tripline itself raises, with no
// contact and no inbound event, such as endpoint_disabled: in one
// transaction it matches the workspace's rules, renders their actions and
// stores the trigger event and the deliveries, as Ingest does for derived
// trigger events. An empty ID or Timestamp is filled in. It returns how many
// deliveries were created. A rule that sends to a disabled endpoint (the one
// just disabled, say) gets a paused delivery.
func (p *Pipeline) FireSystem(ctx context.Context, workspaceID string, te triggers.TriggerEvent) (int, error) {
	now := p.cfg.Now().UTC()
	if te.ID == "" {
		te.ID = id.NewAt(id.TriggerEvent, now)
	}
	if te.Timestamp.IsZero() {
		te.Timestamp = now
	}
	var n, matches int
	var deliveries []actions.NewDelivery
	err := p.inTx(ctx, func(tx IngestTx) error {
		ix, err := p.index(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		tes := []triggers.TriggerEvent{te}
		m, err := p.match(ctx, tx, workspaceID, ix, tes, now)
		if err != nil {
			return err
		}
		if err := p.recordRuleErrors(ctx, tx, workspaceID, m.errs, now); err != nil {
			return err
		}
		deliveries, matches = m.deliveries, m.rules
		if err := tx.TriggerEventInsertMany(ctx, TriggerEventInsertManyParams{WorkspaceID: workspaceID, Events: tes}); err != nil {
			return err
		}
		if len(deliveries) > 0 {
			if err := tx.DeliveryInsertMany(ctx, deliveries); err != nil {
				return err
			}
		}
		n = len(deliveries)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("fire %s: %w", te.Type, err)
	}
	if n > 0 {
		p.cfg.OnCommit()
	}
	if p.cfg.Observer != nil {
		p.cfg.Observer.Ingested(workspaceID, IngestResult{TriggerEventIDs: []string{te.ID},
			TriggerEventTypes: []string{te.Type}, Deliveries: n, RuleMatches: matches})
	}
	return n, nil
}

var _ actions.EndpointDisabledObserver = (*Pipeline)(nil)

// EndpointDisabled implements actions.EndpointDisabledObserver: it logs
// that Tripline disabled an endpoint (410 Gone, or its disable_after limit
// reached) and fires the endpoint_disabled trigger, so rules on it can
// alert a team. An error is logged: the disable has committed already.
func (p *Pipeline) EndpointDisabled(ctx context.Context, d actions.EndpointDisabled) {
	log := p.cfg.Logger
	log.WarnContext(ctx, "endpoint disabled", "workspace_id", d.WorkspaceID, "endpoint_id", d.EndpointID, "reason", d.Reason)
	te := triggers.TriggerEvent{Type: triggers.TriggerEndpointDisabled, Timestamp: d.At,
		Fields: triggers.Fields{EndpointID: d.EndpointID, DisabledReason: d.Reason}}
	if _, err := p.FireSystem(ctx, d.WorkspaceID, te); err != nil {
		log.ErrorContext(ctx, "endpoint_disabled trigger not fired", "workspace_id", d.WorkspaceID, "endpoint_id", d.EndpointID, "error", err)
	}
}
