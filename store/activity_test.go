package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/store"
	"github.com/tripline/tripline/triggers"
)

func TestTriggerEventList(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f, other := setup(t, s), setup(t, s)
		ann := triggers.Contact{ID: "c_1", Name: "Ann", Tags: []string{"vip"}, CustomFields: map[string]any{}}
		var tes []triggers.TriggerEvent
		for i, typ := range []string{triggers.TriggerNewContact, triggers.TriggerTagApplied, triggers.TriggerTagApplied} {
			contact := "c_1"
			if i == 2 {
				contact = "c_2"
			}
			tes = append(tes, triggers.TriggerEvent{ID: idAt(id.TriggerEvent, t0.Add(time.Duration(i)*time.Millisecond)), Type: typ, Timestamp: t0, ContactID: contact, Contact: ann, Fields: triggers.Fields{Tag: "vip"}})
		}
		ingest(t, s, func(tx engine.IngestTx) error {
			return tx.TriggerEventInsertMany(ctx, engine.TriggerEventInsertManyParams{WorkspaceID: f.ws.ID, Events: tes})
		})
		sourced := idAt(id.TriggerEvent, t0.Add(time.Second))
		if err := s.TriggerEventInsertRaw(ctx, f.ws.ID, sourced, triggers.TriggerTagApplied, "c_3",
			`{"id":"`+sourced+`","type":"tag_applied","timestamp":"2026-11-22T10:00:00.000Z","contact_id":"c_3","contact":null,"previous":null,"tag":"x","source":{"id":"src_1","name":"Sales bot"}}`, t0); err != nil {
			t.Fatal(err)
		}
		ids := func(p tripline.TriggerEventPageParams) []string {
			t.Helper()
			p.WorkspaceID = f.ws.ID
			got, err := s.TriggerEventList(ctx, p)
			if err != nil {
				t.Fatalf("TriggerEventList(%+v): %v", p, err)
			}
			var out []string
			for _, e := range got {
				out = append(out, e.Event.ID)
			}
			return out
		}
		all := ids(tripline.TriggerEventPageParams{})
		if want := []string{sourced, tes[2].ID, tes[1].ID, tes[0].ID}; !slices.Equal(all, want) {
			t.Fatalf("all = %v, want newest first %v", all, want)
		}
		if got := ids(tripline.TriggerEventPageParams{ListParams: tripline.ListParams{Limit: 2, Cursor: all[1]}}); !slices.Equal(got, all[2:]) {
			t.Errorf("after the cursor = %v, want %v", got, all[2:])
		}
		if got := ids(tripline.TriggerEventPageParams{ContactID: "c_1", Types: []string{triggers.TriggerTagApplied}}); !slices.Equal(got, []string{tes[1].ID}) {
			t.Errorf("c_1's tag_applied = %v", got)
		}
		for _, src := range []string{"src_1", "Sales bot"} {
			if got := ids(tripline.TriggerEventPageParams{Source: src}); !slices.Equal(got, []string{sourced}) {
				t.Errorf("source %q = %v", src, got)
			}
		}
		if got, err := s.TriggerEventList(ctx, tripline.TriggerEventPageParams{ListParams: tripline.ListParams{WorkspaceID: other.ws.ID}}); err != nil || len(got) != 0 {
			t.Errorf("another workspace sees %v, %v", got, err)
		}

		got, err := s.TriggerEventGet(ctx, f.ws.ID, tes[1].ID)
		if err != nil || got.Event.Contact.Name != "Ann" || got.Event.Fields.Tag != "vip" || got.Erased || got.CreatedAt.IsZero() {
			t.Fatalf("TriggerEventGet = %+v, %v", got, err)
		}
		_, err = s.TriggerEventGet(ctx, other.ws.ID, tes[1].ID)
		wantErr(t, err, tripline.ErrNotFound, "TriggerEventGet of another workspace")

		// Erased, an event keeps its id, type and contact id.
		if err := s.ContactErase(ctx, f.ws.ID, "c_1"); err != nil {
			t.Fatal(err)
		}
		got, err = s.TriggerEventGet(ctx, f.ws.ID, tes[1].ID)
		if err != nil || !got.Erased || got.Event.Type != triggers.TriggerTagApplied || got.Event.ContactID != "c_1" || got.Event.Contact.Name != "" {
			t.Fatalf("erased TriggerEventGet = %+v, %v", got, err)
		}
	})
}
