package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// platformReceiver is one platform's documented receiver code, run as a
// server.
type platformReceiver struct {
	name      string
	preset    string
	dir       string // under docs/examples
	argv      func(t *testing.T, dir string, port int) []string
	secretEnv string // where it reads its secret
	path      string // the route it serves
	reject    int    // its answer to a bad signature
	header    string // the signature header it checks
}

var platformReceivers = []platformReceiver{
	{"pollybot-node", "pollybot", "pollybot", pollybotNode, "POLLYBOT_WEBHOOK_SECRET", "/webhooks/pollybot", 401, "X-Webhook-Signature"},
	{"pollybot-python", "pollybot", "pollybot", pythonScript("app.py", "flask"), "POLLYBOT_WEBHOOK_SECRET", "/webhook", 401, "X-Webhook-Signature"},
	{"onwebchat-node", "onwebchat", "onwebchat", nodeScript("server.js"), "OWC_SIGNING_SECRET", "/owc", 401, "X-OWC-Signature"},
	{"onwebchat-php", "onwebchat", "onwebchat", phpServer("server.php"), "OWC_SIGNING_SECRET", "/owc", 401, "X-OWC-Signature"},
	{"chat-data-node", "chat-data", "chat-data", nodeScript("server.js"), "SIGNING_SECRET", "/api/webhook", 403, "X-Chat-Data-Hmac-Sha256"},
	{"github-node", "github", "github", nodeScript("server.js"), "WEBHOOK_SECRET", "/gh", 401, "X-Hub-Signature-256"},
	{"github-python", "github", "github", pythonScript("app.py", ""), "WEBHOOK_SECRET", "/gh", 403, "X-Hub-Signature-256"},
}

// TestPlatformReceivers runs each platform's documented receiver
// (docs/examples/<platform>/) against real deliveries of a running Tripline
// whose endpoint uses that platform's preset and a secret brought from
// "the platform": a first attempt, a retry, a redelivery, a test send, and a
// rotation (during the grace the receiver holding the old secret verifies,
// after it the one holding the new). Every request is also sent to the
// receiver holding the other secret, which must refuse it, and replayed
// with one byte of the body or the signature changed, which must be refused.
func TestPlatformReceivers(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	for _, pr := range platformReceivers {
		t.Run(pr.name, func(t *testing.T) { testPlatformReceiver(t, tl, pr) })
	}
}

// seen is one request Tripline sent, with the answers of both receivers.
type seen struct {
	header   http.Header
	body     []byte
	old, new int // statuses of the receivers holding the old and the new secret
}

func testPlatformReceiver(t *testing.T, tl *instance, pr platformReceiver) {
	oldSecret := "platform-secret-" + pr.name + "-0123456789"
	newSecret := "whsec_rotated/" + pr.name + "+=é" // any string: the key is its UTF-8 bytes
	oldURL := startReceiver(t, pr, oldSecret)
	newURL := startReceiver(t, pr, newSecret)

	var mu sync.Mutex
	var log []seen
	failNext := 0   // answer this many requests 503 (after forwarding them)
	useNew := false // answer Tripline with the new receiver's status
	arrived := make(chan seen, 16)
	forward := func(base string, h http.Header, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, base+pr.path, bytes.NewReader(body))
		req.Header = h.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("forward to %s: %v", base, err)
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{header: r.Header.Clone(), body: body}
		s.old, s.new = forward(oldURL, r.Header, body), forward(newURL, r.Header, body)
		mu.Lock()
		log = append(log, s)
		status := s.old
		if useNew {
			status = s.new
		}
		if failNext > 0 {
			failNext--
			status = http.StatusServiceUnavailable
		}
		mu.Unlock()
		w.WriteHeader(status)
		arrived <- s
	}))
	t.Cleanup(proxy.Close)
	next := func(what string) seen {
		t.Helper()
		select {
		case s := <-arrived:
			return s
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no request arrived within 30s", what)
			return seen{}
		}
	}

	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": pr.name, "url": proxy.URL + pr.path,
		"signatures": []any{map[string]any{"preset": pr.preset}}, "secret": oldSecret, "retry_schedule": []int{1}})
	eid := ep["id"].(string)
	tag := "tag-" + pr.name
	tl.must(201, "POST", "/v1/rules", map[string]any{"name": pr.name, "trigger": map[string]any{"type": "tag_applied", "tag": tag},
		"actions": []any{map[string]any{"endpoint_id": eid}}})
	send := func(contact string) {
		tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": contact, "tag": tag,
			"contact": map[string]any{"name": "Zoë <z&z> " + pr.name}})
	}
	wantOld := func(what string, s seen) {
		t.Helper()
		if s.old/100 != 2 || s.new != pr.reject {
			t.Fatalf("%s: the receiver with the old secret answered %d (want 2xx), the one with the new %d (want %d)", what, s.old, s.new, pr.reject)
		}
	}

	// A first attempt, verified.
	send("c_first")
	first := next("first attempt")
	wantOld("first attempt", first)
	// A retry: the first attempt is answered 503 (though verified), the
	// retry a second later verifies too.
	mu.Lock()
	failNext = 1
	mu.Unlock()
	send("c_retry")
	a1, a2 := next("attempt before the retry"), next("retry")
	wantOld("attempt before the retry", a1)
	wantOld("retry", a2)
	if !bytes.Equal(a1.body, a2.body) {
		t.Fatal("the retry's body differs")
	}
	// A redelivery of the first.
	did := first.header.Get("Webhook-Id")
	tl.must(202, "POST", "/v1/deliveries/"+did+"/redeliver", nil)
	wantOld("redelivery", next("redelivery"))
	// A test send.
	res := tl.must(200, "POST", "/v1/endpoints/"+eid+"/test", map[string]any{"event": "tag_applied"})
	if code, _ := res["status_code"].(float64); int(code)/100 != 2 {
		t.Fatalf("test send: %v", res)
	}
	wantOld("test send", next("test send"))

	// Rotation to a secret brought from the platform: during the grace the
	// old secret still signs; after it (rotating again with no grace ends
	// it) the new one does.
	tl.must(200, "POST", "/v1/endpoints/"+eid+"/rotate-secret", map[string]any{"secret": newSecret, "grace_seconds": 3600})
	send("c_in_grace")
	wantOld("in the grace period", next("in the grace period"))
	tl.must(200, "POST", "/v1/endpoints/"+eid+"/rotate-secret", map[string]any{"secret": newSecret, "grace_seconds": 0})
	mu.Lock()
	useNew = true
	mu.Unlock()
	send("c_after_grace")
	after := next("after the grace period")
	if after.new/100 != 2 || after.old != pr.reject {
		t.Fatalf("after the grace: new secret %d (want 2xx), old %d (want %d)", after.new, after.old, pr.reject)
	}
	if pr.preset == "chat-data" && after.header.Get("X-Chat-Data-Topic") != "tag_applied" {
		t.Fatalf("X-Chat-Data-Topic = %q", after.header.Get("X-Chat-Data-Topic"))
	}

	// One byte changed, anywhere the receiver checks, is refused.
	mu.Lock()
	all := append([]seen(nil), log...)
	mu.Unlock()
	for i, s := range all {
		target := oldURL
		if s.new/100 == 2 {
			target = newURL
		}
		if s.old/100 != 2 && s.new/100 != 2 {
			t.Fatalf("request %d verified with neither secret", i)
		}
		for _, at := range []int{0, len(s.body) / 2, len(s.body) - 1} {
			b := bytes.Clone(s.body)
			b[at] ^= 0x01
			if got := forward(target, s.header, b); got != pr.reject {
				t.Errorf("request %d with body byte %d changed: %d, want %d", i, at, got, pr.reject)
			}
		}
		// The signature's first and middle characters after any prefix
		// (each carries whole bits; base64's last ones may not), each
		// changed to another character of its encoding.
		sig := s.header.Get(pr.header)
		digits := strings.TrimPrefix(sig, "sha256=")
		for _, at := range []int{len(sig) - len(digits), len(sig) - len(digits)/2} {
			h := s.header.Clone()
			h.Set(pr.header, sig[:at]+otherChar(sig[at])+sig[at+1:])
			if got := forward(target, h, s.body); got != pr.reject {
				t.Errorf("request %d with %s byte %d changed: %d, want %d", i, pr.header, at, got, pr.reject)
			}
		}
	}
	if len(all) != 7 {
		t.Fatalf("the receivers saw %d requests, want 7", len(all))
	}
}

// otherChar returns another character of c's encoding: hex digits stay hex
// (a receiver that decodes hex would see a shorter value otherwise), base64
// stays base64.
func otherChar(c byte) string {
	const hexDigits, b64 = "0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	if i := strings.IndexByte(hexDigits, c); i >= 0 {
		return string(hexDigits[(i+1)%len(hexDigits)])
	}
	i := strings.IndexByte(b64, c)
	return string(b64[(i+1)%len(b64)])
}

// startReceiver starts pr holding secret and returns its base URL once it
// says it listens.
func startReceiver(t *testing.T, pr platformReceiver, secret string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := filepath.Join(examplesDir, pr.dir)
	argv := pr.argv(t, dir, port)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), pr.secretEnv+"="+secret)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // php -S runs under a shell: end the group
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening") {
				ready <- true
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("%s exited before listening: %s", pr.name, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not listen within 30s: %s", pr.name, stderr.String())
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// need skips (fails in CI) when a tool is missing.
func need(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	if inCI {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func nodeScript(script string) func(*testing.T, string, int) []string {
	return func(t *testing.T, _ string, _ int) []string {
		_, err := exec.LookPath("node")
		need(t, err == nil, "node is not installed")
		return []string{"node", script}
	}
}

// pollybotNode runs Pollybot's Express receiver with the express package
// .ci/run installs (npm ci in docs/examples/pollybot).
func pollybotNode(t *testing.T, dir string, port int) []string {
	_, err := os.Stat(filepath.Join(dir, "node_modules", "express"))
	need(t, err == nil, "express is not installed in %s (npm ci there)", dir)
	return nodeScript("server.js")(t, dir, port)
}

func pythonScript(script, module string) func(*testing.T, string, int) []string {
	return func(t *testing.T, _ string, _ int) []string {
		_, err := exec.LookPath("python3")
		need(t, err == nil, "python3 is not installed")
		if module != "" {
			err := exec.Command("python3", "-c", "import "+module).Run()
			need(t, err == nil, "python3 has no %s module", module)
		}
		return []string{"python3", script}
	}
}

func phpServer(script string) func(*testing.T, string, int) []string {
	return func(t *testing.T, _ string, port int) []string {
		_, err := exec.LookPath("php")
		if err != nil {
			t.Skip("php is not installed") // .ci/run installs php-cli when the package source has it
		}
		// php -S prints its banner on stderr: a tiny wrapper says when it listens.
		return []string{"sh", "-c", fmt.Sprintf("php -S 127.0.0.1:%d %s & pid=$!; trap 'kill $pid' TERM INT; "+
			"for i in $(seq 1 100); do php -r 'exit(@fsockopen(\"127.0.0.1\", %d) ? 0 : 1);' && break; sleep 0.1; done; echo listening; wait $pid",
			port, script, port)}
	}
}
