package api

import (
	"context"
	"fmt"
	"maps"

	"slices"
	"strings"

	"github.com/tripline/tripline/actions"
)

// maxDisableAfter bounds disable_after.failures.
const maxDisableAfter = 1000

// EndpointStatsStore counts deliveries for a page of endpoints.
type EndpointStatsStore interface {
	// EndpointStatsMany counts the deliveries of each endpoint of ids by
	// status, in one grouped query; endpoints without deliveries are
	// left out.
	EndpointStatsMany(ctx context.Context, workspaceID string, ids []string) (map[string]map[actions.Status]int, error)
}

// listedStatsKey keys the stats of a page of endpoints in a context.
type listedStatsKey struct{}

// endpointListStats reads the stats of a page of endpoints with one query.
func (s *server) endpointListStats(ctx context.Context, workspaceID string, eps []actions.Endpoint) (context.Context, error) {
	ids := make([]string, len(eps))
	for i, e := range eps {
		ids[i] = e.ID
	}
	counts, err := s.Store.EndpointStatsMany(ctx, workspaceID, ids)
	if err != nil {
		return ctx, fmt.Errorf("endpoint stats: %w", err)
	}
	stats := make(map[string]*endpointStats, len(ids))
	for _, id := range ids {
		st := &endpointStats{}
		for status, n := range counts[id] {
			st.add(status, n)
		}
		stats[id] = st
	}
	return context.WithValue(ctx, listedStatsKey{}, stats), nil
}

func listedStats(ctx context.Context) map[string]*endpointStats {
	m, _ := ctx.Value(listedStatsKey{}).(map[string]*endpointStats)
	return m
}

// applyLegacyFlag returns the signature list an input asks for: the list
// sent (nil: the default), with the tripline-legacy preset added or removed
// when legacy_signature changed from what was stored (was), so that the old
// flag and the list both work.
func applyLegacyFlag(sigs []actions.Signature, legacy, was bool) []actions.Signature {
	if sigs == nil {
		sigs = actions.DefaultSignatures(false)
		if was && legacy {
			sigs = actions.DefaultSignatures(true)
		}
	}
	sigs = slices.Clone(sigs)
	if legacy == was {
		return sigs
	}
	has := actions.HasPreset(sigs, actions.LegacyPreset)
	switch {
	case legacy && !has:
		sigs = append(sigs, actions.Signature{Preset: actions.LegacyPreset})
	case !legacy && has:
		sigs = slices.DeleteFunc(sigs, func(s actions.Signature) bool { return s.Preset == actions.LegacyPreset })
	}
	return sigs
}

// prepareSignatures validates and expands the endpoint's signature list,
// and checks that its secret suits it: a brought secret (on create) on
// "secret", the stored one on "signatures".
func prepareSignatures(errs *fieldErrors, e *actions.Endpoint) {
	if e.Signatures == nil {
		e.Signatures = actions.DefaultSignatures(e.LegacySignature)
	}
	sigs, serrs := actions.NormalizeSignatures(e.Signatures)
	for _, se := range serrs {
		field := "signatures"
		if se.Index >= 0 {
			field = fmt.Sprintf("signatures[%d]", se.Index)
			if se.Field != "" {
				field += "." + se.Field
			}
		}
		errs.add(field, se.Message)
	}
	if len(serrs) > 0 {
		return
	}
	e.Signatures = sigs
	e.LegacySignature = actions.HasPreset(sigs, actions.LegacyPreset)
	// A configured header may not take a signature's place.
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		for i, sg := range sigs {
			if strings.EqualFold(name, sg.Header) || strings.EqualFold(name, sg.EventHeader) {
				errs.add(fmt.Sprintf("headers[%q]", name), fmt.Sprintf("is set by signatures[%d]; remove one of them", i))
			}
		}
	}
	if e.Secret == "" {
		return // a new endpoint without one gets a generated whsec_ secret
	}
	switch {
	case e.ID == "": // brought on create
		if msg := actions.CheckSecret(e.Secret, sigs); msg != "" {
			errs.add("secret", msg)
		}
	case actions.HasScheme(sigs, actions.SchemeStandardWebhooks) && !actions.IsStandardSecret(e.Secret):
		errs.add("signatures", "standard-webhooks needs a whsec_ secret and this endpoint's secret is not one: rotate it first (POST /v1/endpoints/{id}/rotate-secret makes one)")
	}
}

// prepareDisableAfter validates disable_after; zero is the default.
func prepareDisableAfter(errs *fieldErrors, e *actions.Endpoint) {
	d := e.DisableAfter
	if d == (actions.DisableAfter{}) {
		return
	}
	if d.Failures < 1 || d.Failures > maxDisableAfter {
		errs.add("disable_after.failures", fmt.Sprintf("must be from 1 to %d", maxDisableAfter))
	}
	switch d.Counting {
	case "":
		d.Counting = actions.CountDeadDeliveries
	case actions.CountAttempts, actions.CountDeadDeliveries:
	default:
		errs.add("disable_after.counting", fmt.Sprintf("%q is not what it counts; use attempts or dead_deliveries", d.Counting))
	}
	if d == (actions.DisableAfter{}).OrDefault() {
		d = actions.DisableAfter{}
	}
	e.DisableAfter = d
}

// checkHTTPS refuses an http:// endpoint URL while HTTPS only is on, for
// the operator (Config.RequireHTTPS) or the workspace, unless the
// private-destination allowlist opens its address.
func (s *server) checkHTTPS(ctx context.Context, workspaceID, rawURL string) error {
	scheme, _, _ := strings.Cut(rawURL, ":")
	if !strings.EqualFold(scheme, "http") {
		return nil
	}
	required := s.RequireHTTPS
	if !required {
		ws, err := s.Store.WorkspaceGet(ctx, workspaceID)
		if err != nil {
			return fmt.Errorf("get workspace: %w", err)
		}
		required = ws.RequireHTTPS
	}
	if !required || (s.PlainHTTPAllowed != nil && s.PlainHTTPAllowed(ctx, rawURL)) {
		return nil
	}
	var errs fieldErrors
	errs.add("url", "must be an https:// URL: HTTPS only is on (TRIPLINE_REQUIRE_HTTPS or the workspace's require_https)")
	return errs.err("The endpoint's URL is not allowed.")
}
