package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
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
	// Rule is a draft, as POST /v1/rules takes it: when given, it alone is
	// simulated (as if it were on and outside any folder), not the stored
	// rules. Without event, it runs against the catalogue's sample of its
	// trigger type (GET /v1/triggers) with its trigger's parameter set.
	Rule *ruleInput `json:"rule"`
	// ContactID, with rule and without event, uses this stored contact in
	// the sample instead of the sample's contact.
	ContactID string `json:"contact_id"`
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
	var draft *engine.Rule
	if in.Rule != nil {
		draft = &engine.Rule{WorkspaceID: workspaceID(c)}
		s.rules().apply(*in.Rule, draft)
		var ve *tripline.ValidationError
		switch err := s.prepareRule(c.Request.Context(), draft); {
		case errors.As(err, &ve):
			for _, fe := range ve.Fields {
				errs = append(errs, tripline.FieldError{Field: "rule." + fe.Field, Message: fe.Message, Line: fe.Line, Column: fe.Column})
			}
		case err != nil:
			s.writeError(c, err)
			return
		}
	}
	switch {
	case in.ContactID != "" && (in.Rule == nil || in.Event != nil):
		errs.add("contact_id", "goes with rule and without event; with an event, the event's contact_id names the contact")
	case in.Event == nil && in.Rule == nil:
		errs.add("event", "is required: an inbound event as POST /v1/events takes it")
	case in.Event == nil && in.Contact != nil:
		errs.add("contact", "goes with event; to run a rule against a stored contact, name it in contact_id")
	case in.Event != nil:
		for _, fe := range in.Event.Validate() {
			field := "event"
			if fe.Field != "" {
				field += "." + fe.Field
			}
			errs.add(field, fe.Message)
		}
	}
	if err := errs.err("The simulation is not valid; nothing was simulated."); err != nil {
		s.writeError(c, err)
		return
	}
	p := engine.SimulateParams{WorkspaceID: workspaceID(c), Contact: in.Contact, Rule: draft, Now: s.now()}
	if in.Event != nil {
		p.Event = *in.Event
	} else {
		te, err := s.sampleFor(c.Request.Context(), p.WorkspaceID, draft.Trigger, in.ContactID, p.Now)
		if err != nil {
			s.writeError(c, err)
			return
		}
		p.TriggerEvents = []triggers.TriggerEvent{te}
	}
	res, err := s.simulator.Simulate(c.Request.Context(), p)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, res)
}

// sampleFor is the catalogue's sample trigger event of a draft's trigger,
// with the trigger's parameter set and, when contactID is given, the stored
// contact as its contact (before and after).
func (s *server) sampleFor(ctx context.Context, ws string, t engine.Trigger, contactID string, now time.Time) (triggers.TriggerEvent, error) {
	te, err := sampleTriggerEvent(t.Type, now)
	if err != nil {
		return te, err
	}
	if contactID != "" {
		contact, err := s.Store.ContactGet(ctx, ws, contactID)
		if errors.Is(err, tripline.ErrNotFound) {
			var errs fieldErrors
			errs.add("contact_id", fmt.Sprintf("there is no contact %q in this workspace", contactID))
			return te, errs.err("The simulation is not valid; nothing was simulated.")
		}
		if err != nil {
			return te, fmt.Errorf("simulate: %w", err)
		}
		te.ContactID, te.Contact, te.Previous = contactID, contact, &contact
	}
	return engine.SampleFor(t, te), nil
}
