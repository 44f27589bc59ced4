package api

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
)

// maxNameLength caps the names of folders and endpoints, in characters.
const maxNameLength = 200

// folderInput is the writable fields of a folder.
type folderInput struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// folderJSON is a folder as the API answers it.
type folderJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Enabled   bool      `json:"enabled"`
	CreatedAt timestamp `json:"created_at"`
	UpdatedAt timestamp `json:"updated_at"`
}

func (s *server) folders() *resource[engine.Folder, folderInput] {
	return &resource[engine.Folder, folderInput]{
		s:        s,
		kind:     "folder",
		idPrefix: id.Folder,
		readOnly: []string{"id", "created_at", "updated_at"},
		defaults: folderInput{Enabled: true},
		list: func(c *gin.Context, p tripline.ListParams) ([]engine.Folder, error) {
			return s.Store.FolderList(c.Request.Context(), p)
		},
		get:    s.Store.FolderGet,
		insert: s.Store.FolderInsert,
		update: s.Store.FolderUpdate,
		remove: s.Store.FolderDelete,
		meta: func(f *engine.Folder) meta {
			return meta{ID: &f.ID, WorkspaceID: &f.WorkspaceID, CreatedAt: &f.CreatedAt, UpdatedAt: &f.UpdatedAt}
		},
		input: func(f engine.Folder) folderInput { return folderInput{Name: f.Name, Enabled: f.Enabled} },
		apply: func(in folderInput, f *engine.Folder) { f.Name, f.Enabled = in.Name, in.Enabled },
		prepare: func(_ context.Context, f *engine.Folder) error {
			var errs fieldErrors
			f.Name = checkName(&errs, "name", f.Name, true)
			return errs.err("The folder is not valid.")
		},
		render: func(_ context.Context, f engine.Folder, _ view) (any, error) {
			return folderJSON{ID: f.ID, Name: f.Name, Enabled: f.Enabled,
				CreatedAt: timestamp(f.CreatedAt), UpdatedAt: timestamp(f.UpdatedAt)}, nil
		},
		deleteConflict: "The folder still holds rules: delete them or move them out of it first.",
	}
}

// checkName trims a name and checks its length; it returns the trimmed name.
func checkName(errs *fieldErrors, field, name string, required bool) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "" && required:
		errs.add(field, "is required")
	case utf8.RuneCountInString(name) > maxNameLength:
		errs.add(field, fmt.Sprintf("is longer than %d characters", maxNameLength))
	}
	return name
}
