package store_test

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/store/storetest"
	"github.com/tripline/tripline/triggers"
)

// TestBatchInsertsStoreExactValues reads back, with plain SQL, what the
// ingest's batch inserts wrote (arrays on Postgres, JSON on SQLite): the
// text byte for byte, NULLs as NULL, times at microsecond precision.
func TestBatchInsertsStoreExactValues(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			var url string
			var raw *sql.DB
			if dialect == store.DialectPostgres {
				url = storetest.PostgresURL(t)
				var err error
				if raw, err = sql.Open("pgx", url); err != nil {
					t.Fatal(err)
				}
			} else {
				url = filepath.Join(t.TempDir(), "t.db")
				db, err := gorm.Open(sqlite.Open(url), &gorm.Config{})
				if err != nil {
					t.Fatal(err)
				}
				if raw, err = db.DB(); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { _ = raw.Close() })
			s, err := store.Open(ctx, store.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			ws, err := s.WorkspaceCreate(ctx, "w")
			if err != nil {
				t.Fatal(err)
			}

			odd := "<Zoë> & \"co\"\n\t\u2028 ' \\ 😀 \x01"
			at := time.Date(2026, 11, 22, 10, 0, 0, 123_456_789, time.FixedZone("x", 3600))
			later := at.Add(90 * time.Minute)
			c := &triggers.Contact{ID: "c_" + odd, Name: odd, Tags: []string{odd}, CustomFields: map[string]any{odd: 1.5},
				CreatedAt: at, UpdatedAt: later}
			te := triggers.TriggerEvent{ID: "evt_1", Type: triggers.TriggerTagApplied, Timestamp: at, ContactID: c.ID, Contact: *c,
				Fields: triggers.Fields{Tag: odd}}
			ds := []actions.NewDelivery{
				{Delivery: actions.Delivery{ID: "msg_1", WorkspaceID: ws.ID, EndpointID: "ep_1", RuleID: "rul_1", TriggerEventID: "evt_1",
					Event: te.Type, ContactID: c.ID, Status: actions.StatusPending, LastError: odd, CreatedAt: at, NextAttemptAt: &later},
					Message:   actions.Message{Payload: json.RawMessage(`{"a":"<` + "\u2028" + `>"}`), Headers: map[string]string{"X-A": odd}},
					ClaimedBy: "w_" + odd, LeaseUntil: later},
				{Delivery: actions.Delivery{ID: "msg_2", WorkspaceID: ws.ID, EndpointID: "ep_1", Status: actions.StatusSucceeded,
					AttemptCount: 3, LastStatusCode: 204, CreatedAt: at, DeliveredAt: &later}},
			}
			err = s.IngestInTx(ctx, func(tx engine.IngestTx) error {
				if err := tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: ws.ID, Contacts: []*triggers.Contact{c}}); err != nil {
					return err
				}
				if err := tx.TriggerEventInsertMany(ctx, engine.TriggerEventInsertManyParams{WorkspaceID: ws.ID, Events: []triggers.TriggerEvent{te}}); err != nil {
					return err
				}
				return tx.DeliveryInsertMany(ctx, ds)
			})
			if err != nil {
				t.Fatal(err)
			}

			// Times as the database keeps them: timestamptz, or text in the
			// store's layout.
			timeOf := func(v any) time.Time {
				t.Helper()
				switch v := v.(type) {
				case time.Time:
					return v
				case string:
					tm, err := time.Parse("2006-01-02 15:04:05.000000Z", v)
					if err != nil {
						t.Fatalf("time %q: %v", v, err)
					}
					return tm
				}
				t.Fatalf("time of type %T", v)
				return time.Time{}
			}
			sameTime := func(what string, got any, want time.Time) {
				t.Helper()
				if g := timeOf(got); !g.Equal(want.Truncate(time.Microsecond)) {
					t.Errorf("%s = %v, want %v", what, g, want.Truncate(time.Microsecond))
				}
			}

			state, _ := json.Marshal(c)
			var gotState string
			var created, updated any
			if err := raw.QueryRowContext(ctx, `SELECT state, created_at, updated_at FROM contacts WHERE id = $1`, c.ID).Scan(&gotState, &created, &updated); err != nil {
				t.Fatal(err)
			}
			if gotState != string(state) {
				t.Errorf("contact state\n got %s\nwant %s", gotState, state)
			}
			sameTime("contact created_at", created, at)
			sameTime("contact updated_at", updated, later)

			payload, _ := json.Marshal(te)
			var gotPayload, gotType, gotContact string
			if err := raw.QueryRowContext(ctx, `SELECT payload, type, contact_id FROM trigger_events WHERE id = 'evt_1'`).Scan(&gotPayload, &gotType, &gotContact); err != nil {
				t.Fatal(err)
			}
			if gotPayload != string(payload) || gotType != te.Type || gotContact != c.ID {
				t.Errorf("trigger event: %s, %s\n got %s\nwant %s", gotType, gotContact, gotPayload, payload)
			}

			type deliveryRaw struct {
				status, lastError                  string
				attempts, code                     int
				next, lease                        sql.NullInt64
				claimedBy                          sql.NullString
				created, delivered                 any
				payload, headers, ruleID, endpoint string
			}
			read := func(id string) deliveryRaw {
				t.Helper()
				var d deliveryRaw
				err := raw.QueryRowContext(ctx, `SELECT d.status, d.last_error, d.attempt_count, d.last_status_code, d.next_attempt_at, d.lease_until,
					d.claimed_by, d.created_at, d.delivered_at, m.payload, m.headers, d.rule_id, d.endpoint_id
					FROM deliveries d JOIN delivery_messages m ON m.delivery_id = d.id WHERE d.id = $1`, id).Scan(
					&d.status, &d.lastError, &d.attempts, &d.code, &d.next, &d.lease, &d.claimedBy, &d.created, &d.delivered,
					&d.payload, &d.headers, &d.ruleID, &d.endpoint)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			d := read("msg_1")
			headers, _ := json.Marshal(ds[0].Message.Headers)
			if d.status != "sending" || d.lastError != odd || d.attempts != 0 || d.code != 0 || d.next.Int64 != later.UnixMilli() ||
				d.lease.Int64 != later.UnixMilli() || d.claimedBy.String != "w_"+odd || d.delivered != nil ||
				d.payload != string(ds[0].Message.Payload) || d.headers != string(headers) || d.ruleID != "rul_1" || d.endpoint != "ep_1" {
				t.Errorf("msg_1: %+v", d)
			}
			sameTime("msg_1 created_at", d.created, at)
			d = read("msg_2")
			if d.status != "succeeded" || d.attempts != 3 || d.code != 204 || d.next.Valid || d.lease.Valid || d.claimedBy.Valid ||
				d.payload != "null" || d.headers != "{}" || d.ruleID != "" {
				t.Errorf("msg_2: %+v", d)
			}
			sameTime("msg_2 delivered_at", d.delivered, later)

			// Outcomes: on Postgres arrays too.
			attemptAt, next := later.Add(time.Second), later.Add(time.Hour)
			err = s.DeliveryRecordOutcomes(ctx, actions.DeliveryRecordOutcomesParams{Owner: "w_" + odd, Outcomes: []actions.Outcome{
				{Attempt: actions.Attempt{ID: "att_1", DeliveryID: "msg_1", At: attemptAt, DurationMS: 1234, StatusCode: 500,
					ResponseHeaders: map[string]string{"X-Odd": odd}, ResponseBody: odd, Error: "HTTP 500 " + odd},
					Status: actions.StatusFailed, AttemptCount: 1, NextAttemptAt: &next, LastStatusCode: 500, LastError: "HTTP 500 " + odd},
				{Attempt: actions.Attempt{ID: "att_2", DeliveryID: "msg_2", At: attemptAt, StatusCode: 204},
					Status: actions.StatusSucceeded, AttemptCount: 4, LastStatusCode: 204, DeliveredAt: &attemptAt}, // not claimed: not applied
				{Attempt: actions.Attempt{ID: "att_3", DeliveryID: "msg_gone", At: attemptAt, StatusCode: 204},
					Status: actions.StatusSucceeded, AttemptCount: 1, DeliveredAt: &attemptAt}, // deleted: its attempt is dropped
			}})
			if err != nil {
				t.Fatal(err)
			}
			var aDelivery, aHeaders, aBody, aError string
			var aDuration, aCode int
			var aAt any
			if err := raw.QueryRowContext(ctx, `SELECT delivery_id, at, duration_ms, status_code, response_headers, response_body, error
				FROM attempts WHERE id = 'att_1'`).Scan(&aDelivery, &aAt, &aDuration, &aCode, &aHeaders, &aBody, &aError); err != nil {
				t.Fatal(err)
			}
			respHeaders, _ := json.Marshal(map[string]string{"X-Odd": odd})
			if aDelivery != "msg_1" || aDuration != 1234 || aCode != 500 || aHeaders != string(respHeaders) || aBody != odd || aError != "HTTP 500 "+odd {
				t.Errorf("attempt: %s %d %d %s %q %q", aDelivery, aDuration, aCode, aHeaders, aBody, aError)
			}
			sameTime("attempt at", aAt, attemptAt)
			var attempts int
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM attempts`).Scan(&attempts); err != nil || attempts != 2 {
				t.Errorf("attempts stored: %d, %v; want att_1 and att_2", attempts, err)
			}
			d = read("msg_1")
			if d.status != "failed" || d.attempts != 1 || d.code != 500 || d.lastError != "HTTP 500 "+odd || d.next.Int64 != next.UnixMilli() ||
				d.lease.Valid || d.claimedBy.Valid || d.delivered != nil {
				t.Errorf("msg_1 after its outcome: %+v", d)
			}
			if d = read("msg_2"); d.status != "succeeded" || d.attempts != 3 {
				t.Errorf("msg_2, not claimed, changed: %+v", d)
			}
		})
	}
}
