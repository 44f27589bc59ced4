// Package store is Tripline's storage: the only package that knows gorm, SQL
// and the database drivers. One Store implements engine.Store (the ingest
// transaction), actions.Queue (the delivery queue) and api.Store (the
// repositories behind the REST API) on SQLite and on Postgres, with the same
// versioned migrations and the same conformance suite for both.
//
// # Databases
//
// Config.URL picks the database: "postgres://" or "postgresql://" is Postgres
// (pgx, a pool of 10 connections, read committed); anything else is a SQLite
// file ("" is ./tripline.db; "sqlite:PATH" and "file:…" URIs are accepted).
//
// SQLite runs in WAL mode with synchronous=NORMAL, foreign_keys on and a
// busy_timeout of 10 s. With WAL, NORMAL never corrupts the file and loses no
// committed transaction when the process crashes (what the delivery guarantee
// is about); a power loss or OS crash may roll back the transactions of the
// last moments before it, which FULL would keep at the price of an fsync per
// commit.
//
// # SQLite write concurrency
//
// SQLite has one writer at a time. A Store on SQLite keeps two pools on the
// same file: a write pool of exactly one connection whose transactions begin
// with BEGIN IMMEDIATE (_txlock=immediate), and a read pool of several
// connections opened with query_only. Every write (an API mutation, an ingest
// transaction, a claim by the delivery worker) waits for the write connection
// in database/sql's queue, in Go, instead of sleeping and retrying in
// SQLite's busy handler; a transaction never upgrades a read lock to a write
// lock, so SQLITE_BUSY_SNAPSHOT and lock-upgrade deadlocks cannot happen, and
// busy_timeout only matters for another process (tripline migrate, a second
// CLI) writing the same file. Reads outside a write transaction use the read
// pool and run in parallel with the writer, as WAL allows. DeliveryClaimDue
// looks for due work on the read pool first, so idle polls take no write lock.
//
// Measured on 2 cores (4 goroutines ingesting, a worker claiming and
// recording outcomes, API writes, 3 s each): this design had no errors, an
// ingest p99 of about 30 ms and a worst case of about 50 ms. One pool of 5
// connections all beginning with BEGIN IMMEDIATE had the same throughput
// within noise, no errors, but waits in SQLite's sleeping busy handler pushed
// the worst case to 0.6–2 s. The same pool with deferred transactions failed
// thousands of transactions with SQLITE_BUSY (a read lock that cannot be
// upgraded). gorm's PrepareStmt made no measurable difference and is off.
//
// The driver binds each parameter by a linear search over the arguments, so
// a statement's binding costs O(n²) in its parameters: on SQLite, batch
// statements carry at most 500 parameters (1,000 deliveries insert in about
// 70 ms instead of 330 ms with 16,000-parameter statements). The ingest
// inserts avoid the question: their rows are one JSON parameter on SQLite,
// one array parameter per column on Postgres (batchInsert).
//
// A consequence: inside the fn of IngestInTx, use only the IngestTx it is given.
// A call to a Store method that writes would wait for the write connection
// the transaction itself holds, until its context ends.
//
// # Schema
//
// Identifiers are the prefixed ULIDs of package id. Times are UTC with
// microsecond precision: timestamptz on Postgres, fixed-width text on SQLite
// ("2006-01-02 15:04:05.000000Z", whose byte order is time order). The queue
// columns deliveries.next_attempt_at and lease_until are int64 Unix
// milliseconds on both, so the claim query compares integers; a delivery's
// NextAttemptAt is therefore kept to the millisecond (truncated).
//
// The claim reads a partial index, deliveries_due_idx (next_attempt_at, id)
// WHERE status IN ('pending', 'failed'), in order and stops after its limit,
// whatever the backlog; deliveries_lease_idx (lease_until) WHERE status =
// 'sending' finds expired leases. The delivery log has indexes
// (workspace_id, id) and (workspace_id, endpoint_id | rule_id | contact_id,
// id) for its filters, newest first, and (endpoint_id, status) for
// EndpointStats and for pausing and resuming an endpoint's deliveries.
//
// No index is on a time column of the tables every delivery writes
// (deliveries.created_at, attempts.at, trigger_events.created_at; migration
// 0009 dropped them): an id's first 48 bits are the millisecond its row was
// made in, so "made since T" is a range of the primary key or of
// (workspace_id, id), bounded with id.MinAt (idrange.go). Retention deletes
// by id ranges; DeliveryStats reads a range of hours through (workspace_id,
// id) and buckets it by created_at (the UTC hour is the first 13 characters
// of the SQLite text, date_trunc of the UTC time on Postgres); the since
// filters of DeliveryList and EndpointRecover bound the id and check
// created_at.
//
// JSON documents (contact state, trigger events, a rule's trigger, actions and
// frequency, endpoint headers and retry schedules, message payloads) are text
// columns: a payload is kept byte for byte as it was signed.
//
// A delivery's message (payload and headers) lives in delivery_messages,
// written once; status updates rewrite only the narrow deliveries row.
// Deliveries have no foreign key to endpoints or rules: deleting an endpoint
// keeps its deliveries and attempts for the log (its unsent ones become
// discarded).
//
// On Postgres the rows the hot path writes have no foreign keys either
// (migration 0009): messages and attempts to their delivery, and
// deliveries, trigger events, contacts, event keys and rule fires to their
// workspace. Each check cost an index lookup and a FOR KEY SHARE lock on the
// parent row, a WAL record, on every insert, and their cascades never ran:
// deliveries and workspaces are never deleted (retention deletes messages,
// attempts and trigger events). A message is inserted with its delivery and
// the attempts INSERT skips deliveries that are not there, so nothing is
// orphaned; code that one day deletes a delivery or a workspace must delete
// their rows itself. SQLite keeps these foreign keys, whose checks are cheap
// there (no row locks), and which it could drop only by rebuilding the
// tables.
//
// Every folder and rule change, and every endpoint deletion, increments
// workspaces.rules_version in the same transaction, so that rule caches on
// every instance notice it.
//
// # Errors
//
// Errors are translated at the edge: a missing row is tripline.ErrNotFound; a
// unique or foreign-key violation, a Postgres serialization failure or
// deadlock, and SQLITE_BUSY are tripline.ErrConflict, which the caller of
// IngestInTx may retry. A database that cannot be reached or cannot take the
// work (connection refused or dropped, SQLSTATE 57P01, 57P02, 57P03, 53300 or
// class 08, SQLITE_BUSY past the busy timeout) is tripline.ErrUnavailable,
// translated by a gorm callback after every statement as well as by the
// methods. No gorm type or error leaves the package.
package store
