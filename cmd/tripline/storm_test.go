package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// stormBombs are expressions that would take the process down or hold it
// for seconds without the bounds of issue 16: the first ones are refused at
// compile (400), the last ones only the data makes expensive, so they are
// saved and hit the runtime bounds on every event.
var (
	stormStatic = []string{
		`repeat(repeat("x", 99999), 1000000) != ""`,
		`let r = 1..99999; all(r, {all(r, {true})})`,
		`let r = 1..90000; len(concat(r, r, r, r, r, r, r, r, r, r)) > 0`,
		`reduce(1..60, #acc + #acc, "xxxxxxxxxx") != ""`,
		`len(map(1..99999, {repeat("y", 1000)})) > 0`,
	}
	stormRuntime = []string{
		`let r = 1..int(contact.custom_fields.n); all(r, {all(r, {true})})`,
		`repeat("x", int(contact.custom_fields.n) * 100000) != ""`,
		`reduce(1..int(contact.custom_fields.n), #acc + contact.custom_fields.s, "") != ""`,
		`let r = 1..int(contact.custom_fields.n); len(concat(r, r, r, r)) > 0`,
		`let r = 1..int(contact.custom_fields.n); len(join(map(r, {contact.custom_fields.s}), "")) > 0`,
	}
)

// TestExpressionStorm: a storm of expression bombs posted through simulate,
// validate and saved rules (then fired by events) leaves a real Tripline
// process under 512 MiB of RSS, and a concurrent valid POST /v1/events is
// answered within 1 s (issue 16). The margins are generous: without the
// bounds, the first bomb alone asks for 100 GB and the second runs for
// minutes.
func TestExpressionStorm(t *testing.T) {
	t.Parallel()
	c := startChild(t, filepath.Join(t.TempDir(), "tripline.db"))
	tl := &instance{t: t, url: c.url, key: testKey}
	rc := newReceiver(t)
	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "R", "url": rc.URL})["id"].(string)
	ruleOf := func(name, trigger, cond string) map[string]any {
		return map[string]any{"name": name, "trigger": map[string]any{"type": "tag_applied", "tag": trigger}, "condition": cond,
			"actions": []any{map[string]any{"endpoint_id": ep}}}
	}
	for i, cond := range stormRuntime {
		tl.must(201, "POST", "/v1/rules", ruleOf(fmt.Sprintf("runtime bomb %d", i), "bomb", cond))
	}
	tl.must(201, "POST", "/v1/rules", ruleOf("valid", "ok", `contact.channel == "web"`))
	bigText := strings.Repeat("s", 50_000)
	bombContact := map[string]any{"custom_fields": map[string]any{"n": 99999, "s": bigText}}

	const workers, rounds = 4, 6
	var wg sync.WaitGroup
	stormDone := make(chan struct{})
	errs := make(chan string, workers*rounds*20)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				for _, cond := range stormStatic {
					for _, req := range []struct {
						path string
						body any
					}{
						{"/v1/simulate", map[string]any{"rule": ruleOf("b", "bomb", cond)}},
						{"/v1/rules/validate", ruleOf("b", "bomb", cond)},
						{"/v1/rules", ruleOf("b", "bomb", cond)},
					} {
						if status, _ := tl.do("POST", req.path, req.body); status != 400 {
							errs <- fmt.Sprintf("POST %s with %q: %d, want 400", req.path, cond, status)
						}
					}
				}
				for _, cond := range stormRuntime {
					status, _ := tl.do("POST", "/v1/simulate", map[string]any{"rule": ruleOf("b", "bomb", cond),
						"event": map[string]any{"type": "tag_applied", "tag": "bomb", "contact_id": fmt.Sprintf("s_%d_%d", w, r)}, "contact": bombContact})
					if status != 200 {
						errs <- fmt.Sprintf("simulate of a runtime bomb %q: %d, want 200", cond, status)
					}
				}
				// Fire the saved runtime bombs.
				status, _ := tl.do("POST", "/v1/events", map[string]any{"type": "tag_applied", "tag": "bomb",
					"contact_id": fmt.Sprintf("b_%d_%d", w, r), "contact": bombContact})
				if status != 202 {
					errs <- fmt.Sprintf("an event firing the runtime bombs: %d, want 202", status)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(stormDone) }()

	// Valid events while the storm lasts (at least one), each answered in time.
	var slowest time.Duration
	for i := 0; ; i++ {
		start := time.Now()
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "tag": "ok", "contact_id": fmt.Sprintf("v_%d", i),
			"contact": map[string]any{"channel": "web"}})
		slowest = max(slowest, time.Since(start))
		select {
		case <-stormDone:
		default:
			continue
		}
		break
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	rss := peakRSS(t, c.cmd.Process.Pid)
	t.Logf("peak RSS %d MiB, slowest valid POST /v1/events %s", rss>>20, slowest)
	if rss > 512<<20 {
		t.Errorf("peak RSS %d MiB under the storm, want under 512 MiB", rss>>20)
	}
	// Under 1 s, as the issue asks; the race detector slows every request
	// (and the test's other parallel tests share two cores), so it gets 4 s.
	limit := time.Second
	if raceDetector {
		limit = 4 * time.Second
	}
	if slowest > limit {
		t.Errorf("a valid POST /v1/events took %s under the storm, want under %s", slowest, limit)
	}
	// The bombs fired were recorded as rule errors, not matched.
	if d := rc.got; len(d) > 0 {
		for _, r := range d {
			if r.body["event"] == "tag_applied" && r.body["tag"] == "bomb" {
				t.Errorf("a runtime bomb matched and delivered: %v", r.body)
				break
			}
		}
	}
}

// peakRSS is the most resident memory the process has had (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
