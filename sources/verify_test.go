package sources_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tripline/tripline/sources"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestVerifyPresetsAcceptThePlatformsSignatures(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"LEAD_CREATED","data":{"id":"l1"}}`)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sum := mac.Sum(nil)
	tests := []struct {
		kind, header, value string
	}{
		// Pollybot's receivers: signature.replace('sha256=', ''), hex.
		{"pollybot", "X-Webhook-Signature", "sha256=" + hexOf(sum)},
		{"onwebchat", "X-OWC-Signature", hexOf(sum)},
		// Chat Data's verifySignature: createHmac(…).update(body).digest('base64').
		{"chat-data", "X-Chat-Data-Hmac-Sha256", base64.StdEncoding.EncodeToString(sum)},
	}
	for _, tt := range tests {
		v := &sources.Verify{Secret: secret}
		if errs := v.Fill(tt.kind); errs != nil {
			t.Fatal(errs)
		}
		h := http.Header{}
		h.Set(tt.header, tt.value)
		if err := v.Check(h, body, time.Time{}); err != nil {
			t.Errorf("%s: %v", tt.kind, err)
		}
		if got := v.SignHMAC(body); got != tt.value {
			t.Errorf("%s: SignHMAC %q, want %q", tt.kind, got, tt.value)
		}
		for _, bad := range []string{"", tt.value[:len(tt.value)-2] + "00", "sha256=zz"} {
			h.Set(tt.header, bad)
			if err := v.Check(h, body, time.Time{}); !errors.Is(err, sources.ErrSignature) {
				t.Errorf("%s: signature %q: err %v, want ErrSignature", tt.kind, bad, err)
			}
		}
		h.Set(tt.header, tt.value)
		if err := v.Check(h, append(body, ' '), time.Time{}); !errors.Is(err, sources.ErrSignature) {
			t.Errorf("%s: a changed body verified", tt.kind)
		}
	}
}

func TestVerifyStandardWebhooks(t *testing.T) {
	t.Parallel()
	key, _ := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	body := []byte(`{"a":1}`)
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	sign := func(ts time.Time) http.Header {
		t := strconv.FormatInt(ts.Unix(), 10)
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte("msg_1." + t + "." + string(body)))
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", t)
		h.Set("webhook-signature", "v1,bm90IGl0 v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		return h
	}
	v := &sources.Verify{Scheme: "standard-webhooks", Secret: secret}
	if errs := v.Fill("custom"); errs != nil {
		t.Fatal(errs)
	}
	if err := v.Check(sign(now), body, now); err != nil {
		t.Fatal(err)
	}
	if err := v.Check(sign(now.Add(-10*time.Minute)), body, now); !errors.Is(err, sources.ErrSignature) {
		t.Errorf("an old timestamp verified: %v", err)
	}
}

func TestVerifyFillRejectsBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  string
		v     sources.Verify
		field string
	}{
		{"chatonbo", sources.Verify{Secret: secret}, "verify.header"},
		{"custom", sources.Verify{Header: "X Sig", Secret: secret}, "verify.header"},
		{"custom", sources.Verify{Header: "X-Sig", Encoding: "b32", Secret: secret}, "verify.encoding"},
		{"custom", sources.Verify{Header: "X-Sig", Secret: "short"}, "verify.secret"},
		{"custom", sources.Verify{Scheme: "rsa", Secret: secret}, "verify.scheme"},
	}
	for _, tt := range tests {
		v := tt.v
		errs := v.Fill(tt.kind)
		if len(errs) == 0 || errs[0].Field != tt.field {
			t.Errorf("%s %+v: %v; want %s", tt.kind, tt.v, errs, tt.field)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	a, err := sources.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sources.NewToken()
	if a == b || !sources.WellFormedToken(a) || sources.WellFormedToken(a+"x") || sources.WellFormedToken("tin_short") {
		t.Fatalf("tokens %q %q", a, b)
	}
	if !sources.TokenMatches(a, sources.HashToken(a)) || sources.TokenMatches(b, sources.HashToken(a)) {
		t.Error("TokenMatches")
	}
}

func hexOf(b []byte) string {
	return hex.EncodeToString(b)
}
