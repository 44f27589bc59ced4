package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// The signature schemes of an endpoint (SPEC section 11).
const (
	SchemeStandardWebhooks = "standard-webhooks" // webhook-signature, the default (SPEC section 7)
	SchemeHMACSHA256       = "hmac-sha256"       // one header: prefix + HMAC-SHA256(secret string, body)
)

// Signature is one signature scheme an endpoint's deliveries carry. A preset
// names a platform's scheme and expands to the fields it stands for.
type Signature struct {
	Preset   string `json:"preset,omitempty"`
	Scheme   string `json:"scheme"`
	Header   string `json:"header,omitempty"`   // hmac-sha256: the header that carries the signature
	Encoding string `json:"encoding,omitempty"` // hmac-sha256: hex or base64
	Prefix   string `json:"prefix,omitempty"`   // hmac-sha256: before the encoded digest, such as "sha256="
	// EventHeader, when set, carries the delivery's trigger type, as
	// Chat Data's receivers read it from X-Chat-Data-Topic.
	EventHeader string `json:"event_header,omitempty"`
}

// SignaturePresets are the named schemes of the platforms Tripline stands in
// for, as each one's receivers verify them.
var SignaturePresets = map[string]Signature{
	"pollybot":        {Preset: "pollybot", Scheme: SchemeHMACSHA256, Header: "X-Webhook-Signature", Encoding: "hex", Prefix: "sha256="},
	"onwebchat":       {Preset: "onwebchat", Scheme: SchemeHMACSHA256, Header: "X-OWC-Signature", Encoding: "hex"},
	"chat-data":       {Preset: "chat-data", Scheme: SchemeHMACSHA256, Header: "X-Chat-Data-Hmac-Sha256", Encoding: "base64", EventHeader: "X-Chat-Data-Topic"},
	"github":          {Preset: "github", Scheme: SchemeHMACSHA256, Header: "X-Hub-Signature-256", Encoding: "hex", Prefix: "sha256="},
	"tripline-legacy": {Preset: "tripline-legacy", Scheme: SchemeHMACSHA256, Header: "X-Tripline-Signature", Encoding: "hex", Prefix: "sha256="},
}

// LegacyPreset is the preset that legacy_signature: true stands for.
const LegacyPreset = "tripline-legacy"

// MinHMACSecretLength is the fewest bytes a secret brought for HMAC schemes
// may have.
const MinHMACSecretLength = 16

// maxSecretLength bounds a secret brought by the user.
const maxSecretLength = 1024

// maxPrefixLength bounds an hmac-sha256 prefix.
const maxPrefixLength = 64

// DefaultSignatures is what an endpoint without a list of its own sends.
func DefaultSignatures(legacy bool) []Signature {
	sigs := []Signature{{Scheme: SchemeStandardWebhooks}}
	if legacy {
		sigs = append(sigs, SignaturePresets[LegacyPreset])
	}
	return sigs
}

// SignatureSchemes returns the endpoint's schemes: its own list, or the
// default.
func (e Endpoint) SignatureSchemes() []Signature {
	if e.Signatures != nil {
		return e.Signatures
	}
	return DefaultSignatures(e.LegacySignature)
}

// HasScheme reports whether sigs holds an entry of scheme.
func HasScheme(sigs []Signature, scheme string) bool {
	for _, s := range sigs {
		if s.Scheme == scheme {
			return true
		}
	}
	return false
}

// HasPreset reports whether sigs holds the preset.
func HasPreset(sigs []Signature, preset string) bool {
	for _, s := range sigs {
		if s.Preset == preset {
			return true
		}
	}
	return false
}

// SignatureError is a problem with one field of one signature entry; Field
// is relative to the entry ("header").
type SignatureError struct {
	Index   int
	Field   string
	Message string
}

func (e SignatureError) Error() string {
	return fmt.Sprintf("signatures[%d].%s %s", e.Index, e.Field, e.Message)
}

// NormalizeSignatures validates a list of signature entries and returns it
// with presets expanded, or every problem found. Reserved says whether a
// header name is one Tripline sets itself.
func NormalizeSignatures(in []Signature) ([]Signature, []SignatureError) {
	var errs []SignatureError
	fail := func(i int, field, msg string) { errs = append(errs, SignatureError{i, field, msg}) }
	out := make([]Signature, 0, len(in))
	headers := map[string]int{}
	for i, s := range in {
		if s.Preset != "" {
			p, ok := SignaturePresets[s.Preset]
			if !ok {
				fail(i, "preset", fmt.Sprintf("%q is not a preset; use one of: pollybot, onwebchat, chat-data, github, tripline-legacy", s.Preset))
				continue
			}
			// The fields an answer shows beside the preset may come back
			// as they are (a GET's entry sent to PATCH); others are a
			// mistake.
			if (s.Scheme != "" && s.Scheme != p.Scheme) || (s.Header != "" && s.Header != p.Header) ||
				(s.Encoding != "" && s.Encoding != p.Encoding) || (s.Prefix != "" && s.Prefix != p.Prefix) ||
				(s.EventHeader != "" && s.EventHeader != p.EventHeader) {
				fail(i, "preset", "sets its scheme, header, encoding and prefix itself: leave them out, or use \"scheme\": \"hmac-sha256\" without a preset to choose them")
				continue
			}
			s = p
		} else {
			switch s.Scheme {
			case SchemeStandardWebhooks:
				if s.Header != "" || s.Encoding != "" || s.Prefix != "" || s.EventHeader != "" {
					fail(i, "scheme", "standard-webhooks takes no header, encoding, prefix or event_header: its headers are webhook-id, webhook-timestamp and webhook-signature")
					continue
				}
			case SchemeHMACSHA256:
				if s.Encoding == "" {
					s.Encoding = "hex"
				}
				if s.Encoding != "hex" && s.Encoding != "base64" {
					fail(i, "encoding", fmt.Sprintf("%q is not an encoding; use hex or base64", s.Encoding))
				}
				s.Header = checkSignatureHeader(i, "header", s.Header, true, fail)
				s.EventHeader = checkSignatureHeader(i, "event_header", s.EventHeader, false, fail)
				switch {
				case len(s.Prefix) > maxPrefixLength:
					fail(i, "prefix", fmt.Sprintf("is longer than %d characters", maxPrefixLength))
				case !validPrefix(s.Prefix):
					fail(i, "prefix", "holds characters a header value cannot have (line breaks, control characters or non-ASCII)")
				}
			case "":
				fail(i, "scheme", "is required: standard-webhooks or hmac-sha256, or name a preset")
				continue
			default:
				fail(i, "scheme", fmt.Sprintf("%q is not a scheme; use standard-webhooks or hmac-sha256, or name a preset", s.Scheme))
				continue
			}
		}
		for _, h := range []string{s.Header, s.EventHeader} {
			if h == "" {
				continue
			}
			k := http.CanonicalHeaderKey(h)
			if j, dup := headers[k]; dup {
				fail(i, "header", fmt.Sprintf("%s is also set by signatures[%d]: each header may carry one value", h, j))
			}
			headers[k] = i
		}
		if s.Scheme == SchemeStandardWebhooks {
			if j, dup := headers["Webhook-Signature"]; dup {
				fail(i, "scheme", fmt.Sprintf("standard-webhooks is also signatures[%d]", j))
			}
			headers["Webhook-Signature"] = i
		}
		out = append(out, s)
	}
	if len(in) == 0 {
		errs = append(errs, SignatureError{Index: -1, Message: "must hold at least one scheme (leave it out for the default, standard-webhooks)"})
	}
	return out, errs
}

// checkSignatureHeader validates a header name of an hmac-sha256 entry.
func checkSignatureHeader(i int, field, name string, required bool, fail func(int, string, string)) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		if required {
			fail(i, field, "is required: the header that carries the signature, such as X-Webhook-Signature")
		}
	case !httpguts.ValidHeaderFieldName(name):
		fail(i, field, "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
	case ReservedHeader(name):
		msg := "is a header Tripline sets itself"
		if http.CanonicalHeaderKey(name) == "X-Tripline-Signature" {
			msg += `; use {"preset": "tripline-legacy"}`
		}
		fail(i, field, msg)
	}
	return name
}

func validPrefix(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] > 0x7e {
			return false
		}
	}
	return true
}

// CheckSecret validates a secret the user brings for an endpoint whose
// schemes are sigs: a "whsec_" secret must hold valid base64 of at least
// MinHMACSecretLength bytes, and Standard Webhooks needs one; for HMAC-only
// endpoints any string of MinHMACSecretLength bytes or more will do. It
// returns the sentence to show on the field, or "".
func CheckSecret(secret string, sigs []Signature) string {
	switch {
	case len(secret) > maxSecretLength:
		return fmt.Sprintf("is longer than %d bytes", maxSecretLength)
	case !utf8.ValidString(secret) || strings.ContainsFunc(secret, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "holds line breaks, control characters or invalid UTF-8: paste the secret exactly as your receiver holds it"
	}
	if rest, ok := strings.CutPrefix(secret, SecretPrefix); ok {
		key, err := base64.StdEncoding.DecodeString(rest)
		if err == nil && len(key) >= MinHMACSecretLength {
			return ""
		}
		if HasScheme(sigs, SchemeStandardWebhooks) {
			return fmt.Sprintf("must be \"whsec_\" followed by the standard base64 of at least %d bytes, as Standard Webhooks secrets are", MinHMACSecretLength)
		}
	} else if HasScheme(sigs, SchemeStandardWebhooks) {
		return fmt.Sprintf("must be a Standard Webhooks secret, \"whsec_\" followed by the standard base64 of at least %d bytes, while the endpoint signs with standard-webhooks (an HMAC-only endpoint takes any string of %d bytes or more)", MinHMACSecretLength, MinHMACSecretLength)
	}
	if len(secret) < MinHMACSecretLength {
		return fmt.Sprintf("is %d bytes long; it needs at least %d", len(secret), MinHMACSecretLength)
	}
	return ""
}

// IsStandardSecret reports whether secret can key Standard Webhooks
// signatures: "whsec_" and the standard base64 of a non-empty key.
func IsStandardSecret(secret string) bool {
	rest, ok := strings.CutPrefix(secret, SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(rest)
	return ok && err == nil && len(key) > 0
}

// hmacSecret is the secret single-value HMAC headers are signed with at now:
// during a rotation's grace period the previous one, so that a receiver that
// still holds it keeps verifying until the grace ends; the current one after.
func (e Endpoint) hmacSecret(now time.Time) string {
	if e.PreviousSecret != "" && e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) {
		return e.PreviousSecret
	}
	return e.Secret
}

// HMACSignature returns the header value of an hmac-sha256 entry: its prefix
// and the encoded HMAC-SHA256 of body, keyed with the bytes of the secret
// string as the user holds it ("whsec_" included).
func HMACSignature(s Signature, secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sum := mac.Sum(nil)
	if s.Encoding == "base64" {
		return s.Prefix + base64.StdEncoding.EncodeToString(sum)
	}
	return s.Prefix + hex.EncodeToString(sum)
}
