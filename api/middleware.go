package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
)

// Keys of values kept in the gin context.
const (
	ctxRequestID = "tripline.request_id"
	ctxWorkspace = "tripline.workspace"
)

// requestIDHeader carries the request id: a caller's own is honoured when it is
// sane, otherwise one is generated; it is echoed in the answer either way.
const requestIDHeader = "X-Request-Id"

// requestLog assigns the request id and logs one line per request.
func (s *server) requestLog(c *gin.Context) {
	start := time.Now()
	rid := c.GetHeader(requestIDHeader)
	if !validRequestID(rid) {
		rid = rand.Text()
	}
	c.Set(ctxRequestID, rid)
	c.Header(requestIDHeader, rid)
	// In the request's context too, for LogHandler: code below the handlers
	// logs with that context but knows nothing of gin.
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, rid))

	c.Next()

	s.Observer.Request(c.Request.Method, c.FullPath(), c.Writer.Status(), time.Since(start))
	s.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "http request",
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		slog.String("request_id", rid),
	)
}

// validRequestID accepts up to 128 characters of letters, digits and ._:- so
// that a caller's id cannot forge log lines or headers.
func validRequestID(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for _, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)
		if !ok {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// recoverPanic turns a panicking handler into a logged 500 problem.
func (s *server) recoverPanic(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v) // net/http's way to abort a response on purpose
		}
		s.Logger.ErrorContext(c.Request.Context(), "handler panicked",
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()),
			"method", c.Request.Method, "path", c.Request.URL.Path, "request_id", requestID(c))
		if c.Writer.Written() {
			c.Abort() // too late for a problem answer; the client sees a cut-off body
			return
		}
		// Logged above already: answer without logging again.
		writeProblem(c, problem{Status: http.StatusInternalServerError, Detail: internalDetail(c)})
	}()
	c.Next()
}

// authenticate resolves the bearer API key to its workspace, or answers 401.
// A request without an Authorization header may instead carry the web UI's
// session cookie (session.go); then an unsafe method also needs the CSRF token.
func (s *server) authenticate(c *gin.Context) {
	if c.GetHeader("Authorization") == "" {
		if _, err := c.Request.Cookie(sessionCookie); err == nil {
			token, ws, session, ok := s.session(c)
			if !ok || !safeMethod(c.Request.Method) && !s.checkCSRF(c, token) {
				return
			}
			c.Set(ctxWorkspace, ws)
			c.Set(ctxKeyHash, session.KeyHash)
			s.touchKey(c, session.KeyHash)
			c.Next()
			return
		}
	}
	key, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", "Bearer")
		s.writeError(c, &httpError{status: http.StatusUnauthorized, detail: "Send your API key as the header \"Authorization: Bearer <api key>\"."})
		return
	}
	hash := tripline.HashKey(key)
	ws, err := s.Store.WorkspaceGetByAPIKey(c.Request.Context(), hash)
	if errors.Is(err, tripline.ErrNotFound) {
		c.Header("WWW-Authenticate", "Bearer")
		s.writeError(c, &httpError{status: http.StatusUnauthorized, detail: "The API key is not valid: it may have been revoked or mistyped."})
		return
	}
	if err != nil {
		s.writeError(c, fmt.Errorf("authenticate: %w", err))
		return
	}
	c.Set(ctxWorkspace, ws)
	c.Set(ctxAPIKeyHash, hash)
	c.Set(ctxKeyHash, hash)
	s.touchKey(c, hash)
	c.Next()
}

// bearerToken returns the token of an "Authorization: Bearer <token>" value;
// the scheme is case-insensitive (RFC 9110 section 11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// workspaceID is the authenticated workspace of a /v1 request.
func workspaceID(c *gin.Context) string {
	ws, _ := c.Get(ctxWorkspace)
	return ws.(tripline.Workspace).ID
}
