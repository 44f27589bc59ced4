package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// examplesDir holds the signature examples docs/signatures.md quotes.
var examplesDir = filepath.Join("..", "..", "docs", "examples")

// inCI is set by .ci/run (CI=true): there a missing Node toolchain is a
// failure, not a skip.
var inCI = os.Getenv("CI") != ""

// TestSignatureExamples runs each example of docs/examples against a real
// delivery of a real Tripline: it must accept the delivery and reject it with
// the body changed by one byte.
func TestSignatureExamples(t *testing.T) {
	t.Parallel()
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		select {
		case got <- r:
			bodies <- raw
		default:
		}
	}))
	t.Cleanup(srv.Close)

	ep := tl.must(201, "POST", "/v1/endpoints", map[string]any{"name": "examples", "url": srv.URL})
	secret := ep["secret"].(string)
	tl.must(201, "POST", "/v1/rules", map[string]any{"name": "to the examples",
		"trigger": map[string]any{"type": "tag_applied"}, "actions": []any{map[string]any{"endpoint_id": ep["id"]}}})
	tl.must(202, "POST", "/v1/events", map[string]any{"type": "tag_applied", "contact_id": "c_1",
		"tag": "Commande passée → 🚀", "contact": map[string]any{"name": "Zoë <z&z>"}})

	var req *http.Request
	var body []byte
	select {
	case req = <-got:
		body = <-bodies
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery arrived within 30s")
	}
	dir := t.TempDir()
	headers := map[string]string{}
	for name := range req.Header {
		headers[strings.ToLower(name)] = req.Header.Get(name)
	}
	hj, _ := json.Marshal(headers)
	tampered := bytes.Replace(body, []byte("c_1"), []byte("c_2"), 1)
	files := map[string][]byte{"body": body, "headers.json": hj, "tampered": tampered}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	for _, ex := range []struct {
		name    string
		command func(t *testing.T) []string // nil: skip
	}{
		{"go", goExample},
		{"node", nodeExample},
		{"python", func(t *testing.T) []string {
			return interpreter(t, "python3", filepath.Join(examplesDir, "python", "verify.py"), inCI)
		}},
		{"php", func(t *testing.T) []string {
			// .ci/run installs php-cli when the machine's package source has it.
			return interpreter(t, "php", filepath.Join(examplesDir, "php", "verify.php"), false)
		}},
	} {
		t.Run(ex.name, func(t *testing.T) {
			argv := ex.command(t)
			run := func(bodyFile string) (string, error) {
				cmd := exec.Command(argv[0], append(argv[1:], filepath.Join(dir, bodyFile), filepath.Join(dir, "headers.json"))...)
				cmd.Env = append(os.Environ(), "TRIPLINE_WEBHOOK_SECRET="+secret)
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := run("body")
			if err != nil || !strings.Contains(out, "verified tag_applied evt_") {
				t.Fatalf("the example rejects a genuine delivery: %v\n%s", err, out)
			}
			out, err = run("tampered")
			if err == nil || !strings.Contains(out, "not verified") {
				t.Fatalf("the example accepts a tampered body: %v\n%s", err, out)
			}
		})
	}
}

// TestSignaturesDocQuotesExamples: docs/signatures.md shows each example's
// verify function exactly as the tested file has it.
func TestSignaturesDocQuotesExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "signatures.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"node/verify.mjs", "python/verify.py", "php/verify.php", "go/main.go"} {
		src, err := os.ReadFile(filepath.Join(examplesDir, file))
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok1 := strings.Cut(string(src), "verify:start\n")
		block, _, ok2 := strings.Cut(rest, "verify:end")
		if !ok1 || !ok2 {
			t.Fatalf("%s has no verify:start … verify:end block", file)
		}
		block = strings.TrimSpace(block[:strings.LastIndex(block, "\n")])
		if !strings.Contains(string(doc), block) {
			t.Errorf("docs/signatures.md does not quote the verify block of docs/examples/%s as it is:\n%s", file, block)
		}
	}
}

// goExample builds the Go example.
func goExample(t *testing.T) []string {
	bin := filepath.Join(t.TempDir(), "verify")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(examplesDir, "go")).CombinedOutput(); err != nil {
		t.Fatalf("build the Go example: %v\n%s", err, out)
	}
	return []string{bin}
}

// nodeExample runs the Node example (see nodeExampleDir).
func nodeExample(t *testing.T) []string {
	return []string{"node", filepath.Join(nodeExampleDir(t), "verify.mjs")}
}

// nodeExampleDir returns docs/examples/node with the standardwebhooks
// package that .ci/run installs (npm ci); without it, a temporary copy with
// the locked version installed by the machine's npm.
func nodeExampleDir(t *testing.T) string {
	dir := filepath.Join(examplesDir, "node")
	skip := func(format string, args ...any) { t.Helper(); skipUnlessCI(t, format, args...) }
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed: cannot check the Node example")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks")); err != nil {
		tmp := t.TempDir()
		for _, f := range []string{"package.json", "package-lock.json", "verify.mjs", "receiver.mjs"} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, f), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		npm.Dir = tmp
		if out, err := npm.CombinedOutput(); err != nil {
			skip("npm ci could not install standardwebhooks (is the npm registry reachable?): %v\n%s", err, out)
		}
		dir = tmp
	}
	return dir
}

// interpreter returns the command that runs script with the named
// interpreter, skipping the test when it is not installed (failing instead
// when required).
func interpreter(t *testing.T, name, script string, required bool) []string {
	if _, err := exec.LookPath(name); err != nil {
		if required {
			t.Fatalf("%s is not installed: cannot check %s", name, script)
		}
		t.Skipf("%s is not installed: cannot check %s", name, script)
	}
	return []string{name, script}
}
