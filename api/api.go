package api

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tripline/tripline/actions"
	"github.com/tripline/tripline/engine"
	"github.com/tripline/tripline/triggers"
)

// Ingester applies inbound events; engine.Pipeline implements it. Ingest
// returns only after everything the events caused is committed.
type Ingester interface {
	Ingest(ctx context.Context, workspaceID string, events []triggers.Event) (engine.IngestResult, error)
}

var _ Ingester = (*engine.Pipeline)(nil)

// Config configures the HTTP handler returned by New.
type Config struct {
	// Store is where resources are read and written. Required.
	Store Store
	// Ingester applies the events of POST /v1/events. Required.
	Ingester Ingester
	// Logger receives the request log and the errors behind 500 answers.
	// Default: slog.Default().
	Logger *slog.Logger
	// Version is reported by the health probes. Default: "dev".
	Version string
	// Now is the clock that stamps created_at and updated_at. Default: time.Now.
	Now func() time.Time
	// ValidateRule compiles and checks a rule before it is saved, filling
	// defaults, and returns a *tripline.ValidationError for bad input.
	// Default: engine.ValidateRule.
	ValidateRule func(*engine.Rule) error
	// NewSecret makes the signing secret of a new endpoint.
	// Default: actions.NewSecret.
	NewSecret func() (string, error)
	// Metrics, when set, is served at GET /metrics without authentication,
	// like the health probes (see docs/operations.md).
	Metrics http.Handler
	// CheckDestination refuses an endpoint URL the SSRF guard would refuse
	// (actions.DestinationPolicy.CheckURL); its error is shown on "url".
	// Default: every URL is accepted here (attempts are still checked at
	// dial time by the sender).
	CheckDestination func(ctx context.Context, rawURL string) error
	// Sender makes the sample attempt of POST /v1/endpoints/{id}/test.
	// Default: a sender with no SSRF guard.
	Sender *actions.Sender
	// SecretGrace is how long a rotated-out secret keeps signing, beside the
	// new one, when rotate-secret names no grace_seconds. Default: 24 h.
	SecretGrace time.Duration
	// SessionTTL is how long a web UI sign-in lasts. Default: 12 h.
	SessionTTL time.Duration
	// RequireHTTPS refuses http:// endpoint URLs in every workspace
	// (TRIPLINE_REQUIRE_HTTPS); a workspace's require_https does it for one.
	RequireHTTPS bool
	// PlainHTTPAllowed says which http:// URLs HTTPS only lets through
	// (actions.DestinationPolicy.PlainHTTPAllowed). Default: none.
	PlainHTTPAllowed func(ctx context.Context, rawURL string) bool
	// Observer is told about requests and refused inbound events, for
	// metrics. Optional.
	Observer Observer
	// OnRequeue is called after deliveries were made due by an API call
	// (enable, redeliver, recover), to wake the delivery worker. Optional.
	OnRequeue func()
	// PublicURL is Tripline's own address as senders reach it, the base of
	// sources' ingest_url (https://tripline.example.com). Default: the
	// scheme and host each request came to.
	PublicURL string
}

func (c *Config) fill() error {
	c.Logger = cmp.Or(c.Logger, slog.Default())
	c.Version = cmp.Or(c.Version, "dev")
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ValidateRule == nil {
		c.ValidateRule = engine.ValidateRule
	}
	if c.NewSecret == nil {
		c.NewSecret = actions.NewSecret
	}
	if c.Sender == nil {
		c.Sender = actions.NewSender(actions.SenderConfig{UserAgent: "Tripline/" + c.Version})
	}
	c.SecretGrace = cmp.Or(c.SecretGrace, 24*time.Hour)
	c.SessionTTL = cmp.Or(c.SessionTTL, 12*time.Hour)
	if c.Observer == nil {
		c.Observer = noObserver{}
	}
	if c.OnRequeue == nil {
		c.OnRequeue = func() {}
	}
	return c.validate()
}

func (c *Config) validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("api: Config.Store is required"))
	}
	if c.Ingester == nil {
		errs = append(errs, errors.New("api: Config.Ingester is required"))
	}
	return errors.Join(errs...)
}

// server holds what the handlers share: the filled Config.
type server struct {
	Config
	simulator *engine.Simulator
	// crossOrigin refuses browser requests from other sites to the UI's
	// session routes (Sec-Fetch-Site, then Origin against Host).
	crossOrigin *http.CrossOriginProtection
	// compiled keeps the sources' compiled mappings.
	compiled compiledCache
	touches  keyTouches // when each API key's use was last written
}

var releaseMode sync.Once

// New returns the HTTP handler of the API and the health probes.
func New(cfg Config) (http.Handler, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	// gin's mode is process-wide; release mode keeps its debug printing quiet.
	releaseMode.Do(func() { gin.SetMode(gin.ReleaseMode) })

	s := &server{Config: cfg, simulator: engine.NewSimulator(cfg.Store, cfg.Logger), crossOrigin: http.NewCrossOriginProtection()}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.Use(s.requestLog, s.recoverPanic)
	r.Use(s.checkRequestText) // one input gate for text: see text.go
	r.NoRoute(func(c *gin.Context) {
		s.writeError(c, &httpError{status: http.StatusNotFound, detail: "There is no " + c.Request.Method + " " + c.Request.URL.Path + "."})
	})
	r.NoMethod(func(c *gin.Context) {
		s.writeError(c, &httpError{status: http.StatusMethodNotAllowed, detail: c.Request.URL.Path + " does not take " + c.Request.Method + "."})
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	openAPI, err := openAPIHandler()
	if err != nil {
		return nil, err
	}
	r.GET("/openapi.json", openAPI)
	if s.Metrics != nil {
		r.GET("/metrics", gin.WrapH(s.Metrics))
	}

	if err := s.uiRoutes(r); err != nil {
		return nil, err
	}

	v1 := r.Group("/v1", s.authenticate)
	v1.POST("/events", s.postEvents)
	s.folders().routes(v1, "/folders")
	s.hookRoutes(v1)
	s.integrationRoutes(v1)
	s.contactRoutes(v1)
	rules := s.rules()
	rules.guard = s.guardManaged("rule")
	v1.POST("/rules/validate", rules.handleValidate)
	rules.routes(v1, "/rules")
	v1.POST("/conditions/parse", s.parseCondition)
	v1.POST("/conditions/compile", s.compileConditions)
	v1.GET("/triggers", s.listTriggers)
	v1.POST("/simulate", s.simulate)
	endpoints := s.endpoints()
	endpoints.guard = s.guardManaged("endpoint")
	endpoints.routes(v1, "/endpoints")
	s.opsRoutes(v1, endpoints)
	v1.GET("/deliveries", s.listDeliveries)
	v1.GET("/deliveries/stats", s.deliveryStats)
	v1.GET("/deliveries/:id", s.getDelivery)
	s.activityRoutes(v1)
	s.keyRoutes(v1)
	s.workspaceRoutes(v1)
	s.sourceRoutes(v1)
	r.POST("/in/:token", s.ingestSource)
	return r, nil
}

func (s *server) now() time.Time { return s.Now().UTC() }

func (s *server) healthz(c *gin.Context) {
	writeJSON(c, http.StatusOK, gin.H{"status": "ok", "version": s.Version})
}

func (s *server) readyz(c *gin.Context) {
	if err := s.Store.Ping(c.Request.Context()); err != nil {
		s.Logger.WarnContext(c.Request.Context(), "readiness check failed", "error", err, "request_id", requestID(c))
		s.writeError(c, &httpError{status: http.StatusServiceUnavailable, detail: "The database does not answer."})
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"status": "ok", "version": s.Version})
}
