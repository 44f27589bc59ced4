package actions

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestRotationGracePeriod: during the grace period a receiver holding either
// secret verifies a delivery with the official library; after it, only the
// new secret does. The sender's clock is injected; it stays within the
// library's five-minute timestamp tolerance of the real time.
func TestRotationGracePeriod(t *testing.T) {
	t.Parallel()
	h, got := capture()
	srv := newServer(t, h)
	real := time.Now()
	var now atomic.Int64
	now.Store(real.UnixNano())
	s := NewSender(SenderConfig{Now: func() time.Time { return time.Unix(0, now.Load()) }})

	c := claimFor(t, srv.URL)
	oldSecret, newSecret := c.Endpoint.Secret, mustSecret(t)
	expires := real.Add(time.Minute)
	c.Endpoint.Secret, c.Endpoint.PreviousSecret, c.Endpoint.PreviousSecretExpiresAt = newSecret, oldSecret, &expires

	verify := func(secret string, r capturedRequest) error {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		return wh.Verify(r.body, r.header)
	}

	if a := s.Send(context.Background(), c); !a.Succeeded() {
		t.Fatalf("attempt in grace: %+v", a)
	}
	r := <-got
	if n := len(strings.Fields(r.header.Get("webhook-signature"))); n != 2 {
		t.Fatalf("in grace: %d signatures, want 2", n)
	}
	for name, secret := range map[string]string{"old": oldSecret, "new": newSecret} {
		if err := verify(secret, r); err != nil {
			t.Fatalf("in grace, a receiver with the %s secret rejects: %v", name, err)
		}
	}

	now.Store(real.Add(2 * time.Minute).UnixNano()) // the grace period is over
	if a := s.Send(context.Background(), c); !a.Succeeded() {
		t.Fatalf("attempt after grace: %+v", a)
	}
	r = <-got
	if n := len(strings.Fields(r.header.Get("webhook-signature"))); n != 1 {
		t.Fatalf("after grace: %d signatures, want 1", n)
	}
	if err := verify(newSecret, r); err != nil {
		t.Fatalf("after grace, the new secret rejects: %v", err)
	}
	if err := verify(oldSecret, r); err == nil {
		t.Fatal("after grace, the old secret still verifies")
	}
}

// TestLegacySignatureVerifiesGitHubStyle checks X-Tripline-Signature the way
// a GitHub-style receiver does: hex HMAC-SHA256 of the raw body, keyed with
// the secret string, compared in constant time after "sha256=".
func TestLegacySignatureVerifiesGitHubStyle(t *testing.T) {
	t.Parallel()
	h, got := capture()
	srv := newServer(t, h)
	c := claimFor(t, srv.URL)
	c.Endpoint.LegacySignature = true
	if a := NewSender(SenderConfig{}).Send(context.Background(), c); !a.Succeeded() {
		t.Fatalf("attempt: %+v", a)
	}
	r := <-got
	sig, ok := strings.CutPrefix(r.header.Get("X-Tripline-Signature"), "sha256=")
	if !ok {
		t.Fatalf("X-Tripline-Signature %q", r.header.Get("X-Tripline-Signature"))
	}
	gotMAC, err := hex.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(c.Endpoint.Secret))
	mac.Write(r.body)
	if !hmac.Equal(gotMAC, mac.Sum(nil)) {
		t.Fatal("a GitHub-style receiver rejects X-Tripline-Signature")
	}
	mac = hmac.New(sha256.New, []byte("whsec_wrong"))
	mac.Write(r.body)
	if hmac.Equal(gotMAC, mac.Sum(nil)) {
		t.Fatal("a wrong secret verifies")
	}
}
