package store

import (
	"errors"
	"fmt"

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
)

// translate maps a driver error to the errors callers branch on: a constraint
// violation, a serialization failure, a deadlock or a busy database becomes
// tripline.ErrConflict (with the driver's message kept in the chain). Other
// errors, and errors already translated, are returned as they are.
// gorm.ErrRecordNotFound must be handled by the caller, which knows what was
// not found.
func translate(err error) error {
	if err == nil || errors.Is(err, tripline.ErrConflict) || errors.Is(err, tripline.ErrNotFound) {
		return err
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
		switch code := lite.Code(); {
		case code&0xff == sqliteBusy, code&0xff == sqliteLocked:
			return true
		case code == sqliteConstraintUnique, code == sqliteConstraintPrimaryKey, code == sqliteConstraintForeignKey:
			return true
		}
	}
	return false
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
