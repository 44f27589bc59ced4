package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/triggers"
)

// contactFilterFields are the top-level contact fields GET /v1/contacts can
// filter on with ?field=&value=; custom fields are "custom_fields.NAME".
var contactFilterFields = []string{"name", "first_name", "last_name", "email", "phone", "channel", "subscribed", "referred_by"}

// contactRoutes serves the contact convenience endpoints of SPEC section 4.
// Changes go through the ingest pipeline as the events they stand for, so
// they fire triggers like POST /v1/events.
func (s *server) contactRoutes(g *gin.RouterGroup) {
	g.GET("/contacts", s.listContacts)
	g.GET("/contacts/:id", s.getContact)
	g.PATCH("/contacts/:id", s.patchContact)
	g.DELETE("/contacts/:id", s.eraseContact)
	g.POST("/contacts/:id/tags", s.addContactTag)
	g.DELETE("/contacts/:id/tags/:tag", s.removeContactTag)
}

func (s *server) listContacts(c *gin.Context) {
	var errs fieldErrors
	params := tripline.ContactListParams{ListParams: listParams(c, &errs), Tag: c.Query("tag"), Query: strings.TrimSpace(c.Query("q"))}
	field, hasField := c.GetQuery("field")
	value, hasValue := c.GetQuery("value")
	switch {
	case hasField != hasValue:
		errs.add("field", "send field and value together, such as ?field=email&value=john@example.com")
	case hasField:
		path, msg := contactFieldPath(field)
		if msg != "" {
			errs.add("field", msg)
		}
		params.FieldPath, params.Value = path, value
	}
	if err := errs.err("The list parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	fetch := func(p tripline.ListParams) ([]triggers.Contact, error) {
		params.ListParams = p
		return s.Store.ContactList(c.Request.Context(), params)
	}
	idOf := func(ct triggers.Contact) string { return ct.ID }
	render := func(ct triggers.Contact) (triggers.Contact, error) { return ct, nil }
	pg, err := listPage(params.ListParams, fetch, idOf, render)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, pg)
}

// contactFieldPath turns ?field= into a path into the contact state, or says
// what is wrong with it.
func contactFieldPath(field string) ([]string, string) {
	if name, ok := strings.CutPrefix(field, "custom_fields."); ok {
		if name == "" || strings.ContainsAny(name, "\"\\") || strings.IndexFunc(name, func(r rune) bool { return r < ' ' }) >= 0 {
			return nil, "must name a custom field without quotes, backslashes or control characters"
		}
		return []string{"custom_fields", name}, ""
	}
	if !slices.Contains(contactFilterFields, field) {
		return nil, "must be one of " + strings.Join(contactFilterFields, ", ") + ", or custom_fields.NAME"
	}
	return []string{field}, ""
}

func (s *server) getContact(c *gin.Context) {
	ct, err := s.Store.ContactGet(c.Request.Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		s.writeError(c, describe(err, "contact", c.Param("id")))
		return
	}
	writeJSON(c, http.StatusOK, ct)
}

// patchContact serves PATCH /v1/contacts/{id}: the body is a partial contact
// state, ingested as a contact_updated event; the answer is the new state.
func (s *server) patchContact(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var patch triggers.ContactPatch
	if err := decodeStrict(body, &patch, nil); err != nil {
		s.writeError(c, err)
		return
	}
	if patch == nil {
		s.writeError(c, invalidBody("The body must be a JSON object: the contact fields to change.", "must be an object", 1, 1))
		return
	}
	s.ingestContactEvent(c, triggers.Event{Type: triggers.EventContactUpdated, Contact: patch})
}

// tagInput is the body of POST /v1/contacts/{id}/tags.
type tagInput struct {
	Tag string `json:"tag"`
}

func (s *server) addContactTag(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var in tagInput
	if err := decodeStrict(body, &in, nil); err != nil {
		s.writeError(c, err)
		return
	}
	s.ingestContactEvent(c, triggers.Event{Type: triggers.EventTagApplied, Tag: in.Tag})
}

func (s *server) removeContactTag(c *gin.Context) {
	s.ingestContactEvent(c, triggers.Event{Type: triggers.EventTagRemoved, Tag: c.Param("tag")})
}

// ingestContactEvent applies ev to the contact named by the path, which must
// exist (new contacts come from POST /v1/events), and answers its new state.
// A field error of the event is reported relative to the request body.
func (s *server) ingestContactEvent(c *gin.Context, ev triggers.Event) {
	ctx, ws, cid := c.Request.Context(), workspaceID(c), c.Param("id")
	ev.ContactID = cid
	var errs fieldErrors
	for _, fe := range ev.Validate() {
		errs.add(strings.TrimPrefix(strings.TrimPrefix(fe.Field, "contact."), "contact"), fe.Message)
	}
	if err := errs.err("The change is not valid; nothing was changed."); err != nil {
		s.writeError(c, err)
		return
	}
	if _, err := s.Store.ContactGet(ctx, ws, cid); err != nil {
		s.writeError(c, describe(err, "contact", cid))
		return
	}
	if _, err := s.Ingester.Ingest(ctx, ws, []triggers.Event{ev}); err != nil {
		s.writeError(c, err)
		return
	}
	ct, err := s.Store.ContactGet(ctx, ws, cid)
	if err != nil {
		s.writeError(c, fmt.Errorf("read contact back: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, ct)
}

// eraseContact serves DELETE /v1/contacts/{id}: the GDPR erasure. It answers
// 204 whether or not the contact exists, so that it can be repeated.
func (s *server) eraseContact(c *gin.Context) {
	if err := s.Store.ContactErase(c.Request.Context(), workspaceID(c), c.Param("id")); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
