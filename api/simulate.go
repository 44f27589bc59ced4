package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// simulateInput is the body of POST /v1/simulate.
type simulateInput struct {
	// Event is an inbound event, as POST /v1/events takes it.
	Event *triggers.Event `json:"event"`
	// Contact is the contact's state before the event (SPEC section 3;
	// absent fields as a new contact has them); absent uses the stored
	// contact, or a new one.
	Contact *triggers.Contact `json:"contact"`
}

// simulate serves POST /v1/simulate: what the event would do now, for every
// rule of the workspace — matched with its rendered payloads, or why not —
// and the trigger events it derives. Nothing is stored or sent.
func (s *server) simulate(c *gin.Context) {
	data, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var in simulateInput
	var top map[string]json.RawMessage
	if err := decodeStrict(data, &top, nil); err != nil {
		s.writeError(c, err)
		return
	}
	if err := decodeStrict(data, &in, nil); err != nil {
		s.writeError(c, err)
		return
	}
	if in.Contact != nil {
		// A contact state given may be partial: absent fields are as a new
		// contact has them, and a new contact is subscribed.
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(top["contact"], &fields)
		if _, ok := fields["subscribed"]; !ok {
			in.Contact.Subscribed = true
		}
	}
	var errs fieldErrors
	if in.Event == nil {
		errs.add("event", "is required: an inbound event as POST /v1/events takes it")
	} else {
		for _, fe := range in.Event.Validate() {
			field := "event"
			if fe.Field != "" {
				field += "." + fe.Field
			}
			errs.add(field, fe.Message)
		}
	}
	if err := errs.err("The event is not valid; nothing was simulated."); err != nil {
		s.writeError(c, err)
		return
	}
	res, err := s.simulator.Simulate(c.Request.Context(), engine.SimulateParams{
		WorkspaceID: workspaceID(c), Event: *in.Event, Contact: in.Contact, Now: s.now(),
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, res)
}
