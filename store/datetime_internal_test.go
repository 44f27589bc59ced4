package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// Deleting a contact (GDPR erasure) deletes its due times: the foreign key
// cascades, so whatever deletes contacts cancels their datetime triggers.
func TestDeletingAContactCancelsItsDueTimes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, Config{URL: filepath.Join(t.TempDir(), "t.db")})
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
	r := engine.Rule{ID: "rul_1", WorkspaceID: ws.ID, Name: "r", Enabled: false,
		Trigger: engine.Trigger{Type: triggers.TriggerDatetimeBased, Field: "at", Direction: "on"}, Actions: []engine.Action{{Type: "webhook", EndpointID: "ep_1"}}}
	if err := s.RuleInsert(ctx, r); err != nil {
		t.Fatal(err)
	}
	err = s.IngestInTx(ctx, func(tx engine.IngestTx) error {
		if err := tx.ContactUpsertMany(ctx, engine.ContactUpsertManyParams{WorkspaceID: ws.ID, Contacts: []*triggers.Contact{{ID: "c1"}, {ID: "c2"}}}); err != nil {
			return err
		}
		due := []engine.DueTrigger{{RuleID: "rul_1", ContactID: "c1", ValueHash: "h", DueAt: time.Now()}, {RuleID: "rul_1", ContactID: "c2", ValueHash: "h", DueAt: time.Now()}}
		return tx.(engine.DueTx).DatetimeDueArmMany(ctx, engine.DatetimeDueArmManyParams{WorkspaceID: ws.ID, Due: due})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("DELETE FROM contacts WHERE workspace_id = ? AND id = ?", ws.ID, "c1").Error; err != nil {
		t.Fatal(err)
	}
	rows, err := s.DatetimeDueList(ctx, ws.ID, "rul_1")
	if err != nil || len(rows) != 1 || rows[0].ContactID != "c2" {
		t.Fatalf("due rows after deleting c1: %+v, %v", rows, err)
	}
}
