package sources

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signature schemes a source verifies.
const (
	// SchemeHMACSHA256 is an HMAC-SHA256 of the raw body, keyed with the
	// secret's UTF-8 bytes exactly as the user holds it, in one header,
	// hex or base64, after an optional prefix (the scheme of onWebChat,
	// Pollybot, Chat Data and GitHub).
	SchemeHMACSHA256 = "hmac-sha256"
	// SchemeStandardWebhooks is Standard Webhooks (webhook-id,
	// webhook-timestamp, webhook-signature), as Tripline itself signs.
	SchemeStandardWebhooks = "standard-webhooks"
)

// Encodings of an HMAC signature.
const (
	EncodingHex    = "hex"
	EncodingBase64 = "base64"
)

// MinSecretLength is the shortest secret a source accepts, in bytes.
const MinSecretLength = 16

// StandardWebhooksTolerance is how far a standard-webhooks timestamp may be
// from the clock.
const StandardWebhooksTolerance = 5 * time.Minute

// Verify is how a source checks that a request came from its sender.
type Verify struct {
	Scheme   string `json:"scheme"`
	Header   string `json:"header,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Secret   string `json:"-"` // write-only: never answered
}

// ErrSignature is a request whose signature is missing or wrong.
var ErrSignature = errors.New("signature missing or wrong")

// SignatureError says why a request's signature was refused.
type SignatureError struct{ Reason string }

func (e *SignatureError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrSignature) hold.
func (e *SignatureError) Is(target error) bool { return target == ErrSignature }

// VerifyPreset returns the verification a built-in kind uses, without its
// secret, or nil when the platform documents no signature header
// (Chatonbo, ChatbotX: give header, encoding and prefix yourself).
func VerifyPreset(kind string) *Verify {
	switch kind {
	case KindOnWebChat:
		return &Verify{Scheme: SchemeHMACSHA256, Header: "X-OWC-Signature", Encoding: EncodingHex}
	case KindPollybot:
		return &Verify{Scheme: SchemeHMACSHA256, Header: "X-Webhook-Signature", Encoding: EncodingHex, Prefix: "sha256="}
	case KindChatData:
		return &Verify{Scheme: SchemeHMACSHA256, Header: "X-Chat-Data-Hmac-Sha256", Encoding: EncodingBase64}
	}
	return nil
}

// FieldError is one problem with one field of a source or its mapping; Field
// is a JSON path of the source's resource ("verify.header",
// "mapping.events.new_lead.fields.tag").
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Fill completes v from the kind's preset (fields left empty take the
// preset's) and checks it. It returns the problems found, fields named
// "verify.…".
func (v *Verify) Fill(kind string) []FieldError {
	if p := VerifyPreset(kind); p != nil && (v.Scheme == "" || v.Scheme == p.Scheme) {
		v.Scheme = p.Scheme
		if v.Header == "" {
			v.Header, v.Prefix = p.Header, p.Prefix
			if v.Encoding == "" {
				v.Encoding = p.Encoding
			}
		}
	}
	if v.Scheme == "" {
		v.Scheme = SchemeHMACSHA256
	}
	var errs []FieldError
	switch v.Scheme {
	case SchemeHMACSHA256:
		if v.Encoding == "" {
			v.Encoding = EncodingHex
		}
		if v.Header == "" {
			errs = append(errs, FieldError{"verify.header", "is required for hmac-sha256: the header the sender puts its signature in (the " + kind + " kind has no documented one)"})
		} else if !validHeaderName(v.Header) {
			errs = append(errs, FieldError{"verify.header", "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"})
		}
		if v.Encoding != EncodingHex && v.Encoding != EncodingBase64 {
			errs = append(errs, FieldError{"verify.encoding", "must be hex or base64"})
		}
		if strings.ContainsAny(v.Prefix, "\r\n") || len(v.Prefix) > 64 {
			errs = append(errs, FieldError{"verify.prefix", "must be at most 64 characters on one line"})
		}
	case SchemeStandardWebhooks:
		if v.Header != "" || v.Encoding != "" || v.Prefix != "" {
			errs = append(errs, FieldError{"verify.scheme", "standard-webhooks takes no header, encoding or prefix: it reads webhook-id, webhook-timestamp and webhook-signature"})
		}
		if _, err := standardKey(v.Secret); err != nil && v.Secret != "" {
			errs = append(errs, FieldError{"verify.secret", err.Error()})
		}
	default:
		errs = append(errs, FieldError{"verify.scheme", fmt.Sprintf("unknown scheme %q; one of %s, %s", v.Scheme, SchemeHMACSHA256, SchemeStandardWebhooks)})
	}
	if v.Secret == "" {
		errs = append(errs, FieldError{"verify.secret", "is required: the signing secret the sender gave you"})
	} else if len(v.Secret) < MinSecretLength {
		errs = append(errs, FieldError{"verify.secret", fmt.Sprintf("must be at least %d bytes", MinSecretLength)})
	}
	return errs
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

// SignatureHeaders returns the headers that carry v's signature, which a
// request log must not keep.
func (v *Verify) SignatureHeaders() []string {
	if v == nil {
		return nil
	}
	if v.Scheme == SchemeStandardWebhooks {
		return []string{"Webhook-Signature"}
	}
	return []string{http.CanonicalHeaderKey(v.Header)}
}

// Check verifies a request's raw body against its headers at now. A nil v
// accepts every request. A refusal is a *SignatureError (ErrSignature).
func (v *Verify) Check(header http.Header, body []byte, now time.Time) error {
	if v == nil {
		return nil
	}
	switch v.Scheme {
	case SchemeHMACSHA256:
		return v.checkHMAC(header, body)
	case SchemeStandardWebhooks:
		return v.checkStandard(header, body, now)
	}
	return &SignatureError{"unknown signature scheme " + v.Scheme}
}

func (v *Verify) checkHMAC(header http.Header, body []byte) error {
	got := strings.TrimSpace(header.Get(v.Header))
	if got == "" {
		return &SignatureError{"the " + v.Header + " header is missing"}
	}
	mac := hmac.New(sha256.New, []byte(v.Secret))
	mac.Write(body)
	want := mac.Sum(nil)
	// Several signatures may be sent space separated while a sender rotates
	// its secret; one that matches is enough.
	for _, sig := range strings.Fields(got) {
		if v.Prefix != "" {
			if len(sig) < len(v.Prefix) || !strings.EqualFold(sig[:len(v.Prefix)], v.Prefix) {
				continue
			}
			sig = sig[len(v.Prefix):]
		}
		var raw []byte
		var err error
		if v.Encoding == EncodingBase64 {
			raw, err = base64.StdEncoding.DecodeString(sig)
			if err != nil {
				raw, err = base64.RawStdEncoding.DecodeString(sig)
			}
		} else {
			raw, err = hex.DecodeString(sig)
		}
		if err == nil && hmac.Equal(raw, want) {
			return nil
		}
	}
	return &SignatureError{"the " + v.Header + " header does not hold the body's HMAC-SHA256 under this source's secret"}
}

// standardKey returns the HMAC key of a Standard Webhooks secret: the
// base64 after whsec_.
func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return nil, errors.New("must be whsec_ followed by base64, as Standard Webhooks secrets are")
	}
	return key, nil
}

func (v *Verify) checkStandard(header http.Header, body []byte, now time.Time) error {
	msgID, tsText, sigs := header.Get("Webhook-Id"), header.Get("Webhook-Timestamp"), header.Get("Webhook-Signature")
	if msgID == "" || tsText == "" || sigs == "" {
		return &SignatureError{"webhook-id, webhook-timestamp and webhook-signature are required"}
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return &SignatureError{"webhook-timestamp is not unix seconds"}
	}
	if d := now.Sub(time.Unix(ts, 0)); d > StandardWebhooksTolerance || d < -StandardWebhooksTolerance {
		return &SignatureError{"webhook-timestamp is more than 5 minutes from Tripline's clock"}
	}
	key, err := standardKey(v.Secret)
	if err != nil {
		return &SignatureError{err.Error()}
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + tsText + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		if b64, ok := strings.CutPrefix(s, "v1,"); ok {
			if raw, err := base64.StdEncoding.DecodeString(b64); err == nil && hmac.Equal(raw, want) {
				return nil
			}
		}
	}
	return &SignatureError{"no v1 signature of webhook-signature matches under this source's secret"}
}

// SignHMAC returns the signature header value an HMAC-SHA256 sender would
// send for body: for tests, docs and the UI's try panel.
func (v *Verify) SignHMAC(body []byte) string {
	mac := hmac.New(sha256.New, []byte(v.Secret))
	mac.Write(body)
	sum := mac.Sum(nil)
	if v.Encoding == EncodingBase64 {
		return v.Prefix + base64.StdEncoding.EncodeToString(sum)
	}
	return v.Prefix + hex.EncodeToString(sum)
}
