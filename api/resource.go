package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
)

// view says which answer an object is rendered for.
type view int

const (
	viewList    view = iota // an item of a list: keep it cheap
	viewOne                 // GET, PATCH and the like
	viewCreated             // the answer to create: the only one with secrets
)

// meta points at the server-set fields every resource has.
type meta struct {
	ID, WorkspaceID      *string
	CreatedAt, UpdatedAt *time.Time
}

// resource describes one REST collection of a stored type M whose writable
// fields are I, and serves it with the generic handlers below:
// GET and POST on the collection, GET, PATCH and DELETE on one object.
type resource[M, I any] struct {
	s        *server
	kind     string   // "folder": the word used in messages
	idPrefix string   // id.Folder
	readOnly []string // server-set fields: sending one is a 400
	defaults I        // the writable fields of a new object before the body is laid over them

	list   func(c *gin.Context, p tripline.ListParams) ([]M, error) // c for filters in the query
	get    func(ctx context.Context, workspaceID, id string) (M, error)
	insert func(ctx context.Context, m M) error
	update func(ctx context.Context, m M) error
	remove func(ctx context.Context, workspaceID, id string) error

	meta    func(m *M) meta
	input   func(m M) I                           // the writable fields of a stored object: the base of a PATCH
	apply   func(in I, m *M)                      // sets the writable fields
	prepare func(ctx context.Context, m *M) error // normalizes and validates the whole object
	created func(m *M) error                      // optional: server-set values of a new object
	render  func(ctx context.Context, m M, v view) (any, error)

	// deleteConflict is the detail of a 409 answer to DELETE.
	deleteConflict string
	// createOnly are fields a create may set and a PATCH may not, each with
	// the message a PATCH that sends it gets.
	createOnly map[string]string
	// listed, when set, reads what a page of a list renders besides the
	// objects (one query for the page, never one per object) and returns
	// the context render then sees.
	listed func(ctx context.Context, workspaceID string, items []M) (context.Context, error)

	// guard, when set, may refuse PATCH and DELETE of an object (an error
	// answered as it is), such as one a REST hook manages.
	guard func(ctx context.Context, workspaceID, id string) error
}

func (r *resource[M, I]) routes(g *gin.RouterGroup, path string) {
	g.GET(path, r.handleList)
	g.POST(path, r.handleCreate)
	g.GET(path+"/:id", r.handleGet)
	g.PATCH(path+"/:id", r.handlePatch)
	g.DELETE(path+"/:id", r.handleDelete)
}

func (r *resource[M, I]) handleList(c *gin.Context) {
	var errs fieldErrors
	params := listParams(c, &errs)
	if err := errs.err("The list parameters are not valid."); err != nil {
		r.s.writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	fetch := func(p tripline.ListParams) ([]M, error) {
		items, err := r.list(c, p)
		if err == nil && r.listed != nil {
			ctx, err = r.listed(ctx, p.WorkspaceID, items)
		}
		return items, err
	}
	idOf := func(m M) string { return *r.meta(&m).ID }
	render := func(m M) (any, error) { return r.render(ctx, m, viewList) }
	pg, err := listPage(params, fetch, idOf, render)
	if err != nil {
		r.s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, pg)
}

func (r *resource[M, I]) handleGet(c *gin.Context) {
	m, err := r.find(c)
	if err == nil {
		err = r.respond(c, http.StatusOK, m, viewOne)
	}
	if err != nil {
		r.s.writeError(c, err)
	}
}

func (r *resource[M, I]) handleCreate(c *gin.Context) {
	var m M
	if err := r.decode(c, r.defaults, &m); err != nil {
		r.s.writeError(c, err)
		return
	}
	now := r.s.now()
	md := r.meta(&m)
	*md.ID, *md.CreatedAt, *md.UpdatedAt = id.NewAt(r.idPrefix, now), now, now
	var err error
	if r.created != nil {
		err = r.created(&m)
	}
	if err == nil {
		err = r.insert(c.Request.Context(), m)
	}
	if err != nil {
		r.s.writeError(c, fmt.Errorf("create %s: %w", r.kind, err))
		return
	}
	c.Header("Location", c.FullPath()+"/"+*md.ID)
	if err := r.respond(c, http.StatusCreated, m, viewCreated); err != nil {
		r.s.writeError(c, err)
	}
}

func (r *resource[M, I]) handlePatch(c *gin.Context) {
	m, err := r.find(c)
	if err == nil && r.guard != nil {
		err = r.guard(c.Request.Context(), workspaceID(c), c.Param("id"))
	}
	if err == nil {
		err = r.refuseCreateOnly(c)
	}
	if err == nil {
		err = r.decode(c, r.input(m), &m)
	}
	if err != nil {
		r.s.writeError(c, err)
		return
	}
	*r.meta(&m).UpdatedAt = r.s.now()
	if err := r.save(c, m); err != nil {
		r.s.writeError(c, err)
	}
}

// save stores a changed object and answers it.
func (r *resource[M, I]) save(c *gin.Context, m M) error {
	if err := r.update(c.Request.Context(), m); err != nil {
		return r.describe(err, *r.meta(&m).ID)
	}
	return r.respond(c, http.StatusOK, m, viewOne)
}

func (r *resource[M, I]) handleDelete(c *gin.Context) {
	if r.guard != nil {
		if err := r.guard(c.Request.Context(), workspaceID(c), c.Param("id")); err != nil {
			r.s.writeError(c, err)
			return
		}
	}
	if err := r.remove(c.Request.Context(), workspaceID(c), c.Param("id")); err != nil {
		if errors.Is(err, tripline.ErrConflict) && r.deleteConflict != "" {
			err = &httpError{status: http.StatusConflict, detail: r.deleteConflict, err: err}
		}
		r.s.writeError(c, r.describe(err, c.Param("id")))
		return
	}
	c.Status(http.StatusNoContent)
}

// handleValidate checks a body as create would, and saves nothing.
func (r *resource[M, I]) handleValidate(c *gin.Context) {
	if err := r.decode(c, r.defaults, new(M)); err != nil {
		r.s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"valid": true})
}

// refuseCreateOnly answers a PATCH body that sets a create-only field with
// a 400 naming it; the body is left to be read again.
func (r *resource[M, I]) refuseCreateOnly(c *gin.Context) error {
	if len(r.createOnly) == 0 {
		return nil
	}
	data, err := readBody(c)
	if err != nil {
		return err
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(data))
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return nil // decode reports it
	}
	var errs fieldErrors
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if msg, ok := r.createOnly[name]; ok {
			errs.add(name, msg)
		}
	}
	return errs.err(fmt.Sprintf("The %s cannot be changed this way.", r.kind))
}

// find loads the object named by the :id path parameter.
func (r *resource[M, I]) find(c *gin.Context) (M, error) {
	m, err := r.get(c.Request.Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return m, r.describe(err, c.Param("id"))
	}
	return m, nil
}

// decode lays the request body over base, sets the result on m, puts m in the
// request's workspace (where prepare looks up references) and prepares it.
func (r *resource[M, I]) decode(c *gin.Context, base I, m *M) error {
	in, err := decodeOnto(c, base, r.readOnly)
	if err != nil {
		return err
	}
	r.apply(in, m)
	*r.meta(m).WorkspaceID = workspaceID(c)
	return r.prepare(c.Request.Context(), m)
}

func (r *resource[M, I]) respond(c *gin.Context, status int, m M, v view) error {
	body, err := r.render(c.Request.Context(), m, v)
	if err != nil {
		return err
	}
	writeJSON(c, status, body)
	return nil
}

// describe words ErrNotFound for this kind of object and adds context to
// other errors.
func (r *resource[M, I]) describe(err error, id string) error { return describe(err, r.kind, id) }

// describe words ErrNotFound for an object of some kind ("There is no folder
// "fld_1" in this workspace.") and adds context to other errors.
func describe(err error, kind, id string) error {
	if errors.Is(err, tripline.ErrNotFound) {
		return &httpError{status: http.StatusNotFound, err: err,
			detail: fmt.Sprintf("There is no %s %q in this workspace.", kind, id)}
	}
	return fmt.Errorf("%s %s: %w", kind, id, err)
}
