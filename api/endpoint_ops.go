package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// maxGraceSeconds is the longest grace period of a secret rotation: 30 days.
const maxGraceSeconds = 30 * 86400

// recoverable are the statuses POST /v1/endpoints/{id}/recover re-queues;
// paused deliveries are resumed by enable, in-flight ones are left alone.
var recoverable = []actions.Status{actions.StatusFailed, actions.StatusDead, actions.StatusSucceeded, actions.StatusDiscarded}

// opsRoutes adds the delivery operations of SPEC sections 8 and 9.
func (s *server) opsRoutes(g *gin.RouterGroup, endpoints *resource[actions.Endpoint, endpointInput]) {
	g.POST("/endpoints/:id/enable", s.enableEndpoint(endpoints))
	g.POST("/endpoints/:id/rotate-secret", s.rotateSecret(endpoints))
	g.POST("/endpoints/:id/recover", s.recoverEndpoint)
	g.POST("/endpoints/:id/test", s.testEndpoint(endpoints))
	g.POST("/deliveries/:id/redeliver", s.redeliver)
	g.POST("/deliveries/:id/discard", s.discard)
}

// checkDestination runs the SSRF guard on an endpoint URL being saved.
func (s *server) checkDestination(ctx context.Context, rawURL string) error {
	if s.CheckDestination == nil {
		return nil
	}
	err := s.CheckDestination(ctx, rawURL)
	if err == nil {
		return nil
	}
	var de *actions.DestinationError
	if !errors.As(err, &de) {
		return err
	}
	var errs fieldErrors
	errs.add("url", de.Error())
	return errs.err("The endpoint's URL points to an address deliveries may not reach.")
}

// decodeOptional decodes a body that may be absent: no body leaves dst as
// it is.
func decodeOptional(c *gin.Context, dst any) error {
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return decodeStrict(data, dst, nil)
}

// opError words a store error of an operation on one object: not found,
// or a state that refuses it (409 with the store's sentence).
func opError(err error, kind, id string) error {
	var se *tripline.StateError
	if errors.As(err, &se) {
		return &httpError{status: http.StatusConflict, detail: se.Detail, err: err}
	}
	return describe(err, kind, id)
}

// enableEndpoint serves POST /v1/endpoints/{id}/enable {"discard_paused"?}:
// the endpoint is enabled, its disabled reason cleared and its failure
// streaks restarted; its paused deliveries are sent, or discarded when
// discard_paused is true. Enabling an enabled endpoint changes nothing but
// updated_at.
func (s *server) enableEndpoint(r *resource[actions.Endpoint, endpointInput]) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in struct {
			DiscardPaused bool `json:"discard_paused"`
		}
		if err := decodeOptional(c, &in); err != nil {
			s.writeError(c, err)
			return
		}
		e, err := s.Store.EndpointEnable(c.Request.Context(), actions.EndpointEnableParams{
			WorkspaceID: workspaceID(c), ID: c.Param("id"), DiscardPaused: in.DiscardPaused, Now: s.now(),
		})
		if err != nil {
			s.writeError(c, opError(err, "endpoint", c.Param("id")))
			return
		}
		if !in.DiscardPaused {
			s.OnRequeue()
		}
		if err := r.respond(c, http.StatusOK, e, viewOne); err != nil {
			s.writeError(c, err)
		}
	}
}

// rotateSecret serves POST /v1/endpoints/{id}/rotate-secret
// {"grace_seconds"?}: a new secret, answered this once; the old one keeps
// signing beside it for the grace period (default Config.SecretGrace, 0 to
// drop it at once).
func (s *server) rotateSecret(r *resource[actions.Endpoint, endpointInput]) gin.HandlerFunc {
	return func(c *gin.Context) {
		in := struct {
			GraceSeconds *int    `json:"grace_seconds"`
			Secret       *string `json:"secret"`
		}{}
		if err := decodeOptional(c, &in); err != nil {
			s.writeError(c, err)
			return
		}
		grace := s.SecretGrace
		if in.GraceSeconds != nil {
			if *in.GraceSeconds < 0 || *in.GraceSeconds > maxGraceSeconds {
				var errs fieldErrors
				errs.add("grace_seconds", fmt.Sprintf("must be from 0 to %d (30 days)", maxGraceSeconds))
				s.writeError(c, errs.err("The rotation is not valid."))
				return
			}
			grace = time.Duration(*in.GraceSeconds) * time.Second
		}
		var secret string
		if in.Secret != nil {
			// A secret the user brings must suit the endpoint's schemes.
			e, err := r.find(c)
			if err != nil {
				s.writeError(c, err)
				return
			}
			if msg := actions.CheckSecret(*in.Secret, e.SignatureSchemes()); msg != "" {
				var errs fieldErrors
				errs.add("secret", msg)
				s.writeError(c, errs.err("The rotation is not valid."))
				return
			}
			secret = *in.Secret
		} else {
			var err error
			if secret, err = s.NewSecret(); err != nil {
				s.writeError(c, fmt.Errorf("new secret: %w", err))
				return
			}
		}
		now := s.now()
		p := actions.EndpointRotateSecretParams{WorkspaceID: workspaceID(c), ID: c.Param("id"), Secret: secret, Now: now}
		if grace > 0 {
			p.PreviousExpiresAt = new(now.Add(grace))
		}
		e, err := s.Store.EndpointRotateSecret(c.Request.Context(), p)
		if err != nil {
			s.writeError(c, opError(err, "endpoint", c.Param("id")))
			return
		}
		body, err := s.renderEndpoint(c.Request.Context(), e, viewOne)
		if err != nil {
			s.writeError(c, err)
			return
		}
		out := body.(endpointJSON)
		out.Secret = e.Secret
		writeJSON(c, http.StatusOK, out)
	}
}

// recoverEndpoint serves POST /v1/endpoints/{id}/recover {"since",
// "statuses"?}: the endpoint's deliveries created since then with one of the
// statuses (default dead and failed) start a new series of attempts.
func (s *server) recoverEndpoint(c *gin.Context) {
	var in struct {
		Since    *time.Time       `json:"since"`
		Statuses []actions.Status `json:"statuses"`
	}
	if err := decodeBody(c, &in); err != nil {
		s.writeError(c, err)
		return
	}
	var errs fieldErrors
	if in.Since == nil {
		errs.add("since", "is required: an RFC 3339 time such as 2026-11-22T10:00:00Z")
	}
	if in.Statuses == nil {
		in.Statuses = []actions.Status{actions.StatusDead, actions.StatusFailed}
	}
	if len(in.Statuses) == 0 {
		errs.add("statuses", "must name at least one status")
	}
	for i, st := range in.Statuses {
		if !slices.Contains(recoverable, st) {
			errs.add(fmt.Sprintf("statuses[%d]", i), "must be one of: failed, dead, succeeded, discarded")
		}
	}
	if err := errs.err("The recovery is not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	n, err := s.Store.EndpointRecover(c.Request.Context(), actions.EndpointRecoverParams{
		WorkspaceID: workspaceID(c), ID: c.Param("id"), Since: *in.Since, Statuses: in.Statuses, Now: s.now(),
	})
	if err != nil {
		s.writeError(c, opError(err, "endpoint", c.Param("id")))
		return
	}
	if n > 0 {
		s.OnRequeue()
	}
	writeJSON(c, http.StatusOK, gin.H{"recovered": n})
}

// testResultJSON is the answer to POST /v1/endpoints/{id}/test.
type testResultJSON struct {
	WebhookID       string            `json:"webhook_id"`
	StatusCode      *int              `json:"status_code"`
	DurationMS      int64             `json:"duration_ms"`
	ResponseHeaders map[string]string `json:"response_headers"`
	ResponseBody    string            `json:"response_body"`
	Error           *string           `json:"error"`
}

// testEndpoint serves POST /v1/endpoints/{id}/test {"event"?, "payload"?}:
// a payload — the given one as it is (the UI sends a rule's rendered
// preview), else the sample payload of the trigger type (default
// tag_applied) — signed like a real delivery and sent at once through the
// delivery sender (SSRF guard included), even to a disabled endpoint.
// Nothing is stored; the answer is the attempt.
func (s *server) testEndpoint(r *resource[actions.Endpoint, endpointInput]) gin.HandlerFunc {
	return func(c *gin.Context) {
		in := struct {
			Event   string          `json:"event"`
			Payload json.RawMessage `json:"payload"`
		}{Event: triggers.TriggerTagApplied}
		if err := decodeOptional(c, &in); err != nil {
			s.writeError(c, err)
			return
		}
		var errs fieldErrors
		if _, ok := triggers.Lookup(in.Event); !ok {
			errs.add("event", fmt.Sprintf("%q is not a trigger type (see GET /v1/triggers)", in.Event))
		}
		if in.Payload != nil && bytes.Equal(bytes.TrimSpace(in.Payload), []byte("null")) {
			errs.add("payload", "must be a JSON value other than null: the body to send, or leave it out for a sample")
		}
		if err := errs.err("The test is not valid."); err != nil {
			s.writeError(c, err)
			return
		}
		e, err := r.find(c)
		if err != nil {
			s.writeError(c, err)
			return
		}
		now := s.now()
		payload := in.Payload
		if payload == nil {
			// The catalogue sample of GET /v1/hooks/samples (samples.go).
			te, err := sampleTriggerEvent(in.Event, now)
			if err != nil {
				s.writeError(c, err)
				return
			}
			if payload, err = engine.DefaultPayload(e.WorkspaceID, &te, engine.RuleEnv{ID: "rul_test", Name: "Test from Tripline"}); err != nil {
				s.writeError(c, fmt.Errorf("sample payload: %w", err))
				return
			}
		}
		if ws, err := s.Store.WorkspaceGet(c.Request.Context(), e.WorkspaceID); err == nil {
			e.RequireHTTPS = ws.RequireHTTPS
		} else {
			s.writeError(c, fmt.Errorf("get workspace: %w", err))
			return
		}
		a := s.Sender.Send(c.Request.Context(), actions.Claimed{
			Delivery: actions.Delivery{ID: id.NewAt(id.Delivery, now), WorkspaceID: e.WorkspaceID, EndpointID: e.ID, Event: in.Event},
			Message:  actions.Message{Payload: payload},
			Endpoint: e,
		})
		writeJSON(c, http.StatusOK, testResultJSON{
			WebhookID: a.DeliveryID, StatusCode: optional(a.StatusCode), DurationMS: a.DurationMS,
			ResponseHeaders: orEmptyMap(a.ResponseHeaders), ResponseBody: a.ResponseBody, Error: optional(a.Error),
		})
	}
}

// redeliver serves POST /v1/deliveries/{id}/redeliver: a new series of
// attempts with the same webhook-id, due now; 202 with the delivery.
func (s *server) redeliver(c *gin.Context) {
	d, err := s.Store.DeliveryRedeliver(c.Request.Context(), actions.DeliveryOpParams{WorkspaceID: workspaceID(c), ID: c.Param("id"), Now: s.now()})
	if err != nil {
		s.writeError(c, opError(err, "delivery", c.Param("id")))
		return
	}
	s.OnRequeue()
	writeJSON(c, http.StatusAccepted, renderDelivery(d))
}

// discard serves POST /v1/deliveries/{id}/discard: a pending, failed or
// paused delivery is given up.
func (s *server) discard(c *gin.Context) {
	d, err := s.Store.DeliveryDiscard(c.Request.Context(), actions.DeliveryOpParams{WorkspaceID: workspaceID(c), ID: c.Param("id"), Now: s.now()})
	if err != nil {
		s.writeError(c, opError(err, "delivery", c.Param("id")))
		return
	}
	writeJSON(c, http.StatusOK, renderDelivery(d))
}
