package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
)

// maxBatch is the most events one POST /v1/events may carry.
const maxBatch = 1000

// eventsJSON answers POST /v1/events.
type eventsJSON struct {
	Accepted      int      `json:"accepted"`
	Duplicates    int      `json:"duplicates"`
	Duplicate     bool     `json:"duplicate,omitempty"` // a single event whose id was seen before
	TriggerEvents []string `json:"trigger_events"`
}

// postEvents serves POST /v1/events: one event object, or {"events": [...]}
// with 1 to maxBatch events. Validation is all-or-nothing: one bad event
// rejects the request and nothing is ingested. The answer comes after the
// ingest committed.
func (s *server) postEvents(c *gin.Context) {
	events, batch, err := decodeEvents(c)
	if err != nil {
		s.Observer.EventsRejected(rejectReason(err), 1)
		s.writeError(c, err)
		return
	}
	res, err := s.Ingester.Ingest(c.Request.Context(), workspaceID(c), events)
	if err != nil {
		s.Observer.EventsRejected(rejectReason(err), 1)
		s.writeError(c, err)
		return
	}
	out := eventsJSON{Accepted: res.Accepted, Duplicates: res.Duplicates, TriggerEvents: orEmpty(res.TriggerEventIDs)}
	if !batch && res.Duplicates == 1 {
		out.Duplicate = true
		writeJSON(c, http.StatusOK, out)
		return
	}
	writeJSON(c, http.StatusAccepted, out)
}

// decodeEvents reads and validates the body of POST /v1/events. A body whose
// top-level object has an "events" key is a batch; field paths of a batch are
// prefixed "events[3].".
func decodeEvents(c *gin.Context) (events []triggers.Event, batch bool, err error) {
	data, err := readBody(c)
	if err != nil {
		return nil, false, err
	}
	var top map[string]json.RawMessage
	if err := decodeStrict(data, &top, nil); err != nil {
		return nil, false, err
	}
	if _, batch = top["events"]; batch {
		var b struct {
			Events []triggers.Event `json:"events"`
		}
		if err := decodeStrict(data, &b, nil); err != nil {
			return nil, true, err
		}
		if len(b.Events) == 0 || len(b.Events) > maxBatch {
			return nil, true, &tripline.ValidationError{
				Detail: fmt.Sprintf("A batch holds 1 to %d events; this one holds %d.", maxBatch, len(b.Events)),
				Fields: []tripline.FieldError{{Field: "events", Message: fmt.Sprintf("must hold 1 to %d events; split larger batches", maxBatch)}},
			}
		}
		events = b.Events
	} else {
		var ev triggers.Event
		if err := decodeStrict(data, &ev, nil); err != nil {
			return nil, false, err
		}
		events = []triggers.Event{ev}
	}

	var errs fieldErrors
	for i, ev := range events {
		for _, fe := range ev.Validate() {
			field := fe.Field
			if batch {
				field = fmt.Sprintf("events[%d]", i)
				if fe.Field != "" {
					field += "." + fe.Field
				}
			}
			errs.add(field, fe.Message)
		}
	}
	detail := "The event is not valid; nothing was ingested."
	if batch {
		detail = "Some events are not valid; nothing was ingested."
	}
	return events, batch, errs.err(detail)
}
