package actions

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkSender measures the sender's own work per attempt: signing and
// building the request ("request"), and a whole attempt against a local
// server that answers 204 ("send", the round trip included).
//
//	go test ./actions -run '^$' -bench Sender
func BenchmarkSender(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	b.Cleanup(srv.Close)
	secret, err := NewSecret()
	if err != nil {
		b.Fatal(err)
	}
	c := Claimed{
		Delivery: Delivery{ID: "msg_01JD3Q5V4W8K9Z2M6N7P1R0S2T", EndpointID: "ep_1", Event: "tag_applied", Status: StatusPending},
		Message:  Message{Payload: []byte(`{"id":"evt_1","event":"tag_applied","contact":{"id":"b1","tags":["bench-0"]}` + strings.Repeat(" ", 500) + `}`)},
		Endpoint: Endpoint{ID: "ep_1", URL: srv.URL + "/ep/0/0", Enabled: true, Secret: secret},
	}
	s := NewSender(SenderConfig{UserAgent: "Tripline/bench"})
	b.Run("request", func(b *testing.B) {
		b.ReportAllocs()
		now := time.Now()
		for b.Loop() {
			if _, err := s.request(b.Context(), c, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("send", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if a := s.Send(b.Context(), c); !a.Succeeded() {
				b.Fatal(a.Error)
			}
		}
	})
}
