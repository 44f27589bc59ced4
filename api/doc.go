// Package api is Tripline's HTTP interface: the REST API of SPEC section 9
// under /v1, the health probes (/healthz, /readyz), the OpenAPI document
// (/openapi.json, from api/openapi), the Prometheus metrics when configured,
// and the embedded web UI (api/ui, served by ui.go with the cookie sessions of
// session.go).
//
// New returns an http.Handler built on gin. Everything the handlers need from
// the rest of Tripline comes in through Config: the Store (declared in
// store.go, implemented by package store), the Ingester (engine.Pipeline), and
// optional parts with defaults: the clock, rule validation, secret
// generation, the SSRF check of endpoint URLs, the sender of test attempts,
// the metrics handler and the worker's wake-up (OnRequeue).
//
// Conventions every handler follows:
//
//   - Requests are authenticated with "Authorization: Bearer <api key>"; the
//     key is looked up by its hex SHA-256 (tripline.HashKey) and every store call is
//     scoped to the key's workspace, so an id of another workspace is a 404.
//     The web UI signs in with a key once and then uses a session cookie
//     instead; with a cookie, unsafe methods also need the CSRF token.
//   - Bodies are decoded strictly (decode.go): at most 1 MiB (413), unknown
//     fields rejected by name and path, syntax errors with line and column.
//   - Every error goes through one mapper, writeError (problem.go), and leaves
//     as RFC 9457 application/problem+json.
//   - Creating takes the writable fields of a resource; server-set fields (ids,
//     timestamps, secrets, stats) are "read-only" and rejected. PATCH takes any
//     subset of the writable fields: each top-level field sent replaces the
//     stored one (null sets its empty value), then the whole object is
//     validated again.
//   - Lists are cursor-paginated: ?limit= (1 to 200, default 50) and ?cursor=
//     answer {"data": [...], "next_cursor": "..." or null}.
//   - Times are RFC 3339 in UTC with milliseconds; absent optional values are
//     null.
package api
