package actions

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// newServer starts a test server whose handlers may block on r.Context():
// its cleanup closes client connections first, which ends them.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// claimFor returns a claimed delivery of payload for url, signed with a new secret.
func claimFor(t *testing.T, url string) Claimed {
	t.Helper()
	return Claimed{
		Delivery: Delivery{ID: "msg_01TEST", EndpointID: "ep_01TEST", Event: "tag_applied", Status: StatusPending},
		Message:  Message{Payload: []byte(`{"id":"evt_1","event":"tag_applied","tag":"Order Closed"}`)},
		Endpoint: Endpoint{ID: "ep_01TEST", URL: url, Enabled: true, Secret: mustSecret(t)},
	}
}

// hang returns a handler that signals entered, if not nil, and then blocks
// until the client hangs up.
func hang(entered chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		if entered != nil {
			entered <- struct{}{}
		}
		<-r.Context().Done()
	}
}

type capturedRequest struct {
	method string
	header http.Header
	body   []byte
}

// capture returns a handler that passes each request to the returned channel
// and answers 204.
func capture() (http.HandlerFunc, <-chan capturedRequest) {
	ch := make(chan capturedRequest, 16)
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- capturedRequest{r.Method, r.Header.Clone(), body}
		w.WriteHeader(http.StatusNoContent)
	}, ch
}

func TestSenderRequest(t *testing.T) {
	t.Parallel()
	for _, legacy := range []bool{false, true} {
		t.Run("legacy="+strconv.FormatBool(legacy), func(t *testing.T) {
			t.Parallel()
			h, requests := capture()
			srv := newServer(t, h)
			now := time.Now().Truncate(time.Second)
			s := NewSender(SenderConfig{UserAgent: "Tripline/1.2.3", Now: func() time.Time { return now }})

			c := claimFor(t, srv.URL)
			c.Endpoint.LegacySignature = legacy
			c.Endpoint.Headers = map[string]string{
				"X-Env": "prod", "X-Source": "endpoint", "Content-Type": "text/plain",
				"webhook-signature": "v1,forged", "User-Agent": "curl",
			}
			c.Message.Headers = map[string]string{
				"x-source": "rule", "Webhook-Id": "msg_forged", "X-Tripline-Signature": "sha256=forged",
				"X-Tripline-Event": "forged", "Host": "evil.example", "Content-Length": "1",
			}

			a := s.Send(t.Context(), c)
			if a.Error != "" || a.StatusCode != http.StatusNoContent || !a.Succeeded() {
				t.Fatalf("attempt = %+v; want a clean 204", a)
			}
			if a.ID == "" || a.DeliveryID != c.Delivery.ID || !a.At.Equal(now) {
				t.Errorf("attempt id %q, delivery %q, at %s", a.ID, a.DeliveryID, a.At)
			}
			r := <-requests
			if r.method != http.MethodPost || !bytes.Equal(r.body, c.Message.Payload) {
				t.Errorf("request %s %q; want POST of the payload exactly", r.method, r.body)
			}
			want := map[string]string{
				"Content-Type":      "application/json",
				"User-Agent":        "Tripline/1.2.3",
				"Webhook-Id":        c.Delivery.ID,
				"Webhook-Timestamp": strconv.FormatInt(now.Unix(), 10),
				"X-Tripline-Event":  "tag_applied",
				"X-Env":             "prod",
				"X-Source":          "rule",
				"Accept-Encoding":   "gzip",
			}
			if legacy {
				want["X-Tripline-Signature"] = LegacySignature(c.Endpoint.Secret, c.Message.Payload)
			} else {
				want["X-Tripline-Signature"] = ""
			}
			for k, v := range want {
				if got := r.header.Values(k); strings.Join(got, "|") != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			wh, _ := standardwebhooks.NewWebhook(c.Endpoint.Secret)
			if err := wh.Verify(r.body, r.header); err != nil {
				t.Errorf("official library rejects the delivery: %v", err)
			}
		})
	}
}

func TestSenderResponse(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789abcdef", 2*MaxResponseBody/16)
	for _, tc := range []struct {
		name        string
		handler     http.HandlerFunc
		wantCode    int
		wantBody    string
		wantHeaders map[string]string
		wantError   string
	}{
		{
			name: "ok with headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Multi", "a")
				w.Header().Add("X-Multi", "b")
				w.Header().Set("X-Request-Id", "req_1")
				_, _ = io.WriteString(w, `{"ok":true}`)
			},
			wantCode: 200, wantBody: `{"ok":true}`,
			wantHeaders: map[string]string{"X-Multi": "a, b", "X-Request-Id": "req_1"},
		},
		{
			name:     "body capped",
			handler:  func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) },
			wantCode: 200, wantBody: big[:MaxResponseBody],
		},
		{
			name: "gzip decoded",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				zw := gzip.NewWriter(w)
				_, _ = io.WriteString(zw, "accepted")
				zw.Close()
			},
			wantCode: 200, wantBody: "accepted",
		},
		{
			name: "gzip capped after decoding",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				zw := gzip.NewWriter(w)
				_, _ = io.WriteString(zw, big)
				zw.Close()
			},
			wantCode: 200, wantBody: big[:MaxResponseBody],
		},
		{
			name: "NUL and invalid UTF-8 made storable",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("a\x00b\xffc"))
			},
			wantCode: 200, wantBody: "a\uFFFDb\uFFFDc",
		},
		{
			name: "server error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "boom", http.StatusInternalServerError)
			},
			wantCode: 500, wantBody: "boom\n", wantError: "HTTP 500",
		},
		{
			name: "redirect not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/" {
					panic("redirect followed")
				}
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
			},
			wantCode: 302, wantError: "redirect not followed: 302 to /elsewhere",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.handler)
			a := NewSender(SenderConfig{}).Send(t.Context(), claimFor(t, srv.URL))
			if a.StatusCode != tc.wantCode || a.Error != tc.wantError {
				t.Errorf("status %d, error %q; want %d, %q", a.StatusCode, a.Error, tc.wantCode, tc.wantError)
			}
			if tc.wantBody != "" && a.ResponseBody != tc.wantBody {
				t.Errorf("body = %.40q… (%d bytes), want %.40q… (%d bytes)", a.ResponseBody, len(a.ResponseBody), tc.wantBody, len(tc.wantBody))
			}
			for k, v := range tc.wantHeaders {
				if a.ResponseHeaders[k] != v {
					t.Errorf("response header %s = %q, want %q", k, a.ResponseHeaders[k], v)
				}
			}
		})
	}
}

// TestSenderGzipBomb sends an endless gzip stream that inflates without
// bound: the attempt must record 16 KiB and hang up, not read it all.
func TestSenderGzipBomb(t *testing.T) {
	t.Parallel()
	// One gzip member inflating 1000:1, repeated for ever: a multi-member
	// stream is valid gzip and costs the server nothing to produce.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	_, _ = zw.Write(bytes.Repeat([]byte("A"), 1<<20)) // into a bytes.Buffer
	zw.Close()
	handlerErr := make(chan error, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		for {
			if _, err := w.Write(member.Bytes()); err != nil {
				handlerErr <- err
				return
			}
		}
	})
	a := NewSender(SenderConfig{}).Send(t.Context(), claimFor(t, srv.URL))
	if a.StatusCode != 200 || a.Error != "" {
		t.Fatalf("attempt = %d %q; want 200", a.StatusCode, a.Error)
	}
	if a.ResponseBody != strings.Repeat("A", MaxResponseBody) {
		t.Fatalf("body is %d bytes starting %.20q; want %d decoded bytes", len(a.ResponseBody), a.ResponseBody, MaxResponseBody)
	}
	// The handler only returns once the client hung up on the stream.
	if err := <-handlerErr; err == nil {
		t.Fatal("handler stopped without a write error")
	}
}

// TestSenderReusesConnections checks that a response larger than the recorded
// cap is drained, so the next attempt to the host reuses the connection.
func TestSenderReusesConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 2*MaxResponseBody))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	s := NewSender(SenderConfig{})
	for range 3 {
		if a := s.Send(t.Context(), claimFor(t, srv.URL)); a.StatusCode != 200 {
			t.Fatalf("attempt = %+v", a)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 3 sequential attempts; want 1", n)
	}
}

func TestSenderFailures(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	up := newServer(t, func(w http.ResponseWriter, r *http.Request) { panic("must not be reached") })
	refused := errors.New("destination not allowed")

	for _, tc := range []struct {
		name      string
		cfg       SenderConfig
		mutate    func(*Claimed)
		wantError string
	}{
		{name: "connection refused", mutate: func(c *Claimed) { c.Endpoint.URL = closed.URL }, wantError: "connection refused"},
		{
			name:      "dial control refuses",
			cfg:       SenderConfig{DialControl: func(string, string, syscall.RawConn) error { return refused }},
			wantError: refused.Error(),
		},
		{name: "bad secret", mutate: func(c *Claimed) { c.Endpoint.Secret = "whsec_!!" }, wantError: "decode signing secret"},
		{name: "bad url", mutate: func(c *Claimed) { c.Endpoint.URL = "http://[::1" }, wantError: "build request"},
		{name: "unsupported scheme", mutate: func(c *Claimed) { c.Endpoint.URL = "ftp://example.com/" }, wantError: "unsupported protocol scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := claimFor(t, up.URL)
			if tc.mutate != nil {
				tc.mutate(&c)
			}
			a := NewSender(tc.cfg).Send(t.Context(), c)
			if a.StatusCode != 0 || a.Succeeded() || !strings.Contains(a.Error, tc.wantError) {
				t.Fatalf("attempt = %d %q; want no status and an error containing %q", a.StatusCode, a.Error, tc.wantError)
			}
			if strings.HasPrefix(a.Error, "Post ") {
				t.Errorf("error %q repeats the URL", a.Error)
			}
		})
	}
}

func TestSenderCancelled(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{}, 1)
	srv := newServer(t, hang(entered))
	ctx, cancel := context.WithCancelCause(t.Context())
	go func() {
		<-entered
		cancel(errors.New("canceled: worker stopped"))
	}()
	a := NewSender(SenderConfig{}).Send(ctx, claimFor(t, srv.URL))
	if a.Error != "canceled: worker stopped" || a.StatusCode != 0 {
		t.Fatalf("attempt = %d %q; want the cancellation cause", a.StatusCode, a.Error)
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		secs int
		want time.Duration
	}{
		{0, DefaultTimeout},
		{-1, DefaultTimeout},
		{5, 5 * time.Second},
		{60, time.Minute},
		{3600, MaxTimeout},
		{int(^uint(0) >> 1), MaxTimeout},
	} {
		if got := attemptTimeout(Endpoint{TimeoutSeconds: tc.secs}); got != tc.want {
			t.Errorf("attemptTimeout(%d) = %s, want %s", tc.secs, got, tc.want)
		}
	}
}
