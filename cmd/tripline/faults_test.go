package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults of a child process that bound its duplicates after kill -9:
// sends in flight to one endpoint (a quarter of the worker's 64 slots) plus
// one record batch (actions.WorkerConfig.RecordBatchSize).
const (
	childEndpointInFlight = 16
	childRecordBatch      = 300
)

// counting is a webhook receiver that counts requests per webhook-id and
// remembers the contact of each; it answers 200 after delay, or when the
// sender hangs up.
type counting struct {
	*httptest.Server
	delay time.Duration
	hold  chan struct{} // when set, answers wait for it to be closed

	mu       sync.Mutex
	count    map[string]int    // requests per webhook-id
	contacts map[string]string // webhook-id → contact_id
	total    int
	changed  chan struct{}
}

func newCounting(t testing.TB, delay time.Duration) *counting {
	c := &counting{delay: delay, count: map[string]int{}, contacts: map[string]string{}, changed: make(chan struct{}, 1)}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		delay, hold := c.delay, c.hold
		c.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		var body struct {
			ContactID string `json:"contact_id"`
		}
		_ = json.Unmarshal(raw, &body)
		id := r.Header.Get("webhook-id")
		c.mu.Lock()
		c.count[id]++
		c.contacts[id] = body.ContactID
		c.total++
		c.mu.Unlock()
		select {
		case c.changed <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(c.Close)
	return c
}

// stats returns the distinct webhook-ids and the requests received.
func (c *counting) stats() (distinct, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.count), c.total
}

// contactSet returns the contacts whose delivery arrived.
func (c *counting) contactSet() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := make(map[string]bool, len(c.contacts))
	for _, ct := range c.contacts {
		got[ct] = true
	}
	return got
}

// waitFor waits until cond holds, at most within.
func (c *counting) waitFor(t testing.TB, what string, within time.Duration, cond func(distinct, total int) bool) {
	t.Helper()
	deadline := time.After(within)
	for {
		if cond(c.stats()) {
			return
		}
		select {
		case <-c.changed:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			d, n := c.stats()
			t.Fatalf("%s: not within %s (%d distinct deliveries, %d requests)", what, within, d, n)
		}
	}
}

// setupEndpoint makes an endpoint to url and a rule sending every tag_applied to it.
func setupEndpoint(t testing.TB, api *instance, url string, timeoutSeconds int) {
	t.Helper()
	ep := api.must(201, "POST", "/v1/endpoints", map[string]any{"name": "R", "url": url, "timeout_seconds": timeoutSeconds})
	api.must(201, "POST", "/v1/rules", map[string]any{"name": "all tags",
		"trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": ep["id"]}}})
}

// postEvents posts tag_applied events for contacts first..first+n-1 and
// returns the status, or an error when no answer came.
func postEvents(client *http.Client, url string, first, n int) (int, error) {
	events := make([]any, n)
	for i := range events {
		events[i] = map[string]any{"type": "tag_applied", "contact_id": fmt.Sprintf("c_%d", first+i), "tag": "t"}
	}
	body, _ := json.Marshal(map[string]any{"events": events})
	req, err := http.NewRequest("POST", url+"/v1/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		return resp.StatusCode, fmt.Errorf("503 without Retry-After")
	}
	return resp.StatusCode, nil
}

// TestKillDuplicates kills Tripline with SIGKILL while it delivers at full
// speed, restarts it, and counts the deliveries the receiver got twice:
// at most the sends in flight plus one record batch (docs/operations.md).
// Nothing accepted is lost.
func TestKillDuplicates(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		db := databaseURL(t, dialect)
		rc := newCounting(t, 0)
		a := startChildWith(t, db, io.Discard)
		setupEndpoint(t, &instance{t: t, url: a.url, key: testKey}, rc.URL, 10)

		// A backlog first (the receiver holds its answers meanwhile), then
		// the kill while it drains at full speed.
		hold := make(chan struct{})
		rc.mu.Lock()
		rc.hold = hold
		rc.mu.Unlock()
		const batch, events = 100, 4000
		client := &http.Client{Timeout: 10 * time.Second}
		for first := 0; first < events; first += batch {
			if status, err := postEvents(client, a.url, first, batch); err != nil || status != http.StatusAccepted {
				t.Fatalf("post: %d %v", status, err)
			}
		}
		close(hold)
		rc.waitFor(t, "1,000 deliveries before the kill", 60*time.Second, func(d, _ int) bool { return d >= 1000 })
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()
		before, _ := rc.stats()
		accepted := events

		startChildWith(t, db, io.Discard)
		want := accepted
		start := time.Now()
		rc.waitFor(t, "every accepted event delivered after the restart", 90*time.Second, func(d, _ int) bool { return d >= want })
		distinct, total := rc.stats()
		if got := rc.contactSet(); len(got) < want {
			t.Fatalf("%d of %d accepted contacts delivered", len(got), want)
		}
		dups, bound := total-distinct, childEndpointInFlight+childRecordBatch
		t.Logf("%s: kill -9 after %d of %d accepted deliveries: %d duplicates (bound %d); all delivered %.1fs after the restart",
			dialect, before, want, dups, bound, time.Since(start).Seconds())
		if dups > bound {
			t.Fatalf("%d duplicates after kill -9, more than the bound %d (in flight %d + record batch %d)",
				dups, bound, childEndpointInFlight, childRecordBatch)
		}
	})
}

// TestTwoInstancesLeases: two instances on one Postgres with the default
// lease (15 s, renewed every 5 s). A send slower than the lease is never
// taken over by the other instance; when one instance is killed, the other
// delivers all of its claims within 30 s.
func TestTwoInstancesLeases(t *testing.T) {
	t.Parallel()
	if os.Getenv("TRIPLINE_TEST_DATABASE_URL") == "" {
		t.Skip("TRIPLINE_TEST_DATABASE_URL is not set")
	}

	t.Run("slow sends are not stolen", func(t *testing.T) {
		t.Parallel()
		db := databaseURL(t, "postgres")
		// Lease 3 s, heartbeat 1 s; each answer takes 4 s.
		rc := newCounting(t, 4*time.Second)
		a := startChildWith(t, db, io.Discard, "--claim-lease", "3s")
		b := startChildWith(t, db, io.Discard, "--claim-lease", "3s")
		apiA, apiB := &instance{t: t, url: a.url, key: testKey}, &instance{t: t, url: b.url, key: testKey}
		setupEndpoint(t, apiA, rc.URL, 10)
		const n = 40
		client := &http.Client{Timeout: 10 * time.Second}
		for i := 0; i < n; i += 10 {
			url := a.url
			if i/10%2 == 1 {
				url = b.url
			}
			if status, err := postEvents(client, url, i, 10); err != nil || status != http.StatusAccepted {
				t.Fatalf("post: %d %v", status, err)
			}
		}
		rc.waitFor(t, "all deliveries", 60*time.Second, func(d, _ int) bool { return d >= n })
		// Every delivery is recorded (none left to be taken over later)…
		waitNone(t, apiB, "sending", 30*time.Second)
		// …and each arrived once.
		if distinct, total := rc.stats(); distinct != n || total != n {
			t.Fatalf("%d distinct deliveries in %d requests, want %d in %d: a slow send was taken over", distinct, total, n, n)
		}
	})

	t.Run("kill one", func(t *testing.T) {
		t.Parallel()
		db := databaseURL(t, "postgres")
		rc := newCounting(t, time.Hour) // hang until the sender hangs up…
		a := startChildWith(t, db, io.Discard)
		apiA := &instance{t: t, url: a.url, key: testKey}
		setupEndpoint(t, apiA, rc.URL, 30)
		const n = 60
		if status, err := postEvents(&http.Client{Timeout: 10 * time.Second}, a.url, 0, n); err != nil || status != http.StatusAccepted {
			t.Fatalf("post: %d %v", status, err)
		}
		waitNone(t, apiA, "pending", 30*time.Second) // A holds all of them: in flight or held back
		b := startChildWith(t, db, io.Discard)
		rc.mu.Lock()
		rc.delay = 0 // …then answer at once
		rc.mu.Unlock()
		killed := time.Now()
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()
		rc.waitFor(t, "the killed instance's claims delivered by the other", 30*time.Second, func(d, _ int) bool { return d >= n })
		t.Logf("after kill -9 of one instance the other delivered its %d claims in %.1fs", n, time.Since(killed).Seconds())
		waitNone(t, &instance{t: t, url: b.url, key: testKey}, "sending", 30*time.Second)
	})
}

// waitNone waits until no delivery has status.
func waitNone(t *testing.T, api *instance, status string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		list := api.must(200, "GET", "/v1/deliveries?status="+status, nil)
		if len(list["data"].([]any)) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still %s after %s: %v", status, within, list["data"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cluster is a Postgres server of the test's own, in a temporary directory
// on a free port, that the test may stop and start (never the shared one).
type cluster struct {
	t    *testing.T
	dir  string
	port int
}

// ownPostgres makes and starts a cluster with initdb and pg_ctl, run as the
// postgres user when the test runs as root. Without them the test is
// skipped, except in CI (CI=true), where it fails.
func ownPostgres(t *testing.T) *cluster {
	t.Helper()
	for _, tool := range []string{"initdb", "pg_ctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "tripline-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user for initdb: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir, port: l.Addr().(*net.TCPAddr).Port}
	_ = l.Close()
	c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	c.start()
	t.Cleanup(func() { _ = c.cmd("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop").Run() })
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

// URL is the cluster's postgres database.
func (c *cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

func (c *cluster) cmd(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func (c *cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.cmd(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// start starts the server and waits until it accepts connections.
func (c *cluster) start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40", c.port, c.dir), "start")
}

// stop stops the server as an operator's restart does: it disconnects every
// session (57P01) and refuses new ones until started again.
func (c *cluster) stop() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "stop")
}

// TestPostgresOutage stops the test's own Postgres under load and starts it
// again: every answer meanwhile is 202 or 503 (with Retry-After) within 5 s,
// the outage is logged once rather than once per request, the process
// recovers by itself, and every accepted event is delivered.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	pg := ownPostgres(t)
	logs := newLines()
	a := startChildWith(t, pg.URL(), logs, "--log-format", "json")
	api := &instance{t: t, url: a.url, key: testKey}
	rc := newCounting(t, 0)
	setupEndpoint(t, api, rc.URL, 10)

	type counts struct{ accepted, unavailable int }
	var (
		mu               sync.Mutex
		now              counts
		acceptedContacts = map[string]bool{}
		bad              []string
	)
	snapshot := func() counts { mu.Lock(); defer mu.Unlock(); return now }
	stop := make(chan struct{})
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		client := &http.Client{Timeout: 10 * time.Second}
		tick := time.NewTicker(20 * time.Millisecond) // pacing: about 50 requests/s
		defer tick.Stop()
		for i := 0; i < 6000; i++ { // at most 2 minutes
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			const n = 5
			began := time.Now()
			status, err := postEvents(client, a.url, i*n, n)
			took := time.Since(began)
			mu.Lock()
			switch {
			case err != nil || took > 5*time.Second || (status != http.StatusAccepted && status != http.StatusServiceUnavailable):
				bad = append(bad, fmt.Sprintf("request %d: status %d after %s: %v", i, status, took, err))
			case status == http.StatusAccepted:
				now.accepted++
				for j := range n {
					acceptedContacts[fmt.Sprintf("c_%d", i*n+j)] = true
				}
			default:
				now.unavailable++
			}
			mu.Unlock()
		}
	}()
	waitCounts := func(what string, cond func(counts) bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(snapshot()); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 60s (%+v)", what, snapshot())
			}
		}
	}

	waitCounts("20 accepted before the outage", func(c counts) bool { return c.accepted >= 20 })
	pg.stop()
	down := snapshot()
	waitCounts("503s while Postgres is down", func(c counts) bool { return c.unavailable >= down.unavailable+250 }) // about 5 s
	if status, _ := api.do("GET", "/readyz", nil); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while Postgres is down: %d, want 503", status)
	}
	pg.start()
	up := snapshot()
	waitCounts("20 accepted after the restart", func(c counts) bool { return c.accepted >= up.accepted+20 })
	close(stop)
	<-loaded

	mu.Lock()
	want := len(acceptedContacts)
	t.Logf("outage: %d requests accepted, %d answered 503; %d events accepted", now.accepted, now.unavailable, want)
	if len(bad) > 0 {
		t.Errorf("%d answers were neither 202 nor 503 within 5s:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	mu.Unlock()
	rc.waitFor(t, "every accepted event delivered", 60*time.Second, func(d, _ int) bool { return d >= want })
	got := rc.contactSet()
	for ct := range acceptedContacts {
		if !got[ct] {
			t.Fatalf("accepted event of %s was never delivered", ct)
		}
	}

	log := logs.String()
	warns := strings.Count(log, `"msg":"database unavailable; retrying until it is back"`)
	if warns < 1 || warns > 3 || !strings.Contains(log, `"msg":"database available again"`) {
		t.Errorf("want the outage logged once (WARN) and its end (INFO); %d WARN lines:\n%s", warns, log)
	}
	if n := strings.Count(log, `"msg":"request failed"`); n > 0 {
		t.Errorf("%d requests were logged as failures (500):\n%s", n, log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Logf("error logged during the outage: %s", line)
		}
	}
}
