package actions

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tripline/tripline/id"
)

// maxDrain is how much of an unread response body is discarded so its
// connection can be reused; beyond it the connection is closed instead.
const maxDrain = 64 << 10

// SenderConfig configures a Sender.
type SenderConfig struct {
	// UserAgent is sent as User-Agent, "Tripline/<version>". Default "Tripline".
	UserAgent string

	// DialControl is called with each resolved address just before it is
	// dialed; an error refuses the connection. It is where the SSRF guard
	// plugs in, so DNS rebinding cannot slip past it. Nil allows every address.
	DialControl func(network, address string, c syscall.RawConn) error

	// Now returns the current time, for webhook-timestamp and attempt timing.
	// Default time.Now.
	Now func() time.Time

	// RequireHTTPS refuses http:// destinations for every endpoint
	// (TRIPLINE_REQUIRE_HTTPS); Endpoint.RequireHTTPS does it for one
	// workspace's. The attempt fails without a request.
	RequireHTTPS bool

	// PlainHTTPAllowed says which http:// URLs HTTPS only still lets
	// through (DestinationPolicy.PlainHTTPAllowed). Nil lets none through.
	PlainHTTPAllowed func(ctx context.Context, rawURL string) bool
}

// Sender makes delivery attempts: it signs the message and POSTs it with one
// shared keep-alive HTTP client. It is safe for concurrent use.
type Sender struct {
	client       *http.Client
	userAgent    string
	now          func() time.Time
	requireHTTPS bool
	plainAllowed func(ctx context.Context, rawURL string) bool
}

// NewSender returns a Sender with its HTTP client. The client never follows
// redirects and ignores proxy environment variables, so every connection goes
// straight to an address that DialControl has seen.
func NewSender(cfg SenderConfig) *Sender {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second, Control: cfg.DialControl}
	transport := &http.Transport{
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		// Accept-Encoding is set by Send and gzip decoded by readBody, so a
		// compressed body is decoded whoever asked for it and the
		// MaxResponseBody cap applies to the decoded bytes.
		DisableCompression: true,
	}
	s := &Sender{
		client: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		userAgent:    cmp.Or(cfg.UserAgent, "Tripline"),
		now:          cfg.Now,
		requireHTTPS: cfg.RequireHTTPS,
		plainAllowed: cfg.PlainHTTPAllowed,
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Send makes one attempt at c and reports it; it never returns an error, a
// failure is described in Attempt.Error. The attempt succeeded when its
// StatusCode is 2xx. It takes at most the endpoint's timeout (TimeoutSeconds,
// default DefaultTimeout, at most MaxTimeout), response body included.
func (s *Sender) Send(ctx context.Context, c Claimed) (a Attempt) {
	start := s.now()
	a = Attempt{ID: id.NewAt(id.Attempt, start), DeliveryID: c.Delivery.ID, At: start}
	defer func() { a.DurationMS = s.now().Sub(start).Milliseconds() }()

	timeout := attemptTimeout(c.Endpoint)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, timeoutCause(timeout))
	defer cancel()

	if (s.requireHTTPS || c.Endpoint.RequireHTTPS) && plainHTTP(c.Endpoint.URL) &&
		(s.plainAllowed == nil || !s.plainAllowed(ctx, c.Endpoint.URL)) {
		a.Error = PlainHTTPError
		return a
	}
	req, err := s.request(ctx, c, start)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	resp, err := s.client.Do(req)
	if err != nil {
		a.Error = attemptError(ctx, err)
		return a
	}
	a.StatusCode = resp.StatusCode
	a.ResponseHeaders = make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		a.ResponseHeaders[k] = validText(strings.Join(v, ", "))
	}
	a.ResponseBody = readBody(resp)
	a.Error = statusError(resp)
	return a
}

// Succeeded reports whether an attempt got a 2xx answer.
func (a Attempt) Succeeded() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// timeoutCauses holds the error of each attempt timeout, made once: every
// attempt needs one for its context.
var timeoutCauses sync.Map // time.Duration → error

// timeoutCause is the cause of an attempt's context ending at its timeout.
func timeoutCause(d time.Duration) error {
	if err, ok := timeoutCauses.Load(d); ok {
		return err.(error)
	}
	err, _ := timeoutCauses.LoadOrStore(d, fmt.Errorf("timeout after %gs", d.Seconds()))
	return err.(error)
}

func attemptTimeout(e Endpoint) time.Duration {
	if e.TimeoutSeconds <= 0 {
		return DefaultTimeout
	}
	return time.Duration(min(e.TimeoutSeconds, int(MaxTimeout/time.Second))) * time.Second
}

func (s *Sender) request(ctx context.Context, c Claimed, ts time.Time) (*http.Request, error) {
	body := []byte(c.Message.Payload)
	schemes := c.Endpoint.SignatureSchemes()
	var sig string
	if HasScheme(schemes, SchemeStandardWebhooks) {
		var err error
		if sig, err = SignatureHeader(c.Endpoint.SigningSecrets(ts), c.Delivery.ID, ts, body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	// Sized for every header at once; Tripline's own are set under their
	// canonical names (Set would canonicalize them on every request).
	h := make(http.Header, 8+len(schemes)+len(c.Endpoint.Headers)+len(c.Message.Headers))
	req.Header = h
	for _, extra := range []map[string]string{c.Endpoint.Headers, c.Message.Headers} {
		for k, v := range extra {
			if !ReservedHeader(k) {
				h.Set(k, v)
			}
		}
	}
	h["Content-Type"] = []string{"application/json"}
	h["User-Agent"] = []string{s.userAgent}
	h["Accept-Encoding"] = []string{"gzip"}
	h["Webhook-Id"] = []string{c.Delivery.ID}
	h["Webhook-Timestamp"] = []string{strconv.FormatInt(ts.Unix(), 10)}
	if sig != "" {
		h["Webhook-Signature"] = []string{sig}
	}
	h["X-Tripline-Event"] = []string{c.Delivery.Event}
	// HMAC headers last: a configured header of the same name never
	// replaces a signature.
	for _, sc := range schemes {
		if sc.Scheme != SchemeHMACSHA256 {
			continue
		}
		h.Set(sc.Header, HMACSignature(sc, c.Endpoint.hmacSecret(ts), body))
		if sc.EventHeader != "" {
			h.Set(sc.EventHeader, c.Delivery.Event)
		}
	}
	return req, nil
}

// ReservedHeader reports whether a user-configured header name is one that
// Tripline sets itself (SPEC section 7, every Webhook-* and X-Tripline-* name)
// or that would break the request framing. The API rejects such names when
// they are configured, and the sender drops them should any reach it.
func ReservedHeader(name string) bool {
	k := http.CanonicalHeaderKey(strings.TrimSpace(name))
	switch k {
	case "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Accept-Encoding",
		"Host", "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Upgrade", "User-Agent":
		return true
	}
	return strings.HasPrefix(k, "Webhook-") || strings.HasPrefix(k, "X-Tripline-")
}

// attemptError describes a failed round trip: the context's cause when the
// attempt timed out or was cancelled, else the network error without the
// "Post <url>:" prefix the URL already tells.
func attemptError(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return context.Cause(ctx).Error()
	}
	if de, ok := destinationError(err); ok { // the SSRF guard's sentence says it all
		return de.Error()
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	return err.Error()
}

func statusError(resp *http.Response) string {
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return ""
	case code >= 300 && code < 400:
		if loc := resp.Header.Get("Location"); loc != "" {
			return fmt.Sprintf("redirect not followed: %d to %s", code, validText(loc))
		}
		return fmt.Sprintf("redirect not followed: %d", code)
	default:
		return fmt.Sprintf("HTTP %d", code)
	}
}

// readBody returns the first MaxResponseBody bytes of the body, gzip decoded
// when the response says so, and closes it after draining at most maxDrain
// more bytes so a short response leaves its connection reusable. Reading stops
// at the cap: a small compressed body that inflates to gigabytes costs no more
// than a 16 KiB one. A body that cannot be read is recorded as far as it was.
func readBody(resp *http.Response) string {
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if enc := strings.TrimSpace(resp.Header.Get("Content-Encoding")); strings.EqualFold(enc, "gzip") || strings.EqualFold(enc, "x-gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return ""
		}
		r = zr
	}
	b, _ := io.ReadAll(io.LimitReader(r, MaxResponseBody))
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	s := validText(string(b))
	if len(s) > MaxResponseBody { // replacement characters made it longer
		s = strings.ToValidUTF8(s[:MaxResponseBody], "")
	}
	return s
}

// validText makes received bytes storable as text in any database: invalid
// UTF-8 and NUL (which Postgres text refuses) become U+FFFD.
func validText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
