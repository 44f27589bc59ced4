package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/id"
)

// KeyStore is what the API-key routes need from storage; it is part of Store.
type KeyStore interface {
	// APIKeyList returns one page of the workspace's keys by id.
	APIKeyList(ctx context.Context, params tripline.ListParams) ([]tripline.APIKey, error)
	// APIKeyInsert stores a key (its hash).
	APIKeyInsert(ctx context.Context, key tripline.APIKey) error
	// APIKeyDelete revokes a key of the workspace; tripline.ErrNotFound
	// when it has none with that id.
	APIKeyDelete(ctx context.Context, workspaceID, id string) error
	// APIKeyTouch records a use of the key at At, unless one at or after
	// At minus Every is recorded already.
	APIKeyTouch(ctx context.Context, params tripline.APIKeyTouchParams) error
}

// keyTouchEvery is how often a key's last_used_at is written, at most.
const keyTouchEvery = time.Minute

const ctxKeyHash = "tripline.key_hash"

// keyInput is the body of POST /v1/keys.
type keyInput struct {
	Name string `json:"name"`
}

// keyJSON is an API key as the API answers it; Key only on create.
type keyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  timestamp  `json:"created_at"`
	LastUsedAt *timestamp `json:"last_used_at"`
	Current    bool       `json:"current"`
	Key        string     `json:"key,omitempty"`
}

func (s *server) keyRoutes(g *gin.RouterGroup) {
	g.GET("/keys", s.listKeys)
	g.POST("/keys", s.createKey)
	g.DELETE("/keys/:id", s.deleteKey)
}

func renderKey(k tripline.APIKey, current string) keyJSON {
	return keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: timestamp(k.CreatedAt), LastUsedAt: optionalTime(k.LastUsedAt), Current: k.ID == current}
}

func (s *server) listKeys(c *gin.Context) {
	var errs fieldErrors
	params := listParams(c, &errs)
	if err := errs.err("The list parameters are not valid."); err != nil {
		s.writeError(c, err)
		return
	}
	current, err := s.currentKeyID(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	fetch := func(p tripline.ListParams) ([]tripline.APIKey, error) {
		return s.Store.APIKeyList(c.Request.Context(), p)
	}
	idOf := func(k tripline.APIKey) string { return k.ID }
	render := func(k tripline.APIKey) (keyJSON, error) { return renderKey(k, current), nil }
	pg, err := listPage(params, fetch, idOf, render)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, pg)
}

// currentKeyID is the id of the key the request is made with (or that
// opened its UI session), among the workspace's keys; "" when none is.
func (s *server) currentKeyID(c *gin.Context) (string, error) {
	hash := c.GetString(ctxKeyHash)
	cursor := ""
	for {
		keys, err := s.Store.APIKeyList(c.Request.Context(), tripline.ListParams{WorkspaceID: workspaceID(c), Limit: maxLimit, Cursor: cursor})
		if err != nil {
			return "", err
		}
		for _, k := range keys {
			if hash != "" && k.Hash == hash {
				return k.ID, nil
			}
		}
		if len(keys) < maxLimit {
			return "", nil
		}
		cursor = keys[len(keys)-1].ID
	}
}

func (s *server) createKey(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var in keyInput
	if err := decodeStrict(body, &in, nil); err != nil {
		s.writeError(c, err)
		return
	}
	var errs fieldErrors
	name := checkName(&errs, "name", in.Name, true)
	if err := errs.err("The key is not valid; nothing was created."); err != nil {
		s.writeError(c, err)
		return
	}
	key := tripline.NewAPIKey()
	k := tripline.NewAPIKeyRecord(id.New(id.APIKey), workspaceID(c), key, name, s.now())
	if err := s.Store.APIKeyInsert(c.Request.Context(), k); err != nil {
		s.writeError(c, err)
		return
	}
	out := renderKey(k, "")
	out.Key = key
	c.Header("Location", "/v1/keys/"+k.ID)
	writeJSON(c, http.StatusCreated, out)
}

func (s *server) deleteKey(c *gin.Context) {
	kid := c.Param("id")
	current, err := s.currentKeyID(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if kid == current {
		s.writeError(c, &httpError{status: http.StatusConflict,
			detail: "This is the key this request is made with (or that opened your UI session): revoke it with another key, so that you are not locked out."})
		return
	}
	if err := s.Store.APIKeyDelete(c.Request.Context(), workspaceID(c), kid); err != nil {
		if errors.Is(err, tripline.ErrNotFound) {
			s.writeError(c, describe(err, "API key", kid))
			return
		}
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// keyTouches remembers when each key's use was last written, so that a key
// costs one write a minute at most (per process).
type keyTouches struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// touch writes the use of a key when it was not written in the last minute.
func (s *server) touchKey(c *gin.Context, hash string) {
	now := s.now()
	s.touches.mu.Lock()
	if s.touches.last == nil {
		s.touches.last = map[string]time.Time{}
	}
	due := now.Sub(s.touches.last[hash]) >= keyTouchEvery
	if due {
		s.touches.last[hash] = now
	}
	s.touches.mu.Unlock()
	if !due {
		return
	}
	if err := s.Store.APIKeyTouch(c.Request.Context(), tripline.APIKeyTouchParams{KeyHash: hash, At: now, Every: keyTouchEvery}); err != nil {
		s.Logger.WarnContext(c.Request.Context(), "record api key use", "error", err, "request_id", requestID(c))
	}
}
