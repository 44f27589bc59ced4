package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	tripline "github.com/tripline/tripline"
)

// SQLite result codes (https://sqlite.org/rescode.html); the driver turns
// extended codes on.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// Postgres SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
	pgTooManyConnections   = "53300"
	pgAdminShutdown        = "57P01"
	pgCrashShutdown        = "57P02"
	pgCannotConnectNow     = "57P03" // starting up or shutting down
	pgConnectionException  = "08"    // the class: 08000, 08003, 08006, …
)

// translate maps a driver error to the errors callers branch on: a constraint
// violation, a serialization failure or a deadlock becomes
// tripline.ErrConflict; a database that cannot be reached or cannot take the
// work now becomes tripline.ErrUnavailable (see isUnavailable); a busy or
// locked SQLite database is both (the driver waited its busy timeout, so a
// caller retrying a conflict may still, and the API answers 503). The
// driver's message is kept in the chain. Other errors, and errors already
// translated, are returned as they are. gorm.ErrRecordNotFound must be
// handled by the caller, which knows what was not found.
func translate(err error) error {
	if err == nil || errors.Is(err, tripline.ErrConflict) || errors.Is(err, tripline.ErrNotFound) || errors.Is(err, tripline.ErrUnavailable) {
		return err
	}
	if isSQLiteBusy(err) {
		return fmt.Errorf("%w: %w: %w", tripline.ErrUnavailable, tripline.ErrConflict, err)
	}
	if isUnavailable(err) {
		return fmt.Errorf("%w: %w", tripline.ErrUnavailable, err)
	}
	if isConflict(err) {
		return fmt.Errorf("%w: %w", tripline.ErrConflict, err)
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// A caller forgot to say what was not found; still never leak gorm.
		return fmt.Errorf("%w: %v", tripline.ErrNotFound, err)
	}
	return err
}

func isConflict(err error) bool {
	var pg interface{ SQLState() string } // *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.SQLState() {
		case pgUniqueViolation, pgForeignKeyViolation, pgSerializationFailure, pgDeadlockDetected, pgLockNotAvailable:
			return true
		}
		return false
	}
	var lite interface{ Code() int } // *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey, sqliteConstraintForeignKey:
			return true
		}
	}
	return false
}

// isSQLiteBusy reports a SQLITE_BUSY or SQLITE_LOCKED past the busy timeout.
func isSQLiteBusy(err error) bool {
	var lite interface{ Code() int } // *sqlite.Error
	if errors.As(err, &lite) {
		code := lite.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked
	}
	return false
}

// isUnavailable reports an error of the connection rather than of the
// statement: the server refused or dropped the connection, is shutting down
// or starting (57P01, 57P02, 57P03), has no free connection (53300), any
// SQLSTATE of class 08, or pgx failed before it sent anything (a connect
// error, a closed connection).
func isUnavailable(err error) bool {
	var pg interface{ SQLState() string } // *pgconn.PgError
	if errors.As(err, &pg) {
		switch code := pg.SQLState(); {
		case code == pgAdminShutdown, code == pgCrashShutdown, code == pgCannotConnectNow, code == pgTooManyConnections:
			return true
		case strings.HasPrefix(code, pgConnectionException):
			return true
		}
		return false
	}
	var connect *pgconn.ConnectError
	var netErr *net.OpError
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr), pgconn.SafeToRetry(err):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// afterStatement runs after every statement gorm runs, in a transaction or
// not: it translates connection errors, so that no store method can let one
// through as an unknown error (which the API would answer 500), and keeps
// the outage log (one WARN when the database goes away, one INFO when a
// statement succeeds again). Other errors are left to the methods, which
// know what was not found or what conflicted.
func (s *Store) afterStatement(db *gorm.DB) {
	s.observe(db.Statement.Context, db.Error)
	if db.Error != nil && !errors.Is(db.Error, tripline.ErrUnavailable) && (isUnavailable(db.Error) || isSQLiteBusy(db.Error)) {
		db.Error = translate(db.Error)
	}
}

// observe tells the outage log how a call to the database went.
func (s *Store) observe(ctx context.Context, err error) {
	switch {
	case err == nil:
		s.outage.OK(ctx)
	case errors.Is(err, tripline.ErrUnavailable), isUnavailable(err), isSQLiteBusy(err):
		s.outage.Failed(ctx, err)
	}
}

// registerErrorCallbacks installs afterStatement after every kind of
// statement gorm runs.
func (s *Store) registerErrorCallbacks(db *gorm.DB) error {
	cb := db.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("*").Register("tripline:unavailable", s.afterStatement),
		"query":  cb.Query().After("*").Register("tripline:unavailable", s.afterStatement),
		"update": cb.Update().After("*").Register("tripline:unavailable", s.afterStatement),
		"delete": cb.Delete().After("*").Register("tripline:unavailable", s.afterStatement),
		"row":    cb.Row().After("*").Register("tripline:unavailable", s.afterStatement),
		"raw":    cb.Raw().After("*").Register("tripline:unavailable", s.afterStatement),
	} {
		if err != nil {
			return fmt.Errorf("register %s callback: %w", name, err)
		}
	}
	return nil
}

// notFound returns err, or a tripline.ErrNotFound naming what when err says
// no row was found.
func notFound(err error, what string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(what, args...), tripline.ErrNotFound)
	}
	return translate(err)
}

// errNotFound returns a tripline.ErrNotFound naming what.
func errNotFound(what string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(what, args...), tripline.ErrNotFound)
}
