package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
)

// WorkspaceStore is what GET and PATCH /v1/workspace need from storage.
type WorkspaceStore interface {
	WorkspaceGet(ctx context.Context, id string) (tripline.Workspace, error)
	// WorkspaceUpdate stores the name and settings; a name another workspace
	// has is tripline.ErrConflict.
	WorkspaceUpdate(ctx context.Context, ws tripline.Workspace) error
}

// workspaceInput is the writable fields of the key's workspace.
type workspaceInput struct {
	Name         string `json:"name"`
	Timezone     string `json:"timezone"`
	RequireHTTPS bool   `json:"require_https"`
}

// workspaceJSON is the workspace as the API answers it.
type workspaceJSON struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Timezone     string    `json:"timezone"`
	RequireHTTPS bool      `json:"require_https"`
	CreatedAt    timestamp `json:"created_at"`
}

func (s *server) workspaceRoutes(g *gin.RouterGroup) {
	g.GET("/workspace", s.getWorkspace)
	g.PATCH("/workspace", s.patchWorkspace)
}

func renderWorkspace(ws tripline.Workspace) workspaceJSON {
	return workspaceJSON{ID: ws.ID, Name: ws.Name, Timezone: ws.Timezone, RequireHTTPS: ws.RequireHTTPS, CreatedAt: timestamp(ws.CreatedAt)}
}

// getWorkspace serves GET /v1/workspace: the API key's workspace.
func (s *server) getWorkspace(c *gin.Context) {
	ws, err := s.Store.WorkspaceGet(c.Request.Context(), workspaceID(c))
	if err != nil {
		s.writeError(c, fmt.Errorf("get workspace: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, renderWorkspace(ws))
}

// patchWorkspace serves PATCH /v1/workspace {"name"?, "timezone"?,
// "require_https"?}.
func (s *server) patchWorkspace(c *gin.Context) {
	ctx := c.Request.Context()
	ws, err := s.Store.WorkspaceGet(ctx, workspaceID(c))
	if err != nil {
		s.writeError(c, fmt.Errorf("get workspace: %w", err))
		return
	}
	in, err := decodeOnto(c, workspaceInput{Name: ws.Name, Timezone: ws.Timezone, RequireHTTPS: ws.RequireHTTPS}, []string{"id", "created_at"})
	if err != nil {
		s.writeError(c, err)
		return
	}
	var errs fieldErrors
	ws.Name = checkName(&errs, "name", in.Name, true)
	ws.Timezone = checkTimezone(&errs, "timezone", in.Timezone)
	ws.RequireHTTPS = in.RequireHTTPS
	if err := errs.err("The workspace settings are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.Store.WorkspaceUpdate(ctx, ws); err != nil {
		if errors.Is(err, tripline.ErrConflict) {
			s.writeError(c, &httpError{status: http.StatusConflict, err: err,
				detail: fmt.Sprintf("Another workspace is named %q: choose another name.", ws.Name)})
			return
		}
		s.writeError(c, fmt.Errorf("update workspace: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, renderWorkspace(ws))
}

// checkTimezone validates an IANA time zone name and returns it trimmed.
func checkTimezone(errs *fieldErrors, field, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		errs.add(field, "is required: an IANA time zone such as UTC, Europe/Berlin or America/New_York")
		return name
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		errs.add(field, fmt.Sprintf("%q is not an IANA time zone; use a name such as UTC, Europe/Berlin or America/New_York", name))
	}
	return name
}
