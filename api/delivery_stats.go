package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/actions"
)

// Limits of GET /v1/deliveries/stats.
const (
	defaultStatsRange = 24 * time.Hour
	maxStatsRange     = 7 * 24 * time.Hour
)

// deliveryStatsJSON is the answer to GET /v1/deliveries/stats: one bucket
// per UTC hour from since (rounded down to the hour) to until, empty hours
// included, with the counts of the deliveries created in it by status.
type deliveryStatsJSON struct {
	Since   timestamp            `json:"since"`
	Until   timestamp            `json:"until"`
	Total   int                  `json:"total"`
	Counts  endpointStats        `json:"counts"`
	Buckets []deliveryBucketJSON `json:"buckets"`
}

// deliveryBucketJSON is one hour of deliveryStatsJSON.
type deliveryBucketJSON struct {
	Hour   timestamp     `json:"hour"`
	Total  int           `json:"total"`
	Counts endpointStats `json:"counts"`
}

// add counts n deliveries of a status.
func (c *endpointStats) add(st actions.Status, n int) {
	switch st {
	case actions.StatusPending:
		c.Pending += n
	case actions.StatusSending:
		c.Sending += n
	case actions.StatusSucceeded:
		c.Succeeded += n
	case actions.StatusFailed:
		c.Failed += n
	case actions.StatusDead:
		c.Dead += n
	case actions.StatusPaused:
		c.Paused += n
	case actions.StatusDiscarded:
		c.Discarded += n
	}
}

// queryTime reads an optional RFC 3339 query parameter; an unencoded
// "+01:00" arrives as " 01:00" and is taken as meant.
func queryTime(c *gin.Context, errs *fieldErrors, name string) (time.Time, bool) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(v, " ", "+"))
	if err != nil {
		errs.add(name, "must be an RFC 3339 time such as 2026-11-22T10:00:00Z")
		return time.Time{}, false
	}
	return t.UTC(), true
}

// deliveryStats serves GET /v1/deliveries/stats?since=&until=&endpoint_id=&rule_id=:
// deliveries per hour by status, for the UI's chart. until defaults to now,
// since to 24 hours before until; at most 7 days.
func (s *server) deliveryStats(c *gin.Context) {
	var errs fieldErrors
	until, ok := queryTime(c, &errs, "until")
	if !ok {
		until = s.now()
	}
	since, ok := queryTime(c, &errs, "since")
	if !ok {
		since = until.Add(-defaultStatsRange)
	}
	if len(errs) == 0 {
		switch {
		case !since.Before(until):
			errs.add("since", "must be before until")
		case until.Sub(since) > maxStatsRange:
			errs.add("since", "must be at most 7 days before until")
		}
	}
	if err := errs.err("The stats parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	since = since.Truncate(time.Hour)
	counts, err := s.Store.DeliveryStats(c.Request.Context(), actions.DeliveryStatsParams{
		WorkspaceID: workspaceID(c), EndpointID: c.Query("endpoint_id"), RuleID: c.Query("rule_id"),
		Since: since, Until: until,
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := deliveryStatsJSON{Since: timestamp(since), Until: timestamp(until), Buckets: []deliveryBucketJSON{}}
	index := map[time.Time]int{}
	for h := since; h.Before(until); h = h.Add(time.Hour) {
		index[h] = len(out.Buckets)
		out.Buckets = append(out.Buckets, deliveryBucketJSON{Hour: timestamp(h)})
	}
	for _, hc := range counts {
		i, ok := index[hc.Hour.UTC()]
		if !ok {
			continue // the store answered outside the range asked
		}
		out.Buckets[i].Counts.add(hc.Status, hc.Count)
		out.Buckets[i].Total += hc.Count
		out.Counts.add(hc.Status, hc.Count)
		out.Total += hc.Count
	}
	writeJSON(c, http.StatusOK, out)
}
