package actions

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	// The vector of the Standard Webhooks reference library's own tests.
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
}

func TestSignVerifiedByOfficialLibrary(t *testing.T) {
	t.Parallel()
	oldSecret, _ := NewSecret()
	newSecret, _ := NewSecret()
	body := []byte(`{"event":"tag_applied","tag":"Order Closed"}`)
	now := time.Now()

	header, err := SignatureHeader([]string{oldSecret, newSecret}, "msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(header)); n != 2 {
		t.Fatalf("header %q has %d signatures, want 2", header, n)
	}
	headers := http.Header{}
	headers.Set("webhook-id", "msg_1")
	headers.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	headers.Set("webhook-signature", header)

	for _, tc := range []struct {
		name    string
		secret  string
		body    []byte
		wantErr bool
	}{
		{"old secret", oldSecret, body, false},
		{"new secret", newSecret, body, false},
		{"tampered body", newSecret, []byte(`{"event":"tag_applied","tag":"Order Open"}`), true},
		{"other secret", mustSecret(t), body, true},
	} {
		wh, err := standardwebhooks.NewWebhook(tc.secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(tc.body, headers); (err != nil) != tc.wantErr {
			t.Errorf("%s: Verify error = %v, want error %v", tc.name, err, tc.wantErr)
		}
	}
}

func TestSignRejectsBadSecret(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"", "whsec_", "whsec_not base64!"} {
		if _, err := Sign(secret, "msg_1", time.Unix(0, 0), nil); err == nil {
			t.Errorf("Sign with secret %q: no error", secret)
		}
	}
	if _, err := SignatureHeader(nil, "msg_1", time.Unix(0, 0), nil); err == nil {
		t.Error("SignatureHeader without secrets: no error")
	}
}

func TestLegacySignature(t *testing.T) {
	t.Parallel()
	// GitHub's documented example for X-Hub-Signature-256.
	got := LegacySignature("It's a Secret to Everybody", []byte("Hello, World!"))
	if want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Fatalf("LegacySignature = %q, want %q", got, want)
	}
}

func mustSecret(t *testing.T) string {
	t.Helper()
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
