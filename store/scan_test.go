package store

import (
	"reflect"
	"testing"
	"time"
)

// TestClaimRowsAsGorm checks the claim's rows, scanned by hand, against
// gorm's reflective reading of the same delivery, every field set: a field
// added to deliveryRow but not to its scanDest fails here.
func TestClaimRowsAsGorm(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), Config{URL: t.TempDir() + "/t.db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ws, err := s.WorkspaceCreate(t.Context(), "w")
	if err != nil {
		t.Fatal(err)
	}
	at := ts(time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC))
	later := ts(at.Add(time.Hour))
	owner, lease, next := "w_1", int64(99), int64(42)
	d := deliveryRow{ID: "msg_1", WorkspaceID: ws.ID, EndpointID: "ep_1", RuleID: "rul_1", TriggerEventID: "evt_1", Event: "tag_applied",
		ContactID: "c_1", Status: "sending", AttemptCount: 2, NextAttemptAt: &next, LastStatusCode: 500, LastError: "e",
		CreatedAt: at, DeliveredAt: &later, ClaimedBy: &owner, LeaseUntil: &lease}
	if n := reflect.TypeFor[deliveryRow]().NumField(); n != len(d.scanDest()) {
		t.Fatalf("deliveryRow has %d fields, scanDest %d", n, len(d.scanDest()))
	}
	for i := range reflect.TypeFor[deliveryRow]().NumField() {
		if reflect.ValueOf(d).Field(i).IsZero() {
			t.Fatalf("deliveryRow field %d is not set by the test", i)
		}
	}
	if err := s.db.Create(&d).Error; err != nil {
		t.Fatal(err)
	}
	var viaGorm deliveryRow
	if err := s.db.Where("id = ?", d.ID).Take(&viaGorm).Error; err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.Raw("SELECT " + deliveryColumns + ", 'failed', 'payload', NULL FROM deliveries").Rows()
	claimed, err := scanClaimRows(rows, err)
	if err != nil || len(claimed) != 1 || !reflect.DeepEqual(claimed[0].Row, viaGorm) || claimed[0].PrevStatus != "failed" ||
		*claimed[0].MessagePayload != "payload" || claimed[0].MessageHeaders != nil {
		t.Errorf("claim row scanned by hand = %+v, %v\nby gorm %+v", claimed, err, viaGorm)
	}
}
