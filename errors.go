// Package tripline is the vocabulary every part of Tripline shares: the
// tenancy (workspaces, API keys and their hashing, UI sessions), REST-hook
// subscriptions, list and filter params, and the kinds of error callers
// branch on. It imports nothing of the project, so that every package may
// import it. The rest of the domain lives in triggers (contacts, events),
// engine (rules) and actions (endpoints, deliveries); storage in store; HTTP
// in api; wiring in cmd/tripline. See docs/adr/0007-domain-package.md.
package tripline

import "errors"

// Errors that callers branch on. Storage translates its drivers' errors into
// these at its edge; the API maps them to HTTP statuses in one place.
var (
	// ErrNotFound: no such object in this workspace.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change contradicts what is stored (a duplicate key, an
	// object still in use).
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the database cannot be reached or cannot take the
	// work now (connection refused, server shutting down or starting, no
	// free connection, a lock held past the busy timeout). It is not a bug:
	// the same call succeeds once the database is back; the API answers 503
	// with Retry-After.
	ErrUnavailable = errors.New("database unavailable")
)

// StateError says why an object's state refuses an operation; the API
// answers it 409 with Detail.
type StateError struct{ Detail string }

func (e *StateError) Error() string { return e.Detail }

// ValidationError is bad input, field by field. The API answers it with a 400
// whose errors[] lists Fields.
type ValidationError struct {
	Detail string
	Fields []FieldError
}

// FieldError is one problem with one input field. Field is a JSON path such as
// "events[3].tag" or "actions[0].endpoint_id"; Line and Column (1-based) point
// into an expression when the problem is in one.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return e.Detail
	}
	msg := e.Fields[0].Field + ": " + e.Fields[0].Message
	if e.Detail != "" {
		msg = e.Detail + ": " + msg
	}
	return msg
}

// Invalid returns a ValidationError for one field.
func Invalid(field, message string) *ValidationError {
	return &ValidationError{Detail: "invalid input", Fields: []FieldError{{Field: field, Message: message}}}
}
