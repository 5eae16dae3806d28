// Command nerkit-beam runs nerkit's batch jobs (predict, eval, stats) as an
// Apache Beam pipeline: on the Prism runner in this process by default, or
// on Flink, Spark, Dataflow or any portable runner chosen with --runner.
//
// Runners start the same binary as a worker with --worker and no
// subcommand; main hands that case to the Beam SDK.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/nerkit/nerkit/beam/internal/infer"
	"github.com/nerkit/nerkit/beam/internal/jobs"
	"github.com/nerkit/nerkit/beam/internal/source"
)

const usage = `nerkit-beam runs nerkit's batch jobs as an Apache Beam pipeline.

Usage:
  nerkit-beam predict --model DIR --input GLOB --output PREFIX [flags]
  nerkit-beam eval    --model DIR --input GLOB --output PREFIX [flags]
  nerkit-beam stats   --input GLOB --output PREFIX [flags]

Each command takes the Beam SDK's pipeline options too: --runner (prism, the
default, runs in this process; universal, flink, spark, dataflow), --endpoint,
--environment_type (LOOPBACK, DOCKER, PROCESS), --worker_binary, --job_name, …
"nerkit-beam COMMAND -h" lists them all.
`

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") && os.Args[1] != "-h" && os.Args[1] != "--help" {
		// A runner starting this binary as a worker: beam.Init runs the
		// worker harness and exits.
		flag.Parse()
		beam.Init()
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	err := run(context.Background(), os.Args[1], os.Args[2:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nerkit-beam:", err)
		os.Exit(1)
	}
}

// run executes one subcommand.
func run(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nerkit-beam "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := jobs.IO{Source: source.Options{Format: source.CoNLL}}
	fs.StringVar(&o.Input, "input", "", "input files: a glob on any Beam filesystem (local, gs://, s3://)")
	fs.StringVar(&o.Output, "output", "", "prefix of the output files, e.g. out/tags or gs://bucket/tags")
	fs.IntVar(&o.Source.TokenCol, "token-col", 0, "CoNLL: 1-based column holding the token (0 = first)")
	fs.IntVar(&o.Source.TagCol, "tag-col", 0, "CoNLL: 1-based column holding the NER tag (0 = last)")
	fs.StringVar(&o.Source.Scheme, "scheme", "auto", "CoNLL: tag scheme of the input: auto, iob1, iob2, bioes or bilou")
	fs.BoolVar(&o.Source.SkipBadLines, "skip-bad-lines", false, "write bad input lines and their errors to the dead-letter output instead of failing")
	fs.StringVar(&o.DeadLetter, "dead-letter", "", "prefix of the dead-letter output (default: OUTPUT-deadletter)")
	var spec infer.ModelSpec
	var microBatch int
	if cmd != "stats" {
		fs.StringVar(&spec.Path, "model", "", "trained model directory every worker can read (local path, gs://…, s3://…) or hub id")
		fs.IntVar(&spec.Threads, "threads", 0, "CPU threads of each worker's model (0: all cores)")
		fs.IntVar(&spec.BatchSize, "batch-size", 32, "windows (predict) or sentences (eval) per forward pass")
		fs.IntVar(&microBatch, "micro-batch", infer.DefaultMicroBatch, "texts gathered within a bundle before the model runs on them")
		fs.IntVar(&o.Shards, "shards", 4, "number of output files")
	}
	var pred infer.PredictOptions
	var eval infer.EvalOptions
	var asJSON bool
	switch cmd {
	case "predict":
		fs.StringVar(&o.Source.Format, "format", source.Auto, "input format: text (a text per line), jsonl ({\"id\",\"text\"} per line), conll, or auto (by extension)")
		fs.StringVar(&pred.Aggregation, "aggregation", "first", "entity aggregation for raw text: simple, first, average or max")
		fs.BoolVar(&pred.Probs, "probs", false, "CoNLL input: add each word's label distribution (\"probs\")")
	case "eval":
		fs.StringVar(&eval.Mode, "mode", "conlleval", "entity scoring: conlleval or strict (seqeval IOB2)")
		fs.BoolVar(&asJSON, "json", false, "print the scores of all files as one JSON object, as nerkit score --json")
	case "stats":
		fs.BoolVar(&asJSON, "json", false, "print the stats as one JSON object")
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "nerkit-beam %s: flags (nerkit's and the Beam SDK's pipeline options):\n", cmd)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := shipSelf(); err != nil {
		return err
	}
	if !beam.Initialized() {
		beam.Init()
	}

	var p *beam.Pipeline
	var err error
	switch cmd {
	case "predict", "eval":
		if spec.Path == "" {
			return fmt.Errorf("--model is required (a directory written by nerkit train, or any HF token-classification model)")
		}
		if cmd == "predict" {
			pred.Model, pred.MicroBatch = spec, microBatch
			p, err = jobs.Predict(o, pred)
		} else {
			eval.Model, eval.MicroBatch = spec, microBatch
			p, err = jobs.Eval(o, eval)
		}
	case "stats":
		p, err = jobs.Stats(o)
	}
	if err != nil {
		return err
	}
	counters, err := jobs.Run(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "nerkit-beam %s: done (%s)\n", cmd, counters)
	switch {
	case cmd == "eval" && asJSON:
		return jobs.PrintScoresJSON(ctx, stdout, o.Output)
	case cmd == "eval":
		return jobs.PrintEval(ctx, stdout, o.Output)
	case cmd == "stats":
		return jobs.PrintStats(ctx, stdout, o.Output, asJSON)
	}
	return nil
}

// parseFlags parses args into fs, which also takes the SDK's pipeline
// options: those live in the process's flag set, where the SDK reads them
// (and records the ones given), so they are set there.
func parseFlags(fs *flag.FlagSet, args []string) error {
	sdk := map[string]bool{}
	flag.CommandLine.VisitAll(func(f *flag.Flag) {
		if fs.Lookup(f.Name) == nil {
			fs.Var(f.Value, f.Name, f.Usage)
			sdk[f.Name] = true
		}
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: inputs are given with --input", fs.Args())
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if sdk[f.Name] && err == nil {
			err = flag.CommandLine.Set(f.Name, f.Value.String())
		}
	})
	return err
}

// shipSelf makes this executable the workers' binary. Without
// --worker_binary a runner that stages a worker (every environment but
// LOOPBACK) would try to compile the program from source; nerkit-beam is
// already the worker it needs when it runs on the workers' platform.
func shipSelf() error {
	value := func(name string) string { return strings.ToLower(flag.Lookup(name).Value.String()) }
	if value("worker_binary") != "" {
		return nil
	}
	runner, env := value("runner"), value("environment_type")
	switch {
	case env == "loopback":
		return nil
	case (runner == "" || runner == "prism") && env == "" && value("endpoint") == "":
		return nil // Prism in this process runs the worker here too
	case runner == "direct" || runner == "dot":
		return nil
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return fmt.Errorf("workers run linux/amd64: build a worker with GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build ./cmd/nerkit-beam and pass it as --worker_binary")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this executable for --worker_binary: %w", err)
	}
	return flag.Set("worker_binary", exe)
}
