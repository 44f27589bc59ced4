package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tripline/tripline/api"
)

func TestEndpointSignatureSchemes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// A preset expands in the answer; the default is standard-webhooks.
	res := b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test",
		"signatures": []any{map[string]any{"preset": "pollybot"}}, "secret": "my pollybot secret!"}).want(t, http.StatusCreated)
	sigs, _ := json.Marshal(res.Body["signatures"])
	if string(sigs) != `[{"encoding":"hex","header":"X-Webhook-Signature","prefix":"sha256=","preset":"pollybot","scheme":"hmac-sha256"}]` ||
		res.str("secret") != "my pollybot secret!" || res.Body["legacy_signature"] != false {
		t.Fatalf("pollybot: %s", res.Raw)
	}
	id := res.str("id")
	// The answer's entries can be sent back as they are; legacy_signature
	// adds and removes the tripline-legacy preset.
	res = b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"signatures": res.Body["signatures"], "legacy_signature": true}).want(t, http.StatusOK)
	if !strings.Contains(res.Raw, `"preset":"tripline-legacy"`) || res.Body["legacy_signature"] != true || strings.Contains(res.Raw, "my pollybot") {
		t.Fatalf("legacy on: %s", res.Raw)
	}
	res = b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"legacy_signature": false}).want(t, http.StatusOK)
	if strings.Contains(res.Raw, "tripline-legacy") || !strings.Contains(res.Raw, `"preset":"pollybot"`) {
		t.Fatalf("legacy off: %s", res.Raw)
	}
	// A pollybot secret is no Standard Webhooks secret.
	b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"signatures": []any{map[string]any{"scheme": "standard-webhooks"}}}).
		field(t, "signatures", "rotate it first")
	b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"secret": "another secret, long"}).field(t, "secret", "rotate-secret")

	res = b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "legacy_signature": true}).want(t, http.StatusCreated)
	if sigs, _ := json.Marshal(res.Body["signatures"]); !strings.Contains(string(sigs), `{"scheme":"standard-webhooks"}`) || !strings.Contains(string(sigs), "tripline-legacy") {
		t.Fatalf("legacy_signature on create: %s", sigs)
	}
	res = b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "signatures": []any{
		map[string]any{"scheme": "standard-webhooks"},
		map[string]any{"scheme": "hmac-sha256", "header": "X-My-Sig", "encoding": "base64", "prefix": "v1="},
		map[string]any{"preset": "chat-data"},
	}}).want(t, http.StatusCreated)
	if !strings.Contains(res.Raw, `"event_header":"X-Chat-Data-Topic"`) || !strings.Contains(res.Raw, `"header":"X-My-Sig"`) || !strings.HasPrefix(res.str("secret"), "whsec_") {
		t.Fatalf("several: %s", res.Raw)
	}

	for _, tc := range []struct {
		sig          any
		field, words string
	}{
		{map[string]any{"preset": "slack"}, "signatures[0].preset", "not a preset"},
		{map[string]any{"preset": "github", "header": "X-Other"}, "signatures[0].preset", "leave them out"},
		{map[string]any{"scheme": "hmac"}, "signatures[0].scheme", "not a scheme"},
		{map[string]any{}, "signatures[0].scheme", "required"},
		{map[string]any{"scheme": "hmac-sha256"}, "signatures[0].header", "required"},
		{map[string]any{"scheme": "hmac-sha256", "header": "X Sig"}, "signatures[0].header", "not a valid header name"},
		{map[string]any{"scheme": "hmac-sha256", "header": "X-Sig\r\nX-Evil: 1"}, "signatures[0].header", "not a valid header name"},
		{map[string]any{"scheme": "hmac-sha256", "header": "Webhook-Signature"}, "signatures[0].header", "Tripline sets itself"},
		{map[string]any{"scheme": "hmac-sha256", "header": "X-Tripline-Signature"}, "signatures[0].header", "tripline-legacy"},
		{map[string]any{"scheme": "hmac-sha256", "header": "Content-Type"}, "signatures[0].header", "Tripline sets itself"},
		{map[string]any{"scheme": "hmac-sha256", "header": "X-Sig", "prefix": "a\nb"}, "signatures[0].prefix", "line breaks"},
		{map[string]any{"scheme": "hmac-sha256", "header": "X-Sig", "encoding": "base32"}, "signatures[0].encoding", "hex or base64"},
		{map[string]any{"scheme": "standard-webhooks", "header": "X-Sig"}, "signatures[0].scheme", "takes no header"},
		{map[string]any{"scheme": "hmac-sha256", "header": "X-Sig", "colour": "red"}, "signatures[0].colour", "not a known field"},
	} {
		b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "signatures": []any{tc.sig}}).field(t, tc.field, tc.words)
	}
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "signatures": []any{}}).field(t, "signatures", "at least one")
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "signatures": []any{
		map[string]any{"preset": "github"}, map[string]any{"scheme": "hmac-sha256", "header": "x-hub-signature-256"}}}).
		field(t, "signatures[1].header", "also set by signatures[0]")
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "headers": map[string]string{"X-OWC-Signature": "x"},
		"signatures": []any{map[string]any{"preset": "onwebchat"}}}).field(t, `headers["X-OWC-Signature"]`, "set by signatures[0]")
}

func TestEndpointSecretsYouBring(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hmacOnly := []any{map[string]any{"preset": "onwebchat"}}
	for _, tc := range []struct {
		secret       string
		sigs         any
		field, words string
	}{
		{"whsec_c2hvcnQ=", nil, "secret", "at least 16 bytes"},
		{"whsec_not base64!", nil, "secret", "standard base64"},
		{"a plain string of 30 bytes...", nil, "secret", "must be a Standard Webhooks secret"},
		{"short", hmacOnly, "secret", "at least 16"},
		{"sixteen bytes ok\n", hmacOnly, "secret", "line breaks"},
	} {
		body := map[string]any{"url": "https://x.test", "secret": tc.secret}
		if tc.sigs != nil {
			body["signatures"] = tc.sigs
		}
		b.do(http.MethodPost, "/v1/endpoints", body).field(t, tc.field, tc.words)
	}
	std := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	res := b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "secret": std}).want(t, http.StatusCreated)
	if res.str("secret") != std {
		t.Fatalf("brought whsec_: %s", res.Raw)
	}
	if got := b.store.endpoints[res.str("id")].Secret; got != std {
		t.Fatalf("stored secret %q", got)
	}
	if res := b.do(http.MethodGet, "/v1/endpoints/"+res.str("id"), nil).want(t, http.StatusOK); strings.Contains(res.Raw, std) {
		t.Fatalf("the secret is shown again: %s", res.Raw)
	}
	res = b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test", "secret": "pollybot_1234567890abcdef", "signatures": hmacOnly}).want(t, http.StatusCreated)
	id := res.str("id")
	// Rotation takes a brought secret too, checked against the schemes.
	b.do(http.MethodPost, "/v1/endpoints/"+id+"/rotate-secret", map[string]any{"secret": "tiny"}).field(t, "secret", "at least 16")
	res = b.do(http.MethodPost, "/v1/endpoints/"+id+"/rotate-secret", map[string]any{"secret": "the next one, 16+ bytes"}).want(t, http.StatusOK)
	if res.str("secret") != "the next one, 16+ bytes" || b.store.endpoints[id].PreviousSecret != "pollybot_1234567890abcdef" {
		t.Fatalf("rotate with a secret: %s", res.Raw)
	}
}

func TestEndpointDisableAfter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test"}).want(t, http.StatusCreated)
	if da, _ := json.Marshal(res.Body["disable_after"]); string(da) != `{"counting":"dead_deliveries","failures":5}` {
		t.Fatalf("default: %s", da)
	}
	id := res.str("id")
	res = b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"disable_after": map[string]any{"failures": 5, "counting": "attempts"}}).want(t, http.StatusOK)
	if da, _ := json.Marshal(res.Body["disable_after"]); string(da) != `{"counting":"attempts","failures":5}` {
		t.Fatalf("attempts: %s", da)
	}
	if b.store.endpoints[id].DisableAfter.Counting != "attempts" {
		t.Fatalf("stored: %+v", b.store.endpoints[id].DisableAfter)
	}
	b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"disable_after": map[string]any{"failures": 0, "counting": "attempts"}}).field(t, "disable_after.failures", "from 1")
	b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"disable_after": map[string]any{"failures": 3, "counting": "errors"}}).field(t, "disable_after.counting", "attempts or dead_deliveries")
	b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"disable_after": map[string]any{"failures": "3"}}).field(t, "disable_after.failures", "integer")
}

func TestEndpointHTTPSOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://x.test"}).want(t, http.StatusCreated)
	b.do(http.MethodPatch, "/v1/workspace", map[string]any{"require_https": true}).want(t, http.StatusOK)
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://x.test"}).field(t, "url", "https://")
	b.do(http.MethodPost, "/v1/hooks", map[string]any{"url": "http://x.test/hook", "event": "tag_applied"}).field(t, "url", "https://")
	res := b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "https://x.test"}).want(t, http.StatusCreated)
	b.do(http.MethodPatch, "/v1/endpoints/"+res.str("id"), map[string]any{"url": "http://x.test"}).field(t, "url", "HTTPS only")
	// Another workspace is not concerned.
	b.doKey(keyB, http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://x.test"}).want(t, http.StatusCreated)

	// The operator's setting covers every workspace; the allowlist opens
	// what it allows.
	op := setup(t, func(c *api.Config) {
		c.RequireHTTPS = true
		c.PlainHTTPAllowed = func(_ context.Context, raw string) bool { return strings.HasPrefix(raw, "http://127.0.0.1") }
	})
	op.doKey(keyB, http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://x.test"}).field(t, "url", "https://")
	op.doKey(keyB, http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://127.0.0.1:9/hook"}).want(t, http.StatusCreated)
}
