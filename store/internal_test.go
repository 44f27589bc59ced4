package store

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	tripline "github.com/tripline/tripline"
	"gorm.io/gorm"
)

func TestSQLiteTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, name, query string
		memory           bool
	}{
		{"", "tripline.db", "", false},
		{"data/t.db", "data/t.db", "", false},
		{"/var/lib/tripline/t.db", "/var/lib/tripline/t.db", "", false},
		{"sqlite:t.db", "t.db", "", false},
		{"sqlite:///var/t.db", "/var/t.db", "", false},
		{"file:t.db?cache=private", "file:t.db", "cache=private", false},
		{":memory:", ":memory:", "", true},
		{"file::memory:", "file::memory:", "", true},
		{"file:x?mode=memory&cache=shared", "file:x", "mode=memory&cache=shared", true},
	} {
		name, query, memory := sqliteTarget(tc.url)
		if name != tc.name || query != tc.query || memory != tc.memory {
			t.Errorf("sqliteTarget(%q) = %q, %q, %v; want %q, %q, %v", tc.url, name, query, memory, tc.name, tc.query, tc.memory)
		}
	}
	for _, u := range []string{"postgres://h/db", "postgresql://h/db"} {
		if !isPostgres(u) {
			t.Errorf("isPostgres(%q) = false", u)
		}
	}
}

// TestTimestampTextSortsAsTime checks what SQLite relies on: the stored text
// of timestamps sorts as the times do.
func TestTimestampTextSortsAsTime(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []time.Time{
		base, base.Add(time.Microsecond), base.Add(500 * time.Millisecond), base.Add(time.Second),
		base.Add(-time.Microsecond), time.Time{}, time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2026, 1, 1, 1, 0, 0, 0, time.FixedZone("+01", 3600)), // equals base
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		times = append(times, base.Add(time.Duration(r.Int64N(int64(100*365*24*time.Hour)))-50*365*24*time.Hour))
	}
	texts := make([]string, len(times))
	for i, tm := range times {
		v, err := ts(tm).Value()
		if err != nil {
			t.Fatal(err)
		}
		texts[i] = v.(string)
		if len(texts[i]) != len(timeLayout) {
			t.Fatalf("%v is written %q: not fixed width", tm, texts[i])
		}
		var back timestamp
		if err := back.Scan(texts[i]); err != nil || !back.Equal(tm.Truncate(time.Microsecond)) {
			t.Fatalf("%q scans back as %v, %v; want %v", texts[i], back.Time, err, tm)
		}
	}
	for i := range times {
		for j := range times {
			a, b := times[i].Truncate(time.Microsecond), times[j].Truncate(time.Microsecond)
			if got, want := strings.Compare(texts[i], texts[j]), a.Compare(b); got != want {
				t.Fatalf("text order of %q and %q is %d, time order %d", texts[i], texts[j], got, want)
			}
		}
	}
}

func TestTimestampScansDriverValues(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	for _, v := range []any{
		want.In(time.FixedZone("x", -3600)),
		"2026-11-22 10:00:00.123456Z",
		[]byte("2026-11-22T10:00:00.123456Z"),
		"2026-11-22 11:00:00.123456+01:00",
	} {
		var got timestamp
		if err := got.Scan(v); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Scan(%#v) = %v, %v; want %v in UTC", v, got.Time, err, want)
		}
	}
	var got timestamp
	if err := got.Scan(42); err == nil {
		t.Error("Scan(42) succeeded")
	}
}

type fakePgError struct{ code string }

func (e *fakePgError) Error() string    { return "pg " + e.code }
func (e *fakePgError) SQLState() string { return e.code }

type fakeSQLiteError struct{ code int }

func (e *fakeSQLiteError) Error() string { return fmt.Sprint("sqlite ", e.code) }
func (e *fakeSQLiteError) Code() int     { return e.code }

func TestTranslate(t *testing.T) {
	t.Parallel()
	other := errors.New("connection refused")
	for _, tc := range []struct {
		err  error
		want error
	}{
		{&fakePgError{"23505"}, tripline.ErrConflict},
		{&fakePgError{"23503"}, tripline.ErrConflict},
		{&fakePgError{"40001"}, tripline.ErrConflict},
		{&fakePgError{"40P01"}, tripline.ErrConflict},
		{fmt.Errorf("wrapped: %w", &fakePgError{"23505"}), tripline.ErrConflict},
		{&fakePgError{"42P01"}, nil},                  // undefined table: not a conflict
		{&fakeSQLiteError{5}, tripline.ErrConflict},   // SQLITE_BUSY
		{&fakeSQLiteError{517}, tripline.ErrConflict}, // SQLITE_BUSY_SNAPSHOT
		{&fakeSQLiteError{2067}, tripline.ErrConflict},
		{&fakeSQLiteError{1555}, tripline.ErrConflict},
		{&fakeSQLiteError{787}, tripline.ErrConflict},
		{&fakeSQLiteError{1299}, nil}, // NOT NULL: a bug, not a conflict
		{other, nil},
		{gorm.ErrRecordNotFound, tripline.ErrNotFound},
		// Connection-level errors: the database is unavailable, not a bug.
		{&fakePgError{"57P01"}, tripline.ErrUnavailable}, // admin shutdown
		{&fakePgError{"57P02"}, tripline.ErrUnavailable},
		{&fakePgError{"57P03"}, tripline.ErrUnavailable}, // starting up or shutting down
		{&fakePgError{"53300"}, tripline.ErrUnavailable}, // too many connections
		{&fakePgError{"08006"}, tripline.ErrUnavailable},
		{fmt.Errorf("authenticate: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), tripline.ErrUnavailable},
		{fmt.Errorf("query: %w", io.ErrUnexpectedEOF), tripline.ErrUnavailable},
		{driver.ErrBadConn, tripline.ErrUnavailable},
		{&fakeSQLiteError{5}, tripline.ErrUnavailable},   // SQLITE_BUSY past the busy timeout
		{&fakeSQLiteError{262}, tripline.ErrUnavailable}, // SQLITE_LOCKED_SHAREDCACHE
	} {
		got := translate(tc.err)
		switch {
		case tc.want == nil && got != tc.err:
			t.Errorf("translate(%v) = %v, want it unchanged", tc.err, got)
		case tc.want != nil && !errors.Is(got, tc.want):
			t.Errorf("translate(%v) = %v, want %v", tc.err, got, tc.want)
		}
		if errors.Is(got, gorm.ErrRecordNotFound) {
			t.Errorf("translate(%v) leaks gorm.ErrRecordNotFound", tc.err)
		}
	}
	for _, err := range []error{&fakePgError{"23505"}, &fakePgError{"42P01"}, &fakeSQLiteError{2067}, other} {
		if errors.Is(translate(err), tripline.ErrUnavailable) {
			t.Errorf("translate(%v) is ErrUnavailable", err)
		}
	}
	if translate(nil) != nil {
		t.Error("translate(nil) != nil")
	}
	if err := notFound(gorm.ErrRecordNotFound, "rule %s", "rul_1"); !errors.Is(err, tripline.ErrNotFound) || errors.Is(err, gorm.ErrRecordNotFound) || err.Error() != "rule rul_1: not found" {
		t.Errorf("notFound = %v", err)
	}
}

func TestSlowQueriesAreLoggedWithoutArguments(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s, err := Open(t.Context(), Config{
		URL:       t.TempDir() + "/t.db",
		Logger:    slog.New(slog.NewTextHandler(&buf, nil)),
		SlowQuery: time.Nanosecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if _, err := s.WorkspaceGetByName(context.Background(), "secret-name"); !errors.Is(err, tripline.ErrNotFound) {
		t.Fatalf("WorkspaceGetByName: %v", err)
	}
	out := buf.String()
	if !strings.Contains(out, "slow query") || !strings.Contains(out, "level=WARN") {
		t.Fatalf("no slow query warning in %q", out)
	}
	if strings.Contains(out, "secret-name") {
		t.Fatalf("an argument leaked into the log: %q", out)
	}
	// Errors are returned, not logged.
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, "not found") {
		t.Fatalf("an error was logged: %q", out)
	}
}

func TestInMemorySQLite(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), Config{URL: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WorkspaceCreate(t.Context(), "default"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.WorkspaceCount(t.Context()); err != nil || n != 1 {
		t.Fatalf("WorkspaceCount = %d, %v", n, err)
	}
}

// TestOpenUnreachable: a Postgres that refuses connections is
// tripline.ErrUnavailable, as the driver reports it (not a fake error).
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	_, err = Open(context.Background(), Config{URL: "postgres://postgres@" + addr + "/test?sslmode=disable&connect_timeout=5"})
	if !errors.Is(err, tripline.ErrUnavailable) {
		t.Fatalf("Open(refused) = %v, want ErrUnavailable", err)
	}
}
