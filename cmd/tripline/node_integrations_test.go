package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// integrationsDir holds the Node packages of integrations/: the TypeScript
// client check, the Zapier app and the Make app.
var integrationsDir = filepath.Join("..", "..", "integrations")

// nodePackage returns the directory of integrations/name with its locked
// npm packages installed: .ci/run installs them (npm ci); without them the
// test runs npm ci there itself. No node or npm skips the test, or fails it
// in CI.
func nodePackage(t *testing.T, name, probe string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(integrationsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skipUnlessCI(t, "node is not installed: cannot check integrations/%s", name)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", probe)); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		npm.Dir = dir
		if out, err := npm.CombinedOutput(); err != nil {
			skipUnlessCI(t, "npm ci in integrations/%s failed (is the npm registry reachable?): %v\n%s", name, err, out)
		}
	}
	return dir
}

// skipUnlessCI skips the test, or fails it in CI, where every tool the
// tests need is installed by .ci/run.
func skipUnlessCI(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// runNode runs node with args in dir, with env added, and returns its
// output; a non-zero exit fails the test with that output.
func runNode(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out.String())
	}
	return out.String()
}

// TestTypeScriptClient generates a TypeScript client from the served
// /openapi.json with openapi-typescript's default options and type-checks a
// small program against it with tsc --strict (integrations/typescript).
func TestTypeScriptClient(t *testing.T) {
	t.Parallel()
	dir := nodePackage(t, "typescript", "openapi-typescript")
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	out := runNode(t, dir, []string{"TRIPLINE_URL=" + tl.url, "TRIPLINE_TS_OUT=" + t.TempDir()}, "check.mjs")
	t.Log(out)
	if !strings.Contains(out, "tsc --strict: 0 errors") {
		t.Fatalf("no tsc verdict in:\n%s", out)
	}
}

// TestZapierApp runs the Zapier app's tests (integrations/zapier, with
// zapier-platform-core's app tester) against this Tripline. They fail when
// the catalogue has a trigger the app was not regenerated for.
func TestZapierApp(t *testing.T) {
	t.Parallel()
	dir := nodePackage(t, "zapier", "zapier-platform-core")
	tl := start(t, databaseURL(t, "sqlite"), "--bootstrap-api-key", testKey)
	env := []string{"TRIPLINE_URL=" + tl.url, "TRIPLINE_API_KEY=" + testKey}
	regenerate(t, dir, env)
	out := runNode(t, dir, env, "--test", "--test-reporter=spec", "test/")
	t.Log(out)
}

// regenerate rewrites an app's generated trigger definitions from this
// Tripline's catalogue when TRIPLINE_REGENERATE_INTEGRATIONS=1: after the
// catalogue changed, `TRIPLINE_REGENERATE_INTEGRATIONS=1 go test
// ./cmd/tripline -run 'TestZapierApp|TestMakeApp'` updates the files to commit.
func regenerate(t *testing.T, dir string, env []string) {
	t.Helper()
	if os.Getenv("TRIPLINE_REGENERATE_INTEGRATIONS") == "1" {
		t.Log(runNode(t, dir, env, filepath.Join("scripts", "generate-triggers.js")))
	}
}
