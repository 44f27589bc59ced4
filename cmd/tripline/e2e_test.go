package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tripline/tripline/store/storetest"
)

const testKey = "tl_testkeytestkeytestkeytestkeytestkey000"

// TestMain lets the kill test run this test binary as a real Tripline process.
func TestMain(m *testing.M) {
	if args := os.Getenv("TRIPLINE_E2E_CHILD_ARGS"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			panic(err)
		}
		if err := Run(context.Background(), argv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lines is an io.Writer that hands each complete line to a channel.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
	all strings.Builder
	ch  chan string
}

func newLines() *lines { return &lines{ch: make(chan string, 100)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line)
			return len(p), nil
		}
		select {
		case l.ch <- strings.TrimSpace(line):
		default:
		}
	}
}

func (l *lines) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.all.String() }

// waitFor returns the first line holding prefix, and what came after it.
func (l *lines) waitFor(t testing.TB, prefix string) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line := <-l.ch:
			if i := strings.Index(line, prefix); i >= 0 {
				return line[i+len(prefix):]
			}
		case <-deadline:
			t.Fatalf("no line %q in output:\n%s", prefix, l.String())
		}
	}
}

// instance is a running Tripline and a client for its API.
type instance struct {
	t    testing.TB
	url  string
	key  string
	out  *lines
	logs *lines // stderr: the log
	stop func()
}

func databaseURL(t testing.TB, dialect string) string {
	if dialect == "postgres" {
		return storetest.PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "tripline.db")
}

// start runs Tripline in this process until the test ends.
func start(t testing.TB, dbURL string, extra ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := newLines(), newLines()
	// The receivers of tests listen on loopback: let the SSRF guard through,
	// unless the test says otherwise (a later --allow-private-destinations=false wins).
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", dbURL, "--secret-key", "test-secret-key-0123456789",
		"--shutdown-timeout", "5s", "--allow-private-destinations"}, extra...)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, args, out, logs) }()
	tl := &instance{t: t, key: testKey, out: out, logs: logs}
	select {
	case err := <-done:
		t.Fatalf("tripline exited: %v\n%s", err, out.String())
	case <-time.After(0):
	}
	addrLine := out.waitFor(t, "listening on ")
	tl.url = strings.Fields(addrLine)[0]
	var once sync.Once
	tl.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("tripline stopped with: %v", err)
			}
		})
	}
	t.Cleanup(tl.stop)
	return tl
}

// do sends a request and decodes the JSON answer.
func (tl *instance) do(method, path string, body any) (int, map[string]any) {
	tl.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tl.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, tl.url+path, rd)
	if err != nil {
		tl.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tl.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tl.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &m); err != nil {
			tl.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, m
}

// must sends a request and fails the test unless the status is want.
func (tl *instance) must(want int, method, path string, body any) map[string]any {
	tl.t.Helper()
	status, m := tl.do(method, path, body)
	if status != want {
		tl.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, m)
	}
	return m
}

// receiver is a webhook receiver that verifies Standard Webhooks signatures
// with the official library.
type receiver struct {
	*httptest.Server
	secret  string
	mu      sync.Mutex
	got     []received
	arrived chan received
	answer  func(w http.ResponseWriter, r *http.Request) bool // false: do not record
}

type received struct {
	headers http.Header
	body    map[string]any
	err     error
}

func newReceiver(t testing.TB) *receiver {
	rc := &receiver{arrived: make(chan received, 1000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc.answer != nil && !rc.answer(w, r) {
			return
		}
		raw, _ := io.ReadAll(r.Body)
		got := received{headers: r.Header.Clone()}
		rc.mu.Lock()
		secret := rc.secret
		rc.mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err == nil {
			err = wh.Verify(raw, r.Header)
		}
		got.err = err
		_ = json.Unmarshal(raw, &got.body)
		rc.mu.Lock()
		rc.got = append(rc.got, got)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		rc.arrived <- got
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) setSecret(s string) { rc.mu.Lock(); rc.secret = s; rc.mu.Unlock() }

func (rc *receiver) next(t testing.TB) received {
	t.Helper()
	select {
	case r := <-rc.arrived:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery arrived within 30s")
	}
	return received{}
}

func forEachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// TestWalkthrough drives the README's walkthrough against the real server.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		tl := start(t, databaseURL(t, dialect), "--bootstrap-api-key", testKey)
		rc := newReceiver(t)

		folder := tl.must(201, "POST", "/v1/folders", map[string]any{"name": "Sales"})
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "Sheets", "url": rc.URL + "/hook"})
		secret, _ := ep["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("endpoint secret %q", secret)
		}
		rc.setSecret(secret)
		if got := tl.must(200, "GET", "/v1/endpoints/"+ep["id"].(string), nil); got["secret"] != nil {
			t.Fatalf("secret shown again: %v", got["secret"])
		}
		rule := tl.must(201, "POST", "/v1/rules", map[string]any{
			"folder_id": folder["id"], "name": "Order closed → Sheets",
			"trigger":   map[string]any{"type": "tag_applied", "tag": "Order Closed"},
			"condition": "contact.custom_fields.budget > 1000",
			"actions":   []any{map[string]any{"type": "webhook", "endpoint_id": ep["id"]}},
		})

		// A contact below budget fires nothing; one above fires one delivery.
		res := tl.must(202, "POST", "/v1/events", map[string]any{"events": []any{
			map[string]any{"id": "e1", "type": "contact_updated", "contact_id": "c_small", "contact": map[string]any{"custom_fields": map[string]any{"budget": 10}}},
			map[string]any{"id": "e2", "type": "tag_applied", "contact_id": "c_small", "tag": "Order Closed"},
			map[string]any{"id": "e3", "type": "contact_updated", "contact_id": "c_123", "contact": map[string]any{"name": "John Smith", "email": "john@example.com", "custom_fields": map[string]any{"budget": 10000}}},
			map[string]any{"id": "e4", "type": "tag_applied", "contact_id": "c_123", "tag": "Order Closed"},
		}})
		if res["accepted"] != 4.0 || res["duplicates"] != 0.0 {
			t.Fatalf("ingest answer %v", res)
		}
		got := rc.next(t)
		if got.err != nil {
			t.Fatalf("official library rejects the signature: %v", got.err)
		}
		b := got.body
		if b["event"] != "tag_applied" || b["contact_id"] != "c_123" || b["tag"] != "Order Closed" || !strings.HasPrefix(b["id"].(string), "evt_") {
			t.Fatalf("payload %v", b)
		}
		if b["rule"].(map[string]any)["id"] != rule["id"] || b["contact"].(map[string]any)["email"] != "john@example.com" {
			t.Fatalf("payload rule/contact %v", b)
		}
		if got.headers.Get("X-Tripline-Event") != "tag_applied" || !strings.HasPrefix(got.headers.Get("User-Agent"), "Tripline/") {
			t.Fatalf("headers %v", got.headers)
		}

		// A repeat of an event id is a duplicate and fires nothing.
		dup := tl.must(200, "POST", "/v1/events", map[string]any{"id": "e4", "type": "tag_applied", "contact_id": "c_123", "tag": "Order Closed"})
		if dup["duplicate"] != true {
			t.Fatalf("duplicate answer %v", dup)
		}

		// The delivery log shows the delivery and its attempt.
		list := tl.must(200, "GET", "/v1/deliveries?endpoint_id="+ep["id"].(string), nil)
		items := list["data"].([]any)
		if len(items) != 1 {
			t.Fatalf("deliveries %v", list)
		}
		d := items[0].(map[string]any)
		if d["id"] != got.headers.Get("webhook-id") {
			t.Fatalf("delivery id %v, webhook-id %v", d["id"], got.headers.Get("webhook-id"))
		}
		var detail map[string]any
		eventually(5*time.Second, func() bool { // the outcome is recorded just after the receiver answers
			detail = tl.must(200, "GET", "/v1/deliveries/"+d["id"].(string), nil)
			return detail["status"] == "succeeded"
		})
		attempts, _ := detail["attempts"].([]any)
		if detail["status"] != "succeeded" || len(attempts) != 1 || attempts[0].(map[string]any)["status_code"] != 200.0 {
			t.Fatalf("delivery detail %v", detail)
		}
		if detail["payload"].(map[string]any)["id"] != b["id"] {
			t.Fatalf("stored payload %v", detail["payload"])
		}

		// Bad input gets problem+json naming the field.
		for _, tc := range []struct {
			path, body, field string
		}{
			{"/v1/events", `{"type": "tag_applied", "contact_id": "c1", "tag": `, ""},
			{"/v1/events", `{"type": "tag_aplied", "contact_id": "c1"}`, "type"},
			{"/v1/events", `{"type": "tag_applied", "tag": "x"}`, "contact_id"},
			{"/v1/rules", `{"name": "x", "trigger": {"type": "tag_applied"}, "condition": "contact.emial == 1", "actions": [{"endpoint_id": "` + ep["id"].(string) + `"}]}`, "condition"},
			{"/v1/rules", `{"name": "x", "trigger": {"type": "tag_applied"}, "actions": [{"endpoint_id": "ep_nope"}]}`, "actions[0].endpoint_id"},
		} {
			status, problem := tl.do("POST", tc.path, tc.body)
			if status != 400 {
				t.Fatalf("%s %s: status %d %v", tc.path, tc.body, status, problem)
			}
			if tc.field != "" {
				errs, _ := problem["errors"].([]any)
				if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
					t.Fatalf("%s: want field %q in %v", tc.body, tc.field, problem)
				}
			}
		}
		big := make([]any, 1001)
		for i := range big {
			big[i] = map[string]any{"type": "tag_applied", "contact_id": "c", "tag": "t"}
		}
		if status, p := tl.do("POST", "/v1/events", map[string]any{"events": big}); status != 400 {
			t.Fatalf("batch over 1,000: %d %v", status, p)
		}
	})
}

// TestFirstStart: on an empty database Tripline creates the default workspace
// and prints its API key once.
func TestFirstStart(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tripline.db")
	tl := start(t, db)
	if !strings.Contains(tl.out.String(), "API key: tl_") {
		t.Fatalf("first start printed no key:\n%s", tl.out.String())
	}
	key := strings.Fields(strings.SplitAfter(tl.out.String(), "API key: ")[1])[0]
	tl.key = key
	tl.must(200, "GET", "/v1/folders", nil)
	tl.key = "tl_wrong"
	if status, _ := tl.do("GET", "/v1/folders", nil); status != 401 {
		t.Fatalf("wrong key: %d", status)
	}
	tl.stop()
	again := start(t, db)
	if strings.Contains(again.out.String(), "API key:") {
		t.Fatalf("second start printed a key again:\n%s", again.out.String())
	}
}

// child is Tripline running as a separate process, so that it can be killed.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t testing.TB, dbURL string) *child {
	t.Helper()
	return startChildWith(t, dbURL, io.Discard, "--claim-lease", "4s")
}

// startChildWith starts Tripline as a child process with extra flags; its
// log goes to stderr.
func startChildWith(t testing.TB, dbURL string, stderr io.Writer, extra ...string) *child {
	t.Helper()
	args, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", dbURL,
		"--secret-key", "test-secret-key-0123456789", "--bootstrap-api-key", testKey,
		"--allow-private-destinations"}, extra...))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "TRIPLINE_E2E_CHILD_ARGS="+string(args))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return &child{cmd: cmd, url: strings.Fields(after)[0]}
		}
	}
	t.Fatal("child exited before listening")
	return nil
}

// TestKillLosesNothing kills Tripline with SIGKILL while deliveries are pending
// and in flight; after a restart every accepted event's delivery arrives.
func TestKillLosesNothing(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		db := databaseURL(t, dialect)
		rc := newReceiver(t)
		var hang sync.Mutex
		hanging := true
		inFlight := make(chan struct{}, 100)
		rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
			hang.Lock()
			h := hanging
			hang.Unlock()
			if h {
				// Read the body so that the server notices the killed client hang up.
				_, _ = io.Copy(io.Discard, r.Body)
				inFlight <- struct{}{}
				<-r.Context().Done() // until the killed process's connection drops
				return false
			}
			return true
		}

		a := startChild(t, db)
		tl := &instance{t: t, url: a.url, key: testKey}
		ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "R", "url": rc.URL, "timeout_seconds": 3})
		rc.setSecret(ep["secret"].(string))
		tl.must(201, "POST", "/v1/rules", map[string]any{"name": "all tags",
			"trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": ep["id"]}}})
		const n = 30
		// As many through a source's ingest URL (POST /in/{token}), as
		// durable as POST /v1/events.
		src := tl.must(201, "POST", "/v1/sources", map[string]any{"name": "X bot", "kind": "chatbotx"})
		for i := range n {
			tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", i), "tag": "t"})
			body := fmt.Sprintf(`{"id":"d_%d","event":"tag_applied","contact_id":"s_%d","tag":"t"}`, i, i)
			if status, m := postIn(t, src["ingest_url"].(string), inbound{body: []byte(body)}); status != 202 {
				t.Fatalf("POST /in: %d %v", status, m)
			}
		}
		select {
		case <-inFlight:
		case <-time.After(30 * time.Second):
			t.Fatal("no delivery went out before the kill")
		}
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()

		hang.Lock()
		hanging = false
		hang.Unlock()
		b := startChild(t, db)
		seen := map[string]bool{}
		deadline := time.After(90 * time.Second)
		for len(seen) < 2*n {
			select {
			case r := <-rc.arrived:
				if r.err != nil {
					t.Fatalf("bad signature after restart: %v", r.err)
				}
				seen[r.body["contact_id"].(string)] = true
			case <-deadline:
				t.Fatalf("after restart only %d of %d deliveries arrived", len(seen), 2*n)
			}
		}
		_ = b
	})
}
