package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/loadtest"
	"github.com/nerkit/nerkit/serve/servetest"
	"github.com/nerkit/nerkit/tagger"
	"github.com/spf13/cobra"
)

// modelOptions say which model `nerkit serve` loads and how.
type modelOptions struct {
	dir       string
	name      string // what clients see the model called; "": the directory's base name (or the hub id)
	threads   int    // compute threads (0 = all cores)
	window    windowFlags
	precision precisionFlag
}

// loadRecognizer builds the model behind `nerkit serve --model DIR` (tokenizer,
// encoder, tagger). The model package sets it from an init function.
var loadRecognizer func(o modelOptions) (serve.Recognizer, error)

// openRecognizer returns the fake model for --fake, else loads the model.
func openRecognizer(o modelOptions, fake bool) (serve.Recognizer, error) {
	if fake {
		return &servetest.Fake{}, nil
	}
	if o.dir == "" {
		return nil, errors.New("--model DIR is required")
	}
	if loadRecognizer == nil {
		return nil, errors.New("model loading not available in this build")
	}
	return loadRecognizer(o)
}

// addServeFlags binds the service's limits and tuning flags to o.
func addServeFlags(cmd *cobra.Command, o *serve.Options) {
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", o.Addr, "listen address (host:port)")
	f.IntVar(&o.MaxBatch, "max-batch", o.MaxBatch, "most texts per model call; 1 disables micro-batching")
	f.DurationVar(&o.MaxWait, "max-wait", o.MaxWait, "longest a text waits for others to share its model call; 0 disables waiting")
	f.IntVar(&o.QueueSize, "queue", o.QueueSize, "most texts waiting for the model; requests beyond it get 429")
	f.Int64Var(&o.MaxBodyBytes, "max-body", o.MaxBodyBytes, "largest request body in bytes (413 above)")
	f.IntVar(&o.MaxTexts, "max-texts", o.MaxTexts, "most texts per request (413 above)")
	f.IntVar(&o.MaxChars, "max-chars", o.MaxChars, "most characters (code points) per text (413 above)")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "per-request time limit, queueing included (504 after it)")
	f.IntVar(&o.Workers, "workers", o.Workers, "model calls running at once")
	f.Var(&strategyFlag{&o.Aggregation}, "aggregation", "default aggregation strategy: simple, first, average or max")
	f.StringVar(&o.Decode, "decode", "", decodeUsage+"; a request's \"decode\" overrides it")
}

// strategyFlag is a pflag.Value for tagger.Strategy.
type strategyFlag struct{ s *tagger.Strategy }

func (f *strategyFlag) String() string {
	if f.s == nil {
		return ""
	}
	return string(*f.s)
}

func (f *strategyFlag) Set(v string) error {
	s, err := tagger.ParseStrategy(v)
	if err != nil {
		return err
	}
	*f.s = s
	return nil
}

func (f *strategyFlag) Type() string { return "strategy" }

func init() {
	opts := serve.DefaultOptions()
	var model modelOptions
	var fake bool
	cmd := &cobra.Command{
		Use:   "serve --model DIR [flags]",
		Short: "Serve a NER model over HTTP: JSON API, web page, health checks and metrics",
		Long: `serve loads a token-classification model and answers on --addr:

  POST /v1/ner    {"text": "..."} | {"texts": [...]} | {"words": [[...]]},
                  optional "aggregation" (simple|first|average|max), "details": true,
                  "decode" (argmax|constrained)
  GET  /          a web page to try the model
  GET  /v1/model  labels, model shape, vocabulary size, max length, limits
  GET  /healthz   alive;  GET /readyz  ready (503 while shutting down)
  GET  /metrics   Prometheus metrics

Concurrent requests are micro-batched into one model call (--max-batch,
--max-wait). A full queue answers 429, a request over --timeout 504. SIGINT or
SIGTERM stops accepting requests and lets in-flight ones finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, model, fake, opts) },
	}
	addServeFlags(cmd, &opts)
	f := cmd.Flags()
	f.StringVar(&model.dir, "model", "", "model directory (config.json, weights, vocabulary)")
	f.StringVar(&model.name, "name", "", "the model's name in answers (default: the directory's base name; paths are never shown)")
	f.IntVar(&model.threads, "threads", 0, "compute threads of the model (0 = all cores)")
	addWindowFlags(cmd, &model.window)
	addPrecisionFlag(cmd, &model.precision)
	f.BoolVar(&fake, "fake", false, "serve a fake model that tags capitalised words (for trying the service)")
	_ = f.MarkHidden("fake")
	cmd.AddCommand(newServeLoadtestCmd())
	rootCmd.AddCommand(cmd)
}

// runServe loads the model and serves it until SIGINT or SIGTERM.
func runServe(cmd *cobra.Command, model modelOptions, fake bool, opts serve.Options) error {
	rec, err := openRecognizer(model, fake)
	if err != nil {
		return err
	}
	opts.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	srv, err := serve.New(rec, opts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal a second one kills at once, as usual.
	context.AfterFunc(ctx, stop)
	return srv.Run(ctx)
}

// loadtestFlags are `nerkit serve loadtest`'s settings.
type loadtestFlags struct {
	opts                 serve.Options
	model                modelOptions
	textsFile            string
	clients              int
	perRequest, maxReqs  int
	duration             time.Duration
	compare, fake, spin  bool
	batchCost, tokenCost time.Duration
}

// newServeLoadtestCmd is `nerkit serve loadtest`: the serve/loadtest harness
// against a model directory (or the fake model), printing a Markdown table.
func newServeLoadtestCmd() *cobra.Command {
	fl := &loadtestFlags{opts: serve.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "loadtest --model DIR | --fake [flags]",
		Short: "Load-test the service in-process over loopback and print throughput and latency",
		Long: `loadtest starts the service on a loopback port with the given limits, sends
requests from --clients concurrent clients for --duration (or --max-requests),
shuts it down and prints a Markdown table row: status counts, requests and
texts per second, p50/p95/p99 latency, mean micro-batch size, and goroutines
and live heap before and after. --compare adds a run with micro-batching off
(--max-batch 1 --max-wait 0).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLoadtest(cmd, fl) },
	}
	addServeFlags(cmd, &fl.opts)
	_ = cmd.Flags().MarkHidden("addr")
	f := cmd.Flags()
	f.StringVar(&fl.model.dir, "model", "", "model directory")
	f.IntVar(&fl.model.threads, "threads", 0, "compute threads of the model (0 = all cores)")
	addPrecisionFlag(cmd, &fl.model.precision)
	f.BoolVar(&fl.fake, "fake", false, "use the fake model instead of --model")
	f.DurationVar(&fl.batchCost, "fake-batch-cost", 2*time.Millisecond, "fake model: cost of one model call")
	f.DurationVar(&fl.tokenCost, "fake-token-cost", 20*time.Microsecond, "fake model: cost per sub-token")
	f.BoolVar(&fl.spin, "fake-spin", false, "fake model: burn CPU instead of sleeping")
	f.IntVar(&fl.clients, "clients", 32, "concurrent clients")
	f.DurationVar(&fl.duration, "duration", 10*time.Second, "how long to send requests")
	f.IntVar(&fl.maxReqs, "max-requests", 0, "stop after this many requests (0 = only --duration)")
	f.IntVar(&fl.perRequest, "texts-per-request", 1, "texts in each request")
	f.StringVar(&fl.textsFile, "texts", "", "file with one text per line (default: built-in English and Russian sentences)")
	f.BoolVar(&fl.compare, "compare", false, "also run with micro-batching off")
	return cmd
}

// runLoadtest runs the load test (and with --compare, once more without
// micro-batching) and prints a table row for each.
func runLoadtest(cmd *cobra.Command, fl *loadtestFlags) error {
	var rec serve.Recognizer
	if fl.fake {
		rec = &servetest.Fake{BatchCost: fl.batchCost, TokenCost: fl.tokenCost, Spin: fl.spin}
	} else {
		var err error
		if rec, err = openRecognizer(fl.model, false); err != nil {
			return err
		}
	}
	texts, err := loadtestTexts(fl.textsFile)
	if err != nil {
		return err
	}
	opts := fl.opts
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	runs := []loadtest.Config{{Label: "batching on", Options: opts}}
	if fl.compare {
		off := opts
		off.MaxBatch, off.MaxWait = 1, 0
		runs = append(runs, loadtest.Config{Label: "batching off", Options: off})
	}
	out := cmd.OutOrStdout()
	fmt.Fprintln(out, loadtest.TableHeader)
	for _, c := range runs {
		c.Recognizer, c.Clients, c.Duration, c.MaxRequests = rec, fl.clients, fl.duration, fl.maxReqs
		c.TextsPerRequest, c.Texts = fl.perRequest, texts
		res, err := loadtest.Run(cmd.Context(), c)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, res.Row())
		if res.FirstError != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: first error: %s\n", c.Label, res.FirstError)
		}
	}
	return nil
}

// loadtestTexts reads --texts: its non-empty lines; none when no file is
// given (the harness's built-in sentences).
func loadtestTexts(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var texts []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			texts = append(texts, line)
		}
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("%s: no non-empty lines", path)
	}
	return texts, nil
}
