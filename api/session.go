package api

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
)

// The web UI signs in with an API key once and then holds a session: an
// HttpOnly, SameSite=Strict cookie with a random token, of which the store
// keeps only the hash. Requests that change something must also carry the
// session's CSRF token (derived from the cookie's token, so it needs no
// storage, and handed to the page by GET /ui/session) in the X-CSRF-Token
// header, and pass net/http's cross-origin check (Sec-Fetch-Site, Origin).
// See docs/ui.md.
const (
	sessionCookie = "tripline_session"
	csrfHeader    = "X-CSRF-Token"
)

// sessionToken hashes: the store's key, and the CSRF token shown to the page.
func sessionHash(token string) string { return tripline.HashKey("session\x00" + token) }
func csrfToken(token string) string   { return tripline.HashKey("csrf\x00" + token) }

// sessionJSON is the answer of POST and GET /ui/session.
type sessionJSON struct {
	Workspace struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"workspace"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt timestamp `json:"expires_at"`
}

func newSessionJSON(ws tripline.Workspace, token string, expires time.Time) sessionJSON {
	var out sessionJSON
	out.Workspace.ID, out.Workspace.Name = ws.ID, ws.Name
	out.CSRFToken = csrfToken(token)
	out.ExpiresAt = timestamp(expires)
	return out
}

// signIn is POST /ui/session {"api_key": "tl_…"}.
func (s *server) signIn(c *gin.Context) {
	if err := s.crossOrigin.Check(c.Request); err != nil {
		s.writeError(c, errCrossOrigin)
		return
	}
	var in struct {
		APIKey string `json:"api_key"`
	}
	if err := decodeBody(c, &in); err != nil {
		s.writeError(c, err)
		return
	}
	key := strings.TrimSpace(in.APIKey)
	if key == "" {
		var errs fieldErrors
		errs.add("api_key", "enter an API key (tl_…), made by \"tripline workspaces create\" or \"tripline keys create\"")
		s.writeError(c, errs.err("Sign-in needs an API key."))
		return
	}
	ctx := c.Request.Context()
	ws, err := s.Store.WorkspaceGetByAPIKey(ctx, tripline.HashKey(key))
	if errors.Is(err, tripline.ErrNotFound) {
		s.writeError(c, &httpError{status: http.StatusUnauthorized, detail: "The API key is not valid: it may have been revoked or mistyped."})
		return
	}
	if err != nil {
		s.writeError(c, fmt.Errorf("sign in: %w", err))
		return
	}
	token := rand.Text() + rand.Text() // 2 × 128 bits
	now := s.now()
	session := tripline.Session{TokenHash: sessionHash(token), WorkspaceID: ws.ID, KeyHash: tripline.HashKey(key), CreatedAt: now, ExpiresAt: now.Add(s.SessionTTL)}
	if err := s.Store.SessionInsert(ctx, session); err != nil {
		s.writeError(c, fmt.Errorf("sign in: %w", err))
		return
	}
	s.setSessionCookie(c, token, int(s.SessionTTL/time.Second))
	c.Header("Cache-Control", "no-store") // it holds the CSRF token
	writeJSON(c, http.StatusCreated, newSessionJSON(ws, token, session.ExpiresAt))
}

// getSession is GET /ui/session: who is signed in, or 401.
func (s *server) getSession(c *gin.Context) {
	token, ws, session, ok := s.session(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, newSessionJSON(ws, token, session.ExpiresAt))
}

// signOut is DELETE /ui/session: the session ends on the server, and the
// cookie is cleared.
func (s *server) signOut(c *gin.Context) {
	token, _, _, ok := s.session(c)
	if !ok {
		return
	}
	if !s.checkCSRF(c, token) {
		return
	}
	if err := s.Store.SessionDelete(c.Request.Context(), sessionHash(token)); err != nil {
		s.writeError(c, fmt.Errorf("sign out: %w", err))
		return
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// session resolves the session cookie, or answers 401 and returns false.
func (s *server) session(c *gin.Context) (token string, ws tripline.Workspace, session tripline.Session, ok bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		s.writeError(c, &httpError{status: http.StatusUnauthorized, detail: "You are not signed in: sign in with an API key."})
		return "", ws, session, false
	}
	session, ws, err = s.Store.SessionGet(c.Request.Context(), sessionHash(ck.Value), s.now())
	if errors.Is(err, tripline.ErrNotFound) {
		s.setSessionCookie(c, "", -1)
		s.writeError(c, &httpError{status: http.StatusUnauthorized, detail: "Your session has ended: sign in again."})
		return "", ws, session, false
	}
	if err != nil {
		s.writeError(c, fmt.Errorf("session: %w", err))
		return "", ws, session, false
	}
	return ck.Value, ws, session, true
}

var errCrossOrigin = &httpError{status: http.StatusForbidden, detail: "The request came from another site; Tripline's UI only accepts its own pages' requests."}

// checkCSRF refuses, with 403, a request that changes something without
// the session's CSRF token or from another origin.
func (s *server) checkCSRF(c *gin.Context, token string) bool {
	if err := s.crossOrigin.Check(c.Request); err != nil {
		s.writeError(c, errCrossOrigin)
		return false
	}
	got := c.GetHeader(csrfHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(token))) != 1 {
		s.writeError(c, &httpError{status: http.StatusForbidden, detail: "The request lacks the session's " + csrfHeader + " header; reload the page."})
		return false
	}
	return true
}

// safeMethod reports whether a method only reads (RFC 9110 section 9.2.1).
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https"),
	})
}
