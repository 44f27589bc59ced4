package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
)

// statuses are the delivery statuses, for the ?status= filter.
var statuses = []actions.Status{
	actions.StatusPending, actions.StatusSending, actions.StatusSucceeded, actions.StatusFailed,
	actions.StatusDead, actions.StatusPaused, actions.StatusDiscarded,
}

// deliveryJSON is a delivery as lists show it.
type deliveryJSON struct {
	ID             string         `json:"id"`
	EndpointID     string         `json:"endpoint_id"`
	RuleID         *string        `json:"rule_id"`
	TriggerEventID *string        `json:"trigger_event_id"`
	Event          string         `json:"event"`
	ContactID      *string        `json:"contact_id"`
	Status         actions.Status `json:"status"`
	AttemptCount   int            `json:"attempt_count"`
	NextAttemptAt  *timestamp     `json:"next_attempt_at"`
	LastStatusCode *int           `json:"last_status_code"`
	LastError      *string        `json:"last_error"`
	CreatedAt      timestamp      `json:"created_at"`
	DeliveredAt    *timestamp     `json:"delivered_at"`
}

// deliveryDetailJSON is a delivery with what it sends and its attempts.
type deliveryDetailJSON struct {
	deliveryJSON
	Payload        json.RawMessage   `json:"payload"`
	RequestHeaders map[string]string `json:"request_headers"`
	Attempts       []attemptJSON     `json:"attempts"`
}

// attemptJSON is one attempt at sending a delivery.
type attemptJSON struct {
	At              timestamp         `json:"at"`
	DurationMS      int64             `json:"duration_ms"`
	StatusCode      *int              `json:"status_code"` // null when no response came
	ResponseHeaders map[string]string `json:"response_headers"`
	ResponseBody    string            `json:"response_body"`
	Error           *string           `json:"error"`
}

func (s *server) listDeliveries(c *gin.Context) {
	var errs fieldErrors
	params := actions.DeliveryListParams{
		ListParams: listParams(c, &errs),
		EndpointID: c.Query("endpoint_id"),
		RuleID:     c.Query("rule_id"),
		ContactID:  c.Query("contact_id"),
		SourceID:   c.Query("source_id"),
		Event:      c.Query("event"),
		Status:     actions.Status(c.Query("status")),
	}
	if id := c.Query("trigger_event_id"); id != "" {
		// The event's contact leads to its deliveries (an index).
		te, err := s.Store.TriggerEventGet(c.Request.Context(), workspaceID(c), id)
		switch {
		case errors.Is(err, tripline.ErrNotFound):
			errs.add("trigger_event_id", fmt.Sprintf("there is no trigger event %q in this workspace", id))
		case err != nil:
			s.writeError(c, err)
			return
		case params.ContactID != "" && params.ContactID != te.Event.ContactID:
			errs.add("trigger_event_id", fmt.Sprintf("trigger event %q is of contact %q, not %q", id, te.Event.ContactID, params.ContactID))
		}
		params.TriggerEventID, params.ContactID = id, te.Event.ContactID
	}
	if params.Status != "" && !slices.Contains(statuses, params.Status) {
		errs.add("status", "must be one of: "+joinStatuses())
	}
	if v := c.Query("since"); v != "" {
		// An unencoded "+01:00" arrives as " 01:00"; take it as meant.
		t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(v, " ", "+"))
		if err != nil {
			errs.add("since", "must be an RFC 3339 time such as 2026-11-22T10:00:00Z")
		}
		params.Since = t
	}
	if err := errs.err("The list parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	fetch := func(p tripline.ListParams) ([]actions.Delivery, error) {
		params.ListParams = p
		return s.Store.DeliveryList(c.Request.Context(), params)
	}
	idOf := func(d actions.Delivery) string { return d.ID }
	render := func(d actions.Delivery) (deliveryJSON, error) { return renderDelivery(d), nil }
	pg, err := listPage(params.ListParams, fetch, idOf, render)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, pg)
}

func (s *server) getDelivery(c *gin.Context) {
	d, msg, attempts, err := s.Store.DeliveryGet(c.Request.Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		s.writeError(c, describe(err, "delivery", c.Param("id")))
		return
	}
	out := deliveryDetailJSON{
		deliveryJSON:   renderDelivery(d),
		Payload:        payloadJSON(msg.Payload),
		RequestHeaders: orEmptyMap(msg.Headers),
		Attempts:       make([]attemptJSON, 0, len(attempts)),
	}
	for _, a := range attempts {
		out.Attempts = append(out.Attempts, attemptJSON{
			At: timestamp(a.At), DurationMS: a.DurationMS, StatusCode: optional(a.StatusCode),
			ResponseHeaders: orEmptyMap(a.ResponseHeaders), ResponseBody: a.ResponseBody, Error: optional(a.Error),
		})
	}
	writeJSON(c, http.StatusOK, out)
}

func renderDelivery(d actions.Delivery) deliveryJSON {
	return deliveryJSON{
		ID: d.ID, EndpointID: d.EndpointID, RuleID: optional(d.RuleID), TriggerEventID: optional(d.TriggerEventID),
		Event: d.Event, ContactID: optional(d.ContactID), Status: d.Status, AttemptCount: d.AttemptCount,
		NextAttemptAt: optionalTime(d.NextAttemptAt), LastStatusCode: optional(d.LastStatusCode),
		LastError: optional(d.LastError), CreatedAt: timestamp(d.CreatedAt), DeliveredAt: optionalTime(d.DeliveredAt),
	}
}

// payloadJSON is a stored payload as a JSON value: null once erased, and a
// JSON string in the unexpected case that the stored bytes are not JSON.
func payloadJSON(p json.RawMessage) json.RawMessage {
	switch {
	case len(p) == 0:
		return json.RawMessage("null")
	case json.Valid(p):
		return p
	}
	b, _ := json.Marshal(string(p))
	return b
}

func joinStatuses() string {
	names := make([]string, len(statuses))
	for i, st := range statuses {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}
