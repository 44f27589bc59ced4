package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
)

// hourLayout is the text both dialects bucket created_at into: the UTC hour,
// "2006-01-02 15". On SQLite it is the first 13 characters of the stored
// text (timeLayout is UTC and fixed width); on Postgres the timestamptz is
// truncated to its UTC hour and formatted the same way.
const hourLayout = "2006-01-02 15"

// DeliveryStats counts the workspace's deliveries created in [Since, Until)
// by UTC hour and status, ordered by hour then status. The range is read
// through (workspace_id, id) with id bounds (see idrange.go) and checked
// exactly on created_at, which also gives the hour: no index on created_at
// is written by every delivery for this chart's sake.
func (s *Store) DeliveryStats(ctx context.Context, p actions.DeliveryStatsParams) ([]actions.DeliveryHourCount, error) {
	hour := "substr(created_at, 1, 13)"
	if s.dialect == DialectPostgres {
		hour = "to_char(date_trunc('hour', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24')"
	}
	q := s.read.WithContext(ctx).Model(&deliveryRow{}).
		Select(hour+" AS hour, status, count(*) AS n").
		Where("workspace_id = ? AND id >= ? AND id < ? AND created_at >= ? AND created_at < ?",
			p.WorkspaceID, idFrom(id.Delivery, p.Since), idBefore(id.Delivery, p.Until), ts(p.Since), ts(p.Until))
	if p.EndpointID != "" {
		q = q.Where("endpoint_id = ?", p.EndpointID)
	}
	if p.RuleID != "" {
		q = q.Where("rule_id = ?", p.RuleID)
	}
	var rows []struct {
		Hour   string
		Status string
		N      int
	}
	if err := q.Group("1, 2").Order("1, 2").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("delivery stats: %w", translate(err))
	}
	out := make([]actions.DeliveryHourCount, len(rows))
	for i, r := range rows {
		h, err := time.Parse(hourLayout, r.Hour)
		if err != nil {
			return nil, fmt.Errorf("delivery stats: hour %q: %w", r.Hour, err)
		}
		out[i] = actions.DeliveryHourCount{Hour: h, Status: actions.Status(r.Status), Count: r.N}
	}
	return out, nil
}
