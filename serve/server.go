package serve

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nerkit/nerkit/tagger"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed web
var webFiles embed.FS

// Server is the NER service: an http.Handler plus Run/Serve, which add an
// http.Server with timeouts and graceful shutdown.
type Server struct {
	rec      Recognizer
	info     ModelInfo
	opts     Options
	log      *slog.Logger
	m        *metrics
	b        *batcher
	mux      *http.ServeMux
	draining atomic.Bool
	stopOnce sync.Once
	stopErr  error
}

// New starts the batching machinery for rec; call Close (or use Run/Serve,
// which close on return) to stop it.
func New(rec Recognizer, opts Options) (*Server, error) {
	if rec == nil {
		return nil, errors.New("serve: no recognizer")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &Server{rec: rec, info: rec.Info(), opts: opts, log: opts.Logger, m: newMetrics(), mux: http.NewServeMux()}
	if s.info.Labels == nil {
		s.info.Labels = []string{}
	}
	s.b = newBatcher(rec, opts, s.m)

	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, err
	}
	s.route("/", []string{http.MethodGet, http.MethodHead}, s.handleIndex)
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	s.route("/static/", []string{http.MethodGet, http.MethodHead}, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			writeError(w, apiErr(http.StatusNotFound, CodeNotFound, "no such path %q", r.URL.Path))
			return
		}
		files.ServeHTTP(w, r)
	})
	s.route("/v1/ner", []string{http.MethodPost}, s.handleNER)
	s.route("/v1/model", []string{http.MethodGet, http.MethodHead}, s.handleModel)
	s.route("/healthz", []string{http.MethodGet, http.MethodHead}, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.route("/readyz", []string{http.MethodGet, http.MethodHead}, func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			writeError(w, apiErr(http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "model": s.info.Name})
	})
	metricsHandler := promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{Registry: s.m.reg})
	s.route("/metrics", []string{http.MethodGet, http.MethodHead}, metricsHandler.ServeHTTP)
	return s, nil
}

// route registers h under a fixed route label (bounded metric cardinality),
// answering other methods with a JSON 405.
func (s *Server) route(pattern string, methods []string, h http.HandlerFunc) {
	allow := ""
	for i, m := range methods {
		if i > 0 {
			allow += ", "
		}
		allow += m
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		label := pattern
		if pattern == "/" && r.URL.Path != "/" {
			label = "other"
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		defer func() {
			s.m.requests.WithLabelValues(label, strconv.Itoa(rec.code)).Inc()
			s.m.latency.WithLabelValues(label).Observe(time.Since(start).Seconds())
		}()
		if label == "other" {
			writeError(rec, apiErr(http.StatusNotFound, CodeNotFound, "no such path %q", r.URL.Path))
			return
		}
		for _, m := range methods {
			if r.Method == m {
				h(rec, r)
				return
			}
		}
		rec.Header().Set("Allow", allow)
		writeError(rec, apiErr(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, pattern, allow))
	})
}

// ServeHTTP routes to the API, health, metrics and web-page handlers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	page, err := webFiles.ReadFile("web/index.html")
	if err != nil {
		writeError(w, apiErr(http.StatusInternalServerError, CodeInternal, "%v", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Everything the page needs is served from here: no inline script, no CDN.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// Limits are the request limits the page and clients may want to know.
type Limits struct {
	MaxBodyBytes int64 `json:"max_body_bytes"`
	MaxTexts     int   `json:"max_texts"`
	MaxChars     int   `json:"max_chars"`
	MaxBatch     int   `json:"max_batch"`
	TimeoutMS    int64 `json:"timeout_ms"`
}

// ModelResponse is the answer to GET /v1/model.
type ModelResponse struct {
	ModelInfo
	Entities           []string `json:"entity_types"`
	DefaultAggregation string   `json:"default_aggregation"`
	Limits             Limits   `json:"limits"`
}

func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ModelResponse{
		ModelInfo:          s.info,
		Entities:           entityTypes(s.info.Labels),
		DefaultAggregation: string(s.opts.Aggregation),
		Limits: Limits{
			MaxBodyBytes: s.opts.MaxBodyBytes,
			MaxTexts:     s.opts.MaxTexts,
			MaxChars:     s.opts.MaxChars,
			MaxBatch:     s.opts.MaxBatch,
			TimeoutMS:    s.opts.Timeout.Milliseconds(),
		},
	})
}

// entityTypes lists the entity types of a label set (B-PER, I-PER → PER)
// in first-seen order.
func entityTypes(labels []string) []string {
	types := []string{}
	seen := map[string]bool{}
	for _, l := range labels {
		t := l
		if len(l) > 2 && l[1] == '-' && (l[0] == 'B' || l[0] == 'I' || l[0] == 'E' || l[0] == 'S' || l[0] == 'L' || l[0] == 'U') {
			t = l[2:]
		}
		if t == "O" || seen[t] {
			continue
		}
		seen[t] = true
		types = append(types, t)
	}
	return types
}

func (s *Server) handleNER(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, apiErr(http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down"))
		return
	}
	if e := checkContentType(r.Header.Get("Content-Type")); e != nil {
		writeError(w, e)
		return
	}
	inputs, strategy, e := parseRequest(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes), &s.opts)
	if e != nil {
		writeError(w, e)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	outs, err := s.b.submit(ctx, inputs)
	if err != nil {
		writeError(w, s.submitError(r, err))
		return
	}
	resp := Response{Model: s.info.Name, Aggregation: string(strategy), Results: make([]Result, len(outs))}
	for i, o := range outs {
		ents := o.Entities
		if ents == nil {
			ents = []tagger.Entity{}
		}
		resp.Results[i] = Result{Entities: ents}
		if inputs[i].Details {
			resp.Results[i].Words = o.Words
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) submitError(r *http.Request, err error) *APIError {
	switch {
	case errors.Is(err, errQueueFull):
		return apiErr(http.StatusTooManyRequests, CodeOverloaded, "the queue is full (%d texts); retry later", s.opts.QueueSize)
	case errors.Is(err, errShuttingDown):
		return apiErr(http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down")
	case r.Context().Err() != nil:
		return apiErr(499, CodeClientClosed, "the client closed the request")
	case errors.Is(err, context.DeadlineExceeded):
		return apiErr(http.StatusGatewayTimeout, CodeTimeout, "no answer within %v", s.opts.Timeout)
	}
	s.log.Error("recognizer failed", "err", err)
	return apiErr(http.StatusInternalServerError, CodeInternal, "the model failed: %v", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"cannot encode the answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, e *APIError) {
	if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Status, ErrorBody{Error: *e})
}

type statusRecorder struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Run listens on Options.Addr and serves until ctx ends, then shuts down
// gracefully (see Serve).
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		s.Close(context.Background())
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve answers on ln until ctx ends. Then /readyz turns 503, new requests
// get 503, the listener closes, in-flight requests finish (up to
// Options.ShutdownTimeout) and the workers stop. It returns nil after a clean
// shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("serving", "addr", ln.Addr().String(), "model", s.info.Name,
		"max_batch", s.opts.MaxBatch, "max_wait", s.opts.MaxWait, "workers", s.opts.Workers, "queue", s.opts.QueueSize)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		s.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing in-flight requests", "grace", s.opts.ShutdownTimeout)
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
	}
	<-served
	if cerr := s.Close(sctx); err == nil {
		err = cerr
	}
	s.log.Info("stopped")
	return err
}

// Close refuses new requests, finishes queued ones and stops the workers;
// when ctx ends first, running model calls are cancelled. Further calls
// return the first call's result.
func (s *Server) Close(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.draining.Store(true)
		s.stopErr = s.b.close(ctx)
	})
	return s.stopErr
}

// Stats are cumulative counters, for load tests and logs.
type Stats struct {
	Batches int64 // model calls
	Texts   int64 // texts tagged
	Tokens  int64 // sub-tokens processed
	Queued  int   // texts waiting now
}

// Stats reports what the server has done so far.
func (s *Server) Stats() Stats {
	return Stats{
		Batches: s.b.batches.Load(),
		Texts:   s.b.texts.Load(),
		Tokens:  s.b.tokens.Load(),
		Queued:  s.b.depth(),
	}
}
