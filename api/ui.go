package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/api/ui"
)

// uiRoutePrefixes are the paths of the web UI, which are not part of the
// API and so not in the OpenAPI document (TestOpenAPIRoutes skips them).
var uiRoutePrefixes = []string{"/ui/", "/assets/"}

// IsUIRoute reports whether a route path belongs to the web UI.
func IsUIRoute(p string) bool {
	if p == "/" {
		return true
	}
	for _, prefix := range uiRoutePrefixes {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// contentSecurityPolicy allows the UI's own files only: no inline script or
// style, no other origin, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is an embedded UI file with its ETag.
type asset struct {
	body []byte
	etag string
}

func (s *server) uiRoutes(r *gin.Engine) error {
	assets := map[string]asset{}
	err := fs.WalkDir(ui.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(ui.Files(), p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		assets[p] = asset{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ui files: %w", err)
	}
	if _, ok := assets["index.html"]; !ok {
		return fmt.Errorf("ui files: no index.html")
	}
	serve := func(c *gin.Context, name string) {
		a, ok := assets[name]
		if !ok {
			s.writeError(c, &httpError{status: http.StatusNotFound, detail: "There is no UI file " + c.Request.URL.Path + "; the UI starts at /."})
			return
		}
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		// Revalidate every time: an upgrade of the binary shows at once.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(c.Writer, c.Request, name, time.Time{}, bytes.NewReader(a.body))
	}
	r.GET("/", func(c *gin.Context) { serve(c, "index.html") })
	r.GET("/assets/*file", func(c *gin.Context) {
		name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
		if name == "index.html" {
			name = "" // served at / only
		}
		serve(c, name)
	})
	r.POST("/ui/session", s.signIn)
	r.GET("/ui/session", s.getSession)
	r.DELETE("/ui/session", s.signOut)
	return nil
}
