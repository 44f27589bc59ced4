package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
)

// EndpointList returns one page of the workspace's endpoints, by id, with
// secrets opened.
func (s *Store) EndpointList(ctx context.Context, p tripline.ListParams) ([]actions.Endpoint, error) {
	var rows []endpointRow
	if err := page(s.read.WithContext(ctx), p, false).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list endpoints: %w", translate(err))
	}
	eps := make([]actions.Endpoint, len(rows))
	for i, r := range rows {
		var err error
		if eps[i], err = s.endpoint(r, true); err != nil {
			return nil, err
		}
	}
	return eps, nil
}

// EndpointGet returns one endpoint of the workspace, with its secret opened.
func (s *Store) EndpointGet(ctx context.Context, workspaceID, id string) (actions.Endpoint, error) {
	var row endpointRow
	if err := s.read.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return actions.Endpoint{}, notFound(err, "endpoint %s", id)
	}
	return s.endpoint(row, true)
}

// EndpointInsert stores a new endpoint, its secret sealed. Zero CreatedAt and
// UpdatedAt are now. An id already used is tripline.ErrConflict.
func (s *Store) EndpointInsert(ctx context.Context, e actions.Endpoint) error {
	if e.ID == "" {
		return errors.New("insert endpoint: no id")
	}
	now := s.now()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = now
	}
	row, err := s.newEndpointRow(e)
	if err != nil {
		return fmt.Errorf("insert endpoint: %w", err)
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert endpoint %s: %w", e.ID, translate(err))
	}
	return nil
}

// EndpointUpdate stores every field of an endpoint but its creation time,
// its secret sealed. A zero UpdatedAt is now. In the same transaction, the
// endpoint's deliveries follow its toggle: disabled, its pending and failed
// deliveries become paused; enabled, its paused deliveries are due at once
// (pending, or failed when already attempted).
func (s *Store) EndpointUpdate(ctx context.Context, e actions.Endpoint) error {
	now := s.now()
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = now
	}
	row, err := s.newEndpointRow(e)
	if err != nil {
		return fmt.Errorf("update endpoint: %w", err)
	}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&endpointRow{}).Where("workspace_id = ? AND id = ?", e.WorkspaceID, e.ID).Updates(map[string]any{
			"name":                   row.Name,
			"url":                    row.URL,
			"description":            row.Description,
			"enabled":                row.Enabled,
			"disabled_reason":        row.DisabledReason,
			"secret":                 row.Secret,
			"headers":                row.Headers,
			"timeout_seconds":        row.TimeoutSeconds,
			"retry_schedule":         row.RetrySchedule,
			"rate_limit_per_second":  row.RateLimitPerSecond,
			"max_in_flight":          row.MaxInFlight,
			"legacy_signature":       row.LegacySignature,
			"signatures":             row.Signatures,
			"disable_after_failures": row.DisableAfterFailures,
			"disable_after_counting": row.DisableAfterCounting,
			"updated_at":             row.UpdatedAt,
			// Enabling a disabled endpoint starts its streaks afresh, or the
			// next dead delivery would disable it again at once.
			"consecutive_dead": gorm.Expr("CASE WHEN enabled OR NOT ? THEN consecutive_dead ELSE 0 END", row.Enabled),
			"failure_streak":   gorm.Expr("CASE WHEN enabled OR NOT ? THEN failure_streak ELSE 0 END", row.Enabled),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("endpoint %s", e.ID)
		}
		if e.Enabled {
			return tx.Exec(`UPDATE deliveries SET status = CASE WHEN attempt_count = 0 THEN 'pending' ELSE 'failed' END,
				next_attempt_at = ? WHERE endpoint_id = ? AND status = 'paused'`, ms(now), e.ID).Error
		}
		return tx.Exec(`UPDATE deliveries SET status = 'paused', next_attempt_at = NULL
			WHERE endpoint_id = ? AND status IN ('pending', 'failed')`, e.ID).Error
	})
	if err != nil {
		return fmt.Errorf("update endpoint %s: %w", e.ID, err)
	}
	return nil
}

// EndpointDelete deletes an endpoint that no rule's actions name; one still
// used is tripline.ErrConflict. Its deliveries and their attempts are kept for
// the log; those not yet sent (pending, failed, paused) become discarded.
func (s *Store) EndpointDelete(ctx context.Context, workspaceID, id string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// Rule writes bump the same row: a rule saved concurrently is seen below.
		if err := bumpRulesVersion(tx, workspaceID); err != nil {
			return err
		}
		// An endpoint that is not there is not found, whatever the rules say.
		var n int64
		if err := tx.Model(&endpointRow{}).Where("workspace_id = ? AND id = ?", workspaceID, id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return errNotFound("endpoint %s", id)
		}
		// A rule uses the endpoint when one of its actions names it exactly:
		// a JSON query on the actions array, never a text pattern, so no
		// character of the id is a wildcard and no id length makes the
		// pattern too complex for SQLite.
		if err := tx.Model(&ruleRow{}).Where("workspace_id = ? AND "+s.actionNamesEndpoint(), workspaceID, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("endpoint %s is used by %d rules: %w", id, n, tripline.ErrConflict)
		}
		res := tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&endpointRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound("endpoint %s", id)
		}
		return tx.Exec(`UPDATE deliveries SET status = 'discarded', next_attempt_at = NULL, last_error = 'endpoint deleted'
			WHERE endpoint_id = ? AND status IN ('pending', 'failed', 'paused')`, id).Error
	})
	if err != nil {
		return fmt.Errorf("delete endpoint %s: %w", id, err)
	}
	return nil
}

// actionNamesEndpoint is the SQL condition, with one parameter (the
// endpoint id), that a rule row's actions array has an action whose
// endpoint_id is exactly that id.
func (s *Store) actionNamesEndpoint() string {
	if s.dialect == DialectPostgres {
		return "actions::jsonb @> jsonb_build_array(jsonb_build_object('endpoint_id', ?::text))"
	}
	return "EXISTS (SELECT 1 FROM json_each(rules.actions) a WHERE json_extract(a.value, '$.endpoint_id') = ?)"
}

// EndpointStats counts the endpoint's deliveries by status.
func (s *Store) EndpointStats(ctx context.Context, workspaceID, id string) (map[actions.Status]int, error) {
	var n int64
	if err := s.read.WithContext(ctx).Model(&endpointRow{}).Where("workspace_id = ? AND id = ?", workspaceID, id).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("endpoint %s stats: %w", id, translate(err))
	}
	if n == 0 {
		return nil, errNotFound("endpoint %s", id)
	}
	var rows []struct {
		Status string
		N      int
	}
	err := s.read.WithContext(ctx).Model(&deliveryRow{}).Select("status, count(*) AS n").
		Where("endpoint_id = ?", id). // ids are unique across workspaces: the index (endpoint_id, status) suffices
		Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("endpoint %s stats: %w", id, translate(err))
	}
	stats := make(map[actions.Status]int, len(rows))
	for _, r := range rows {
		stats[actions.Status(r.Status)] = r.N
	}
	return stats, nil
}

// EndpointStatsMany counts the deliveries of each endpoint of ids by status
// in one grouped query (through the index on endpoint_id, status).
func (s *Store) EndpointStatsMany(ctx context.Context, workspaceID string, ids []string) (map[string]map[actions.Status]int, error) {
	out := make(map[string]map[actions.Status]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		EndpointID string
		Status     string
		N          int
	}
	// The ids are a page of the workspace's own endpoints, and endpoint ids
	// are unique across workspaces: no workspace filter, so the index on
	// (endpoint_id, status) answers alone.
	_ = workspaceID
	err := s.read.WithContext(ctx).Model(&deliveryRow{}).Select("endpoint_id, status, count(*) AS n").
		Where("endpoint_id IN ?", ids).
		Group("endpoint_id, status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("endpoint stats: %w", translate(err))
	}
	for _, r := range rows {
		if out[r.EndpointID] == nil {
			out[r.EndpointID] = map[actions.Status]int{}
		}
		out[r.EndpointID][actions.Status(r.Status)] = r.N
	}
	return out, nil
}
