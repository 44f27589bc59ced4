package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
)

// problem is an RFC 9457 problem document. Type is always "about:blank", so
// Title is the status text; Detail says what happened and what to do next.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []problemField `json:"errors,omitempty"`
}

// problemField is one entry of errors[]. Field is empty for problems of the
// body as a whole (a JSON syntax error); Line and Column (1-based) point into
// the body or into an expression.
type problemField struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// httpError is an error that carries its own answer: a status and a detail
// for the user. Err, when set, is what errors.Is sees.
type httpError struct {
	status int
	detail string
	err    error
}

func (e *httpError) Error() string { return e.detail }
func (e *httpError) Unwrap() error { return e.err }

// writeError is the one place that turns an error into an HTTP answer:
//
//   - *tripline.ValidationError: 400 with errors[]
//   - *httpError: its own status and detail
//   - tripline.ErrUnavailable (the database is down, starting, or out of
//     connections): 503 with Retry-After; the store logs the outage once
//   - tripline.ErrNotFound: 404; tripline.ErrConflict: 409
//   - *http.MaxBytesError: 413
//   - context.DeadlineExceeded: 503
//   - context.Canceled (the client left): 503, logged at info level
//   - anything else: 500 with a generic detail, the error logged
//
// It aborts the gin chain.
func (s *server) writeError(c *gin.Context, err error) {
	var (
		ve  *tripline.ValidationError
		he  *httpError
		mbe *http.MaxBytesError
		ctx = c.Request.Context()
	)
	p := problem{}
	switch {
	case errors.As(err, &ve):
		p.Status, p.Detail = http.StatusBadRequest, ve.Detail
		if p.Detail == "" {
			p.Detail = "The request is not valid."
		}
		for _, f := range ve.Fields {
			p.Errors = append(p.Errors, problemField(f))
		}
	case errors.As(err, &he):
		p.Status, p.Detail = he.status, he.detail
	case errors.Is(err, tripline.ErrUnavailable):
		// Not a bug and not this request's fault: the store logs the outage
		// once (WARN) and its end; each request only at debug level.
		s.Logger.DebugContext(ctx, "database unavailable", "error", err, "request_id", requestID(c))
		c.Header("Retry-After", retryAfterUnavailable)
		p.Status, p.Detail = http.StatusServiceUnavailable, "The database is unavailable; try again in a few seconds."
	case errors.Is(err, tripline.ErrNotFound):
		p.Status, p.Detail = http.StatusNotFound, "There is no such object in this workspace."
	case errors.Is(err, tripline.ErrConflict):
		p.Status, p.Detail = http.StatusConflict, "The change conflicts with what is stored; reload and try again."
	case errors.As(err, &mbe):
		p.Status, p.Detail = http.StatusRequestEntityTooLarge, "The request body is larger than 1 MiB; send less per request (for events, split the batch)."
	case errors.Is(err, context.DeadlineExceeded):
		s.Logger.WarnContext(ctx, "request timed out", "error", err, "request_id", requestID(c))
		p.Status, p.Detail = http.StatusServiceUnavailable, "The request took too long; try again."
	case errors.Is(err, context.Canceled):
		s.Logger.InfoContext(ctx, "request canceled", "error", err, "request_id", requestID(c))
		p.Status, p.Detail = http.StatusServiceUnavailable, "The request was canceled."
	default:
		s.Logger.ErrorContext(ctx, "request failed", "error", err,
			"method", c.Request.Method, "path", c.Request.URL.Path, "request_id", requestID(c))
		p.Status, p.Detail = http.StatusInternalServerError, internalDetail(c)
	}
	writeProblem(c, p)
}

// retryAfterUnavailable is the Retry-After, in seconds, of a 503 answered
// while the database is unavailable.
const retryAfterUnavailable = "2"

func internalDetail(c *gin.Context) string {
	return "Something went wrong on our side; it has been logged with request id " + requestID(c) + "."
}

// writeProblem writes p as application/problem+json and aborts the chain.
func writeProblem(c *gin.Context, p problem) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	c.Abort()
	writeBody(c, p.Status, "application/problem+json", p)
}

// writeJSON writes v as JSON. Unlike gin's c.JSON it leaves <, > and & as they
// are, so payloads read back as they were sent.
func writeJSON(c *gin.Context, status int, v any) {
	writeBody(c, status, "application/json; charset=utf-8", v)
}

func writeBody(c *gin.Context, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a bug makes a response unencodable; a panic reaches recoverPanic,
		// which logs it and answers 500.
		panic("api: encode response: " + err.Error())
	}
	c.Data(status, contentType, buf.Bytes())
}
