package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tripline/tripline"
	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/api"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/id"
	"github.com/tripline/tripline/metrics"
	"github.com/tripline/tripline/store"
)

// Version is Tripline's version, set at build time with
// -ldflags "-X main.Version=…".
var Version = "0.1.0-dev"

// DefaultWorkspace is the workspace created on an empty database.
const DefaultWorkspace = "default"

// config is what the command line and the environment configure. Every flag
// has an environment variable of the same meaning: --database-url is
// TRIPLINE_DATABASE_URL.
type config struct {
	Addr            string        // TRIPLINE_ADDR, default ":8080"
	DatabaseURL     string        // TRIPLINE_DATABASE_URL, default "tripline.db" (SQLite)
	SecretKey       string        // TRIPLINE_SECRET_KEY; generated beside the SQLite file when empty
	BootstrapAPIKey string        // TRIPLINE_BOOTSTRAP_API_KEY
	LogFormat       string        // TRIPLINE_LOG_FORMAT: text or json
	ShutdownTimeout time.Duration // TRIPLINE_SHUTDOWN_TIMEOUT, default 20s
	ClaimLease      time.Duration // TRIPLINE_CLAIM_LEASE; 0 means the worker's default
	SchedulerPoll   time.Duration // TRIPLINE_SCHEDULER_POLL, default 30s (the most)

	AllowPrivateDestinations bool   // TRIPLINE_ALLOW_PRIVATE_DESTINATIONS: turn the SSRF guard off
	AllowedDestinations      string // TRIPLINE_ALLOWED_DESTINATIONS: CIDRs the SSRF guard lets through
	RequireHTTPS             bool   // TRIPLINE_REQUIRE_HTTPS: refuse http:// destinations

	Retention   retention     // TRIPLINE_RETENTION, default 720h (30 days)
	SecretGrace time.Duration // TRIPLINE_SECRET_ROTATION_GRACE, default 24h
	PublicURL   string        // TRIPLINE_PUBLIC_URL, default: the address each request came to
}

func (c *config) databaseFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", "tripline.db", "SQLite file path, or postgres://… URL")
	fs.StringVar(&c.SecretKey, "secret-key", "", "key that encrypts endpoint secrets at rest (required with Postgres)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
}

func (c *config) serveFlags(fs *flag.FlagSet) {
	c.databaseFlags(fs)
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.BootstrapAPIKey, "bootstrap-api-key", "", "create the default workspace with this API key if absent")
	durationFlag(fs, &c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests and deliveries may finish on shutdown")
	durationFlag(fs, &c.SchedulerPoll, "scheduler-poll", engine.MaxSchedulerPoll, "how often the datetime-trigger scheduler looks for due times armed by other instances (at most 30s)")
	fs.BoolVar(&c.AllowPrivateDestinations, "allow-private-destinations", false, "let deliveries reach loopback, private, link-local and metadata addresses (development and tests)")
	fs.StringVar(&c.AllowedDestinations, "allowed-destinations", "", "comma-separated CIDRs deliveries may reach despite the SSRF guard, such as 10.1.0.0/16")
	fs.BoolVar(&c.RequireHTTPS, "require-https", false, "refuse http:// endpoint URLs, when saved and when sent (destinations the private-destination allowlist opens excepted)")
	c.Retention = retention(720 * time.Hour)
	fs.Var(&c.Retention, "retention", "how long payloads, attempts and trigger events are kept: a Go duration (720h) or days (30d)")
	durationFlag(fs, &c.SecretGrace, "secret-rotation-grace", 24*time.Hour, "how long a rotated-out endpoint secret keeps signing beside the new one")
	durationFlag(fs, &c.ClaimLease, "claim-lease", 0, "how long a claimed delivery holds without its worker's heartbeat (renewed every third of it); after a crash another instance takes it over within this (default 15s)")
	fs.StringVar(&c.PublicURL, "public-url", "", "Tripline's address as webhook senders reach it, the base of sources' ingest_url (default: the address each API request came to)")
}

// Run runs the tripline command with args (without the program name). It is
// main without the process: tests call it with a temporary database and port 0.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, err := run(ctx, args, stdout, stderr)
	return err
}

// Main is main without os.Exit: it runs the command and returns the exit
// status, 0 (also for -h and --help), 2 for a mistake on the command line (a
// flag or argument it does not take, a missing subcommand) as the flag
// package does, and 1 for any other error. The error is written to stderr,
// as one JSON log line when the log format is json.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := run(ctx, args, stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if cfg.LogFormat == "json" {
		newLogger(cfg, stderr).ErrorContext(ctx, "tripline stopped", "error", err.Error())
	} else {
		fmt.Fprintln(stderr, "tripline:", err)
	}
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// usageError is a mistake on the command line; Main exits 2 on it.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (config, error) {
	var cfg config
	opts := []ff.Option{ff.WithEnvVarPrefix("TRIPLINE")}
	newFS := func(name string, flags func(*flag.FlagSet)) *flag.FlagSet {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		if flags != nil {
			flags(fs)
		}
		return fs
	}
	serve := func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Errorf("unexpected argument %q (see tripline -h)", args[0])}
		}
		return runServe(ctx, cfg, stdout, stderr)
	}
	var wsName string
	keysFS := newFS("keys create", cfg.databaseFlags)
	keysFS.StringVar(&wsName, "workspace", DefaultWorkspace, "the workspace the key is for")

	root := &ffcli.Command{
		Name:       "tripline",
		ShortUsage: "tripline [serve] [flags] | migrate | workspaces create NAME | keys create --workspace NAME | bench | version",
		LongHelp:   "Every flag can also be set by an environment variable: --database-url is TRIPLINE_DATABASE_URL.",
		FlagSet:    newFS("tripline", cfg.serveFlags),
		Options:    opts,
		Exec:       serve,
		Subcommands: []*ffcli.Command{
			{Name: "serve", ShortUsage: "tripline serve [flags]", ShortHelp: "run the API, UI, workers and scheduler (the default)",
				FlagSet: newFS("serve", cfg.serveFlags), Options: opts, Exec: serve},
			{Name: "migrate", ShortUsage: "tripline migrate [flags]", ShortHelp: "bring the database schema up to date",
				FlagSet: newFS("migrate", cfg.databaseFlags), Options: opts,
				Exec: func(ctx context.Context, _ []string) error {
					st, _, err := openStore(ctx, cfg, newLogger(cfg, stderr))
					if err != nil {
						return err
					}
					defer st.Close()
					fmt.Fprintln(stdout, "database schema is up to date")
					return nil
				}},
			{Name: "workspaces", ShortUsage: "tripline workspaces create NAME", ShortHelp: "manage workspaces",
				FlagSet: newFS("workspaces", nil),
				Subcommands: []*ffcli.Command{{
					Name: "create", ShortUsage: "tripline workspaces create [flags] NAME", ShortHelp: "create a workspace and print its first API key",
					FlagSet: newFS("workspaces create", cfg.databaseFlags), Options: opts,
					Exec: func(ctx context.Context, args []string) error {
						if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
							return usageError{errors.New("usage: tripline workspaces create NAME")}
						}
						return withStore(ctx, cfg, stderr, func(st *store.Store) error {
							ws, err := st.WorkspaceCreate(ctx, strings.TrimSpace(args[0]))
							if errors.Is(err, tripline.ErrConflict) {
								return fmt.Errorf("a workspace named %q exists already", args[0])
							}
							if err != nil {
								return err
							}
							return printNewKey(ctx, st, ws, stdout)
						})
					}}},
			},
			{Name: "keys", ShortUsage: "tripline keys create --workspace NAME", ShortHelp: "manage API keys",
				FlagSet: newFS("keys", nil),
				Subcommands: []*ffcli.Command{{
					Name: "create", ShortUsage: "tripline keys create [flags] --workspace NAME", ShortHelp: "create an API key and print it",
					FlagSet: keysFS, Options: opts,
					Exec: func(ctx context.Context, _ []string) error {
						return withStore(ctx, cfg, stderr, func(st *store.Store) error {
							ws, err := st.WorkspaceGetByName(ctx, wsName)
							if errors.Is(err, tripline.ErrNotFound) {
								return fmt.Errorf("no workspace named %q (create it with: tripline workspaces create %s)", wsName, wsName)
							}
							if err != nil {
								return err
							}
							return printNewKey(ctx, st, ws, stdout)
						})
					}}},
			},
			benchCommand(stdout, stderr),
			{Name: "version", ShortUsage: "tripline version", ShortHelp: "print the version",
				Exec: func(context.Context, []string) error { fmt.Fprintln(stdout, "tripline", Version); return nil }},
		},
	}
	for _, c := range root.Subcommands {
		if c.Exec == nil && len(c.Subcommands) > 0 {
			c.Exec = needsSubcommand(c, stderr)
		}
	}
	if err := root.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{err}
	}
	return cfg, root.Run(ctx)
}

// needsSubcommand is the Exec of a command that only groups subcommands
// (workspaces, keys): run without one, or with one it does not have, it
// prints the group's usage and fails as a mistake on the command line.
func needsSubcommand(c *ffcli.Command, stderr io.Writer) func(context.Context, []string) error {
	return func(_ context.Context, args []string) error {
		fmt.Fprintln(stderr, ffcli.DefaultUsageFunc(c))
		if len(args) > 0 {
			return usageError{fmt.Errorf("%s has no subcommand %q (see the usage above)", c.Name, args[0])}
		}
		return usageError{fmt.Errorf("%s needs a subcommand (see the usage above)", c.Name)}
	}
}

// durationFlag defines a duration flag that refuses negative values.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*nonNegative)(p), name, usage)
}

// nonNegative is a time.Duration flag value that is 0 or more.
type nonNegative time.Duration

func (d *nonNegative) String() string { return time.Duration(*d).String() }

func (d *nonNegative) Set(v string) error {
	parsed, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 20s or 1m30s", v)
	}
	if parsed < 0 {
		return fmt.Errorf("%q is negative; give 0 or more", v)
	}
	*d = nonNegative(parsed)
	return nil
}

// newLogger logs in the configured format; a line logged while serving an
// API request carries its request_id (api.LogHandler).
func newLogger(cfg config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(api.LogHandler(slog.NewJSONHandler(w, nil)))
	}
	return slog.New(api.LogHandler(slog.NewTextHandler(w, nil)))
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// openStore opens and migrates the database, with the secret box that
// encrypts endpoint secrets.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, *actions.SecretBox, error) {
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return nil, nil, fmt.Errorf("--log-format (TRIPLINE_LOG_FORMAT) must be text or json, not %q", cfg.LogFormat)
	}
	key, err := secretKey(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	box, err := actions.NewSecretBox(key)
	if err != nil {
		return nil, nil, fmt.Errorf("TRIPLINE_SECRET_KEY: %w", err)
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, Logger: log, Secrets: box})
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("migrate database: %w", err)
	}
	return st, box, nil
}

func withStore(ctx context.Context, cfg config, stderr io.Writer, fn func(*store.Store) error) error {
	st, _, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// secretKey returns the key that encrypts endpoint secrets. With SQLite and
// none configured, one is generated on first start and kept beside the
// database file, readable by its owner only.
func secretKey(cfg config, log *slog.Logger) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	if isPostgres(cfg.DatabaseURL) {
		return "", errors.New("TRIPLINE_SECRET_KEY (or --secret-key) is required with Postgres: it encrypts endpoint secrets; generate one with: openssl rand -base64 32")
	}
	path := strings.TrimPrefix(strings.TrimPrefix(cfg.DatabaseURL, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	path += ".secret-key"
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read secret key: %w", err)
	}
	key := actions.GenerateSecretKey()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("write secret key: %w", err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write secret key: %w", err)
	}
	log.Warn("no TRIPLINE_SECRET_KEY given: generated one to encrypt endpoint secrets; back it up with the database, without it endpoint secrets cannot be read",
		"path", path)
	return key, nil
}

func insertKey(ctx context.Context, st *store.Store, ws tripline.Workspace, key string) error {
	return st.APIKeyInsert(ctx, tripline.NewAPIKeyRecord(id.New(id.APIKey), ws.ID, key, "", time.Now().UTC()))
}

func printNewKey(ctx context.Context, st *store.Store, ws tripline.Workspace, stdout io.Writer) error {
	key := tripline.NewAPIKey()
	if err := insertKey(ctx, st, ws, key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "workspace %s (%s)\nAPI key: %s\nKeep it safe: it is shown only this once.\n", ws.Name, ws.ID, key)
	return nil
}

// bootstrap makes sure there is a workspace to use: with a bootstrap key, the
// default workspace with that key; on an empty database, the default
// workspace with a new key, printed once.
func bootstrap(ctx context.Context, cfg config, st *store.Store, stdout io.Writer) error {
	if cfg.BootstrapAPIKey != "" {
		ws, err := st.WorkspaceGetByName(ctx, DefaultWorkspace)
		if errors.Is(err, tripline.ErrNotFound) {
			ws, err = st.WorkspaceCreate(ctx, DefaultWorkspace)
		}
		if err != nil {
			return fmt.Errorf("bootstrap workspace: %w", err)
		}
		if _, err := st.WorkspaceGetByAPIKey(ctx, tripline.HashKey(cfg.BootstrapAPIKey)); errors.Is(err, tripline.ErrNotFound) {
			return insertKey(ctx, st, ws, cfg.BootstrapAPIKey)
		} else if err != nil {
			return fmt.Errorf("bootstrap key: %w", err)
		}
		return nil
	}
	n, err := st.WorkspaceCount(ctx)
	if err != nil || n > 0 {
		return err
	}
	ws, err := st.WorkspaceCreate(ctx, DefaultWorkspace)
	if err != nil {
		return fmt.Errorf("create default workspace: %w", err)
	}
	fmt.Fprintln(stdout, "Created the default workspace on this empty database.")
	return printNewKey(ctx, st, ws, stdout)
}

// runServe runs API and delivery worker until ctx is done, then shuts down:
// the listener stops taking requests, in-flight requests finish, the worker
// finishes or releases in-flight deliveries.
func runServe(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	// The port is bound first: when it is busy, Tripline stops before it
	// creates the first workspace, whose key it would print only this once.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (choose another with --addr or TRIPLINE_ADDR, such as :8081): %w", cfg.Addr, err)
	}
	defer ln.Close() // after srv.Serve, a second Close does nothing
	st, _, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := bootstrap(ctx, cfg, st, stdout); err != nil {
		return err
	}
	if st.Dialect() == "sqlite" {
		// One process owns a SQLite file: deliveries left sending by a crash
		// are due again now rather than after their lease.
		if err := st.DeliveryClaimsReset(ctx); err != nil {
			return fmt.Errorf("recover deliveries: %w", err)
		}
	}

	allowed, err := actions.ParseCIDRs(cfg.AllowedDestinations)
	if err != nil {
		return fmt.Errorf("--allowed-destinations (TRIPLINE_ALLOWED_DESTINATIONS): %w", err)
	}
	guard := actions.DestinationPolicy{AllowPrivate: cfg.AllowPrivateDestinations, Allowed: allowed}
	if cfg.AllowPrivateDestinations {
		log.WarnContext(ctx, "the SSRF guard is off (--allow-private-destinations, TRIPLINE_ALLOW_PRIVATE_DESTINATIONS): deliveries and endpoint URLs may reach loopback, private, link-local and cloud metadata addresses; use it for development and tests only, or let chosen networks through with TRIPLINE_ALLOWED_DESTINATIONS")
	}
	// Metrics observe the pipeline and the worker's recorded outcomes; the
	// queue gauges are one store query per scrape.
	mx := metrics.New(metrics.Config{Queue: st, Endpoints: st, Logger: log, Version: Version})
	sender := actions.NewSender(actions.SenderConfig{UserAgent: "Tripline/" + Version, DialControl: guard.DialControl,
		RequireHTTPS: cfg.RequireHTTPS, PlainHTTPAllowed: guard.PlainHTTPAllowed})
	worker, err := actions.NewWorker(actions.WorkerConfig{Queue: mx.Queue(st), Sender: sender, Logger: log, Lease: cfg.ClaimLease})
	if err != nil {
		return err
	}
	mx.ObserveBreakers(worker.OpenBreakers)
	var scheduler *engine.Scheduler // the pipeline wakes it when it arms a sooner due time
	pipeline, err := engine.NewPipeline(engine.PipelineConfig{Store: st, Logger: log, OnCommit: worker.Wake, Observer: mx, Dispatcher: worker,
		OnArm: func(next time.Time) { scheduler.Wake(next) }})
	if err != nil {
		return err
	}
	scheduler, err = engine.NewScheduler(engine.SchedulerConfig{Store: st, Pipeline: pipeline, Logger: log, PollInterval: cfg.SchedulerPoll})
	if err != nil {
		return fmt.Errorf("--scheduler-poll: %w", err)
	}
	// When recording outcomes disables an endpoint (410 Gone, or its
	// disable_after limit), rules on endpoint_disabled can alert a team.
	st.OnEndpointDisabled(pipeline)
	handler, err := api.New(api.Config{Store: st, Ingester: pipeline, Logger: log, Version: Version,
		CheckDestination: guard.CheckURL, Sender: sender, OnRequeue: worker.Wake, SecretGrace: cfg.SecretGrace, Metrics: mx.Handler(),
		RequireHTTPS: cfg.RequireHTTPS, PlainHTTPAllowed: guard.PlainHTTPAllowed, Observer: mx, PublicURL: cfg.PublicURL})
	if err != nil {
		return err
	}

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	sweeper, err := store.NewRetention(store.RetentionConfig{Store: st, MaxAge: time.Duration(cfg.Retention), Logger: log})
	if err != nil {
		return err
	}
	if err := worker.Start(ctx); err != nil {
		return err
	}
	if err := scheduler.Start(ctx); err != nil {
		return err
	}
	if err := sweeper.Start(ctx); err != nil {
		return err
	}
	// Commits in other instances wake this worker (Postgres LISTEN/NOTIFY).
	lctx, stopListen := context.WithCancel(ctx)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		_ = st.ListenDeliveries(lctx, worker.Wake) // nil: it logs and retries its own failures until lctx ends
	}()
	defer func() { stopListen(); <-listening }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "Tripline %s listening on http://%s (database: %s)\n", Version, displayAddr(ln.Addr()), st.Dialect())
	fmt.Fprintf(stdout, "Web UI: http://%s/ (sign in with an API key)\n", displayAddr(ln.Addr()))

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	herr := srv.Shutdown(sctx)
	serr := scheduler.Stop(sctx)
	werr := worker.Stop(sctx)
	rerr := sweeper.Stop(sctx)
	return errors.Join(herr, serr, werr, rerr)
}

func displayAddr(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

// retention is the --retention flag: a Go duration ("720h") or a number of
// days ("30d").
type retention time.Duration

func (r *retention) String() string { return time.Duration(*r).String() }

func (r *retention) Set(v string) error {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a number of days such as 30d", v)
		}
		*r = retention(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration such as 720h or 30d", v)
	}
	*r = retention(d)
	return nil
}
