package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
)

// EndpointEnable implements api.OpsStore.
func (s *Store) EndpointEnable(ctx context.Context, p actions.EndpointEnableParams) (actions.Endpoint, error) {
	now := ts(p.Now)
	var row endpointRow
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE endpoints SET enabled = ?, disabled_reason = '', consecutive_dead = 0, failure_streak = 0, updated_at = ?
			WHERE workspace_id = ? AND id = ?`, true, now, p.WorkspaceID, p.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("endpoint %s", p.ID)
		}
		var err error
		if p.DiscardPaused {
			err = tx.Exec(`UPDATE deliveries SET status = 'discarded', next_attempt_at = NULL
				WHERE endpoint_id = ? AND status = 'paused'`, p.ID).Error
		} else {
			err = tx.Exec(`UPDATE deliveries SET status = `+resumeStatus+`, next_attempt_at = ?
				WHERE endpoint_id = ? AND status = 'paused'`, ms(p.Now), p.ID).Error
		}
		if err != nil {
			return err
		}
		return tx.Where("id = ?", p.ID).Take(&row).Error
	})
	if err != nil {
		return actions.Endpoint{}, fmt.Errorf("enable endpoint %s: %w", p.ID, err)
	}
	return s.endpoint(row, true)
}

// EndpointRotateSecret implements api.OpsStore. The sealed current secret
// moves to previous_secret as it is; a previous secret still in its grace
// period is dropped.
func (s *Store) EndpointRotateSecret(ctx context.Context, p actions.EndpointRotateSecretParams) (actions.Endpoint, error) {
	sealed := p.Secret
	if s.secrets != nil {
		var err error
		if sealed, err = s.secrets.Seal(p.Secret); err != nil {
			return actions.Endpoint{}, fmt.Errorf("rotate secret of %s: seal: %w", p.ID, err)
		}
	}
	var row endpointRow
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("workspace_id = ? AND id = ?", p.WorkspaceID, p.ID).Take(&row).Error; err != nil {
			return notFound(err, "endpoint %s", p.ID)
		}
		prev := ""
		if p.PreviousExpiresAt != nil {
			prev = row.Secret
		}
		row.Secret, row.PreviousSecret, row.PreviousSecretExpiresAt, row.UpdatedAt = sealed, prev, tsPtr(p.PreviousExpiresAt), ts(p.Now)
		return tx.Model(&endpointRow{}).Where("id = ?", p.ID).Updates(map[string]any{
			"secret": row.Secret, "previous_secret": row.PreviousSecret,
			"previous_secret_expires_at": row.PreviousSecretExpiresAt, "updated_at": row.UpdatedAt,
		}).Error
	})
	if err != nil {
		return actions.Endpoint{}, fmt.Errorf("rotate secret of %s: %w", p.ID, err)
	}
	return s.endpoint(row, true)
}

// requeueSet is the SET clause that starts a new series of attempts: due
// now, or paused when the endpoint is disabled.
const requeueSet = `status = CASE WHEN ? THEN 'pending' ELSE 'paused' END, attempt_count = 0,
	next_attempt_at = CASE WHEN ? THEN CAST(? AS bigint) END, delivered_at = NULL, claimed_by = NULL, lease_until = NULL`

// hasMessage is the condition that a delivery's payload is still stored.
const hasMessage = `EXISTS (SELECT 1 FROM delivery_messages m WHERE m.delivery_id = deliveries.id)`

// DeliveryRedeliver implements api.OpsStore.
func (s *Store) DeliveryRedeliver(ctx context.Context, p actions.DeliveryOpParams) (actions.Delivery, error) {
	var row deliveryRow
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("workspace_id = ? AND id = ?", p.WorkspaceID, p.ID).Take(&row).Error; err != nil {
			return notFound(err, "delivery %s", p.ID)
		}
		if row.Status == string(actions.StatusSending) {
			return &tripline.StateError{Detail: "The delivery is being sent right now; redeliver it once this attempt has ended."}
		}
		var n int64
		if err := tx.Model(&deliveryMessageRow{}).Where("delivery_id = ?", p.ID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return &tripline.StateError{Detail: "The delivery's payload was deleted by retention; it cannot be sent again."}
		}
		var eps []endpointRow
		if err := tx.Where("id = ?", row.EndpointID).Limit(1).Find(&eps).Error; err != nil {
			return err
		}
		if len(eps) == 0 {
			return &tripline.StateError{Detail: "The delivery's endpoint was deleted; there is nowhere to send it."}
		}
		enabled := eps[0].Enabled
		if err := tx.Exec(`UPDATE deliveries SET `+requeueSet+` WHERE id = ?`, enabled, enabled, ms(p.Now), p.ID).Error; err != nil {
			return err
		}
		row = deliveryRow{} // Take leaves fields that read NULL as they were
		return tx.Where("id = ?", p.ID).Take(&row).Error
	})
	if err != nil {
		return actions.Delivery{}, fmt.Errorf("redeliver %s: %w", p.ID, err)
	}
	return row.domain(), nil
}

// EndpointRecover implements api.OpsStore in one statement.
func (s *Store) EndpointRecover(ctx context.Context, p actions.EndpointRecoverParams) (int, error) {
	if len(p.Statuses) == 0 {
		return 0, nil
	}
	statuses := make([]string, len(p.Statuses))
	for i, st := range p.Statuses {
		statuses[i] = string(st)
	}
	var n int64
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		var eps []endpointRow
		if err := tx.Where("workspace_id = ? AND id = ?", p.WorkspaceID, p.ID).Limit(1).Find(&eps).Error; err != nil {
			return err
		}
		if len(eps) == 0 {
			return errNotFound("endpoint %s", p.ID)
		}
		enabled := eps[0].Enabled
		// An endpoint's deliveries are all in its workspace: naming it
		// lets the range since Since be read from (workspace_id,
		// endpoint_id, id), with created_at exact within its millisecond.
		res := tx.Exec(`UPDATE deliveries SET `+requeueSet+`
			WHERE workspace_id = ? AND endpoint_id = ? AND id >= ? AND created_at >= ? AND status IN ? AND `+hasMessage,
			enabled, enabled, ms(p.Now), p.WorkspaceID, p.ID, idFrom(id.Delivery, p.Since), ts(p.Since), statuses)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("recover deliveries of %s: %w", p.ID, err)
	}
	return int(n), nil
}

// DeliveryDiscard implements api.OpsStore.
func (s *Store) DeliveryDiscard(ctx context.Context, p actions.DeliveryOpParams) (actions.Delivery, error) {
	var row deliveryRow
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("workspace_id = ? AND id = ?", p.WorkspaceID, p.ID).Take(&row).Error; err != nil {
			return notFound(err, "delivery %s", p.ID)
		}
		switch actions.Status(row.Status) {
		case actions.StatusPending, actions.StatusFailed, actions.StatusPaused:
		default:
			return &tripline.StateError{Detail: fmt.Sprintf("The delivery is %s; only a pending, failed or paused delivery can be discarded.", row.Status)}
		}
		row.Status, row.NextAttemptAt = string(actions.StatusDiscarded), nil
		return tx.Exec(`UPDATE deliveries SET status = 'discarded', next_attempt_at = NULL WHERE id = ?`, p.ID).Error
	})
	if err != nil {
		return actions.Delivery{}, fmt.Errorf("discard %s: %w", p.ID, err)
	}
	return row.domain(), nil
}
