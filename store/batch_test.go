package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/triggers"
)

// The JSON SQLite reads the ingest's rows from must be what json.Marshal
// wrote of the structs batchRows replaced, byte for byte: the same values
// reach the database. (TestBatchInsertsStoreExactValues reads them back from
// both databases.)

type contactJSON struct {
	WorkspaceID string `json:"workspace_id"`
	ID          string `json:"id"`
	State       string `json:"state"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

type triggerEventJSON struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	Type        string `json:"type"`
	ContactID   string `json:"contact_id"`
	Payload     string `json:"payload"`
	CreatedAt   string `json:"created_at"`
	SourceID    string `json:"source_id"`
}

type deliveryJSON struct {
	ID             string  `json:"id"`
	WorkspaceID    string  `json:"workspace_id"`
	EndpointID     string  `json:"endpoint_id"`
	RuleID         string  `json:"rule_id"`
	TriggerEventID string  `json:"trigger_event_id"`
	Event          string  `json:"event"`
	ContactID      string  `json:"contact_id"`
	Status         string  `json:"status"`
	AttemptCount   int     `json:"attempt_count"`
	NextAttemptAt  *int64  `json:"next_attempt_at"`
	LastStatusCode int     `json:"last_status_code"`
	LastError      string  `json:"last_error"`
	CreatedAt      string  `json:"created_at"`
	DeliveredAt    *string `json:"delivered_at"`
	ClaimedBy      *string `json:"claimed_by"`
	LeaseUntil     *int64  `json:"lease_until"`
}

type messageJSON struct {
	DeliveryID string `json:"delivery_id"`
	Payload    string `json:"payload"`
	Headers    string `json:"headers"`
}

// timeText is a time as the inserts wrote it into their JSON.
func timeText(t timestamp) string { return t.UTC().Truncate(time.Microsecond).Format(timeLayout) }

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rowsText(w *batchRows) string { return string(w.json()) }

func TestBatchRowsJSONAsMarshal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 123_456_789, time.FixedZone("x", 3600))
	later := now.Add(time.Hour)
	odd := "<Zoë> & \"co\"\n\u2028\xff"

	a := &triggers.Contact{ID: "c_1", Name: odd, CreatedAt: now, UpdatedAt: later, Tags: []string{"vip"}}
	b := &triggers.Contact{ID: "c_2"} // zero times: now
	a2 := &triggers.Contact{ID: "c_1", Name: "second", CreatedAt: now, UpdatedAt: later}
	w, err := contactRows("ws_1", []*triggers.Contact{a, b, a2}, now)
	if err != nil {
		t.Fatal(err)
	}
	state := func(c *triggers.Contact) string { return mustMarshal(t, c) }
	want := mustMarshal(t, []contactJSON{
		{"ws_1", "c_1", state(a2), timeText(ts(now)), timeText(ts(later))}, // the last c_1, where the first was
		{"ws_1", "c_2", state(b), timeText(ts(now)), timeText(ts(now))},
	})
	if got := rowsText(w); got != want {
		t.Errorf("contact rows\n got %s\nwant %s", got, want)
	}
	if w, err := contactRows("ws_1", nil, now); w != nil || err != nil {
		t.Errorf("no contacts: %v, %v", w, err)
	}

	tes := []triggers.TriggerEvent{
		{ID: "evt_1", Type: triggers.TriggerTagApplied, Timestamp: now, ContactID: "c_1", Contact: *a, Fields: triggers.Fields{Tag: odd}},
		{ID: "evt_2", Type: triggers.TriggerEndpointDisabled, Timestamp: now, Fields: triggers.Fields{EndpointID: "ep_1"}},
		{ID: "evt_3", Type: triggers.TriggerTagApplied, Timestamp: now, ContactID: "c_1", Contact: *a, Fields: triggers.Fields{Tag: "t"},
			Source: &triggers.Source{ID: "src_1", Name: "Sales bot"}},
	}
	if w, err = triggerEventRows("ws_1", tes, later); err != nil {
		t.Fatal(err)
	}
	var wantTEs []triggerEventJSON
	for _, te := range tes {
		var src string
		if te.Source != nil {
			src = te.Source.ID
		}
		wantTEs = append(wantTEs, triggerEventJSON{te.ID, "ws_1", te.Type, te.ContactID, mustMarshal(t, te), timeText(ts(later)), src})
	}
	if got, want := rowsText(w), mustMarshal(t, wantTEs); got != want {
		t.Errorf("trigger event rows\n got %s\nwant %s", got, want)
	}

	next := later.Add(time.Minute)
	ds := []actions.NewDelivery{
		{Delivery: actions.Delivery{ID: "msg_1", WorkspaceID: "ws_1", EndpointID: "ep_1", RuleID: "rul_1", TriggerEventID: "evt_1",
			Event: "tag_applied", ContactID: "c_1", LastError: odd},
			Message: actions.Message{Payload: json.RawMessage(`{"a":"<b>"}`), Headers: map[string]string{"X-B": "2", "X-A": odd}}},
		{Delivery: actions.Delivery{ID: "msg_2", Status: actions.StatusPending, CreatedAt: later, NextAttemptAt: &next},
			ClaimedBy: "w_1", LeaseUntil: next},
		{Delivery: actions.Delivery{ID: "msg_3", Status: actions.StatusSucceeded, AttemptCount: 2, LastStatusCode: 204, DeliveredAt: &later}},
		{Delivery: actions.Delivery{ID: "msg_4", Status: actions.StatusDead, LastError: "template: x"}, Message: actions.Message{Payload: json.RawMessage("null")}},
	}
	drows, mrows, due, err := deliveryRows(ds, now)
	if err != nil || !due {
		t.Fatalf("deliveryRows: due %v, %v", due, err)
	}
	nowMS, nextMS := ms(now), ms(next)
	wantDs := mustMarshal(t, []deliveryJSON{
		{ID: "msg_1", WorkspaceID: "ws_1", EndpointID: "ep_1", RuleID: "rul_1", TriggerEventID: "evt_1", Event: "tag_applied", ContactID: "c_1",
			Status: "pending", NextAttemptAt: &nowMS, LastError: odd, CreatedAt: timeText(ts(now))},
		{ID: "msg_2", Status: "sending", NextAttemptAt: &nextMS, CreatedAt: timeText(ts(later)), ClaimedBy: new("w_1"), LeaseUntil: &nextMS},
		{ID: "msg_3", Status: "succeeded", AttemptCount: 2, LastStatusCode: 204, CreatedAt: timeText(ts(now)), DeliveredAt: new(timeText(ts(later)))},
		{ID: "msg_4", Status: "dead", LastError: "template: x", CreatedAt: timeText(ts(now))},
	})
	if got := rowsText(drows); got != wantDs {
		t.Errorf("delivery rows\n got %s\nwant %s", got, wantDs)
	}
	wantMs := mustMarshal(t, []messageJSON{
		{"msg_1", `{"a":"<b>"}`, mustMarshal(t, ds[0].Message.Headers)}, {"msg_2", "null", "{}"}, {"msg_3", "null", "{}"}, {"msg_4", "null", "{}"},
	})
	if got := rowsText(mrows); got != wantMs {
		t.Errorf("message rows\n got %s\nwant %s", got, wantMs)
	}
	if _, _, due, _ := deliveryRows(ds[2:], now); due {
		t.Error("deliveries neither pending nor failed: due")
	}
	if _, _, _, err := deliveryRows([]actions.NewDelivery{{}}, now); err == nil {
		t.Error("a delivery without id: no error")
	}
}
