package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
)

// benchConfig is what `tripline bench` takes.
type benchConfig struct {
	Events      int
	Duration    time.Duration
	Batch       int
	Concurrency int
	Endpoints   int
	Fanout      int
	Rate        float64
	DatabaseURL string
	CPUProfile  string
	Wait        time.Duration
}

func (c *benchConfig) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.Events, "events", 0, "events to send (default 20000 unless --duration is set)")
	durationFlag(fs, &c.Duration, "duration", 0, "send events for this long instead of a fixed number")
	fs.IntVar(&c.Batch, "batch", 100, "events per POST /v1/events (at most 1000)")
	fs.IntVar(&c.Concurrency, "concurrency", 4, "requests to the API in flight at once")
	fs.IntVar(&c.Endpoints, "endpoints", 1, "endpoints (and rules) the deliveries are spread over")
	fs.IntVar(&c.Fanout, "fanout", 1, "rules each event fires, each sending to an endpoint of its own (deliveries per event)")
	fs.Float64Var(&c.Rate, "rate", 0, "events per second to post, at a steady pace (default: as fast as the API takes them); with a low rate the latency is that of an idle server")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres://… to bench Postgres (in a schema of its own, dropped at the end); default: SQLite in a temporary directory")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	durationFlag(fs, &c.Wait, "wait", 2*time.Minute, "how long to wait for the last deliveries after the last event")
}

func benchCommand(stdout, stderr io.Writer) *ffcli.Command {
	var bc benchConfig
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bc.flags(fs)
	return &ffcli.Command{
		Name: "bench", ShortUsage: "tripline bench [flags]",
		ShortHelp: "measure ingest and delivery throughput and latency against a local receiver",
		LongHelp: "Runs Tripline in this process on a temporary database, with a local receiver, one rule per endpoint and\n" +
			"events posted through the API; prints a progress line every second, then events/s ingested, deliveries/s\n" +
			"and the event-to-delivery latency (from posting the event to its arrival at the receiver).",
		FlagSet: fs,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected argument %q", args[0])
			}
			return runBench(ctx, bc, stdout, stderr)
		},
	}
}

// benchReceiver counts deliveries and measures each one's latency from the
// moment its event was posted, found by the event's contact id ("b<n>").
type benchReceiver struct {
	posted    []atomic.Int64 // unix ns each event was posted at
	delivered atomic.Int64
	first     atomic.Int64 // unix ns of the first delivery
	last      atomic.Int64 // unix ns of the latest delivery
	mu        sync.Mutex
	latencies []time.Duration
	answers   []time.Duration // how long each POST /v1/events took
}

func (br *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	now := time.Now()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
	if n, err := strconv.Atoi(strings.TrimPrefix(benchContactID(raw), "b")); err == nil && n >= 0 && n < len(br.posted) {
		if at := br.posted[n].Load(); at != 0 {
			br.mu.Lock()
			br.latencies = append(br.latencies, now.Sub(time.Unix(0, at)))
			br.mu.Unlock()
		}
	}
	br.first.CompareAndSwap(0, now.UnixNano())
	br.last.Store(now.UnixNano())
	br.delivered.Add(1)
}

// benchContactID returns the value of the payload's first "contact_id" key,
// the top-level one of the default payload, found without parsing the whole
// payload: decoding every delivery's JSON cost the bench process more CPU
// than Tripline's own rendering of it.
func benchContactID(payload []byte) string {
	const key = `"contact_id":"`
	i := bytes.Index(payload, []byte(key))
	if i < 0 {
		return ""
	}
	rest := payload[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// benchEvents appends the JSON body of POST /v1/events for events from to
// to-1: tag_applied of tag bench-<n mod endpoints> to contact b<n>. It is
// written by hand: marshalling maps cost the bench process more CPU than
// Tripline's decoding of them.
func benchEvents(b []byte, from, to, endpoints int) []byte {
	b = append(b, `{"events":[`...)
	for n := from; n < to; n++ {
		if n > from {
			b = append(b, ',')
		}
		b = append(b, `{"contact_id":"b`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `","tag":"bench-`...)
		b = strconv.AppendInt(b, int64(n%endpoints), 10)
		b = append(b, `","type":"tag_applied"}`...)
	}
	return append(b, "]}"...)
}

// lineWriter hands the first line holding "listening on " to a channel.
type lineWriter struct {
	addr chan string // buffered, one address

	mu   sync.Mutex
	buf  bytes.Buffer
	sent bool
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.sent {
		return len(p), nil
	}
	lw.buf.Write(p)
	if _, after, ok := strings.Cut(lw.buf.String(), "listening on "); ok {
		if f := strings.Fields(after); len(f) > 0 {
			lw.addr <- f[0]
			lw.sent = true
		}
	}
	return len(p), nil
}

func runBench(ctx context.Context, bc benchConfig, stdout, stderr io.Writer) error {
	switch {
	case bc.Events < 0 || bc.Duration < 0:
		return errors.New("--events and --duration must not be negative")
	case bc.Batch < 1 || bc.Batch > 1000:
		return errors.New("--batch must be 1 to 1000")
	case bc.Concurrency < 1 || bc.Endpoints < 1 || bc.Fanout < 1:
		return errors.New("--concurrency, --endpoints and --fanout must be at least 1")
	case bc.Rate < 0:
		return errors.New("--rate must not be negative")
	}
	if bc.Events == 0 && bc.Duration == 0 {
		bc.Events = 20000
	}
	maxEvents := bc.Events
	if bc.Duration > 0 && bc.Events == 0 {
		maxEvents = 10_000_000 // the receiver's table of post times; more than any machine ingests in a bench
	}

	dir, err := os.MkdirTemp("", "tripline-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL := filepath.Join(dir, "bench.db")
	dialect := "sqlite"
	if bc.DatabaseURL != "" {
		if !isPostgres(bc.DatabaseURL) {
			return errors.New("--database-url must be a postgres:// URL (SQLite benches use a temporary file)")
		}
		var drop func()
		if dbURL, drop, err = benchSchema(ctx, bc.DatabaseURL); err != nil {
			return err
		}
		defer drop()
		dialect = "postgres"
	}

	if bc.CPUProfile != "" {
		f, err := os.Create(bc.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	// The receiver, on loopback.
	br := &benchReceiver{posted: make([]atomic.Int64, maxEvents)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	rsrv := &http.Server{Handler: br, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rsrv.Serve(ln) }()
	defer rsrv.Close()

	// Tripline, in this process.
	key := tripline.NewAPIKey()
	cfg, err := benchServeConfig(dbURL, key)
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	out := &lineWriter{addr: make(chan string, 1)}
	served := make(chan error, 1)
	go func() { served <- runServe(sctx, cfg, out, io.Discard) }()
	defer func() {
		stop()
		if err := <-served; err != nil { // the figures are printed already: say it, do not fail the run
			fmt.Fprintln(stderr, "bench: tripline did not shut down cleanly:", err)
		}
	}()
	var base string
	select {
	case base = <-out.addr:
	case err := <-served:
		return fmt.Errorf("tripline did not start: %v", err)
	case <-time.After(60 * time.Second):
		return errors.New("tripline did not start within 60s")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: bc.Concurrency + 2}}
	// send makes a request with a JSON body and returns the answer's body.
	send := func(method, path string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
		}
		return raw, nil
	}
	call := func(method, path string, body any) (map[string]any, error) {
		j, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		raw, err := send(method, path, j)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m, nil
	}
	// Events tagged bench-k fire the --fanout rules of tag k, each to its
	// own endpoint.
	for k := range bc.Endpoints {
		for f := range bc.Fanout {
			name := fmt.Sprintf("bench %d.%d", k, f)
			ep, err := call("POST", "/v1/endpoints", map[string]any{"name": name, "url": fmt.Sprintf("http://%s/ep/%d/%d", ln.Addr(), k, f)})
			if err != nil {
				return err
			}
			if _, err := call("POST", "/v1/rules", map[string]any{"name": name,
				"trigger": map[string]any{"type": "tag_applied", "tag": fmt.Sprintf("bench-%d", k)},
				"actions": []any{map[string]any{"endpoint_id": ep["id"]}}}); err != nil {
				return err
			}
		}
	}
	pace := ""
	if bc.Rate > 0 {
		pace = fmt.Sprintf(", %g events/s", bc.Rate)
	}
	fmt.Fprintf(stdout, "tripline bench: %s, %d endpoint(s), %d deliveries per event, batches of %d, %d in flight%s, %s\n",
		dialect, bc.Endpoints*bc.Fanout, bc.Fanout, bc.Batch, bc.Concurrency, pace, benchGoal(bc))

	// Post events until the count or the duration is reached.
	var next, ingested atomic.Int64
	begin := time.Now()
	cpuBegin, cpuOK := processCPU()
	var stopAt time.Time
	if bc.Duration > 0 {
		stopAt = begin.Add(bc.Duration)
	}
	// With --rate, a batch may go only when its turn on the schedule has
	// come: batch n at begin + n×batch/rate.
	var turns atomic.Int64
	waitTurn := func() {
		if bc.Rate <= 0 {
			return
		}
		n := turns.Add(1) - 1
		at := begin.Add(time.Duration(float64(n*int64(bc.Batch)) / bc.Rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, bc.Concurrency)
	for range bc.Concurrency {
		wg.Go(func() {
			for {
				waitTurn()
				if !stopAt.IsZero() && time.Now().After(stopAt) {
					return
				}
				from := int(next.Add(int64(bc.Batch))) - bc.Batch
				to := min(from+bc.Batch, maxEvents)
				if from >= maxEvents {
					return
				}
				body := benchEvents(make([]byte, 0, 64*(to-from)+16), from, to, bc.Endpoints)
				now := time.Now().UnixNano()
				for n := from; n < to; n++ {
					br.posted[n].Store(now)
				}
				if _, err := send("POST", "/v1/events", body); err != nil {
					errc <- err
					return
				}
				answered := time.Since(time.Unix(0, now))
				br.mu.Lock()
				br.answers = append(br.answers, answered)
				br.mu.Unlock()
				ingested.Add(int64(to - from))
			}
		})
	}
	postDone := make(chan struct{})
	go func() { wg.Wait(); close(postDone) }()

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var ingestTime time.Duration
	var lastEv, lastDel int64
	var waitUntil <-chan time.Time
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("post events: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-postDone:
			ingestTime = time.Since(begin)
			postDone = nil
			waitUntil = time.After(bc.Wait)
		case <-waitUntil:
			return fmt.Errorf("only %d of %d deliveries arrived within --wait %s", br.delivered.Load(), ingested.Load()*int64(bc.Fanout), bc.Wait)
		case <-tick.C:
			ev, del := ingested.Load(), br.delivered.Load()
			fmt.Fprintf(stdout, "%6.1fs  events %8d  %7d/s   deliveries %8d  %7d/s\n", time.Since(begin).Seconds(), ev, ev-lastEv, del, del-lastDel)
			lastEv, lastDel = ev, del
		}
		if postDone == nil && br.delivered.Load() >= ingested.Load()*int64(bc.Fanout) {
			break
		}
	}

	total := ingested.Load()
	deliverTime := time.Unix(0, br.last.Load()).Sub(begin)
	br.mu.Lock()
	lat, answers := slices.Clone(br.latencies), slices.Clone(br.answers)
	br.mu.Unlock()
	slices.Sort(lat)
	slices.Sort(answers)
	pctOf := func(d []time.Duration, p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[min(int(p*float64(len(d))), len(d)-1)]) / float64(time.Millisecond)
	}
	pct := func(p float64) float64 { return pctOf(lat, p) }
	fmt.Fprintf(stdout, "events:       %d in %.2fs: %.0f events/s ingested\n", total, ingestTime.Seconds(), float64(total)/ingestTime.Seconds())
	fmt.Fprintf(stdout, "deliveries:   %d in %.2fs: %.0f deliveries/s\n", br.delivered.Load(), deliverTime.Seconds(), float64(br.delivered.Load())/deliverTime.Seconds())
	fmt.Fprintf(stdout, "latency:      p50 %.1f ms, p99 %.1f ms, max %.1f ms (event posted to delivery received)\n", pct(0.50), pct(0.99), pct(1))
	fmt.Fprintf(stdout, "ingest:       p50 %.1f ms, p99 %.1f ms, max %.1f ms (POST /v1/events answered)\n", pctOf(answers, 0.50), pctOf(answers, 0.99), pctOf(answers, 1))
	if cpuEnd, ok := processCPU(); ok && cpuOK && br.delivered.Load() > 0 {
		what := "Tripline with SQLite, the bench's client and receiver"
		if dialect == "postgres" {
			what = "Tripline with the bench's client and receiver; Postgres's own is not counted"
		}
		fmt.Fprintf(stdout, "cpu:          %.0f µs per delivery in this process (%s)\n",
			float64((cpuEnd-cpuBegin).Microseconds())/float64(br.delivered.Load()), what)
	}
	return nil
}

func benchGoal(bc benchConfig) string {
	if bc.Duration > 0 && bc.Events == 0 {
		return "for " + bc.Duration.String()
	}
	return strconv.Itoa(bc.Events) + " events"
}

// benchServeConfig is the configuration of the Tripline that bench runs: the
// serve flags' defaults, on loopback, with its own database and key, and
// delivering to the local receiver (private destinations allowed).
func benchServeConfig(dbURL, apiKey string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	cfg.serveFlags(fs)
	err := fs.Parse([]string{"--addr", "127.0.0.1:0", "--database-url", dbURL, "--secret-key", "bench-secret-key-" + id.New("k"),
		"--bootstrap-api-key", apiKey, "--shutdown-timeout", "10s", "--allow-private-destinations"})
	return cfg, err
}

// benchSchema creates a schema of its own for a Postgres bench and returns
// the URL that uses it and a function that drops it.
func benchSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", redact(base), err)
	}
	schema := strings.ToLower("tripline_bench_" + strings.TrimPrefix(id.New("b"), "b_"))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = conn.Exec(dctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		conn.Close(dctx)
	}
	return u.String(), drop, nil
}

// redact hides a URL's password.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "the database"
}
