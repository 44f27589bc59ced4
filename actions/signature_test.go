package actions

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"
)

// TestSignaturePresetsOnTheWire: each preset's header carries prefix +
// the encoded HMAC-SHA256 of the exact body keyed with the secret string;
// during a rotation's grace single-value headers are signed with the old
// secret, after it with the new; webhook-signature is sent only when
// standard-webhooks is a scheme.
func TestSignaturePresetsOnTheWire(t *testing.T) {
	t.Parallel()
	h, got := capture()
	srv := newServer(t, h)
	var now time.Time
	s := NewSender(SenderConfig{Now: func() time.Time { return now }})
	now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

	sigs, errs := NormalizeSignatures([]Signature{{Preset: "pollybot"}, {Preset: "onwebchat"}, {Preset: "chat-data"}, {Preset: "github"}, {Preset: "tripline-legacy"}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c := claimFor(t, srv.URL)
	c.Endpoint.Signatures = sigs
	c.Endpoint.Secret = "whsec_the new one, exactly as held"
	expires := now.Add(time.Hour)
	c.Endpoint.PreviousSecret, c.Endpoint.PreviousSecretExpiresAt = "the old secret, held by receivers", &expires
	mac := func(secret string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(c.Message.Payload)
		return m.Sum(nil)
	}
	check := func(secret string) {
		t.Helper()
		if a := s.Send(context.Background(), c); !a.Succeeded() {
			t.Fatalf("attempt: %+v", a)
		}
		r := <-got
		sum := mac(secret)
		for header, want := range map[string]string{
			"X-Webhook-Signature":     "sha256=" + hex.EncodeToString(sum),
			"X-OWC-Signature":         hex.EncodeToString(sum),
			"X-Chat-Data-Hmac-Sha256": base64.StdEncoding.EncodeToString(sum),
			"X-Chat-Data-Topic":       "tag_applied",
			"X-Hub-Signature-256":     "sha256=" + hex.EncodeToString(sum),
			"X-Tripline-Signature":    "sha256=" + hex.EncodeToString(sum),
		} {
			if got := r.header.Values(header); len(got) != 1 || got[0] != want {
				t.Errorf("%s: %q, want %q", header, got, want)
			}
		}
		if r.header.Get("Webhook-Signature") != "" || r.header.Get("Webhook-Id") != "msg_01TEST" {
			t.Errorf("webhook-* headers: %v", r.header)
		}
	}
	check(c.Endpoint.PreviousSecret) // in the grace period
	now = expires
	check(c.Endpoint.Secret) // after it
}

func TestCheckSecret(t *testing.T) {
	t.Parallel()
	std := []Signature{{Scheme: SchemeStandardWebhooks}}
	hmacOnly := []Signature{SignaturePresets["onwebchat"]}
	for _, tc := range []struct {
		secret string
		sigs   []Signature
		ok     bool
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", std, true},
		{"whsec_c2hvcnQ=", std, false},                // 5 bytes
		{"whsec_not base64", std, false},              // invalid
		{"sixteen bytes!!!", std, false},              // not whsec_
		{"sixteen bytes!!!", hmacOnly, true},          // any string for HMAC
		{"whsec_1234567890abcdef...", hmacOnly, true}, // Pollybot's sample, not base64
		{"fifteen bytes!!", hmacOnly, false},
		{"with a\nnewline..", hmacOnly, false},
	} {
		if msg := CheckSecret(tc.secret, tc.sigs); (msg == "") != tc.ok {
			t.Errorf("CheckSecret(%q) = %q, want ok=%v", tc.secret, msg, tc.ok)
		}
	}
}

func TestRequireHTTPSAtSendTime(t *testing.T) {
	t.Parallel()
	h, got := capture()
	srv := newServer(t, h)
	c := claimFor(t, srv.URL) // http://127.0.0.1:…
	s := NewSender(SenderConfig{RequireHTTPS: true})
	if a := s.Send(context.Background(), c); a.Error != PlainHTTPError || a.StatusCode != 0 {
		t.Fatalf("operator HTTPS only: %+v", a)
	}
	c.Endpoint.RequireHTTPS = true // the workspace's
	if a := NewSender(SenderConfig{}).Send(context.Background(), c); a.Error != PlainHTTPError {
		t.Fatalf("workspace HTTPS only: %+v", a)
	}
	allow := DestinationPolicy{AllowPrivate: true}
	if a := NewSender(SenderConfig{RequireHTTPS: true, PlainHTTPAllowed: allow.PlainHTTPAllowed}).Send(context.Background(), c); !a.Succeeded() {
		t.Fatalf("allowlisted: %+v", a)
	}
	<-got
	if (DestinationPolicy{}).PlainHTTPAllowed(context.Background(), srv.URL) {
		t.Fatal("loopback without the allowlist is allowed")
	}
	if allow.PlainHTTPAllowed(context.Background(), "http://93.184.216.34/") {
		t.Fatal("a public address over http is allowed")
	}
}
