package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/sources"
	"github.com/tripline/tripline/triggers"
)

// SourceStore is what the inbound sources' handlers need from storage
// (SPEC section 13); it is part of Store. Sources are listed by id,
// ascending; Verify.Secret and Token come back opened.
type SourceStore interface {
	SourceList(ctx context.Context, params tripline.ListParams) ([]sources.Source, error)
	SourceGet(ctx context.Context, workspaceID, id string) (sources.Source, error)
	// SourceGetByTokenHash returns the source whose token hashes to hash,
	// in whatever workspace, or tripline.ErrNotFound.
	SourceGetByTokenHash(ctx context.Context, hash string) (sources.Source, error)
	SourceInsert(ctx context.Context, source sources.Source) error
	// SourceUpdate saves every field, the token and its hash included.
	SourceUpdate(ctx context.Context, source sources.Source) error
	// SourceDelete deletes a source and its request log.
	SourceDelete(ctx context.Context, workspaceID, id string) error
	// SourceRequestInsert adds an entry to a source's request log and
	// drops the oldest beyond sources.LogSize.
	SourceRequestInsert(ctx context.Context, entry sources.LogEntry) error
	// SourceRequestList returns a source's request log, newest first.
	SourceRequestList(ctx context.Context, workspaceID, sourceID string) ([]sources.LogEntry, error)
}

// verifyJSON is a source's verification as the API takes and answers it;
// the secret is write-only.
type verifyJSON struct {
	Scheme   string `json:"scheme"`
	Header   string `json:"header,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Secret   string `json:"secret,omitempty"`
}

// sourceInput is the writable fields of a source.
type sourceInput struct {
	Name    string          `json:"name"`
	Kind    string          `json:"kind"`
	Verify  *verifyJSON     `json:"verify"`
	Mapping json.RawMessage `json:"mapping"`
	Enabled bool            `json:"enabled"`
}

// sourceJSON is a source as the API answers it.
type sourceJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Kind      string          `json:"kind"`
	Verify    *verifyJSON     `json:"verify"`
	Mapping   json.RawMessage `json:"mapping"`
	Enabled   bool            `json:"enabled"`
	IngestURL string          `json:"ingest_url"`
	CreatedAt timestamp       `json:"created_at"`
	UpdatedAt timestamp       `json:"updated_at"`
}

func (s *server) sourcesResource() *resource[sources.Source, sourceInput] {
	return &resource[sources.Source, sourceInput]{
		s:        s,
		kind:     "source",
		idPrefix: sources.IDPrefix,
		readOnly: []string{"id", "ingest_url", "created_at", "updated_at"},
		defaults: sourceInput{Enabled: true},
		list: func(c *gin.Context, p tripline.ListParams) ([]sources.Source, error) {
			return s.Store.SourceList(c.Request.Context(), p)
		},
		get:    s.Store.SourceGet,
		insert: s.Store.SourceInsert,
		update: s.Store.SourceUpdate,
		remove: s.Store.SourceDelete,
		meta: func(src *sources.Source) meta {
			return meta{ID: &src.ID, WorkspaceID: &src.WorkspaceID, CreatedAt: &src.CreatedAt, UpdatedAt: &src.UpdatedAt}
		},
		input: func(src sources.Source) sourceInput {
			in := sourceInput{Name: src.Name, Kind: src.Kind, Mapping: src.Mapping, Enabled: src.Enabled}
			if v := src.Verify; v != nil {
				in.Verify = &verifyJSON{Scheme: v.Scheme, Header: v.Header, Encoding: v.Encoding, Prefix: v.Prefix, Secret: v.Secret}
			}
			return in
		},
		apply: func(in sourceInput, src *sources.Source) {
			old := src.Verify
			src.Name, src.Kind, src.Mapping, src.Enabled = in.Name, in.Kind, in.Mapping, in.Enabled
			src.Verify = nil
			if in.Verify != nil {
				v := in.Verify
				src.Verify = &sources.Verify{Scheme: v.Scheme, Header: v.Header, Encoding: v.Encoding, Prefix: v.Prefix, Secret: v.Secret}
				if v.Secret == "" && old != nil {
					// A PATCH that changes the scheme's settings keeps the
					// secret it cannot read back.
					src.Verify.Secret = old.Secret
				}
			}
		},
		prepare: func(_ context.Context, src *sources.Source) error { return prepareSource(src) },
		created: func(src *sources.Source) error { return newToken(src) },
		render: func(ctx context.Context, src sources.Source, _ view) (any, error) {
			out := renderSource(src)
			base, _ := ctx.Value(ingestBaseKey{}).(string)
			out.IngestURL = base + out.IngestURL
			return out, nil
		},
	}
}

func newToken(src *sources.Source) error {
	token, err := sources.NewToken()
	if err != nil {
		return fmt.Errorf("new ingest token: %w", err)
	}
	src.Token, src.TokenHash = token, sources.HashToken(token)
	return nil
}

// prepareSource normalizes and validates a source's writable fields.
func prepareSource(src *sources.Source) error {
	var errs fieldErrors
	src.Name = checkName(&errs, "name", src.Name, false)
	switch {
	case src.Kind == "":
		errs.add("kind", "is required; one of "+strings.Join(sources.Kinds, ", "))
	case !slices.Contains(sources.Kinds, src.Kind):
		errs.add("kind", fmt.Sprintf("unknown kind %q; one of %s", src.Kind, strings.Join(sources.Kinds, ", ")))
	}
	if src.Name == "" {
		src.Name = src.Kind
	}
	if src.Verify != nil {
		for _, fe := range src.Verify.Fill(src.Kind) {
			errs.add(fe.Field, fe.Message)
		}
	}
	if string(src.Mapping) == "null" {
		src.Mapping = nil
	}
	if src.Kind != sources.KindCustom && len(src.Mapping) > 0 && slices.Contains(sources.Kinds, src.Kind) {
		errs.add("mapping", "the "+src.Kind+" kind maps the platform's webhooks itself and takes no mapping; use kind custom to write your own")
	}
	if src.Kind == sources.KindCustom {
		if _, ferrs := sources.CompiledFor(*src); ferrs != nil {
			for _, fe := range ferrs {
				errs.add(fe.Field, fe.Message)
			}
		} else {
			var b bytes.Buffer
			if err := json.Compact(&b, src.Mapping); err == nil {
				src.Mapping = b.Bytes()
			}
		}
	}
	return errs.err("The source is not valid.")
}

func renderSource(src sources.Source) sourceJSON {
	out := sourceJSON{ID: src.ID, Name: src.Name, Kind: src.Kind, Mapping: src.Mapping, Enabled: src.Enabled,
		IngestURL: "/in/" + src.Token, CreatedAt: timestamp(src.CreatedAt), UpdatedAt: timestamp(src.UpdatedAt)}
	if m, ok := sources.BuiltinMapping(src.Kind); ok {
		out.Mapping, _ = json.Marshal(m) // the kind's, read-only, to learn from
	}
	if v := src.Verify; v != nil {
		out.Verify = &verifyJSON{Scheme: v.Scheme, Header: v.Header, Encoding: v.Encoding, Prefix: v.Prefix}
	}
	return out
}

// sourceRoutes adds the sources' routes to the authenticated group.
func (s *server) sourceRoutes(v1 *gin.RouterGroup) {
	g := v1.Group("", func(c *gin.Context) {
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), ingestBaseKey{}, s.publicBase(c)))
	})
	s.sourcesResource().routes(g, "/sources")
	g.POST("/sources/:id/rotate-token", s.rotateSourceToken)
	g.POST("/sources/:id/try", s.trySource)
	g.GET("/sources/:id/requests", s.listSourceRequests)
}

// ingestBaseKey keys the request context's base of ingest URLs.
type ingestBaseKey struct{}

// withIngestURL makes a source's ingest_url absolute, on the address the
// request came to (or Config.PublicURL).
func (s *server) withIngestURL(c *gin.Context, out sourceJSON) sourceJSON {
	out.IngestURL = s.publicBase(c) + out.IngestURL
	return out
}

func (s *server) publicBase(c *gin.Context) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func (s *server) findSource(c *gin.Context) (sources.Source, error) {
	src, err := s.Store.SourceGet(c.Request.Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return src, describe(err, "source", c.Param("id"))
	}
	return src, nil
}

// rotateSourceToken serves POST /v1/sources/{id}/rotate-token: a new token,
// the old one stops working at once.
func (s *server) rotateSourceToken(c *gin.Context) {
	src, err := s.findSource(c)
	if err == nil {
		err = newToken(&src)
	}
	if err == nil {
		src.UpdatedAt = s.now()
		err = s.Store.SourceUpdate(c.Request.Context(), src)
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, s.withIngestURL(c, renderSource(src)))
}

// tryJSON is the body of POST /v1/sources/{id}/try. A payload that is a JSON
// string is taken as the raw body, byte for byte (so that a signature made
// over it verifies); any other JSON value is the body as written.
type tryJSON struct {
	Payload json.RawMessage   `json:"payload"`
	Headers map[string]string `json:"headers"`
}

type tryAnswer struct {
	Signature struct {
		Valid  bool   `json:"valid"`
		Detail string `json:"detail"`
	} `json:"signature"`
	EventName string            `json:"event_name"`
	Ignored   bool              `json:"ignored"`
	Events    []triggers.Event  `json:"events"`
	Problems  []sources.Problem `json:"problems"`
}

// trySource serves POST /v1/sources/{id}/try: what a payload would become,
// and the signature verdict; nothing is stored.
func (s *server) trySource(c *gin.Context) {
	src, err := s.findSource(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	data, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var in tryJSON
	if err := decodeStrict(data, &in, nil); err != nil {
		s.writeError(c, err)
		return
	}
	if len(in.Payload) == 0 {
		s.writeError(c, tripline.Invalid("payload", "is required: the JSON body the sender would post"))
		return
	}
	body := []byte(in.Payload)
	var raw string
	if json.Unmarshal(in.Payload, &raw) == nil {
		body = []byte(raw)
	}
	h := http.Header{}
	for k, v := range in.Headers {
		h.Set(k, v)
	}
	var out tryAnswer
	out.Events, out.Problems = []triggers.Event{}, []sources.Problem{}
	if err := src.Verify.Check(h, body, s.now()); err != nil {
		out.Signature.Detail = err.Error()
	} else {
		out.Signature.Valid = true
		out.Signature.Detail = "verified"
		if src.Verify == nil {
			out.Signature.Detail = "this source has no verify: every request is accepted unsigned"
		}
	}
	res, err := s.mapRequest(src, body, h)
	var me *sources.MappingError
	switch {
	case errors.As(err, &me):
		out.EventName, out.Problems = me.EventName, me.Problems
	case err != nil:
		s.writeError(c, err)
		return
	default:
		out.EventName, out.Ignored = res.EventName, res.Ignored
		out.Events = append(out.Events, res.Events...)
	}
	writeJSON(c, http.StatusOK, out)
}

// requestJSON is one entry of a source's request log.
type requestJSON struct {
	ID            string            `json:"id"`
	ReceivedAt    timestamp         `json:"received_at"`
	Status        int               `json:"status"`
	Outcome       string            `json:"outcome"`
	EventName     string            `json:"event_name"`
	ContactID     string            `json:"contact_id"`
	Detail        string            `json:"detail"`
	Problems      []sources.Problem `json:"problems"`
	TriggerEvents []string          `json:"trigger_events"`
	Headers       map[string]string `json:"headers"`
	Body          string            `json:"body"`
}

// listSourceRequests serves GET /v1/sources/{id}/requests: the last
// sources.LogSize requests, newest first.
func (s *server) listSourceRequests(c *gin.Context) {
	src, err := s.findSource(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	entries, err := s.Store.SourceRequestList(c.Request.Context(), src.WorkspaceID, src.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]requestJSON, len(entries))
	for i, e := range entries {
		out[i] = requestJSON{ID: e.ID, ReceivedAt: timestamp(e.ReceivedAt), Status: e.Status, Outcome: e.Outcome,
			EventName: e.EventName, ContactID: e.ContactID, Detail: e.Detail, Problems: orEmpty(e.Problems),
			TriggerEvents: orEmpty(e.TriggerEvents), Headers: orEmptyMap(e.Headers), Body: e.Body}
	}
	writeJSON(c, http.StatusOK, gin.H{"data": out, "next_cursor": nil})
}

// compiledCache keeps each source's compiled mapping by id and update time,
// so that a request applies a mapping compiled once.
type compiledCache struct {
	mu sync.Mutex
	m  map[string]compiledEntry
}

type compiledEntry struct {
	updated time.Time
	c       *sources.Compiled
}

func (cc *compiledCache) get(src sources.Source) (*sources.Compiled, error) {
	if src.Kind != sources.KindCustom {
		c, errs := sources.CompiledFor(src)
		if errs != nil {
			return nil, fmt.Errorf("source %s: %v", src.ID, errs)
		}
		return c, nil
	}
	cc.mu.Lock()
	e, ok := cc.m[src.ID]
	cc.mu.Unlock()
	if ok && e.updated.Equal(src.UpdatedAt) {
		return e.c, nil
	}
	c, errs := sources.CompiledFor(src)
	if errs != nil {
		return nil, fmt.Errorf("source %s: stored mapping does not compile: %v", src.ID, errs)
	}
	cc.mu.Lock()
	if cc.m == nil || len(cc.m) > 10_000 {
		cc.m = map[string]compiledEntry{}
	}
	cc.m[src.ID] = compiledEntry{updated: src.UpdatedAt, c: c}
	cc.mu.Unlock()
	return c, nil
}

// mapRequest maps a request of src to events with their idempotency keys
// and the source set.
func (s *server) mapRequest(src sources.Source, body []byte, h http.Header) (sources.Result, error) {
	c, err := s.compiled.get(src)
	if err != nil {
		return sources.Result{}, err
	}
	res, err := c.Apply(sources.Request{Body: body, Header: h})
	if err != nil {
		return res, err
	}
	ref := &triggers.Source{ID: src.ID, Name: src.Name}
	for i := range res.Events {
		res.Events[i].ID = sources.IdempotencyKey(src.ID, res.SenderID, i)
		res.Events[i].Source = ref
	}
	return res, nil
}

// ingestJSON answers POST /in/{token}.
type ingestJSON struct {
	Accepted      int      `json:"accepted"`
	Duplicates    int      `json:"duplicates"`
	Duplicate     bool     `json:"duplicate,omitempty"`
	Ignored       bool     `json:"ignored,omitempty"`
	TriggerEvents []string `json:"trigger_events"`
}

// ingestSource serves POST /in/{token} (no API key): verify, map, ingest,
// all-or-nothing, 202 only after commit. Every outcome but an unknown or
// disabled token is kept in the source's request log.
func (s *server) ingestSource(c *gin.Context) {
	token := c.Param("token")
	notFound := &httpError{status: http.StatusNotFound, detail: "There is no source at this URL, or it is disabled."}
	if !sources.WellFormedToken(token) {
		s.writeError(c, notFound)
		return
	}
	ctx := c.Request.Context()
	src, err := s.Store.SourceGetByTokenHash(ctx, sources.HashToken(token))
	if err == nil && !sources.TokenMatches(token, src.TokenHash) {
		err = tripline.ErrNotFound
	}
	if errors.Is(err, tripline.ErrNotFound) || err == nil && !src.Enabled {
		s.writeError(c, notFound)
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	now := s.now()
	entry := sources.LogEntry{ID: id.NewAt(sources.RequestIDPrefix, now), WorkspaceID: src.WorkspaceID, SourceID: src.ID,
		ReceivedAt: now, Headers: sources.LoggedHeaders(c.Request.Header, src.Verify)}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		entry.Status, entry.Outcome, entry.Detail = http.StatusRequestEntityTooLarge, sources.OutcomeTooLarge, "The body is larger than 1 MiB."
		s.logRequest(ctx, entry)
		s.writeError(c, err)
		return
	case err != nil:
		s.writeError(c, err)
		return
	}
	if err := src.Verify.Check(c.Request.Header, body, now); err != nil {
		entry.Status, entry.Outcome, entry.Detail = http.StatusUnauthorized, sources.OutcomeUnauthorized, err.Error()
		s.logRequest(ctx, entry)
		s.writeError(c, &httpError{status: http.StatusUnauthorized, err: err,
			detail: "The request's signature does not verify: " + err.Error() + ". Nothing was stored."})
		return
	}
	entry.Body = sources.LoggedBody(body)
	res, err := s.mapRequest(src, body, c.Request.Header)
	var me *sources.MappingError
	if errors.As(err, &me) {
		entry.Status, entry.Outcome, entry.EventName, entry.Problems = http.StatusUnprocessableEntity, sources.OutcomeInvalid, me.EventName, me.Problems
		entry.Detail = "The mapped fields are not valid: " + me.Error()
		s.logRequest(ctx, entry)
		writeProblem(c, unprocessable(me))
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	entry.EventName = res.EventName
	if res.Ignored {
		entry.Status, entry.Outcome = http.StatusAccepted, sources.OutcomeIgnored
		entry.Detail = fmt.Sprintf("The mapping maps no event named %q; nothing was ingested.", res.EventName)
		s.logRequest(ctx, entry)
		writeJSON(c, http.StatusAccepted, ingestJSON{Ignored: true, TriggerEvents: []string{}})
		return
	}
	entry.ContactID = res.Events[0].ContactID
	ir, err := s.Ingester.Ingest(ctx, src.WorkspaceID, res.Events)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := ingestJSON{Accepted: ir.Accepted, Duplicates: ir.Duplicates, TriggerEvents: orEmpty(ir.TriggerEventIDs)}
	entry.TriggerEvents = out.TriggerEvents
	status := http.StatusAccepted
	entry.Outcome = sources.OutcomeAccepted
	entry.Detail = fmt.Sprintf("%d event(s) ingested, %d trigger event(s).", ir.Accepted, len(ir.TriggerEventIDs))
	if ir.Accepted == 0 && ir.Duplicates > 0 {
		status, out.Duplicate, entry.Outcome = http.StatusOK, true, sources.OutcomeDuplicate
		entry.Detail = "The sender's delivery id was seen before; nothing fired twice."
	}
	entry.Status = status
	s.logRequest(ctx, entry)
	writeJSON(c, status, out)
}

// unprocessable is the 422 problem of a request whose mapped fields are
// invalid: errors[] name the sender's paths.
func unprocessable(me *sources.MappingError) problem {
	p := problem{Status: http.StatusUnprocessableEntity,
		Detail: "The payload's mapped fields are not valid events; nothing was ingested. errors[] name the payload's paths."}
	for _, pr := range me.Problems {
		p.Errors = append(p.Errors, problemField{Field: pr.Path, Message: pr.Message + " (mapped to " + cmpOr(pr.Field, "the body") + ")"})
	}
	return p
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// logRequest keeps an entry of the request log; a failure is logged, not
// answered: the request itself was handled.
func (s *server) logRequest(ctx context.Context, e sources.LogEntry) {
	// The log outlives a client that hung up after the answer was decided.
	ctx = context.WithoutCancel(ctx)
	if err := s.Store.SourceRequestInsert(ctx, e); err != nil {
		s.Logger.WarnContext(ctx, "source request log not written", "source_id", e.SourceID, "error", err)
	}
}
