package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

// forEachDB runs fn against a fresh, migrated store of every dialect: SQLite
// always, Postgres when TRIPLINE_TEST_DATABASE_URL is set (a schema per test).
func forEachDB(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Open(t, dialect))
		})
	}
}

// t0 is the tests' reference time: UTC, whole microseconds, like stored times.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)

// fixture is a workspace with one enabled endpoint.
type fixture struct {
	s  *store.Store
	ws tripline.Workspace
	ep actions.Endpoint
}

func setup(t *testing.T, s *store.Store) fixture {
	t.Helper()
	ctx := t.Context()
	ws, err := s.WorkspaceCreate(ctx, "ws-"+id.New("t"))
	if err != nil {
		t.Fatalf("WorkspaceCreate: %v", err)
	}
	ep := newEndpoint(ws.ID)
	if err := s.EndpointInsert(ctx, ep); err != nil {
		t.Fatalf("EndpointInsert: %v", err)
	}
	return fixture{s: s, ws: ws, ep: ep}
}

func newEndpoint(workspaceID string) actions.Endpoint {
	return actions.Endpoint{
		ID: id.New(id.Endpoint), WorkspaceID: workspaceID, Name: "Sheets", URL: "https://example.com/hook",
		Description: "orders", Enabled: true, Secret: "whsec_c2VjcmV0",
		Headers: map[string]string{"X-Team": "sales"}, TimeoutSeconds: 10, RetrySchedule: []int{5, 300},
		RateLimitPerSecond: 3, MaxInFlight: 2, LegacySignature: true, CreatedAt: t0, UpdatedAt: t0,
	}
}

// ingest runs fn in an ingest transaction and fails the test on error.
func ingest(t *testing.T, s *store.Store, fn func(tx engine.IngestTx) error) {
	t.Helper()
	if err := s.IngestInTx(t.Context(), fn); err != nil {
		t.Fatalf("IngestInTx: %v", err)
	}
}

// newDelivery makes a pending delivery to f's endpoint, created at t0 (its
// id too, as the pipeline makes them) and due at due.
func (f fixture) newDelivery(due time.Time) actions.NewDelivery {
	return createdAt(actions.NewDelivery{
		Delivery: actions.Delivery{
			WorkspaceID: f.ws.ID, EndpointID: f.ep.ID, RuleID: "rul_1", TriggerEventID: "evt_1",
			Event: triggers.TriggerTagApplied, ContactID: "c_1", Status: actions.StatusPending,
			NextAttemptAt: &due,
		},
		Message: actions.Message{Headers: map[string]string{"X-Source": "tripline"}},
	}, t0)
}

// createdAt returns nd created at t: its CreatedAt, a new id made at t, and
// a payload naming that id.
func createdAt(nd actions.NewDelivery, t time.Time) actions.NewDelivery {
	nd.Delivery.ID, nd.Delivery.CreatedAt = idAt(id.Delivery, t), t
	nd.Message.Payload = json.RawMessage(`{"id":"` + nd.Delivery.ID + `", "n": 1.50}`)
	return nd
}

// idAt is id.NewAt for tests running in parallel: ids of one prefix and
// millisecond increase in the order they are made, as tests expect of ids
// made one after the other. id.NewAt promises it only while no id of
// another millisecond is made in between, which parallel tests do all the
// time (its monotonic entropy restarts with each new millisecond).
func idAt(prefix string, t time.Time) string {
	idsAt.Lock()
	defer idsAt.Unlock()
	key := fmt.Sprint(prefix, t.UnixMilli())
	v, err := ulid.Parse(strings.TrimPrefix(id.NewAt(prefix, t), prefix+"_"))
	if err != nil {
		panic(err)
	}
	if last, ok := idsAt.last[key]; ok {
		v = last
		for i := len(v) - 1; i >= 6; i-- { // the entropy, bytes 6 to 15, plus one
			if v[i]++; v[i] != 0 {
				break
			}
		}
	}
	idsAt.last[key] = v
	return prefix + "_" + v.String()
}

var idsAt = struct {
	sync.Mutex
	last map[string]ulid.ULID
}{last: map[string]ulid.ULID{}}

func (f fixture) insertDeliveries(t *testing.T, ds ...actions.NewDelivery) {
	t.Helper()
	ingest(t, f.s, func(tx engine.IngestTx) error { return tx.DeliveryInsertMany(t.Context(), ds) })
}

func (f fixture) claim(t *testing.T, owner string, now time.Time, limit int) []actions.Claimed {
	t.Helper()
	c, err := f.s.DeliveryClaimDue(t.Context(), actions.DeliveryClaimDueParams{Owner: owner, Now: now, LeaseUntil: now.Add(time.Minute), Limit: limit})
	if err != nil {
		t.Fatalf("DeliveryClaimDue: %v", err)
	}
	return c
}

func (f fixture) get(t *testing.T, deliveryID string) (actions.Delivery, actions.Message, []actions.Attempt) {
	t.Helper()
	d, m, a, err := f.s.DeliveryGet(t.Context(), f.ws.ID, deliveryID)
	if err != nil {
		t.Fatalf("DeliveryGet %s: %v", deliveryID, err)
	}
	return d, m, a
}

func claimedIDs(cs []actions.Claimed) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.Delivery.ID
	}
	return ids
}

func rulesVersion(t *testing.T, s *store.Store, workspaceID string) int64 {
	t.Helper()
	var v int64
	ingest(t, s, func(tx engine.IngestTx) error {
		var err error
		v, err = tx.WorkspaceRulesVersion(t.Context(), workspaceID)
		return err
	})
	return v
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestDialect(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		if got := storetest.Open(t, d).Dialect(); got != d {
			t.Errorf("Dialect() = %q, want %q", got, d)
		}
	}
}

func TestWorkspacesAndAPIKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		n0, err := s.WorkspaceCount(ctx)
		if err != nil || n0 != 0 {
			t.Fatalf("WorkspaceCount on a new database = %d, %v; want 0", n0, err)
		}
		ws, err := s.WorkspaceCreate(ctx, "default")
		if err != nil {
			t.Fatalf("WorkspaceCreate: %v", err)
		}
		if !strings.HasPrefix(ws.ID, "ws_") || ws.Name != "default" || ws.CreatedAt.IsZero() || ws.CreatedAt.Location() != time.UTC {
			t.Fatalf("WorkspaceCreate = %+v", ws)
		}
		_, err = s.WorkspaceCreate(ctx, "default")
		wantErr(t, err, tripline.ErrConflict, "WorkspaceCreate of a taken name")

		got, err := s.WorkspaceGetByName(ctx, "default")
		if err != nil || got != ws {
			t.Fatalf("WorkspaceGetByName = %+v, %v; want %+v", got, err, ws)
		}
		_, err = s.WorkspaceGetByName(ctx, "nope")
		wantErr(t, err, tripline.ErrNotFound, "WorkspaceGetByName of an unknown name")
		if n, err := s.WorkspaceCount(ctx); err != nil || n != 1 {
			t.Fatalf("WorkspaceCount = %d, %v; want 1", n, err)
		}

		key := tripline.APIKey{ID: id.New(id.APIKey), WorkspaceID: ws.ID, Hash: "ab12", Prefix: "tl_ab", CreatedAt: t0}
		if err := s.APIKeyInsert(ctx, key); err != nil {
			t.Fatalf("APIKeyInsert: %v", err)
		}
		got, err = s.WorkspaceGetByAPIKey(ctx, "ab12")
		if err != nil || got != ws {
			t.Fatalf("WorkspaceGetByAPIKey = %+v, %v; want %+v", got, err, ws)
		}
		_, err = s.WorkspaceGetByAPIKey(ctx, "cd34")
		wantErr(t, err, tripline.ErrNotFound, "WorkspaceGetByAPIKey of an unknown hash")
		key.ID = id.New(id.APIKey)
		wantErr(t, s.APIKeyInsert(ctx, key), tripline.ErrConflict, "APIKeyInsert of a stored hash")
		wantErr(t, s.APIKeyInsert(ctx, tripline.APIKey{WorkspaceID: "ws_nope", Hash: "ef56"}), tripline.ErrConflict, "APIKeyInsert for an unknown workspace")
	})
}

func TestFolders(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		v0 := rulesVersion(t, s, f.ws.ID)

		var folders []engine.Folder
		for i := range 5 {
			fo := engine.Folder{ID: id.New(id.Folder), WorkspaceID: f.ws.ID, Name: fmt.Sprintf("folder %d", i), Enabled: i%2 == 0, CreatedAt: t0, UpdatedAt: t0}
			if err := s.FolderInsert(ctx, fo); err != nil {
				t.Fatalf("FolderInsert: %v", err)
			}
			folders = append(folders, fo)
		}
		if v := rulesVersion(t, s, f.ws.ID); v != v0+5 {
			t.Fatalf("rules version after 5 inserts = %d, want %d", v, v0+5)
		}
		wantErr(t, s.FolderInsert(ctx, folders[0]), tripline.ErrConflict, "FolderInsert of a stored id")

		got, err := s.FolderGet(ctx, f.ws.ID, folders[1].ID)
		if err != nil || !reflect.DeepEqual(got, folders[1]) {
			t.Fatalf("FolderGet = %+v, %v; want %+v", got, err, folders[1])
		}
		_, err = s.FolderGet(ctx, other.ws.ID, folders[1].ID)
		wantErr(t, err, tripline.ErrNotFound, "FolderGet from another workspace")

		// Pages of 2, ascending by id.
		var all []engine.Folder
		cursor := ""
		for {
			page, err := s.FolderList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatalf("FolderList: %v", err)
			}
			all = append(all, page...)
			if len(page) < 2 {
				break
			}
			cursor = page[len(page)-1].ID
		}
		if !reflect.DeepEqual(all, folders) {
			t.Fatalf("FolderList pages = %+v, want %+v", all, folders)
		}
		if page, _ := s.FolderList(ctx, tripline.ListParams{WorkspaceID: other.ws.ID}); len(page) != 0 {
			t.Fatalf("FolderList of another workspace = %+v, want none", page)
		}

		upd := folders[0]
		upd.Name, upd.Enabled, upd.UpdatedAt = "renamed", false, t0.Add(time.Hour)
		if err := s.FolderUpdate(ctx, upd); err != nil {
			t.Fatalf("FolderUpdate: %v", err)
		}
		if got, _ := s.FolderGet(ctx, f.ws.ID, upd.ID); !reflect.DeepEqual(got, upd) {
			t.Fatalf("after FolderUpdate = %+v, want %+v", got, upd)
		}
		wrong := upd
		wrong.WorkspaceID = other.ws.ID
		wantErr(t, s.FolderUpdate(ctx, wrong), tripline.ErrNotFound, "FolderUpdate from another workspace")
		wantErr(t, s.FolderDelete(ctx, other.ws.ID, upd.ID), tripline.ErrNotFound, "FolderDelete from another workspace")

		rule := newRule(f, folders[2].ID)
		if err := s.RuleInsert(ctx, rule); err != nil {
			t.Fatalf("RuleInsert: %v", err)
		}
		wantErr(t, s.FolderDelete(ctx, f.ws.ID, folders[2].ID), tripline.ErrConflict, "FolderDelete of a folder with rules")
		if err := s.FolderDelete(ctx, f.ws.ID, folders[3].ID); err != nil {
			t.Fatalf("FolderDelete: %v", err)
		}
		_, err = s.FolderGet(ctx, f.ws.ID, folders[3].ID)
		wantErr(t, err, tripline.ErrNotFound, "FolderGet after FolderDelete")
		wantErr(t, s.FolderDelete(ctx, f.ws.ID, folders[3].ID), tripline.ErrNotFound, "FolderDelete twice")
		// 5 inserts, 1 update, 1 rule insert, 1 delete; failed changes do not count.
		if v := rulesVersion(t, s, f.ws.ID); v != v0+8 {
			t.Fatalf("rules version = %d, want %d", v, v0+8)
		}
	})
}

func newRule(f fixture, folderID string) engine.Rule {
	return engine.Rule{
		ID: id.New(id.Rule), WorkspaceID: f.ws.ID, FolderID: folderID, Name: "Order closed → Sheets", Enabled: true,
		Trigger:   engine.Trigger{Type: triggers.TriggerTagApplied, Tag: "Order Closed"},
		Condition: `contact.custom_fields.budget > 1000 && contact.channel == "whatsapp"`,
		Actions: []engine.Action{{
			Type: "webhook", EndpointID: f.ep.ID,
			Body:    json.RawMessage(`{"name":"{{ contact.name }}","n":[1,2]}`),
			Headers: map[string]string{"X-Source": "tripline"},
		}},
		Frequency: engine.Frequency{OncePerContact: false, CooldownSeconds: 60},
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func TestRules(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		folder := engine.Folder{ID: id.New(id.Folder), WorkspaceID: f.ws.ID, Name: "f", Enabled: true}
		if err := s.FolderInsert(ctx, folder); err != nil {
			t.Fatalf("FolderInsert: %v", err)
		}
		foreign := engine.Folder{ID: id.New(id.Folder), WorkspaceID: other.ws.ID, Name: "f"}
		if err := s.FolderInsert(ctx, foreign); err != nil {
			t.Fatalf("FolderInsert: %v", err)
		}

		inFolder, loose := newRule(f, folder.ID), newRule(f, "")
		loose.Actions[0].Body, loose.Actions[0].Headers = nil, nil
		for _, r := range []engine.Rule{inFolder, loose} {
			if err := s.RuleInsert(ctx, r); err != nil {
				t.Fatalf("RuleInsert: %v", err)
			}
		}
		for _, want := range []engine.Rule{inFolder, loose} {
			got, err := s.RuleGet(ctx, f.ws.ID, want.ID)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("RuleGet = %+v, %v;\nwant %+v", got, err, want)
			}
		}
		_, err := s.RuleGet(ctx, other.ws.ID, inFolder.ID)
		wantErr(t, err, tripline.ErrNotFound, "RuleGet from another workspace")

		bad := newRule(f, foreign.ID)
		var verr *tripline.ValidationError
		if err := s.RuleInsert(ctx, bad); !errors.As(err, &verr) || verr.Fields[0].Field != "folder_id" {
			t.Fatalf("RuleInsert into another workspace's folder: %v, want a ValidationError on folder_id", err)
		}

		list, err := s.RuleList(ctx, tripline.RuleListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID}})
		if err != nil || len(list) != 2 || list[0].ID != inFolder.ID || list[1].ID != loose.ID {
			t.Fatalf("RuleList = %+v, %v", list, err)
		}
		list, _ = s.RuleList(ctx, tripline.RuleListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID}, FolderID: folder.ID})
		if len(list) != 1 || list[0].ID != inFolder.ID {
			t.Fatalf("RuleList of a folder = %+v", list)
		}
		list, _ = s.RuleList(ctx, tripline.RuleListParams{ListParams: tripline.ListParams{WorkspaceID: f.ws.ID, Cursor: inFolder.ID, Limit: 10}})
		if len(list) != 1 || list[0].ID != loose.ID {
			t.Fatalf("RuleList after a cursor = %+v", list)
		}

		v := rulesVersion(t, s, f.ws.ID)
		upd := inFolder
		upd.FolderID, upd.Name, upd.Enabled, upd.Condition = "", "moved", false, ""
		upd.Trigger = engine.Trigger{Type: triggers.TriggerCustomFieldChanged, Field: "budget"}
		upd.Frequency = engine.Frequency{OncePerContact: true}
		upd.UpdatedAt = t0.Add(time.Hour)
		if err := s.RuleUpdate(ctx, upd); err != nil {
			t.Fatalf("RuleUpdate: %v", err)
		}
		if got, _ := s.RuleGet(ctx, f.ws.ID, upd.ID); !reflect.DeepEqual(got, upd) {
			t.Fatalf("after RuleUpdate = %+v,\nwant %+v", got, upd)
		}
		wrong := upd
		wrong.WorkspaceID = other.ws.ID
		wantErr(t, s.RuleUpdate(ctx, wrong), tripline.ErrNotFound, "RuleUpdate from another workspace")
		wantErr(t, s.RuleDelete(ctx, other.ws.ID, upd.ID), tripline.ErrNotFound, "RuleDelete from another workspace")

		ingest(t, s, func(tx engine.IngestTx) error {
			rules, folders, err := tx.RuleListAll(ctx, f.ws.ID)
			if err != nil {
				return err
			}
			if len(rules) != 2 || len(folders) != 1 || !reflect.DeepEqual(rules[0], upd) {
				t.Errorf("RuleListAll = %+v, %+v", rules, folders)
			}
			return nil
		})

		if err := s.RuleDelete(ctx, f.ws.ID, loose.ID); err != nil {
			t.Fatalf("RuleDelete: %v", err)
		}
		_, err = s.RuleGet(ctx, f.ws.ID, loose.ID)
		wantErr(t, err, tripline.ErrNotFound, "RuleGet after RuleDelete")
		if got := rulesVersion(t, s, f.ws.ID); got != v+2 {
			t.Fatalf("rules version = %d, want %d", got, v+2)
		}
	})
}

// sealer is a fake Sealer that marks what it seals.
type sealer struct{}

func (sealer) Seal(s string) (string, error) { return "sealed:" + s, nil }
func (sealer) Open(s string) (string, error) {
	if !strings.HasPrefix(s, "sealed:") {
		return "", errors.New("not sealed")
	}
	return strings.TrimPrefix(s, "sealed:"), nil
}

func TestEndpointSecretsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			url := t.TempDir() + "/tripline.db"
			if dialect == store.DialectPostgres {
				url = storetest.PostgresURL(t)
			}
			sealed, err := store.Open(ctx, store.Config{URL: url, Secrets: sealer{}})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = sealed.Close() })
			if err := sealed.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			raw, err := store.Open(ctx, store.Config{URL: url})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = raw.Close() })

			f := setup(t, sealed)
			got, err := sealed.EndpointGet(ctx, f.ws.ID, f.ep.ID)
			if err != nil || got.Secret != f.ep.Secret {
				t.Fatalf("EndpointGet secret = %q, %v; want %q", got.Secret, err, f.ep.Secret)
			}
			atRest, err := raw.EndpointGet(ctx, f.ws.ID, f.ep.ID)
			if err != nil || atRest.Secret != "sealed:"+f.ep.Secret {
				t.Fatalf("secret at rest = %q, %v", atRest.Secret, err)
			}
			f.insertDeliveries(t, f.newDelivery(t0))
			if c := f.claim(t, "w1", t0, 10); len(c) != 1 || c[0].Endpoint.Secret != f.ep.Secret {
				t.Fatalf("claimed endpoint = %+v", c)
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)

		got, err := s.EndpointGet(ctx, f.ws.ID, f.ep.ID)
		if err != nil || !reflect.DeepEqual(got, f.ep) {
			t.Fatalf("EndpointGet = %+v, %v;\nwant %+v", got, err, f.ep)
		}
		_, err = s.EndpointGet(ctx, other.ws.ID, f.ep.ID)
		wantErr(t, err, tripline.ErrNotFound, "EndpointGet from another workspace")
		wantErr(t, s.EndpointInsert(ctx, f.ep), tripline.ErrConflict, "EndpointInsert of a stored id")

		plain := actions.Endpoint{ID: id.New(id.Endpoint), WorkspaceID: f.ws.ID, URL: "https://example.com/2", Secret: "whsec_eA==", CreatedAt: t0, UpdatedAt: t0}
		if err := s.EndpointInsert(ctx, plain); err != nil {
			t.Fatalf("EndpointInsert: %v", err)
		}
		if got, _ := s.EndpointGet(ctx, f.ws.ID, plain.ID); !reflect.DeepEqual(got, plain) {
			t.Fatalf("EndpointGet of defaults = %+v, want %+v (nil headers and retry schedule)", got, plain)
		}
		list, err := s.EndpointList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID, Limit: 1})
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], f.ep) {
			t.Fatalf("EndpointList first page = %+v, %v", list, err)
		}
		list, _ = s.EndpointList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID, Cursor: f.ep.ID})
		if len(list) != 1 || list[0].ID != plain.ID {
			t.Fatalf("EndpointList second page = %+v", list)
		}

		ingest(t, s, func(tx engine.IngestTx) error {
			eps, err := tx.EndpointGetMany(ctx, engine.EndpointGetManyParams{WorkspaceID: f.ws.ID, IDs: []string{f.ep.ID, other.ep.ID, "ep_nope"}})
			if err != nil {
				return err
			}
			want := f.ep
			want.Secret = ""
			if len(eps) != 1 || !reflect.DeepEqual(eps[f.ep.ID], want) {
				t.Errorf("EndpointGetMany = %+v", eps)
			}
			return nil
		})

		upd := f.ep
		upd.Name, upd.URL, upd.Enabled, upd.DisabledReason = "CRM", "https://example.com/crm", false, "5 dead deliveries"
		upd.Secret, upd.Headers, upd.RetrySchedule, upd.LegacySignature = "whsec_bmV3", nil, nil, false
		upd.UpdatedAt = t0.Add(time.Hour)
		if err := s.EndpointUpdate(ctx, upd); err != nil {
			t.Fatalf("EndpointUpdate: %v", err)
		}
		if got, _ := s.EndpointGet(ctx, f.ws.ID, upd.ID); !reflect.DeepEqual(got, upd) {
			t.Fatalf("after EndpointUpdate = %+v,\nwant %+v", got, upd)
		}
		wrong := upd
		wrong.WorkspaceID = other.ws.ID
		wantErr(t, s.EndpointUpdate(ctx, wrong), tripline.ErrNotFound, "EndpointUpdate from another workspace")
		_, err = s.EndpointStats(ctx, other.ws.ID, f.ep.ID)
		wantErr(t, err, tripline.ErrNotFound, "EndpointStats from another workspace")
	})
}

func TestEndpointToggleMovesDeliveries(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		fresh, retried, done := f.newDelivery(t0), f.newDelivery(t0), f.newDelivery(t0)
		retried.Delivery.Status, retried.Delivery.AttemptCount = actions.StatusFailed, 2
		done.Delivery.Status, done.Delivery.NextAttemptAt = actions.StatusSucceeded, nil
		f.insertDeliveries(t, fresh, retried, done)

		off := f.ep
		off.Enabled = false
		if err := s.EndpointUpdate(ctx, off); err != nil {
			t.Fatalf("EndpointUpdate: %v", err)
		}
		for _, nd := range []actions.NewDelivery{fresh, retried} {
			if d, _, _ := f.get(t, nd.Delivery.ID); d.Status != actions.StatusPaused || d.NextAttemptAt != nil {
				t.Fatalf("after disabling, delivery = %+v, want paused", d)
			}
		}
		if d, _, _ := f.get(t, done.Delivery.ID); d.Status != actions.StatusSucceeded {
			t.Fatalf("after disabling, a succeeded delivery = %s", d.Status)
		}
		stats, err := s.EndpointStats(ctx, f.ws.ID, f.ep.ID)
		if want := map[actions.Status]int{actions.StatusPaused: 2, actions.StatusSucceeded: 1}; err != nil || !reflect.DeepEqual(stats, want) {
			t.Fatalf("EndpointStats = %v, %v; want %v", stats, err, want)
		}
		if c := f.claim(t, "w1", t0.Add(time.Hour), 10); len(c) != 0 {
			t.Fatalf("claimed %d paused deliveries", len(c))
		}

		if err := s.EndpointUpdate(ctx, f.ep); err != nil {
			t.Fatalf("EndpointUpdate: %v", err)
		}
		c := f.claim(t, "w1", time.Now(), 10)
		if len(c) != 2 || c[0].Delivery.Status != actions.StatusPending || c[1].Delivery.Status != actions.StatusFailed {
			t.Fatalf("after enabling, claimed %+v; want the pending then the failed delivery", c)
		}
	})
}

func TestEndpointDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		rule := newRule(f, "")
		if err := s.RuleInsert(ctx, rule); err != nil {
			t.Fatalf("RuleInsert: %v", err)
		}
		wantErr(t, s.EndpointDelete(ctx, f.ws.ID, f.ep.ID), tripline.ErrConflict, "EndpointDelete of an endpoint a rule uses")
		wantErr(t, s.EndpointDelete(ctx, other.ws.ID, f.ep.ID), tripline.ErrNotFound, "EndpointDelete from another workspace")

		pending, sent := f.newDelivery(t0), f.newDelivery(t0)
		sent.Delivery.Status, sent.Delivery.NextAttemptAt = actions.StatusSucceeded, nil
		f.insertDeliveries(t, pending, sent)
		c := f.claim(t, "w1", t0, 1) // an attempt recorded, then kept
		recordFailed(t, s, "w1", c[0], t0.Add(time.Minute))

		if err := s.RuleDelete(ctx, f.ws.ID, rule.ID); err != nil {
			t.Fatalf("RuleDelete: %v", err)
		}
		if err := s.EndpointDelete(ctx, f.ws.ID, f.ep.ID); err != nil {
			t.Fatalf("EndpointDelete: %v", err)
		}
		_, err := s.EndpointGet(ctx, f.ws.ID, f.ep.ID)
		wantErr(t, err, tripline.ErrNotFound, "EndpointGet after EndpointDelete")
		d, m, a := f.get(t, pending.Delivery.ID)
		if d.Status != actions.StatusDiscarded || len(a) != 1 || string(m.Payload) != string(pending.Message.Payload) {
			t.Fatalf("a retried delivery of a deleted endpoint = %+v, %d attempts; want discarded, kept", d, len(a))
		}
		if d, _, _ := f.get(t, sent.Delivery.ID); d.Status != actions.StatusSucceeded {
			t.Fatalf("a sent delivery of a deleted endpoint = %s", d.Status)
		}
	})
}

// recordFailed records a failed attempt at c, due again at next.
func recordFailed(t *testing.T, s *store.Store, owner string, c actions.Claimed, next time.Time) {
	t.Helper()
	err := s.DeliveryRecordOutcomes(t.Context(), actions.DeliveryRecordOutcomesParams{Owner: owner, Outcomes: []actions.Outcome{{
		Attempt:        actions.Attempt{ID: id.New(id.Attempt), DeliveryID: c.Delivery.ID, At: t0, DurationMS: 12, StatusCode: 500, Error: "500 Internal Server Error"},
		Status:         actions.StatusFailed,
		AttemptCount:   c.Delivery.AttemptCount + 1,
		NextAttemptAt:  &next,
		LastStatusCode: 500,
		LastError:      "500 Internal Server Error",
	}}})
	if err != nil {
		t.Fatalf("DeliveryRecordOutcomes: %v", err)
	}
}

func TestEndpointDeleteChecksWholeIDs(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		// A rule naming an id that "ep_"+rest would match with "_" as a wildcard.
		rule := newRule(f, "")
		rule.Actions[0].EndpointID = "epX" + strings.TrimPrefix(f.ep.ID, "ep_")
		if err := s.RuleInsert(ctx, rule); err != nil {
			t.Fatalf("RuleInsert: %v", err)
		}
		if err := s.EndpointDelete(ctx, f.ws.ID, f.ep.ID); err != nil {
			t.Fatalf("EndpointDelete of an endpoint no rule uses: %v", err)
		}
	})
}

// TestEndpointDeleteOddIDs: an id that is not there is not found, whatever
// its characters or length (issue 16: "%" matched every rule, 50,001
// characters made SQLite's LIKE pattern too complex).
func TestEndpointDeleteOddIDs(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		if err := s.RuleInsert(ctx, newRule(f, "")); err != nil {
			t.Fatalf("RuleInsert: %v", err)
		}
		for _, bad := range []string{"%", "_", "%%", `\`, "ep_%", strings.Repeat("x", 50_001), strings.Repeat("%", 50_001)} {
			wantErr(t, s.EndpointDelete(ctx, f.ws.ID, bad), tripline.ErrNotFound, fmt.Sprintf("EndpointDelete(%.20q)", bad))
		}
		wantErr(t, s.EndpointDelete(ctx, f.ws.ID, f.ep.ID), tripline.ErrConflict, "EndpointDelete of an endpoint a rule uses")
	})
}

func TestIngestContactsAndEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		c1 := &triggers.Contact{
			ID: "c_1", Name: "John Smith", Email: "john@example.com", Channel: "whatsapp",
			Tags: []string{"vip", "Order Closed"}, CustomFields: map[string]any{"budget": 10000.0, "nested": map[string]any{"a": []any{1.0, "x"}}},
			Subscribed: true, Conversation: &triggers.Conversation{ID: "cv_9", Status: "open", Handler: "bot"},
			Sequences: []string{}, ReferredBy: "c_0", CreatedAt: t0, UpdatedAt: t0,
		}
		c2 := &triggers.Contact{ID: "c_2", Tags: []string{}, CustomFields: map[string]any{}, Sequences: []string{}, CreatedAt: t0, UpdatedAt: t0}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: f.ws.ID, Contacts: []*triggers.Contact{c1, c2}})
		})
		c1b := *c1
		c1b.Tags, c1b.UpdatedAt = []string{"vip"}, t0.Add(time.Second)
		ingest(t, s, func(tx engine.IngestTx) error {
			got, err := tx.ContactGetMany(ctx, engine.ContactGetManyParams{WorkspaceID: f.ws.ID, IDs: []string{"c_1", "c_2", "c_3"}})
			if err != nil {
				return err
			}
			if len(got) != 2 || !reflect.DeepEqual(got["c_1"], c1) || !reflect.DeepEqual(got["c_2"], c2) {
				t.Errorf("ContactGetMany = %+v, want %+v and %+v", got, c1, c2)
			}
			if got, _ := tx.ContactGetMany(ctx, engine.ContactGetManyParams{WorkspaceID: other.ws.ID, IDs: []string{"c_1"}}); len(got) != 0 {
				t.Errorf("ContactGetMany of another workspace = %+v", got)
			}
			// One id twice in a batch: the last wins.
			return tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: f.ws.ID, Contacts: []*triggers.Contact{c1, &c1b}})
		})
		ingest(t, s, func(tx engine.IngestTx) error {
			got, err := tx.ContactGetMany(ctx, engine.ContactGetManyParams{WorkspaceID: f.ws.ID, IDs: []string{"c_1"}})
			if err == nil && !reflect.DeepEqual(got["c_1"], &c1b) {
				t.Errorf("after upsert, contact = %+v, want %+v", got["c_1"], &c1b)
			}
			return err
		})

		te := triggers.TriggerEvent{ID: id.New(id.TriggerEvent), Type: triggers.TriggerTagApplied, Timestamp: t0, ContactID: "c_1", Contact: c1b, Previous: c1, Fields: triggers.Fields{Tag: "vip"}}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.TriggerEventInsertMany(ctx, engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID, Events: []triggers.TriggerEvent{te}})
		})
		err := s.IngestInTx(ctx, func(tx engine.IngestTx) error {
			return tx.TriggerEventInsertMany(ctx, engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID, Events: []triggers.TriggerEvent{te}})
		})
		wantErr(t, err, tripline.ErrConflict, "TriggerEventInsertMany of a stored id")
	})
}

func TestIngestRollsBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		boom := errors.New("boom")
		nd := f.newDelivery(t0)
		err := s.IngestInTx(ctx, func(tx engine.IngestTx) error {
			if _, err := tx.EventKeyInsertMany(ctx, engine.EventKeyInsertManyParams{WorkspaceID: f.ws.ID, Keys: []string{"k1"}, Now: t0}); err != nil {
				return err
			}
			if err := tx.DeliveryInsertMany(ctx, []actions.NewDelivery{nd}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("IngestInTx = %v, want fn's error", err)
		}
		_, _, _, err = s.DeliveryGet(ctx, f.ws.ID, nd.Delivery.ID)
		wantErr(t, err, tripline.ErrNotFound, "DeliveryGet after a rollback")
		ingest(t, s, func(tx engine.IngestTx) error {
			dups, err := tx.EventKeyInsertMany(ctx, engine.EventKeyInsertManyParams{WorkspaceID: f.ws.ID, Keys: []string{"k1"}, Now: t0})
			if err == nil && len(dups) != 0 {
				t.Errorf("a key of a rolled back transaction is a duplicate: %v", dups)
			}
			return err
		})
	})
}

func TestEventKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		insert := func(ws string, keys ...string) map[string]bool {
			var dups map[string]bool
			ingest(t, s, func(tx engine.IngestTx) error {
				var err error
				dups, err = tx.EventKeyInsertMany(ctx, engine.EventKeyInsertManyParams{WorkspaceID: ws, Keys: keys, Now: t0})
				return err
			})
			return dups
		}
		if d := insert(f.ws.ID, "a", "b"); len(d) != 0 {
			t.Fatalf("new keys: duplicates %v", d)
		}
		if d := insert(f.ws.ID, "b", "c", "a"); !reflect.DeepEqual(d, map[string]bool{"a": true, "b": true}) {
			t.Fatalf("duplicates = %v, want a and b", d)
		}
		if d := insert(other.ws.ID, "a"); len(d) != 0 {
			t.Fatalf("a key of another workspace is a duplicate: %v", d)
		}
		// More keys than one statement carries.
		many := make([]string, 2500)
		for i := range many {
			many[i] = fmt.Sprintf("m%d", i)
		}
		if d := insert(f.ws.ID, many...); len(d) != 0 {
			t.Fatalf("2500 new keys: %d duplicates", len(d))
		}
		if d := insert(f.ws.ID, many...); len(d) != len(many) {
			t.Fatalf("2500 stored keys: %d duplicates", len(d))
		}
	})
}

// race runs fn in n goroutines started together and returns their results.
func race[T any](n int, fn func(i int) T) []T {
	out := make([]T, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

func TestEventKeyConcurrentInsertsOneWins(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		for k := range 20 {
			key := fmt.Sprintf("k%d", k)
			won := race(2, func(int) bool {
				var dup bool
				err := s.IngestInTx(t.Context(), func(tx engine.IngestTx) error {
					dups, err := tx.EventKeyInsertMany(t.Context(), engine.EventKeyInsertManyParams{WorkspaceID: f.ws.ID, Keys: []string{key}, Now: t0})
					dup = dups[key]
					return err
				})
				if err != nil {
					t.Errorf("IngestInTx: %v", err)
				}
				return !dup
			})
			if won[0] == won[1] {
				t.Fatalf("key %s: both inserts won or both lost: %v", key, won)
			}
		}
	})
}

func claimFire(t *testing.T, s *store.Store, p engine.RuleFireClaimParams) bool {
	t.Helper()
	var ok bool
	ingest(t, s, func(tx engine.IngestTx) error {
		var err error
		ok, err = tx.RuleFireClaim(t.Context(), p)
		return err
	})
	return ok
}

func TestRuleFireClaim(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		once, cooled := newRule(f, ""), newRule(f, "")
		for _, r := range []engine.Rule{once, cooled} {
			if err := s.RuleInsert(t.Context(), r); err != nil {
				t.Fatalf("RuleInsert: %v", err)
			}
		}
		fire := func(rule, contact string, now, before time.Time) bool {
			return claimFire(t, s, engine.RuleFireClaimParams{WorkspaceID: f.ws.ID, RuleID: rule, ContactID: contact, Now: now, FiredBefore: before})
		}
		// Once per contact: a zero FiredBefore.
		if !fire(once.ID, "c_1", t0, time.Time{}) {
			t.Fatal("first fire refused")
		}
		if fire(once.ID, "c_1", t0.Add(24*time.Hour), time.Time{}) {
			t.Fatal("once per contact fired twice")
		}
		if !fire(once.ID, "c_2", t0, time.Time{}) {
			t.Fatal("another contact refused")
		}
		// Cooldown of 60s: FiredBefore = Now - 60s; fired at t0.
		if !fire(cooled.ID, "c_1", t0, t0.Add(-time.Minute)) {
			t.Fatal("first fire refused")
		}
		if fire(cooled.ID, "c_1", t0.Add(30*time.Second), t0.Add(-30*time.Second)) {
			t.Fatal("fired within the cooldown")
		}
		if fire(cooled.ID, "c_1", t0.Add(time.Minute), t0) { // last fire exactly at FiredBefore: not before it
			t.Fatal("fired when the last fire was exactly at FiredBefore")
		}
		if !fire(cooled.ID, "c_1", t0.Add(time.Minute+time.Microsecond), t0.Add(time.Microsecond)) {
			t.Fatal("refused one microsecond after the cooldown")
		}
		// The fire time moved to the last success.
		if fire(cooled.ID, "c_1", t0.Add(90*time.Second), t0.Add(30*time.Second)) {
			t.Fatal("the last success did not restart the cooldown")
		}
	})
}

func TestRuleFireClaimConcurrentOneWins(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		rule := newRule(f, "")
		if err := s.RuleInsert(t.Context(), rule); err != nil {
			t.Fatalf("RuleInsert: %v", err)
		}
		for k := range 20 {
			contact := fmt.Sprintf("c_%d", k)
			before := time.Time{}
			if k%2 == 1 {
				claimFire(t, s, engine.RuleFireClaimParams{WorkspaceID: f.ws.ID, RuleID: rule.ID, ContactID: contact, Now: t0})
				before = t0.Add(time.Minute) // cooldown over: exactly one may move it
			}
			won := race(2, func(int) bool {
				var ok bool
				err := s.IngestInTx(t.Context(), func(tx engine.IngestTx) error {
					var err error
					ok, err = tx.RuleFireClaim(t.Context(), engine.RuleFireClaimParams{WorkspaceID: f.ws.ID, RuleID: rule.ID, ContactID: contact, Now: t0.Add(2 * time.Minute), FiredBefore: before})
					return err
				})
				if err != nil {
					t.Errorf("IngestInTx: %v", err)
				}
				return ok
			})
			if won[0] == won[1] {
				t.Fatalf("contact %s: claims = %v, want exactly one", contact, won)
			}
		}
	})
}

func TestDeliveryClaimDue(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		now := t0.Add(time.Hour)
		late, early, exact, future := f.newDelivery(now.Add(-time.Second)), f.newDelivery(now.Add(-time.Hour)), f.newDelivery(now), f.newDelivery(now.Add(time.Millisecond))
		failed := f.newDelivery(now.Add(-time.Minute))
		failed.Delivery.Status, failed.Delivery.AttemptCount, failed.Delivery.LastStatusCode = actions.StatusFailed, 3, 503
		f.insertDeliveries(t, late, early, exact, future, failed)

		c := f.claim(t, "w1", now, 2)
		if got, want := claimedIDs(c), []string{early.Delivery.ID, failed.Delivery.ID}; !slices.Equal(got, want) {
			t.Fatalf("first claim = %v, want the two oldest due %v", got, want)
		}
		cf := c[1]
		if cf.Delivery.Status != actions.StatusFailed || cf.Delivery.AttemptCount != 3 || cf.Delivery.LastStatusCode != 503 {
			t.Fatalf("claimed failed delivery = %+v, want its status before the claim", cf.Delivery)
		}
		if string(cf.Message.Payload) != string(failed.Message.Payload) || !reflect.DeepEqual(cf.Message.Headers, failed.Message.Headers) {
			t.Fatalf("claimed message = %+v, want %+v", cf.Message, failed.Message)
		}
		if !reflect.DeepEqual(cf.Endpoint, f.ep) {
			t.Fatalf("claimed endpoint = %+v, want %+v", cf.Endpoint, f.ep)
		}
		if d, _, _ := f.get(t, early.Delivery.ID); d.Status != actions.StatusSending {
			t.Fatalf("a claimed delivery is %s, want sending", d.Status)
		}

		c = f.claim(t, "w2", now, 10)
		if got, want := claimedIDs(c), []string{late.Delivery.ID, exact.Delivery.ID}; !slices.Equal(got, want) {
			t.Fatalf("second claim = %v, want %v (due exactly now included, 1ms later not)", got, want)
		}
		if c[0].Delivery.Status != actions.StatusPending || c[0].Delivery.NextAttemptAt == nil || !c[0].Delivery.NextAttemptAt.Equal(now.Add(-time.Second).Truncate(time.Millisecond)) {
			t.Fatalf("claimed pending delivery = %+v", c[0].Delivery)
		}
		if c := f.claim(t, "w3", now, 10); len(c) != 0 {
			t.Fatalf("third claim = %v, want none", claimedIDs(c))
		}
		if c := f.claim(t, "w3", now.Add(time.Millisecond), 10); len(c) != 1 || c[0].Delivery.ID != future.Delivery.ID {
			t.Fatalf("claim 1ms later = %v, want %s", claimedIDs(c), future.Delivery.ID)
		}
		if c := f.claim(t, "w3", now, 0); c != nil {
			t.Fatalf("claim of 0 = %v", c)
		}
	})
}

func TestDeliveryClaimDueTakesOverExpiredLeases(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		fresh, retried := f.newDelivery(t0), f.newDelivery(t0.Add(time.Second))
		retried.Delivery.Status, retried.Delivery.AttemptCount = actions.StatusFailed, 1
		f.insertDeliveries(t, fresh, retried)
		lease := t0.Add(time.Minute)
		c, err := s.DeliveryClaimDue(t.Context(), actions.DeliveryClaimDueParams{Owner: "dead", Now: t0.Add(time.Second), LeaseUntil: lease, Limit: 10})
		if err != nil || len(c) != 2 {
			t.Fatalf("claim = %d, %v", len(c), err)
		}
		if c := f.claim(t, "w2", lease, 10); len(c) != 0 {
			t.Fatalf("claimed %v while the lease runs (until exactly now)", claimedIDs(c))
		}
		c = f.claim(t, "w2", lease.Add(time.Millisecond), 10)
		if got, want := claimedIDs(c), []string{fresh.Delivery.ID, retried.Delivery.ID}; !slices.Equal(got, want) {
			t.Fatalf("after the lease = %v, want %v", got, want)
		}
		if c[0].Delivery.Status != actions.StatusPending || c[1].Delivery.Status != actions.StatusFailed {
			t.Fatalf("statuses before the claim = %s, %s; want pending (never attempted), failed", c[0].Delivery.Status, c[1].Delivery.Status)
		}
		// The dead worker's late outcome is fenced off, its attempt kept.
		recordFailed(t, s, "dead", c[0], t0.Add(time.Hour))
		d, _, a := f.get(t, fresh.Delivery.ID)
		if d.Status != actions.StatusSending || d.AttemptCount != 0 || len(a) != 1 {
			t.Fatalf("after a fenced outcome = %+v, %d attempts; want sending, 0, 1", d, len(a))
		}
	})
}

func TestDeliveryClaimDuePausesDisabledAndDiscardsDeleted(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		off := newEndpoint(f.ws.ID)
		off.Enabled = false
		gone := newEndpoint(f.ws.ID)
		for _, e := range []actions.Endpoint{off, gone} {
			if err := s.EndpointInsert(ctx, e); err != nil {
				t.Fatalf("EndpointInsert: %v", err)
			}
		}
		toOff, toGone, ok := f.newDelivery(t0), f.newDelivery(t0), f.newDelivery(t0)
		toOff.Delivery.EndpointID, toGone.Delivery.EndpointID = off.ID, gone.ID
		if err := s.EndpointDelete(ctx, f.ws.ID, gone.ID); err != nil {
			t.Fatalf("EndpointDelete: %v", err)
		}
		// Inserted after the endpoint changed, as a racing ingest would.
		f.insertDeliveries(t, toOff, toGone, ok)
		c := f.claim(t, "w1", t0, 10)
		if got := claimedIDs(c); !slices.Equal(got, []string{ok.Delivery.ID}) {
			t.Fatalf("claimed %v, want only %s", got, ok.Delivery.ID)
		}
		if d, _, _ := f.get(t, toOff.Delivery.ID); d.Status != actions.StatusPaused || d.NextAttemptAt != nil {
			t.Fatalf("delivery to a disabled endpoint = %+v, want paused", d)
		}
		if d, _, _ := f.get(t, toGone.Delivery.ID); d.Status != actions.StatusDiscarded || d.LastError == "" {
			t.Fatalf("delivery to a deleted endpoint = %+v, want discarded with a reason", d)
		}
	})
}

func TestDeliveryClaimDueConcurrentClaimersAreDisjoint(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		const n = 300
		var all []actions.NewDelivery
		for i := range n {
			all = append(all, f.newDelivery(t0.Add(time.Duration(i)*time.Millisecond)))
		}
		f.insertDeliveries(t, all...)
		now := t0.Add(time.Hour)
		got := race(2, func(w int) []string {
			var ids []string
			for {
				c, err := s.DeliveryClaimDue(t.Context(), actions.DeliveryClaimDueParams{Owner: fmt.Sprintf("w%d", w), Now: now, LeaseUntil: now.Add(time.Minute), Limit: 7})
				if err != nil {
					t.Errorf("DeliveryClaimDue: %v", err)
					return ids
				}
				if len(c) == 0 {
					return ids
				}
				ids = append(ids, claimedIDs(c)...)
			}
		})
		seen := make(map[string]int)
		for w, ids := range got {
			for _, id := range ids {
				if prev, ok := seen[id]; ok {
					t.Fatalf("%s claimed by w%d and w%d", id, prev, w)
				}
				seen[id] = w
			}
		}
		if len(seen) != n {
			t.Fatalf("claimed %d deliveries in all, want %d", len(seen), n)
		}
		t.Logf("claims split %d / %d", len(got[0]), len(got[1]))
	})
}

func TestDeliveryRecordOutcomes(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		ok, retry, dead := f.newDelivery(t0), f.newDelivery(t0), f.newDelivery(t0)
		f.insertDeliveries(t, ok, retry, dead)
		c := f.claim(t, "w1", t0, 10)
		if len(c) != 3 {
			t.Fatalf("claimed %d", len(c))
		}
		next, delivered := t0.Add(5*time.Second), t0.Add(time.Second)
		mk := func(cl actions.Claimed, code int, msg string) actions.Attempt {
			return actions.Attempt{
				ID: id.New(id.Attempt), DeliveryID: cl.Delivery.ID, At: t0.Add(time.Second), DurationMS: 42, StatusCode: code,
				ResponseHeaders: map[string]string{"Content-Type": "text/plain"}, ResponseBody: "body " + msg, Error: msg,
			}
		}
		outcomes := []actions.Outcome{
			{Attempt: mk(c[0], 200, ""), Status: actions.StatusSucceeded, AttemptCount: 1, LastStatusCode: 200, DeliveredAt: &delivered},
			{Attempt: mk(c[1], 503, "503"), Status: actions.StatusFailed, AttemptCount: 1, NextAttemptAt: &next, LastStatusCode: 503, LastError: "503"},
			{Attempt: mk(c[2], 0, "timeout"), Status: actions.StatusDead, AttemptCount: 1, LastError: "timeout"},
		}
		// Another owner's outcomes are fenced off; attempts are recorded.
		if err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w2", Outcomes: outcomes[:1]}); err != nil {
			t.Fatalf("DeliveryRecordOutcomes: %v", err)
		}
		if d, _, a := f.get(t, ok.Delivery.ID); d.Status != actions.StatusSending || len(a) != 1 {
			t.Fatalf("after another owner's outcome: %s with %d attempts", d.Status, len(a))
		}
		outcomes[0].Attempt.ID = id.New(id.Attempt)
		if err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: outcomes}); err != nil {
			t.Fatalf("DeliveryRecordOutcomes: %v", err)
		}
		d, _, a := f.get(t, ok.Delivery.ID)
		if d.Status != actions.StatusSucceeded || d.AttemptCount != 1 || d.LastStatusCode != 200 || d.DeliveredAt == nil || !d.DeliveredAt.Equal(delivered) || d.NextAttemptAt != nil {
			t.Fatalf("succeeded delivery = %+v", d)
		}
		if len(a) != 2 || !reflect.DeepEqual(a[1], outcomes[0].Attempt) {
			t.Fatalf("attempts = %+v, want the second %+v", a, outcomes[0].Attempt)
		}
		d, _, _ = f.get(t, retry.Delivery.ID)
		if d.Status != actions.StatusFailed || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(next.Truncate(time.Millisecond)) || d.LastError != "503" || d.DeliveredAt != nil {
			t.Fatalf("failed delivery = %+v", d)
		}
		if d, _, _ := f.get(t, dead.Delivery.ID); d.Status != actions.StatusDead || d.LastError != "timeout" {
			t.Fatalf("dead delivery = %+v", d)
		}
		// The claim is cleared, and with it the fence: the same owner's
		// outcome recorded again (a batch retried after its commit) changes
		// nothing.
		again := outcomes[1]
		again.Attempt.ID, again.Status, again.NextAttemptAt = id.New(id.Attempt), actions.StatusDead, nil
		if err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w1", Outcomes: []actions.Outcome{again}}); err != nil {
			t.Fatalf("DeliveryRecordOutcomes: %v", err)
		}
		if d, _, _ := f.get(t, retry.Delivery.ID); d.Status != actions.StatusFailed || d.NextAttemptAt == nil {
			t.Fatalf("after an outcome recorded twice: %+v, want still failed with its retry", d)
		}
		// The claim is cleared: the retry is claimable when due, by anyone.
		if c := f.claim(t, "w3", next.Add(-time.Millisecond), 10); len(c) != 0 {
			t.Fatalf("claimed before due: %v", claimedIDs(c))
		}
		if c := f.claim(t, "w3", next, 10); len(c) != 1 || c[0].Delivery.ID != retry.Delivery.ID || c[0].Delivery.AttemptCount != 1 {
			t.Fatalf("claim when due = %+v", c)
		}
	})
}

func TestDeliveryReleaseClaims(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		a, b, other := f.newDelivery(t0), f.newDelivery(t0), f.newDelivery(t0)
		b.Delivery.Status, b.Delivery.AttemptCount = actions.StatusFailed, 2
		f.insertDeliveries(t, a, b)
		// Leases far in the future of the real clock, which the release and the
		// claims below use: a lease counted from t0 would have run out by now.
		far := time.Now().Add(24 * time.Hour)
		if _, err := s.DeliveryClaimDue(ctx, actions.DeliveryClaimDueParams{Owner: "w1", Now: t0, LeaseUntil: far, Limit: 10}); err != nil {
			t.Fatalf("claim: %v", err)
		}
		f.insertDeliveries(t, other)
		if _, err := s.DeliveryClaimDue(ctx, actions.DeliveryClaimDueParams{Owner: "w2", Now: t0, LeaseUntil: far, Limit: 10}); err != nil {
			t.Fatalf("claim: %v", err)
		}

		if err := s.DeliveryReleaseClaims(ctx, actions.DeliveryReleaseClaimsParams{Owner: "w1", IDs: []string{b.Delivery.ID, other.Delivery.ID}}); err != nil {
			t.Fatalf("DeliveryReleaseClaims: %v", err)
		}
		if d, _, _ := f.get(t, other.Delivery.ID); d.Status != actions.StatusSending {
			t.Fatalf("another owner's delivery released: %s", d.Status)
		}
		if d, _, _ := f.get(t, b.Delivery.ID); d.Status != actions.StatusFailed || d.AttemptCount != 2 {
			t.Fatalf("released = %+v, want failed with 2 attempts", d)
		}
		if d, _, _ := f.get(t, a.Delivery.ID); d.Status != actions.StatusSending {
			t.Fatalf("a delivery not named was released: %s", d.Status)
		}
		if err := s.DeliveryReleaseClaims(ctx, actions.DeliveryReleaseClaimsParams{Owner: "w1"}); err != nil {
			t.Fatalf("DeliveryReleaseClaims: %v", err)
		}
		if d, _, _ := f.get(t, a.Delivery.ID); d.Status != actions.StatusPending {
			t.Fatalf("released = %s, want pending", d.Status)
		}
		// Due at once: released at the store's clock, which is now.
		c := f.claim(t, "w3", time.Now(), 10)
		if got := claimedIDs(c); len(got) != 2 || !slices.Contains(got, a.Delivery.ID) || !slices.Contains(got, b.Delivery.ID) {
			t.Fatalf("claim after release = %v, want %s and %s", got, a.Delivery.ID, b.Delivery.ID)
		}

		if err := s.DeliveryClaimsReset(ctx); err != nil {
			t.Fatalf("DeliveryClaimsReset: %v", err)
		}
		c = f.claim(t, "w4", time.Now(), 10)
		if got := claimedIDs(c); len(got) != 3 {
			t.Fatalf("claim after reset = %v, want all 3", got)
		}
	})
}

func TestDeliveryListAndGet(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		other := setup(t, s)
		ep2 := newEndpoint(f.ws.ID)
		if err := s.EndpointInsert(ctx, ep2); err != nil {
			t.Fatalf("EndpointInsert: %v", err)
		}
		var ds []actions.NewDelivery
		for i := range 6 {
			nd := createdAt(f.newDelivery(t0), t0.Add(time.Duration(i)*time.Second))
			if i%2 == 1 {
				nd.Delivery.EndpointID, nd.Delivery.RuleID, nd.Delivery.ContactID = ep2.ID, "rul_2", "c_2"
				nd.Delivery.Event, nd.Delivery.Status = triggers.TriggerNewContact, actions.StatusPaused
				nd.Delivery.NextAttemptAt = nil
			}
			ds = append(ds, nd)
		}
		f.insertDeliveries(t, ds...)
		ids := func(list []actions.Delivery) []string {
			out := make([]string, len(list))
			for i, d := range list {
				out[i] = d.ID
			}
			return out
		}
		list := func(p actions.DeliveryListParams) []string {
			t.Helper()
			if p.WorkspaceID == "" {
				p.WorkspaceID = f.ws.ID
			}
			got, err := s.DeliveryList(ctx, p)
			if err != nil {
				t.Fatalf("DeliveryList: %v", err)
			}
			return ids(got)
		}
		d := func(i ...int) []string {
			out := make([]string, len(i))
			for k, j := range i {
				out[k] = ds[j].Delivery.ID
			}
			return out
		}
		for _, tc := range []struct {
			name string
			p    actions.DeliveryListParams
			want []string
		}{
			{"all, newest first", actions.DeliveryListParams{}, d(5, 4, 3, 2, 1, 0)},
			{"page", actions.DeliveryListParams{ListParams: tripline.ListParams{Limit: 2, Cursor: ds[4].Delivery.ID}}, d(3, 2)},
			{"endpoint", actions.DeliveryListParams{EndpointID: ep2.ID}, d(5, 3, 1)},
			{"rule", actions.DeliveryListParams{RuleID: "rul_1"}, d(4, 2, 0)},
			{"contact", actions.DeliveryListParams{ContactID: "c_2"}, d(5, 3, 1)},
			{"event", actions.DeliveryListParams{Event: triggers.TriggerTagApplied}, d(4, 2, 0)},
			{"status", actions.DeliveryListParams{Status: actions.StatusPaused}, d(5, 3, 1)},
			{"since, inclusive", actions.DeliveryListParams{Since: t0.Add(3 * time.Second)}, d(5, 4, 3)},
			{"since, a microsecond later", actions.DeliveryListParams{Since: t0.Add(3*time.Second + time.Microsecond)}, d(5, 4)},
			{"combined", actions.DeliveryListParams{EndpointID: f.ep.ID, Status: actions.StatusPending, Since: t0.Add(time.Second)}, d(4, 2)},
			{"another workspace", actions.DeliveryListParams{ListParams: tripline.ListParams{WorkspaceID: other.ws.ID}}, []string{}},
		} {
			if got := list(tc.p); !slices.Equal(got, tc.want) {
				t.Errorf("%s: DeliveryList = %v, want %v", tc.name, got, tc.want)
			}
		}

		got, msg, attempts := f.get(t, ds[1].Delivery.ID)
		want := ds[1].Delivery
		if !reflect.DeepEqual(got, want) || string(msg.Payload) != string(ds[1].Message.Payload) || !reflect.DeepEqual(msg.Headers, ds[1].Message.Headers) || len(attempts) != 0 {
			t.Fatalf("DeliveryGet = %+v, %+v, %v;\nwant %+v", got, msg, attempts, want)
		}
		_, _, _, err := s.DeliveryGet(ctx, other.ws.ID, ds[1].Delivery.ID)
		wantErr(t, err, tripline.ErrNotFound, "DeliveryGet from another workspace")
	})
}

func TestTimesAreUTCMicroseconds(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		local := time.Date(2026, 3, 29, 2, 30, 0, 999999999, time.FixedZone("CEST", 2*3600))
		fo := engine.Folder{ID: id.New(id.Folder), WorkspaceID: f.ws.ID, Name: "tz", CreatedAt: local, UpdatedAt: time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)}
		if err := s.FolderInsert(ctx, fo); err != nil {
			t.Fatalf("FolderInsert: %v", err)
		}
		got, err := s.FolderGet(ctx, f.ws.ID, fo.ID)
		if err != nil {
			t.Fatalf("FolderGet: %v", err)
		}
		if want := local.UTC().Truncate(time.Microsecond); got.CreatedAt != want {
			t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, want)
		}
		if !got.UpdatedAt.Equal(fo.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
			t.Fatalf("UpdatedAt = %v", got.UpdatedAt)
		}
	})
}

// TestConcurrentWriters runs API writes, ingests, claims and outcomes at the
// same time: on SQLite none may fail with SQLITE_BUSY or deadlock.
func TestConcurrentWriters(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := setup(t, s)
		const rounds = 40
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		wg.Go(func() { // the API
			for i := range rounds {
				fo := engine.Folder{ID: id.New(id.Folder), WorkspaceID: f.ws.ID, Name: fmt.Sprint(i)}
				if err := s.FolderInsert(ctx, fo); err != nil {
					errs <- err
					return
				}
				if _, err := s.FolderList(ctx, tripline.ListParams{WorkspaceID: f.ws.ID}); err != nil {
					errs <- err
					return
				}
			}
		})
		for g := range 3 { // ingests
			wg.Go(func() {
				for i := range rounds {
					err := s.IngestInTx(ctx, func(tx engine.IngestTx) error {
						if _, err := tx.WorkspaceRulesVersion(ctx, f.ws.ID); err != nil {
							return err
						}
						if _, err := tx.EventKeyInsertMany(ctx, engine.EventKeyInsertManyParams{WorkspaceID: f.ws.ID, Keys: []string{fmt.Sprintf("g%d-%d", g, i)}, Now: t0}); err != nil {
							return err
						}
						c := &triggers.Contact{ID: fmt.Sprintf("c_%d", i%5), CreatedAt: t0, UpdatedAt: t0}
						if err := tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: f.ws.ID, Contacts: []*triggers.Contact{c}}); err != nil {
							return err
						}
						return tx.DeliveryInsertMany(ctx, []actions.NewDelivery{f.newDelivery(t0)})
					})
					if err != nil {
						errs <- fmt.Errorf("ingest: %w", err)
						return
					}
				}
			})
		}
		wg.Go(func() { // the worker
			for range rounds {
				c, err := s.DeliveryClaimDue(ctx, actions.DeliveryClaimDueParams{Owner: "w", Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 10})
				if err != nil {
					errs <- fmt.Errorf("claim: %w", err)
					return
				}
				var outs []actions.Outcome
				for _, cl := range c {
					now := t0
					outs = append(outs, actions.Outcome{Attempt: actions.Attempt{DeliveryID: cl.Delivery.ID, At: t0, StatusCode: 200}, Status: actions.StatusSucceeded, AttemptCount: 1, DeliveredAt: &now})
				}
				if err := s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w", Outcomes: outs}); err != nil {
					errs <- fmt.Errorf("record: %w", err)
					return
				}
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}
