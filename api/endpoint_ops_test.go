package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
)

func TestDeliveryOperations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.putEndpoint(actions.Endpoint{ID: "ep_1", WorkspaceID: "ws_a", URL: "https://x.test", Secret: "whsec_x", CreatedAt: testNow, UpdatedAt: testNow})
	for i, st := range []actions.Status{actions.StatusPaused, actions.StatusDead, actions.StatusSucceeded, actions.StatusSending} {
		b.store.putDelivery(fakeDelivery{d: actions.Delivery{ID: fmt.Sprintf("msg_%d", i), WorkspaceID: "ws_a", EndpointID: "ep_1", Status: st, CreatedAt: testNow}})
	}
	// enable {"discard_paused": true} discards the paused one.
	b.do(http.MethodPost, "/v1/endpoints/ep_1/enable", map[string]any{"discard_paused": true}).want(t, http.StatusOK)
	if res := b.do(http.MethodGet, "/v1/deliveries/msg_0", nil).want(t, http.StatusOK); res.str("status") != "discarded" {
		t.Fatalf("after enable with discard_paused: %s", res.Raw)
	}
	b.do(http.MethodPost, "/v1/endpoints/ep_1/enable", map[string]any{"discard": true}).field(t, "discard", "not a known field")

	// redeliver: 202 with the delivery, a new series.
	res := b.do(http.MethodPost, "/v1/deliveries/msg_2/redeliver", nil).want(t, http.StatusAccepted)
	if res.str("id") != "msg_2" || res.str("status") != "pending" || res.Body["attempt_count"] != 0.0 {
		t.Fatalf("redeliver: %s", res.Raw)
	}
	b.do(http.MethodPost, "/v1/deliveries/msg_3/redeliver", nil).problem(t, http.StatusConflict)
	b.do(http.MethodPost, "/v1/deliveries/msg_nope/redeliver", nil).problem(t, http.StatusNotFound)
	b.doKey(keyB, http.MethodPost, "/v1/deliveries/msg_2/redeliver", nil).problem(t, http.StatusNotFound)

	// discard: a pending one yes, a sending one 409.
	if res := b.do(http.MethodPost, "/v1/deliveries/msg_2/discard", nil).want(t, http.StatusOK); res.str("status") != "discarded" {
		t.Fatalf("discard: %s", res.Raw)
	}
	b.do(http.MethodPost, "/v1/deliveries/msg_3/discard", nil).problem(t, http.StatusConflict)

	// recover
	res = b.do(http.MethodPost, "/v1/endpoints/ep_1/recover", map[string]any{"since": "2020-01-01T00:00:00Z"}).want(t, http.StatusOK)
	if res.Body["recovered"] != 1.0 { // msg_1, dead
		t.Fatalf("recover: %s", res.Raw)
	}
	b.do(http.MethodPost, "/v1/endpoints/ep_1/recover", map[string]any{"statuses": []string{"dead"}}).field(t, "since", "required")
	b.do(http.MethodPost, "/v1/endpoints/ep_1/recover", map[string]any{"since": "2020-01-01T00:00:00Z", "statuses": []string{"sending"}}).
		field(t, "statuses[0]", "must be one of")
	b.do(http.MethodPost, "/v1/endpoints/ep_1/recover", map[string]any{"since": "yesterday"}).field(t, "since", "RFC 3339")
	b.do(http.MethodPost, "/v1/endpoints/ep_nope/recover", map[string]any{"since": "2020-01-01T00:00:00Z"}).problem(t, http.StatusNotFound)
}

func TestRotateSecret(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.putEndpoint(actions.Endpoint{ID: "ep_1", WorkspaceID: "ws_a", URL: "https://x.test", Secret: "whsec_old", Enabled: true, CreatedAt: testNow, UpdatedAt: testNow})
	res := b.do(http.MethodPost, "/v1/endpoints/ep_1/rotate-secret", nil).want(t, http.StatusOK)
	want := testNow.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if res.str("secret") != "whsec_dGVzdA==" || res.str("previous_secret_expires_at") != want {
		t.Fatalf("rotate: %s (want expiry %s)", res.Raw, want)
	}
	if got := b.do(http.MethodGet, "/v1/endpoints/ep_1", nil).want(t, http.StatusOK); got.str("secret") != "" {
		t.Fatalf("the secret is shown again: %s", got.Raw)
	}
	res = b.do(http.MethodPost, "/v1/endpoints/ep_1/rotate-secret", map[string]any{"grace_seconds": 0}).want(t, http.StatusOK)
	if res.Body["previous_secret_expires_at"] != nil {
		t.Fatalf("rotate without grace: %s", res.Raw)
	}
	b.do(http.MethodPost, "/v1/endpoints/ep_1/rotate-secret", map[string]any{"grace_seconds": -1}).field(t, "grace_seconds", "from 0")
	b.do(http.MethodPost, "/v1/endpoints/ep_x/rotate-secret", nil).problem(t, http.StatusNotFound)
}

func TestEndpointTestValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.putEndpoint(actions.Endpoint{ID: "ep_1", WorkspaceID: "ws_a", URL: "https://x.test", Secret: "whsec_x", CreatedAt: testNow, UpdatedAt: testNow})
	b.do(http.MethodPost, "/v1/endpoints/ep_1/test", map[string]any{"event": "tag_aplied"}).field(t, "event", "not a trigger type")
	b.do(http.MethodPost, "/v1/endpoints/ep_2/test", nil).problem(t, http.StatusNotFound)
}

func TestEndpointURLRefusedBySSRFGuard(t *testing.T) {
	t.Parallel()
	guard := actions.DestinationPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}}
	b := setup(t, func(c *api.Config) { c.CheckDestination = guard.CheckURL })
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://127.0.0.1:9000/hook"}).
		field(t, "url", "destination 127.0.0.1 is a loopback address")
	b.do(http.MethodPost, "/v1/endpoints", map[string]any{"url": "http://[::ffff:169.254.169.254]/"}).field(t, "url", "cloud metadata")
	id := b.create(keyA, "/v1/endpoints", map[string]any{"url": "http://10.9.1.1/hook"})
	b.do(http.MethodPatch, "/v1/endpoints/"+id, map[string]any{"url": "http://10.0.0.5/"}).field(t, "url", "private address")
}

// A test send with a payload sends that payload as it is, signed; null is
// refused, and without a payload the trigger type's sample goes.
func TestEndpointTestPayload(t *testing.T) {
	t.Parallel()
	type got struct {
		body string
		sig  string
	}
	received := make(chan got, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		received <- got{string(body), r.Header.Get("webhook-signature")}
		w.Header().Set("X-Seen", "yes")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("thanks"))
	}))
	t.Cleanup(srv.Close)
	b := setup(t)
	b.store.putEndpoint(actions.Endpoint{ID: "ep_1", WorkspaceID: "ws_a", URL: srv.URL, Secret: "whsec_dGVzdA==", CreatedAt: testNow, UpdatedAt: testNow})

	b.do(http.MethodPost, "/v1/endpoints/ep_1/test", map[string]any{"payload": nil}).field(t, "payload", "other than null")
	b.do(http.MethodPost, "/v1/endpoints/ep_1/test", map[string]any{"payload": 1, "event": "nope"}).field(t, "event", "not a trigger type")

	res := b.do(http.MethodPost, "/v1/endpoints/ep_1/test", map[string]any{"payload": map[string]any{"email": "ann@example.com", "budget": 1200}}).want(t, http.StatusOK)
	if res.Body["status_code"] != float64(http.StatusAccepted) || res.str("response_body") != "thanks" ||
		res.Body["response_headers"].(map[string]any)["X-Seen"] != "yes" {
		t.Fatalf("test send: %s", res.Raw)
	}
	g := <-received
	if g.body != `{"budget":1200,"email":"ann@example.com"}` || !strings.HasPrefix(g.sig, "v1,") {
		t.Fatalf("received %q signed %q; want the payload as sent, signed", g.body, g.sig)
	}

	b.do(http.MethodPost, "/v1/endpoints/ep_1/test", map[string]any{"event": "tag_removed"}).want(t, http.StatusOK)
	if g = <-received; !strings.Contains(g.body, `"event":"tag_removed"`) {
		t.Fatalf("sample send: %s", g.body)
	}
}
