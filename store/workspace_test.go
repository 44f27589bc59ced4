package store_test

import (
	"errors"
	"testing"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/store"
)

func TestWorkspaceGetUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ws, err := s.WorkspaceCreate(ctx, "settings")
		if err != nil {
			t.Fatal(err)
		}
		if ws.Timezone != "UTC" || ws.RequireHTTPS {
			t.Fatalf("a new workspace: %+v", ws)
		}
		other, err := s.WorkspaceCreate(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		ws.Name, ws.Timezone, ws.RequireHTTPS = "renamed", "America/New_York", true
		if err := s.WorkspaceUpdate(ctx, ws); err != nil {
			t.Fatal(err)
		}
		got, err := s.WorkspaceGet(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "renamed" || got.Timezone != "America/New_York" || !got.RequireHTTPS || !got.CreatedAt.Equal(ws.CreatedAt) {
			t.Fatalf("after update: %+v", got)
		}
		if got, err := s.WorkspaceGet(ctx, other.ID); err != nil || got.Timezone != "UTC" || got.RequireHTTPS {
			t.Fatalf("the other workspace: %+v, %v", got, err)
		}
		ws.Name = "other"
		if err := s.WorkspaceUpdate(ctx, ws); !errors.Is(err, tripline.ErrConflict) {
			t.Fatalf("a taken name: %v", err)
		}
		if _, err := s.WorkspaceGet(ctx, "ws_nope"); !errors.Is(err, tripline.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		ws.ID = "ws_nope"
		ws.Name = "nope"
		if err := s.WorkspaceUpdate(ctx, ws); !errors.Is(err, tripline.ErrNotFound) {
			t.Fatalf("update unknown: %v", err)
		}
	})
}
