package tripline_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/tripline/tripline"
)

func TestHashKey(t *testing.T) {
	t.Parallel()
	// echo -n abc | sha256sum
	if got := tripline.HashKey("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashKey = %s", got)
	}
}

func TestNewAPIKey(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^tl_[0-9A-Za-z]{40}$`)
	a, b := tripline.NewAPIKey(), tripline.NewAPIKey()
	if !shape.MatchString(a) || !shape.MatchString(b) || a == b {
		t.Fatalf("NewAPIKey = %q, %q", a, b)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := tripline.NewAPIKeyRecord("key_1", "ws_1", a, "ci", now)
	want := tripline.APIKey{ID: "key_1", WorkspaceID: "ws_1", Hash: tripline.HashKey(a), Prefix: a[:8], CreatedAt: now, Name: "ci"}
	if rec != want {
		t.Fatalf("NewAPIKeyRecord = %+v, want %+v", rec, want)
	}
	if p := tripline.KeyPrefix("tl_ab"); p != "tl_ab" {
		t.Fatalf("KeyPrefix of a short key = %q", p)
	}
}

func TestNewWorkspace(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ws := tripline.NewWorkspace("ws_1", "acme", now)
	if want := (tripline.Workspace{ID: "ws_1", Name: "acme", CreatedAt: now, Timezone: "UTC"}); ws != want {
		t.Fatalf("NewWorkspace = %+v, want %+v", ws, want)
	}
}
