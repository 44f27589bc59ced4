package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildTripline builds the tripline command into a temporary directory.
func buildTripline(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tripline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lineLog collects a process's output lines and tells when one matches.
type lineLog struct {
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func newLineLog(r io.Reader) *lineLog {
	l := &lineLog{added: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			l.mu.Unlock()
			select {
			case l.added <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

// wait returns the first submatches of re in a line, waiting up to 60 s.
func (l *lineLog) wait(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if m := re.FindStringSubmatch(line); m != nil {
				l.mu.Unlock()
				return m
			}
		}
		all := strings.Join(l.lines, "\n")
		l.mu.Unlock()
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("no line matching %s in:\n%s", re, all)
		}
	}
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// readmeWalkthrough returns the shell block of the README's "Walkthrough
// with curl" section, and the section's text.
func readmeWalkthrough(t *testing.T) (block, section string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "## Walkthrough with curl\n")
	if !ok {
		t.Fatal(`README.md has no "## Walkthrough with curl" section`)
	}
	_, rest, ok1 := strings.Cut(section, "```sh\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok1 || !ok2 {
		t.Fatal("the walkthrough has no ```sh block")
	}
	return block, section
}

// shellWords splits a command line as the shell would for the README's
// commands: words separated by blanks, '…' and "…" quoting.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// curlCommands returns the README block's curl commands, each joined across
// the lines its quoted JSON spans.
func curlCommands(block string) []string {
	var cmds []string
	var cur string
	for _, line := range strings.Split(block, "\n") {
		if cur == "" && !strings.HasPrefix(line, "curl ") {
			continue
		}
		cur += line + "\n"
		if strings.Count(cur, "'")%2 == 0 {
			cmds = append(cmds, cur)
			cur = ""
		}
	}
	return cmds
}

// TestReadmeWalkthrough follows the README's walkthrough literally against
// the built binary: started as the README says (SSRF guard off, its warning
// printed), the first start's key, then each curl command of the block in
// its order with the ids of the earlier answers in place of fld_…, ep_… and
// msg_…, and the Node receiver of docs/examples started as the block's
// comment says. The webhook must arrive verified with the budget sent as
// text, and the delivery log must show it succeeded. A change to the README
// that breaks a step fails here.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	block, section := readmeWalkthrough(t)
	const startCmd = "TRIPLINE_ALLOW_PRIVATE_DESTINATIONS=true go run ./cmd/tripline"
	if !strings.Contains(section, startCmd) {
		t.Fatalf("the walkthrough no longer starts Tripline with %q", startCmd)
	}
	receiverCmd := regexp.MustCompile(`cd docs/examples/node && npm install && WEBHOOK_SECRET=whsec_… node (\S+\.mjs)`).FindStringSubmatch(block)
	if receiverCmd == nil {
		t.Fatal("the walkthrough no longer starts the receiver with WEBHOOK_SECRET=whsec_… node ….mjs in docs/examples/node")
	}
	nodeDir := nodeExampleDir(t)

	bin := buildTripline(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TRIPLINE_ALLOW_PRIVATE_DESTINATIONS=true", "TRIPLINE_ADDR=127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	out, logs := newLineLog(stdout), newLineLog(stderr)
	key := out.wait(t, regexp.MustCompile(`^API key: (tl_\S+)$`))[1]
	tl := "http://" + out.wait(t, regexp.MustCompile(`listening on http://(\S+) `))[1]
	logs.wait(t, regexp.MustCompile(`SSRF guard is off`))

	var folderID, endpointID, secret, deliveryID string
	var receiver *lineLog
	receiverPort := ""
	for _, c := range curlCommands(block) {
		words, err := shellWords(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		var url, body string
		for i := 1; i < len(words); i++ {
			switch w := words[i]; {
			case w == "-s":
			case w == "-H" && i+1 < len(words) && words[i+1] == "$auth":
				i++
			case w == "-d" && i+1 < len(words):
				body = words[i+1]
				i++
			case strings.HasPrefix(w, "$TL/"):
				url = tl + strings.TrimPrefix(w, "$TL")
			default:
				t.Fatalf("the walkthrough's curl has %q, which this test does not know:\n%s", w, c)
			}
		}
		body = strings.NewReplacer(`"fld_…"`, fmt.Sprintf("%q", folderID), `"ep_…"`, fmt.Sprintf("%q", endpointID)).Replace(body)
		url = strings.ReplaceAll(url, "msg_…", deliveryID)
		if strings.Contains(body, "http://127.0.0.1:9000/") { // the receiver's port: a free one here
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			receiverPort = fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
			ln.Close()
			body = strings.ReplaceAll(body, "http://127.0.0.1:9000/", "http://127.0.0.1:"+receiverPort+"/")
		}
		if strings.Contains(body+url, "…") {
			t.Fatalf("a placeholder is left after the earlier steps: %s %s", url, body)
		}
		method := "GET"
		if body != "" {
			method = "POST"
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
		}
		var answer map[string]any
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
		path := strings.TrimPrefix(url, tl)
		switch {
		case path == "/v1/folders":
			folderID, _ = answer["id"].(string)
		case path == "/v1/endpoints":
			endpointID, _ = answer["id"].(string)
			secret, _ = answer["secret"].(string)
			// Step 2, the receiver, as the block's comment says.
			node := exec.Command("node", receiverCmd[1])
			node.Dir = nodeDir
			node.Env = append(os.Environ(), "WEBHOOK_SECRET="+secret, "PORT="+receiverPort)
			nodeOut, _ := node.StdoutPipe()
			node.Stderr = node.Stdout
			if err := node.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = node.Process.Kill(); _ = node.Wait() })
			receiver = newLineLog(nodeOut)
			receiver.wait(t, regexp.MustCompile(`receiver listening on`))
		case path == "/v1/events":
			if answer["accepted"] != 2.0 {
				t.Fatalf("events: %s, want 2 accepted", raw)
			}
			if receiver == nil {
				t.Fatal("the walkthrough sends events before it creates an endpoint")
			}
			receiver.wait(t, regexp.MustCompile(`^verified tag_applied evt_\S+ budget=5000$`))
		case strings.HasPrefix(path, "/v1/deliveries?"):
			items, _ := answer["data"].([]any)
			if len(items) != 1 {
				t.Fatalf("delivery log: %s, want the one delivery", raw)
			}
			deliveryID, _ = items[0].(map[string]any)["id"].(string)
		case strings.HasPrefix(path, "/v1/deliveries/"):
			if !eventually(5*time.Second, func() bool { // the outcome is recorded just after the receiver answers
				r, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
				if err != nil {
					t.Fatal(err)
				}
				r.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				answer = map[string]any{}
				_ = json.NewDecoder(resp.Body).Decode(&answer)
				return answer["status"] == "succeeded"
			}) {
				t.Fatalf("delivery %s: %v, want succeeded", deliveryID, answer)
			}
		}
	}
	if deliveryID == "" || secret == "" || folderID == "" {
		t.Fatalf("the walkthrough skipped a step: folder %q, endpoint secret %q, delivery %q", folderID, secret, deliveryID)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs)
	}
}

// TestStartOnBusyPort: with its port taken, the binary stops with exit
// status 1 and a message naming --addr and TRIPLINE_ADDR before it opens the
// database, so no workspace is made and no one-time key printed and lost.
func TestStartOnBusyPort(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	bin := buildTripline(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--addr", busy.Addr().String())
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, stderr.String())
	}
	if strings.Contains(stdout.String(), "API key") {
		t.Fatalf("printed a key it then lost:\n%s", stdout.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "listen on "+busy.Addr().String()) || !strings.Contains(msg, "TRIPLINE_ADDR") {
		t.Fatalf("stderr = %q, want the address and how to choose another", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "tripline.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the database was opened: %v", err)
	}
}
