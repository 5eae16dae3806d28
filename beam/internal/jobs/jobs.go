// Package jobs assembles nerkit-beam's three pipelines (predict, eval,
// stats) from the stages, runs them on the runner the flags pick, and
// reads back what the launcher prints.
package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/nerkit/nerkit/beam/internal/corpusstats"
	"github.com/nerkit/nerkit/beam/internal/counters"
	"github.com/nerkit/nerkit/beam/internal/infer"
	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
	"github.com/nerkit/nerkit/beam/internal/score"
	"github.com/nerkit/nerkit/beam/internal/sink"
	"github.com/nerkit/nerkit/beam/internal/source"

	// Filesystems beyond the local and gs:// ones beamx brings.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"
)

// IO says where a job reads and writes.
type IO struct {
	Input  string // glob on a Beam filesystem
	Output string // prefix of the output files
	Shards int    // output shards
	// DeadLetter is the prefix of the dead-letter output written with
	// Source.SkipBadLines ("" : Output + "-deadletter").
	DeadLetter string
	Source     source.Options
}

func (o IO) check() error {
	if o.Input == "" {
		return fmt.Errorf("--input is required (a file glob)")
	}
	if o.Output == "" {
		return fmt.Errorf("--output is required (the prefix of the output files)")
	}
	if o.Shards < 1 {
		return fmt.Errorf("--shards must be at least 1")
	}
	return o.Source.Check()
}

// DeadLetterPrefix is where bad inputs go.
func (o IO) DeadLetterPrefix() string {
	if o.DeadLetter != "" {
		return o.DeadLetter
	}
	return o.Output + "-deadletter"
}

// File names of the outputs, for a prefix.
const (
	RecordsExt = ".jsonl"
	CoNLLExt   = ".conll"
)

// ReportPath is eval's per-file and total counts; ScoresPath its total
// scores as `nerkit score --json` prints them; StatsPath stats' summary.
func ReportPath(prefix string) string { return prefix + "-report.json" }
func ScoresPath(prefix string) string { return prefix + "-scores.json" }
func StatsPath(prefix string) string  { return prefix + "-stats.json" }

// writeDeadLetters writes the bad inputs (one shard) when they are kept.
func writeDeadLetters(s beam.Scope, o IO, bad beam.PCollection) {
	if !o.Source.SkipBadLines {
		return
	}
	sink.Write(s.Scope("deadletters"), o.DeadLetterPrefix(), RecordsExt, 1, beam.ParDo(s, badJSON, bad))
}

func badJSON(b source.BadInput) string { return b.JSON() }

func init() {
	beam.RegisterFunction(badJSON)
	beam.RegisterFunction(reportJSON)
	beam.RegisterFunction(scoresJSON)
}

// Predict builds the pipeline of `nerkit-beam predict`.
func Predict(o IO, opt infer.PredictOptions) (*beam.Pipeline, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := opt.Check(); err != nil {
		return nil, err
	}
	opt.SkipBadLines = o.Source.SkipBadLines
	p, s := beam.NewPipelineWithRoot()
	items, badRead := source.Read(s, o.Input, o.Source)
	recs, badPred := infer.Predict(s, opt, items)
	sink.Write(s, o.Output, RecordsExt, o.Shards, recs)
	writeDeadLetters(s, o, beam.Flatten(s, badRead, badPred))
	return p, nil
}

// Eval builds the pipeline of `nerkit-beam eval`.
func Eval(o IO, opt infer.EvalOptions) (*beam.Pipeline, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := opt.Check(); err != nil {
		return nil, err
	}
	o.Source.Labelled = true
	opt.SkipBadLines = o.Source.SkipBadLines
	p, s := beam.NewPipelineWithRoot()
	items, badRead := source.Read(s, o.Input, o.Source)
	blocks, counts, badEval := infer.Evaluate(s, opt, items)
	sink.Write(s, o.Output, CoNLLExt, o.Shards, blocks)
	report := score.Combine(s, opt.Mode, counts)
	sink.WriteOne(s, ReportPath(o.Output), beam.ParDo(s, reportJSON, report))
	sink.WriteOne(s, ScoresPath(o.Output), beam.ParDo(s, scoresJSON, report))
	writeDeadLetters(s, o, beam.Flatten(s, badRead, badEval))
	return p, nil
}

func reportJSON(r score.Report) ([]byte, error) { return r.Encode() }

func scoresJSON(r score.Report) ([]byte, error) { return ScoresJSON(r.Total.Result()) }

// Stats builds the pipeline of `nerkit-beam stats`.
func Stats(o IO) (*beam.Pipeline, error) {
	o.Shards = max(o.Shards, 1)
	if err := o.check(); err != nil {
		return nil, err
	}
	o.Source.Labelled = true
	p, s := beam.NewPipelineWithRoot()
	summary, bad := corpusstats.Compute(s, o.Input, o.Source)
	sink.WriteOne(s, StatsPath(o.Output), summary)
	writeDeadLetters(s, o, bad)
	return p, nil
}

// Counters are the job's nerkit metrics, by name; nil when the runner
// reports none.
type Counters map[string]int64

// Run runs p on the runner --runner names and returns its counters.
func Run(ctx context.Context, p *beam.Pipeline) (Counters, error) {
	res, err := beamx.RunWithMetrics(ctx, p)
	if err != nil {
		return nil, jobError(err)
	}
	if res == nil {
		return nil, nil
	}
	c := Counters{}
	for _, r := range res.Metrics().AllMetrics().Counters() {
		if r.Namespace() == counters.Namespace {
			c[r.Name()] += r.Result()
		}
	}
	return c, nil
}

// String is the summary line the launcher prints.
func (c Counters) String() string {
	if c == nil {
		return "no metrics from the runner"
	}
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%d", n, c[n])
	}
	return strings.Join(parts, " ")
}

// PrintEval prints eval's scores as `nerkit eval` prints them: conlleval's
// report for each file, then for all files together when there are several.
func PrintEval(ctx context.Context, w io.Writer, prefix string) error {
	data, err := sink.ReadFile(ctx, ReportPath(prefix))
	if err != nil {
		return err
	}
	r, err := score.Decode(data)
	if err != nil {
		return err
	}
	for _, f := range r.Files {
		fmt.Fprintf(w, "== %s\n%s", f.File, nerkitapi.FormatConlleval(f.Counts.Result()))
	}
	if len(r.Files) != 1 {
		fmt.Fprintf(w, "== all %d files\n%s", len(r.Files), nerkitapi.FormatConlleval(r.Total.Result()))
	}
	return nil
}

// PrintScoresJSON prints eval's total scores as `nerkit score --json` does.
func PrintScoresJSON(ctx context.Context, w io.Writer, prefix string) error {
	data, err := sink.ReadFile(ctx, ScoresPath(prefix))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// PrintStats prints stats' summary, as text or JSON.
func PrintStats(ctx context.Context, w io.Writer, prefix string, asJSON bool) error {
	data, err := sink.ReadFile(ctx, StatsPath(prefix))
	if err != nil {
		return err
	}
	if asJSON {
		_, err = w.Write(append(data, '\n'))
		return err
	}
	s, err := corpusstats.Decode(data)
	if err != nil {
		return err
	}
	return s.WriteText(w)
}

// ScoresJSON is r as `nerkit score --json` prints it.
func ScoresJSON(r nerkitapi.Score) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(r)
	return b.Bytes(), err
}

// jobError puts the cause of a failed job first: the error a DoFn
// returned (file:line: what is wrong) ends the runner's long report.
func jobError(err error) error {
	msg := err.Error()
	const marker = "failed:\n"
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return err
	}
	cause := strings.TrimSpace(msg[i+len(marker):])
	if cause == "" || strings.Contains(cause, "\n") {
		return err
	}
	return &JobError{Cause: cause, Report: msg}
}

// JobError is a failed job: the cause, and the runner's whole report.
type JobError struct {
	Cause  string
	Report string
}

func (e *JobError) Error() string { return e.Cause + " (the job failed)" }
