package sources

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Outcomes of an inbound request, in the request log.
const (
	OutcomeAccepted     = "accepted"     // 202: ingested
	OutcomeDuplicate    = "duplicate"    // 200: the sender's delivery id was seen before; nothing fired
	OutcomeIgnored      = "ignored"      // 202: the mapping maps the event name to nothing
	OutcomeUnauthorized = "unauthorized" // 401: signature missing or wrong; nothing stored
	OutcomeInvalid      = "invalid"      // 422: mapped fields invalid (or the body is not JSON)
	OutcomeTooLarge     = "too_large"    // 413: over 1 MiB
)

// LogSize is how many requests a source's log keeps.
const LogSize = 100

// MaxLoggedBody is how much of a request's body the log keeps, in bytes.
const MaxLoggedBody = 16 << 10

// LogEntry is one inbound request of a source, as the request log keeps it.
type LogEntry struct {
	ID            string // "srq_…"
	WorkspaceID   string
	SourceID      string
	ReceivedAt    time.Time
	Status        int
	Outcome       string
	EventName     string
	ContactID     string    // the first event's contact, for the GDPR erase
	Detail        string    // a sentence: why it was refused, or what it did
	Problems      []Problem // 422: the invalid fields, by the sender's path
	TriggerEvents []string
	Headers       map[string]string // without the signature headers and credentials
	Body          string            // the first MaxLoggedBody bytes; "" for 401
}

// LoggedHeaders returns the headers of a request a log may keep: the
// signature headers of v and anything that looks like a credential or a
// signature (Authorization, Cookie, *Signature*, *Hmac*, *Token*, *Secret*)
// are left out, and each value is cut to 512 bytes.
func LoggedHeaders(h http.Header, v *Verify) map[string]string {
	drop := v.SignatureHeaders()
	out := make(map[string]string, len(h))
	for k, vals := range h {
		ck := http.CanonicalHeaderKey(k)
		lk := strings.ToLower(ck)
		if slices.Contains(drop, ck) || lk == "authorization" || lk == "cookie" || lk == "proxy-authorization" ||
			strings.Contains(lk, "signature") || strings.Contains(lk, "hmac") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
			continue
		}
		val := strings.Join(vals, ", ")
		if len(val) > 512 {
			val = val[:512]
		}
		out[ck] = val
	}
	return out
}

// LoggedBody is the part of a body a log keeps.
func LoggedBody(b []byte) string {
	if len(b) > MaxLoggedBody {
		b = b[:MaxLoggedBody]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
