package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/sources"
	"github.com/tripline/tripline/store"
)

func newSource(t *testing.T, workspaceID, kind string) sources.Source {
	t.Helper()
	token, err := sources.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	src := sources.Source{ID: id.New(sources.IDPrefix), WorkspaceID: workspaceID, Name: "Sales bot", Kind: kind,
		Enabled: true, Token: token, TokenHash: sources.HashToken(token), CreatedAt: t0, UpdatedAt: t0}
	if kind == sources.KindCustom {
		src.Mapping = json.RawMessage(`{"events":{"*":{"type":"contact_updated","fields":{"contact_id":"u"}}}}`)
	} else {
		src.Verify = &sources.Verify{Scheme: "hmac-sha256", Header: "X-Webhook-Signature", Encoding: "hex", Prefix: "sha256=", Secret: "0123456789abcdef0123"}
	}
	return src
}

func TestSources(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f, other := setup(t, s), setup(t, s)
		a, b := newSource(t, f.ws.ID, "pollybot"), newSource(t, f.ws.ID, "custom")
		for _, src := range []sources.Source{a, b, newSource(t, other.ws.ID, "onwebchat")} {
			if err := s.SourceInsert(ctx, src); err != nil {
				t.Fatalf("SourceInsert: %v", err)
			}
		}
		got, err := s.SourceGet(ctx, f.ws.ID, a.ID)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Fatalf("SourceGet = %+v, %v\nwant %+v", got, err, a)
		}
		if got, err := s.SourceGet(ctx, f.ws.ID, b.ID); err != nil || string(got.Mapping) != string(b.Mapping) || got.Verify != nil {
			t.Fatalf("SourceGet custom = %+v, %v", got, err)
		}
		if _, err := s.SourceGet(ctx, other.ws.ID, a.ID); !errors.Is(err, tripline.ErrNotFound) {
			t.Errorf("another workspace's SourceGet: %v, want ErrNotFound", err)
		}
		list, err := s.SourceList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 10})
		if err != nil || len(list) != 2 {
			t.Fatalf("SourceList = %d, %v; want 2", len(list), err)
		}
		byToken, err := s.SourceGetByTokenHash(ctx, a.TokenHash)
		if err != nil || byToken.ID != a.ID {
			t.Fatalf("SourceGetByTokenHash = %+v, %v", byToken, err)
		}
		// Rotation: the old hash finds nothing.
		old := a.TokenHash
		a.Token = "tin_new"
		a.TokenHash, a.Enabled, a.Verify = sources.HashToken(a.Token), false, nil
		if err := s.SourceUpdate(ctx, a); err != nil {
			t.Fatalf("SourceUpdate: %v", err)
		}
		if _, err := s.SourceGetByTokenHash(ctx, old); !errors.Is(err, tripline.ErrNotFound) {
			t.Errorf("old token: %v, want ErrNotFound", err)
		}
		if got, _ := s.SourceGet(ctx, f.ws.ID, a.ID); got.Enabled || got.Verify != nil || got.Token != "tin_new" {
			t.Errorf("after update %+v", got)
		}
		if err := s.SourceUpdate(ctx, sources.Source{ID: a.ID, WorkspaceID: other.ws.ID}); !errors.Is(err, tripline.ErrNotFound) {
			t.Errorf("another workspace's SourceUpdate: %v", err)
		}

		// The request log keeps the newest LogSize entries.
		for i := range sources.LogSize + 5 {
			e := sources.LogEntry{ID: id.NewAt(sources.RequestIDPrefix, t0.Add(time.Duration(i)*time.Millisecond)), WorkspaceID: f.ws.ID,
				SourceID: b.ID, ReceivedAt: t0, Status: 202, Outcome: sources.OutcomeAccepted, EventName: fmt.Sprint(i),
				ContactID: fmt.Sprintf("c_%d", i%2), Headers: map[string]string{"Content-Type": "application/json"}, Body: `{}`,
				Problems: []sources.Problem{{Path: "a", Field: "tag", Message: "m"}}, TriggerEvents: []string{"evt_1"}}
			if err := s.SourceRequestInsert(ctx, e); err != nil {
				t.Fatalf("SourceRequestInsert: %v", err)
			}
		}
		log, err := s.SourceRequestList(ctx, f.ws.ID, b.ID)
		if err != nil || len(log) != sources.LogSize {
			t.Fatalf("SourceRequestList = %d, %v; want %d", len(log), err, sources.LogSize)
		}
		if log[0].EventName != fmt.Sprint(sources.LogSize+4) || log[len(log)-1].EventName != "5" || log[0].Problems[0].Path != "a" ||
			log[0].Headers["Content-Type"] != "application/json" || log[0].TriggerEvents[0] != "evt_1" {
			t.Errorf("log newest %+v, oldest %+v", log[0], log[len(log)-1])
		}
		if l, _ := s.SourceRequestList(ctx, other.ws.ID, b.ID); len(l) != 0 {
			t.Errorf("another workspace reads %d entries", len(l))
		}

		// GDPR: erasing a contact deletes its entries.
		if err := s.ContactErase(ctx, f.ws.ID, "c_1"); err != nil {
			t.Fatal(err)
		}
		log, _ = s.SourceRequestList(ctx, f.ws.ID, b.ID)
		for _, e := range log {
			if e.ContactID == "c_1" {
				t.Fatalf("entry %s of the erased contact is kept", e.ID)
			}
		}
		if len(log) != sources.LogSize/2 {
			t.Errorf("%d entries after erase, want %d", len(log), sources.LogSize/2)
		}

		// Retention deletes entries by the time in their id.
		res, err := s.RetentionDelete(ctx, store.RetentionDeleteParams{Before: t0.Add(50 * time.Millisecond), Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if res.SourceRequests == 0 {
			t.Error("retention deleted no source requests")
		}
		log, _ = s.SourceRequestList(ctx, f.ws.ID, b.ID)
		for _, e := range log {
			if e.ID < id.MinAt(sources.RequestIDPrefix, t0.Add(50*time.Millisecond)) {
				t.Errorf("entry %s survived retention", e.ID)
			}
		}

		if err := s.SourceDelete(ctx, f.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.SourceRequestList(ctx, f.ws.ID, b.ID); len(l) != 0 {
			t.Errorf("a deleted source's log has %d entries", len(l))
		}
		if err := s.SourceDelete(ctx, f.ws.ID, b.ID); !errors.Is(err, tripline.ErrNotFound) {
			t.Errorf("second SourceDelete: %v", err)
		}
	})
}

func TestSourceSecretsAndTokensAreSealedAtRest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := t.TempDir() + "/tripline.db"
	sealed, err := store.Open(ctx, store.Config{URL: url, Secrets: sealer{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sealed.Close() })
	if err := sealed.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	f := setup(t, sealed)
	src := newSource(t, f.ws.ID, "pollybot")
	if err := sealed.SourceInsert(ctx, src); err != nil {
		t.Fatal(err)
	}
	if got, err := sealed.SourceGet(ctx, f.ws.ID, src.ID); err != nil || got.Verify.Secret != src.Verify.Secret || got.Token != src.Token {
		t.Fatalf("SourceGet = %+v, %v", got, err)
	}
	atRest, err := raw.SourceGet(ctx, f.ws.ID, src.ID)
	if err != nil || atRest.Verify.Secret != "sealed:"+src.Verify.Secret || atRest.Token != "sealed:"+src.Token {
		t.Fatalf("at rest: %+v, %v", atRest, err)
	}
}
