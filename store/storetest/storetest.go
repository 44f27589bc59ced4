// Package storetest gives tests real, fresh, migrated stores: a SQLite file in
// the test's temporary directory, and, when TRIPLINE_TEST_DATABASE_URL names
// a Postgres database, a schema of its own in that database, dropped when the
// test ends. Other packages' end-to-end tests use it to run against both.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up

	"github.com/tripline/tripline/store"
)

// EnvDatabaseURL names the variable holding the Postgres URL tests use.
const EnvDatabaseURL = "TRIPLINE_TEST_DATABASE_URL"

// Dialects returns the dialects tests can run on: "sqlite" always, and
// "postgres" when TRIPLINE_TEST_DATABASE_URL is set.
func Dialects(t testing.TB) []string {
	t.Helper()
	if os.Getenv(EnvDatabaseURL) == "" {
		return []string{store.DialectSQLite}
	}
	return []string{store.DialectSQLite, store.DialectPostgres}
}

// Open returns a fresh, migrated store of dialect ("sqlite" or "postgres"),
// closed (and its Postgres schema dropped) when the test ends. It skips the
// test for Postgres when TRIPLINE_TEST_DATABASE_URL is unset. Its clock is
// time.Now and endpoint secrets are stored in plaintext.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	return OpenConfig(t, dialect, store.Config{})
}

// OpenConfig is Open with cfg's Logger, Secrets, Now and SlowQuery; its URL
// is replaced.
func OpenConfig(t testing.TB, dialect string, cfg store.Config) *store.Store {
	t.Helper()
	switch dialect {
	case store.DialectSQLite:
		cfg.URL = filepath.Join(t.TempDir(), "tripline.db")
	case store.DialectPostgres:
		cfg.URL = PostgresURL(t)
	default:
		t.Fatalf("storetest: unknown dialect %q", dialect)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", dialect, err)
	}
	return s
}

// PostgresURL returns TRIPLINE_TEST_DATABASE_URL with its search_path set to
// a new, empty schema that is dropped when the test ends (nothing is
// migrated: a process given this URL migrates it itself). It skips the test
// when the variable is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skipf("storetest: %s is not set", EnvDatabaseURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "tl_test_" + hex.EncodeToString(b)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	// Cleanups run last first: a store opened on the URL after this call is
	// closed, then the schema dropped, then admin closed.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
