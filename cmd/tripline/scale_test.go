package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// TestTwoInstances runs two Tripline processes on one Postgres database.
// When nothing crashes every delivery arrives exactly once (N distinct
// webhook-ids, N requests); when one is killed with SIGKILL while it holds
// deliveries in flight, the other takes them over after the lease and none
// is lost.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	if os.Getenv("TRIPLINE_TEST_DATABASE_URL") == "" {
		t.Skip("TRIPLINE_TEST_DATABASE_URL is not set")
	}

	// counter counts requests per webhook-id and answers 200 unless hold
	// says otherwise.
	type counter struct {
		mu    sync.Mutex
		count map[string]int
		total int
	}
	setup := func(t *testing.T, rc *receiver, api *instance) map[string]any {
		ep := api.must(201, "POST", "/v1/endpoints", map[string]any{"name": "R", "url": rc.URL, "timeout_seconds": 3})
		rc.setSecret(ep["secret"].(string))
		api.must(201, "POST", "/v1/rules", map[string]any{"name": "all tags",
			"trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": ep["id"]}}})
		return ep
	}
	settled := func(t *testing.T, api *instance) {
		t.Helper()
		for _, status := range []string{"pending", "sending", "failed"} {
			var list map[string]any
			if !eventually(60*time.Second, func() bool {
				list = api.must(200, "GET", "/v1/deliveries?status="+status, nil)
				return len(list["data"].([]any)) == 0
			}) {
				t.Fatalf("deliveries still %s: %v", status, list["data"])
			}
		}
	}

	t.Run("exactly once", func(t *testing.T) {
		t.Parallel()
		db := databaseURL(t, "postgres")
		rc := newReceiver(t)
		c := &counter{count: map[string]int{}}
		rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
			c.mu.Lock()
			c.count[r.Header.Get("webhook-id")]++
			c.total++
			c.mu.Unlock()
			return true
		}
		a := startChild(t, db)
		b := startChild(t, db)
		apiA, apiB := &instance{t: t, url: a.url, key: testKey}, &instance{t: t, url: b.url, key: testKey}
		setup(t, rc, apiA)
		const n = 200
		for i := 0; i < n; i += 10 {
			api := apiA
			if i/10%2 == 1 {
				api = apiB
			}
			events := make([]any, 10)
			for j := range events {
				events[j] = map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", i+j), "tag": "t"}
			}
			api.must(202, "POST", "/v1/events", map[string]any{"events": events})
		}
		for range n {
			if r := rc.next(t); r.err != nil {
				t.Fatalf("bad signature: %v", r.err)
			}
		}
		settled(t, apiB)
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.count) != n || c.total != n {
			t.Fatalf("%d distinct webhook-ids in %d requests, want %d and %d", len(c.count), c.total, n, n)
		}
	})

	t.Run("kill one", func(t *testing.T) {
		t.Parallel()
		db := databaseURL(t, "postgres")
		rc := newReceiver(t)
		release := make(chan struct{})
		inFlight := make(chan struct{}, 1000)
		rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
			// Read the body so that the server notices a killed client hang up.
			raw, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			inFlight <- struct{}{}
			select {
			case <-release:
				return true
			case <-r.Context().Done(): // the sender was killed
				return false
			}
		}
		a := startChild(t, db)
		apiA := &instance{t: t, url: a.url, key: testKey}
		setup(t, rc, apiA)
		const n = 60
		events := make([]any, n)
		for i := range events {
			events[i] = map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", i), "tag": "t"}
		}
		apiA.must(202, "POST", "/v1/events", map[string]any{"events": events})
		select { // what is in flight now is A's: B is not running yet
		case <-inFlight:
		case <-time.After(30 * time.Second):
			t.Fatal("no delivery went out")
		}
		b := startChild(t, db)
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()
		close(release)

		seen := map[string]bool{}
		deadline := time.After(90 * time.Second)
		for len(seen) < n {
			select {
			case r := <-rc.arrived:
				if r.err != nil {
					t.Fatalf("bad signature: %v", r.err)
				}
				seen[r.headers.Get("webhook-id")] = true
			case <-deadline:
				t.Fatalf("after the kill only %d of %d deliveries arrived", len(seen), n)
			}
		}
		settled(t, &instance{t: t, url: b.url, key: testKey})
	})
}
