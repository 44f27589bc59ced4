package store

import (
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/triggers"
)

// benchBatch is what one POST of 100 bench events (`tripline bench`) makes:
// 100 new contacts, each tagged, so 200 trigger events (new_contact,
// tag_applied), and 100 deliveries with the default payload.
func benchBatch(b *testing.B) ([]*triggers.Contact, []triggers.TriggerEvent, []actions.NewDelivery) {
	now := time.Now()
	var cs []*triggers.Contact
	var tes []triggers.TriggerEvent
	var ds []actions.NewDelivery
	for i := range 100 {
		c := &triggers.Contact{ID: "b" + strconv.Itoa(i), Subscribed: true, Tags: []string{"bench-0"}, CreatedAt: now, UpdatedAt: now}
		cs = append(cs, c)
		for _, typ := range []string{triggers.TriggerNewContact, triggers.TriggerTagApplied} {
			tes = append(tes, triggers.TriggerEvent{ID: id.New(id.TriggerEvent), Type: typ, Timestamp: now, ContactID: c.ID, Contact: *c,
				Fields: triggers.Fields{Tag: "bench-0"}})
		}
		te := &tes[len(tes)-1]
		payload, err := engine.DefaultPayload("ws_1", te, engine.RuleEnv{ID: "rul_1", Name: "bench 0.0"})
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, actions.NewDelivery{
			Delivery: actions.Delivery{ID: id.New(id.Delivery), WorkspaceID: "ws_1", EndpointID: "ep_1", RuleID: "rul_1",
				TriggerEventID: te.ID, Event: te.Type, ContactID: c.ID, Status: actions.StatusPending, CreatedAt: now, NextAttemptAt: &now},
			Message: actions.Message{Payload: payload}, ClaimedBy: "w_1", LeaseUntil: now.Add(time.Minute),
		})
	}
	return cs, tes, ds
}

// BenchmarkIngestRows measures making the parameters of one ingest batch's
// inserts (contacts, trigger events, deliveries and messages): on Postgres
// the column arrays, encoded as pgx sends them; on SQLite the JSON.
//
//	go test ./store -run '^$' -bench IngestRows
func BenchmarkIngestRows(b *testing.B) {
	cs, tes, ds := benchBatch(b)
	now := time.Now()
	rows := func(b *testing.B) []*batchRows {
		c, err := contactRows("ws_1", cs, now)
		if err != nil {
			b.Fatal(err)
		}
		t, err := triggerEventRows("ws_1", tes, now)
		if err != nil {
			b.Fatal(err)
		}
		d, m, _, err := deliveryRows(ds, now)
		if err != nil {
			b.Fatal(err)
		}
		return []*batchRows{c, t, d, m}
	}
	b.Run("postgres", func(b *testing.B) {
		m := pgtype.NewMap()
		oids := map[colKind]uint32{colText: pgtype.TextArrayOID, colTextNull: pgtype.TextArrayOID, colInt: pgtype.Int8ArrayOID,
			colIntNull: pgtype.Int8ArrayOID, colTime: pgtype.TimestamptzArrayOID, colTimeNull: pgtype.TimestamptzArrayOID}
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			for _, w := range rows(b) {
				for i, arg := range w.args() {
					var err error
					if buf, err = m.Encode(oids[w.kinds[i].kind], pgtype.BinaryFormatCode, arg, buf[:0]); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
	b.Run("sqlite", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, w := range rows(b) {
				_ = string(w.json())
			}
		}
	})
}
