package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIExitStatus: Main's exit status and what it prints for help, mistakes
// on the command line and a fatal error in JSON log mode.
func TestCLIExitStatus(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tripline.db")
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--help"}, 0, "-addr"},
		{[]string{"-h"}, 0, "-addr"},
		{[]string{"version"}, 0, ""},
		{[]string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"workspaces"}, 2, "SUBCOMMANDS\n  create"},
		{[]string{"keys"}, 2, "tripline keys create --workspace NAME"},
		{[]string{"keys", "list"}, 2, `keys has no subcommand "list"`},
		{[]string{"workspaces", "create", "--database-url", db}, 2, "usage: tripline workspaces create NAME"},
		{[]string{"--shutdown-timeout", "-5s"}, 2, `"-5s" is negative`},
		{[]string{"--claim-lease=-1m"}, 2, `"-1m" is negative`},
		{[]string{"bench", "--wait", "-1s"}, 2, `"-1s" is negative`},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(t.Context(), tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("tripline %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, stderr.String(), tt.code, tt.stderr)
		}
	}

	// A fatal start-up error in JSON log mode is one JSON log line.
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), []string{"--log-format", "json", "--database-url", "postgres://nobody@127.0.0.1:1/x"}, &stdout, &stderr)
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(stderr.Bytes()), &line); code != 1 || err != nil || line["level"] != "ERROR" ||
		!strings.Contains(line["error"].(string), "TRIPLINE_SECRET_KEY") {
		t.Fatalf("exit %d, stderr %q (%v); want 1 and one JSON line with level ERROR naming TRIPLINE_SECRET_KEY", code, stderr.String(), err)
	}
}
