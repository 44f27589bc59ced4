package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	tripline "github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/lifecycle"
)

var (
	_ engine.Store  = (*Store)(nil)
	_ actions.Queue = (*Store)(nil)

	_ Sealer = (*actions.SecretBox)(nil)
)

// The dialects a Store speaks, as Dialect returns them.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Sealer encrypts endpoint secrets at rest: Seal before a secret is written,
// Open after it is read. actions.SecretBox is one.
type Sealer interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
}

// Config configures Open.
type Config struct {
	// URL selects the database. "postgres://…" or "postgresql://…" is Postgres
	// (its query may set search_path and other run-time parameters). Anything
	// else is a SQLite file: a path, "sqlite:PATH", or a "file:…" URI.
	// Default: "tripline.db" in the working directory.
	URL string

	// Logger receives slow-query warnings. Default: slog.Default().
	Logger *slog.Logger

	// Secrets seals endpoint secrets at rest. nil stores them in plaintext,
	// which is for tests only.
	Secrets Sealer

	// Now is the clock, for created_at and similar stamps. Default: time.Now.
	Now func() time.Time

	// SlowQuery is the duration from which a statement is logged at warn
	// level, without its arguments. Default: 500ms.
	SlowQuery time.Duration
}

// Store is Tripline's storage on SQLite or Postgres. It is safe for
// concurrent use. Open one with Open; close it with Close.
type Store struct {
	db      *gorm.DB // writes and write transactions (SQLite: one connection)
	read    *gorm.DB // reads outside transactions (SQLite: a query_only pool; Postgres: db)
	dialect string
	log     *slog.Logger
	secrets Sealer
	clock   func() time.Time
	url     string // for the LISTEN connection (Postgres)
	channel string // the deliveries notification channel (Postgres)

	maxParams int // bind parameters per statement

	outage *lifecycle.Outage // logs each outage of the database once

	onDisabled atomic.Pointer[actions.EndpointDisabledObserver] // see OnEndpointDisabled
}

// Open connects to the database that cfg.URL names and checks that it answers.
// It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s := &Store{
		log:     cmp.Or(cfg.Logger, slog.Default()),
		secrets: cfg.Secrets,
		clock:   cfg.Now,
		url:     cfg.URL,
	}
	s.outage = lifecycle.NewOutage(s.log, "database", nil)
	if s.clock == nil {
		s.clock = time.Now
	}
	gcfg := func() *gorm.Config {
		return &gorm.Config{
			Logger:                 &gormLogger{log: s.log, slow: cmp.Or(cfg.SlowQuery, 500*time.Millisecond)},
			SkipDefaultTransaction: true, // every write here is one statement or an explicit transaction
			NowFunc:                func() time.Time { return s.now() },
		}
	}

	var err error
	if isPostgres(cfg.URL) {
		s.dialect = DialectPostgres
		s.maxParams = maxParamsPostgres
		s.db, err = gorm.Open(postgres.Open(cfg.URL), gcfg())
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", translate(err))
		}
		sqlDB, err := s.db.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Sized for 2 cores: a few API requests, the worker and the scheduler at once.
		sqlDB.SetMaxOpenConns(10)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		sqlDB.SetConnMaxLifetime(time.Hour)
		s.read = s.db
	} else {
		s.dialect = DialectSQLite
		s.maxParams = maxParamsSQLite
		path, query, memory := sqliteTarget(cfg.URL)
		if s.db, err = openSQLite(path, query, true, 1, gcfg()); err != nil {
			return nil, err
		}
		s.read = s.db // an in-memory database lives in its one connection
		if !memory {
			if s.read, err = openSQLite(path, query, false, 4, gcfg()); err != nil {
				_ = s.Close()
				return nil, err
			}
		}
	}
	for _, db := range []*gorm.DB{s.db, s.read} {
		if err := s.registerErrorCallbacks(db); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open store: %w", err)
		}
		if s.read == s.db {
			break
		}
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if s.dialect == DialectPostgres {
		var schema string
		if err := s.db.WithContext(ctx).Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open store: %w", err)
		}
		s.channel = channelFor(schema)
	}
	return s, nil
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// sqliteTarget splits a SQLite URL into the driver's file name and the query
// string it already carries.
func sqliteTarget(u string) (name, query string, memory bool) {
	u = cmp.Or(u, "tripline.db")
	u = strings.TrimPrefix(u, "sqlite://")
	u = strings.TrimPrefix(u, "sqlite:")
	name, query, _ = strings.Cut(u, "?")
	memory = name == ":memory:" || name == "file::memory:" || strings.Contains(query, "mode=memory")
	return name, query, memory
}

// openSQLite opens one pool on a SQLite file. The write pool begins its
// transactions with BEGIN IMMEDIATE; the read pool refuses writes.
func openSQLite(name, query string, writer bool, conns int, gcfg *gorm.Config) (*gorm.DB, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	for _, p := range []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"foreign_keys(1)",
		"cache_size(-16000)", // 16 MiB per connection
		// Statement journals (a multi-row statement inside a transaction
		// keeps one, to undo itself alone) in memory rather than in a
		// temporary file: they were a tenth of the CPU time, in write calls.
		"temp_store(MEMORY)",
	} {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	db, err := gorm.Open(sqlite.Open(name+"?"+q.Encode()), gcfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", name, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", name, err)
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	return db, nil
}

// Dialect returns DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Close closes every connection.
func (s *Store) Close() error {
	var errs []error
	for i, db := range []*gorm.DB{s.db, s.read} {
		if db == nil || (i == 1 && s.read == s.db) {
			continue
		}
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Ping checks that the database answers, on every pool.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range []*gorm.DB{s.db, s.read} {
		sqlDB, err := db.DB()
		if err != nil {
			return fmt.Errorf("ping: %w", err)
		}
		err = sqlDB.PingContext(ctx)
		s.observe(ctx, err)
		if err != nil {
			return fmt.Errorf("ping: %w", translate(err))
		}
		if s.read == s.db {
			break
		}
	}
	return nil
}

// now is the store's clock in UTC, at the precision the database keeps.
func (s *Store) now() time.Time {
	return s.clock().UTC().Truncate(time.Microsecond)
}

// writeTx runs fn in a write transaction and translates its error.
func (s *Store) writeTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	err := translate(s.db.WithContext(ctx).Transaction(fn))
	if errors.Is(err, tripline.ErrUnavailable) {
		s.observe(ctx, err) // BEGIN and COMMIT are no statements of gorm's
	}
	return err
}

// gormLogger hands gorm's slow-query warnings to slog, without arguments (they
// may hold payloads and secrets). Errors are not logged: they are returned.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func (l *gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *gormLogger) Info(context.Context, string, ...any)     {}
func (l *gormLogger) Error(context.Context, string, ...any)    {}
func (l *gormLogger) Warn(ctx context.Context, msg string, a ...any) {
	l.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, a...))
}

func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	elapsed := time.Since(begin)
	if elapsed < l.slow {
		return
	}
	sql, rows := fc()
	if len(sql) > 2000 {
		sql = sql[:2000] + "…"
	}
	l.log.WarnContext(ctx, "slow query", "duration_ms", elapsed.Milliseconds(), "rows", rows, "sql", sql)
}

// ParamsFilter keeps arguments out of logged SQL.
func (l *gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
