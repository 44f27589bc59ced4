package api

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline"
)

// Page sizes of lists.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// page is the answer of every list.
type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"` // null on the last page
}

// listPage fetches and renders one page of a list. It asks fetch for one item more than the limit: if it comes, there
// is a next page, whose cursor is the id of the page's last item.
func listPage[M, R any](params tripline.ListParams, fetch func(tripline.ListParams) ([]M, error), idOf func(M) string, render func(M) (R, error)) (page[R], error) {
	params.Limit++
	items, err := fetch(params)
	if err != nil {
		return page[R]{}, err
	}
	p := page[R]{Data: make([]R, 0, min(len(items), params.Limit-1))}
	if len(items) >= params.Limit {
		items = items[:params.Limit-1]
		next := idOf(items[len(items)-1])
		p.NextCursor = &next
	}
	for _, m := range items {
		r, err := render(m)
		if err != nil {
			return page[R]{}, err
		}
		p.Data = append(p.Data, r)
	}
	return p, nil
}

// listParams reads ?limit= and ?cursor= for the authenticated workspace.
func listParams(c *gin.Context, errs *fieldErrors) tripline.ListParams {
	p := tripline.ListParams{WorkspaceID: workspaceID(c), Limit: defaultLimit, Cursor: c.Query("cursor")}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			errs.add("limit", fmt.Sprintf("must be a whole number from 1 to %d", maxLimit))
		}
		p.Limit = n
	}
	return p
}

// fieldErrors collects problems with several fields before answering once.
type fieldErrors []tripline.FieldError

func (e *fieldErrors) add(field, message string) {
	*e = append(*e, tripline.FieldError{Field: field, Message: message})
}

// err returns the collected problems as a *tripline.ValidationError, or nil.
func (e fieldErrors) err(detail string) error {
	if len(e) == 0 {
		return nil
	}
	return &tripline.ValidationError{Detail: detail, Fields: e}
}

// timestamp marshals a time as RFC 3339 in UTC with milliseconds,
// "2026-11-22T10:00:00.000Z".
type timestamp time.Time

const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON implements json.Marshaler.
func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(timestampLayout) + `"`), nil
}

// optionalTime is nil (JSON null) for a nil or zero time.
func optionalTime(t *time.Time) *timestamp {
	if t == nil || t.IsZero() {
		return nil
	}
	ts := timestamp(*t)
	return &ts
}

// optional is nil (JSON null) for a zero value.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// orEmpty is s, or an empty slice (JSON []) when s is nil.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// orEmptyMap is m, or an empty map (JSON {}) when m is nil.
func orEmptyMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}
