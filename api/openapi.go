package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/api/openapi"
)

// openAPIHandler serves GET /openapi.json: the document of package openapi,
// without authentication, so that tools (Zapier, Make, code generators) can
// read it before they hold a key.
func openAPIHandler() (gin.HandlerFunc, error) {
	doc, err := openapi.Document()
	if err != nil {
		return nil, fmt.Errorf("api: openapi document: %w", err)
	}
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json", doc)
	}, nil
}
