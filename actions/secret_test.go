package actions

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	key, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks the whsec_ prefix", a)
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret key decodes to %d bytes, %v; want 32", len(raw), err)
	}
}

func TestGenerateSecretKey(t *testing.T) {
	t.Parallel()
	k := GenerateSecretKey()
	if raw, err := base64.StdEncoding.DecodeString(k); err != nil || len(raw) != 32 {
		t.Fatalf("key decodes to %d bytes, %v; want 32", len(raw), err)
	}
	if k == GenerateSecretKey() {
		t.Fatal("two keys are equal")
	}
	if _, err := NewSecretBox(k); err != nil {
		t.Fatalf("a generated key is refused: %v", err)
	}
}

func TestNewSecretBoxKeyLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key     string
		wantErr bool
	}{
		{"", true},
		{"fifteen-chars!!", true},
		{"sixteen-chars!!!", false},
		{"a passphrase that is rather long, as passphrases go", false},
	} {
		_, err := NewSecretBox(tc.key)
		if (err != nil) != tc.wantErr {
			t.Errorf("NewSecretBox(%q) error = %v, want error %v", tc.key, err, tc.wantErr)
		}
	}
}

func TestSecretBox(t *testing.T) {
	t.Parallel()
	box, err := NewSecretBox("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSecretBox("incorrect horse battery staple")
	secret, _ := NewSecret()

	sealed, err := box.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, secret) {
		t.Fatalf("sealed = %q; want v1: and no plaintext", sealed)
	}
	if again, _ := box.Seal(secret); again == sealed {
		t.Fatal("sealing twice gives the same value; the nonce is not fresh")
	}
	if got, err := box.Open(sealed); err != nil || got != secret {
		t.Fatalf("Open = %q, %v; want %q", got, err, secret)
	}

	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	raw[len(raw)-1] ^= 1
	tampered := "v1:" + base64.StdEncoding.EncodeToString(raw)

	for name, tc := range map[string]struct {
		box    *SecretBox
		sealed string
	}{
		"wrong key":      {other, sealed},
		"tampered":       {box, tampered},
		"no prefix":      {box, strings.TrimPrefix(sealed, "v1:")},
		"not base64":     {box, "v1:***"},
		"too short":      {box, "v1:AAAA"},
		"empty":          {box, ""},
		"future version": {box, "v2:" + strings.TrimPrefix(sealed, "v1:")},
	} {
		if _, err := tc.box.Open(tc.sealed); !errors.Is(err, ErrSecretDecrypt) {
			t.Errorf("%s: Open error = %v, want ErrSecretDecrypt", name, err)
		}
	}
}
