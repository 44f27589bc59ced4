package api

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/http/httpguts"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/id"
)

// Limits and defaults of endpoint settings.
const (
	defaultTimeoutSeconds = int(actions.DefaultTimeout / time.Second)
	maxTimeoutSeconds     = int(actions.MaxTimeout / time.Second)
	maxRetries            = 20
	maxRetryDelaySeconds  = 86400
	maxURLLength          = 2048
	maxDescriptionLength  = 1000
)

// endpointInput is the writable fields of an endpoint.
type endpointInput struct {
	Name               string                `json:"name"`
	URL                string                `json:"url"`
	Description        string                `json:"description"`
	Enabled            bool                  `json:"enabled"`
	Headers            map[string]string     `json:"headers"`
	TimeoutSeconds     int                   `json:"timeout_seconds"`
	RetrySchedule      []int                 `json:"retry_schedule"` // null: the default schedule
	RateLimitPerSecond int                   `json:"rate_limit_per_second"`
	MaxInFlight        int                   `json:"max_in_flight"`
	LegacySignature    bool                  `json:"legacy_signature"`
	Signatures         []actions.Signature   `json:"signatures"`       // null: the default, standard-webhooks
	DisableAfter       *actions.DisableAfter `json:"disable_after"`    // null: 5 dead deliveries
	Secret             *string               `json:"secret,omitempty"` // create only: a secret the user brings
}

// endpointJSON is an endpoint as the API answers it.
type endpointJSON struct {
	ID                 string               `json:"id"`
	Name               string               `json:"name"`
	URL                string               `json:"url"`
	Description        string               `json:"description"`
	Enabled            bool                 `json:"enabled"`
	DisabledReason     *string              `json:"disabled_reason"`
	Secret             string               `json:"secret,omitempty"` // only in the answer to create
	Headers            map[string]string    `json:"headers"`
	TimeoutSeconds     int                  `json:"timeout_seconds"`
	RetrySchedule      []int                `json:"retry_schedule"`
	RateLimitPerSecond int                  `json:"rate_limit_per_second"`
	MaxInFlight        int                  `json:"max_in_flight"`
	LegacySignature    bool                 `json:"legacy_signature"`
	Signatures         []actions.Signature  `json:"signatures"`
	DisableAfter       actions.DisableAfter `json:"disable_after"`
	CreatedAt          timestamp            `json:"created_at"`
	UpdatedAt          timestamp            `json:"updated_at"`
	Stats              *endpointStats       `json:"stats,omitempty"`

	// Health: failed attempts and dead deliveries since the last successful
	// attempt (at actions.AutoDisableAfter dead the endpoint is disabled).
	FailureStreak           int        `json:"failure_streak"`
	DeadStreak              int        `json:"dead_streak"`
	LastSuccessAt           *timestamp `json:"last_success_at"`
	LastAttemptAt           *timestamp `json:"last_attempt_at"`
	LastFailureAt           *timestamp `json:"last_failure_at"`
	PreviousSecretExpiresAt *timestamp `json:"previous_secret_expires_at,omitempty"` // only while a rotated-out secret still signs
}

// endpointStats counts an endpoint's deliveries by status.
type endpointStats struct {
	Pending   int `json:"pending"`
	Sending   int `json:"sending"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Dead      int `json:"dead"`
	Paused    int `json:"paused"`
	Discarded int `json:"discarded"`
}

func (s *server) endpoints() *resource[actions.Endpoint, endpointInput] {
	return &resource[actions.Endpoint, endpointInput]{
		s:        s,
		kind:     "endpoint",
		idPrefix: id.Endpoint,
		readOnly: []string{"id", "disabled_reason", "created_at", "updated_at", "stats",
			"failure_streak", "dead_streak", "last_success_at", "last_attempt_at", "last_failure_at", "previous_secret_expires_at"},
		createOnly: map[string]string{"secret": "can be given only when the endpoint is created; change it with POST /v1/endpoints/{id}/rotate-secret {\"secret\": …}"},
		defaults:   endpointInput{Enabled: true, TimeoutSeconds: defaultTimeoutSeconds},
		list: func(c *gin.Context, p tripline.ListParams) ([]actions.Endpoint, error) {
			return s.Store.EndpointList(c.Request.Context(), p)
		},
		listed: s.endpointListStats,
		get:    s.Store.EndpointGet,
		insert: s.Store.EndpointInsert,
		update: s.Store.EndpointUpdate,
		remove: s.Store.EndpointDelete,
		meta: func(e *actions.Endpoint) meta {
			return meta{ID: &e.ID, WorkspaceID: &e.WorkspaceID, CreatedAt: &e.CreatedAt, UpdatedAt: &e.UpdatedAt}
		},
		input: func(e actions.Endpoint) endpointInput {
			return endpointInput{Name: e.Name, URL: e.URL, Description: e.Description, Enabled: e.Enabled,
				Headers: e.Headers, TimeoutSeconds: timeoutSeconds(e), RetrySchedule: e.RetrySchedule,
				RateLimitPerSecond: e.RateLimitPerSecond, MaxInFlight: e.MaxInFlight, LegacySignature: e.LegacySignature,
				Signatures: e.SignatureSchemes(), DisableAfter: new(e.DisableAfter.OrDefault())}
		},
		apply: func(in endpointInput, e *actions.Endpoint) {
			e.Name, e.URL, e.Description, e.Enabled = in.Name, in.URL, in.Description, in.Enabled
			e.Headers, e.TimeoutSeconds, e.RetrySchedule = in.Headers, in.TimeoutSeconds, in.RetrySchedule
			e.RateLimitPerSecond, e.MaxInFlight = in.RateLimitPerSecond, in.MaxInFlight
			e.Signatures = applyLegacyFlag(in.Signatures, in.LegacySignature, e.LegacySignature)
			e.LegacySignature = in.LegacySignature
			e.DisableAfter = actions.DisableAfter{}
			if in.DisableAfter != nil {
				e.DisableAfter = *in.DisableAfter
			}
			if in.Secret != nil && e.ID == "" { // create; PATCH refuses it (createOnly)
				e.Secret = *in.Secret
			}
		},
		prepare: func(ctx context.Context, e *actions.Endpoint) error {
			if err := prepareEndpoint(e); err != nil {
				return err
			}
			if err := s.checkHTTPS(ctx, e.WorkspaceID, e.URL); err != nil {
				return err
			}
			return s.checkDestination(ctx, e.URL)
		},
		created: func(e *actions.Endpoint) error {
			if e.Secret != "" { // brought by the user, checked by prepareEndpoint
				return nil
			}
			secret, err := s.NewSecret()
			if err != nil {
				return fmt.Errorf("new secret: %w", err)
			}
			e.Secret = secret
			return nil
		},
		render:         s.renderEndpoint,
		deleteConflict: "Rules still send to this endpoint: point them elsewhere or delete them first.",
	}
}

func (s *server) renderEndpoint(ctx context.Context, e actions.Endpoint, v view) (any, error) {
	out := endpointJSON{
		ID: e.ID, Name: e.Name, URL: e.URL, Description: e.Description, Enabled: e.Enabled,
		DisabledReason: optional(e.DisabledReason), Headers: orEmptyMap(e.Headers),
		TimeoutSeconds: timeoutSeconds(e), RetrySchedule: e.RetrySchedule,
		RateLimitPerSecond: e.RateLimitPerSecond, MaxInFlight: e.MaxInFlight, LegacySignature: e.LegacySignature,
		Signatures: e.SignatureSchemes(), DisableAfter: e.DisableAfter.OrDefault(),
		CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.UpdatedAt),
		FailureStreak: e.FailureStreak, DeadStreak: e.ConsecutiveDead, LastSuccessAt: optionalTime(e.LastSuccessAt),
		LastAttemptAt: optionalTime(e.LastAttemptAt), LastFailureAt: optionalTime(e.LastFailureAt),
	}
	if e.PreviousSecret != "" && e.PreviousSecretExpiresAt != nil && s.now().Before(*e.PreviousSecretExpiresAt) {
		out.PreviousSecretExpiresAt = optionalTime(e.PreviousSecretExpiresAt)
	}
	switch v {
	case viewList:
		if st, ok := listedStats(ctx)[e.ID]; ok {
			out.Stats = st
		}
	case viewCreated:
		out.Secret = e.Secret
		out.Stats = &endpointStats{} // nothing was sent yet
	case viewOne:
		counts, err := s.Store.EndpointStats(ctx, e.WorkspaceID, e.ID)
		if err != nil {
			return nil, fmt.Errorf("endpoint stats: %w", err)
		}
		out.Stats = &endpointStats{}
		for status, n := range counts {
			out.Stats.add(status, n)
		}
	}
	return out, nil
}

// timeoutSeconds is the endpoint's timeout, with 0 read as the default.
func timeoutSeconds(e actions.Endpoint) int {
	if e.TimeoutSeconds == 0 {
		return defaultTimeoutSeconds
	}
	return e.TimeoutSeconds
}

// prepareEndpoint normalizes and validates an endpoint's writable fields.
func prepareEndpoint(e *actions.Endpoint) error {
	var errs fieldErrors
	e.URL = strings.TrimSpace(e.URL)
	u, err := url.Parse(e.URL)
	switch {
	case e.URL == "":
		errs.add("url", "is required")
	case len(e.URL) > maxURLLength:
		errs.add("url", fmt.Sprintf("is longer than %d characters", maxURLLength))
	case err != nil:
		errs.add("url", "is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		errs.add("url", "must be an absolute http:// or https:// URL")
	case u.User != nil:
		errs.add("url", "must not hold a user name or password; send credentials in headers instead")
	}
	e.Name = checkName(&errs, "name", e.Name, false)
	if e.Name == "" && u != nil { // a name to tell endpoints apart in the UI
		e.Name = u.Hostname()
	}
	if utf8.RuneCountInString(e.Description) > maxDescriptionLength {
		errs.add("description", fmt.Sprintf("is longer than %d characters", maxDescriptionLength))
	}
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		field := fmt.Sprintf("headers[%q]", name)
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			errs.add(field, "is not a valid header name")
		case actions.ReservedHeader(name):
			errs.add(field, "is set by Tripline and cannot be overridden")
		case !httpguts.ValidHeaderFieldValue(e.Headers[name]):
			errs.add(field, "holds characters a header value cannot have (line breaks or control characters)")
		}
	}
	if e.TimeoutSeconds < 1 || e.TimeoutSeconds > maxTimeoutSeconds {
		errs.add("timeout_seconds", fmt.Sprintf("must be from 1 to %d", maxTimeoutSeconds))
	}
	if len(e.RetrySchedule) > maxRetries {
		errs.add("retry_schedule", fmt.Sprintf("has %d retries; at most %d are allowed", len(e.RetrySchedule), maxRetries))
	}
	for i, d := range e.RetrySchedule {
		if d < 1 || d > maxRetryDelaySeconds {
			errs.add(fmt.Sprintf("retry_schedule[%d]", i), fmt.Sprintf("must be from 1 to %d seconds", maxRetryDelaySeconds))
		}
	}
	if e.RateLimitPerSecond < 0 {
		errs.add("rate_limit_per_second", "must be 0 (unlimited) or more")
	}
	if e.MaxInFlight < 0 {
		errs.add("max_in_flight", "must be 0 (unlimited) or more")
	}
	if e.Enabled {
		e.DisabledReason = ""
	}
	prepareSignatures(&errs, e)
	prepareDisableAfter(&errs, e)
	return errs.err("The endpoint is not valid.")
}
