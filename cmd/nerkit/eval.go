package main

import (
	"context"
	"fmt"
	"github.com/nerkit/nerkit/advice"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/evaluate"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/progress"
	"github.com/nerkit/nerkit/report"
	"github.com/spf13/cobra"
)

// evalFlags are `nerkit eval`'s settings.
type evalFlags struct {
	model, out, mode, decode string
	data                     []string
	threads, batch           int
	overwrite                bool
	format                   conll.Options
	window                   windowFlags
	precision                precisionFlag
}

func init() {
	var fl evalFlags
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data FILE [--data FILE ...]",
		Short: "Score a trained model on labelled CoNLL files and write the report",
		Long: `eval runs a trained model over labelled CoNLL files, prints conlleval's report
for each, and writes into --out the same files a training run leaves: report.md,
metrics.json, confusion matrices (PNG and SVG), predictions-NAME.conll
(token gold pred, readable by conlleval.pl) and errors.tsv.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runEval(cmd, &fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.model, "model", "", "trained model directory or hub id")
	f.StringArrayVar(&fl.data, "data", nil, "labelled CoNLL file (repeatable)")
	f.StringVar(&fl.out, "out", "eval", "directory for the report, plots and predictions")
	f.BoolVar(&fl.overwrite, "overwrite", false, "replace files in an existing --out directory")
	f.StringVar(&fl.mode, "score-mode", "conlleval", "entity scoring: conlleval or strict (seqeval IOB2 strict)")
	f.StringVar(&fl.decode, "decode", "", decodeUsage)
	f.IntVar(&fl.threads, "threads", 0, "CPU threads (0: all cores)")
	f.IntVar(&fl.batch, "batch-size", 32, "sentences per forward pass")
	addFormatFlags(cmd, &fl.format)
	addWindowFlags(cmd, &fl.window)
	addPrecisionFlag(cmd, &fl.precision)
	rootCmd.AddCommand(cmd)
}

// runEval scores the model on every --data file, printing conlleval's
// report for each, and writes the evaluation's files into --out.
func runEval(cmd *cobra.Command, fl *evalFlags) error {
	if fl.model == "" || len(fl.data) == 0 {
		return fmt.Errorf("--model and --data are required")
	}
	scoreMode, err := metrics.ParseMode(fl.mode)
	if err != nil {
		return err
	}
	if err := prepareEvalDir(fl.out, fl.overwrite); err != nil {
		return err
	}
	ctx := cmd.Context()
	decode, err := head.ParseDecode(fl.decode)
	if err != nil {
		return err
	}
	ld, err := loadForInference(ctx, fl.model, fl.threads, fl.precision.p)
	if err != nil {
		return err
	}
	ld.Head = ld.Head.WithDecode(decode)
	win, err := fl.window.resolve(ld)
	if err != nil {
		return err
	}
	var splits []*evaluate.Split
	var evals []*evaluate.Evaluation
	used := map[string]bool{}
	for _, path := range fl.data {
		sp, err := readSplit(path, fl.format, ld, win, used)
		if err != nil {
			return err
		}
		ev, err := evaluateSplit(ctx, cmd, sp, ld, fl, scoreMode)
		if err != nil {
			return err
		}
		splits = append(splits, sp)
		evals = append(evals, ev)
	}
	findings, err := advice.Analyze(evaluate.AdviceRun(splits, evals, ld.Head, scoreMode, win.MaxLength, ld.Model.Config().MaxPositionEmbeddings))
	if err != nil {
		return err
	}
	if err := writeEvalReports(fl, win, splits, evals, findings); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "report written to %s\n", filepath.Join(fl.out, "report.md"))
	if line := advice.Line(findings); line != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), line)
	}
	return nil
}

// prepareEvalDir refuses to mix an evaluation into an earlier one's files.
func prepareEvalDir(out string, overwrite bool) error {
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 && !overwrite {
		return fmt.Errorf("output directory %s already exists and is not empty: pass --overwrite or choose another --out", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("cannot create output directory %s: %w", out, err)
	}
	return nil
}

// readSplit reads and encodes one labelled file; its name is the file's
// base name, made unique among used.
func readSplit(path string, format conll.Options, ld *modeldir.Loaded, win modeldir.Windowing, used map[string]bool) (*evaluate.Split, error) {
	f, err := conll.ReadFile(path, format)
	if err != nil {
		return nil, err
	}
	if err := ld.Labels.Validate(f); err != nil {
		return nil, err
	}
	words, err := ld.Words()
	if err != nil {
		return nil, err
	}
	ex, st, err := dataset.Encode(f.Sentences, words, ld.Labels, dataset.Options{MaxLen: win.MaxLength, Stride: win.Stride, Source: path})
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for used[name] {
		name += "_"
	}
	used[name] = true
	return &evaluate.Split{Name: name, File: f, Examples: ex, Stats: st}, nil
}

// evaluateSplit scores one split, writes its predictions and prints
// conlleval's report.
func evaluateSplit(ctx context.Context, cmd *cobra.Command, sp *evaluate.Split, ld *modeldir.Loaded, fl *evalFlags, mode metrics.Mode) (*evaluate.Evaluation, error) {
	ev, err := evaluate.Evaluate(ctx, ld.Model, ld.Labels, ld.Head, sp, fl.batch, ld.Tok.PadID(), mode, progress.Terminal(cmd.ErrOrStderr()))
	if err != nil {
		return nil, err
	}
	if err := evaluate.WritePredictions(filepath.Join(fl.out, "predictions-"+sp.Name+".conll"), sp.File, ev.Pred); err != nil {
		return nil, err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "== %s\n%s", sp.File.Name, metrics.FormatConlleval(ev.Result))
	return ev, nil
}

// evalConfig is what an evaluation ran with, as metrics.json records it.
type evalConfig struct {
	Model     string   `json:"model"`
	Data      []string `json:"data"`
	ScoreMode string   `json:"score_mode"`
	MaxLength int      `json:"max_length"`
	Stride    int      `json:"stride"`
}

func writeEvalReports(fl *evalFlags, win modeldir.Windowing, splits []*evaluate.Split, evals []*evaluate.Evaluation, findings []advice.Finding) error {
	cfg := evalConfig{Model: fl.model, Data: fl.data, ScoreMode: fl.mode, MaxLength: win.MaxLength, Stride: win.Stride}
	return evaluate.WriteReports(fl.out, evaluate.Reports{
		Title: "nerkit eval: " + fl.model,
		Config: report.SortedKeyValues(map[string]string{
			"model": cfg.Model, "data": strings.Join(cfg.Data, ", "), "scoring": cfg.ScoreMode,
			"max length": fmt.Sprint(cfg.MaxLength), "stride": fmt.Sprint(cfg.Stride),
		}),
		Splits: splits,
		Evals:  evals,
		Advice: findings,
		Metrics: struct {
			Config evalConfig `json:"config"`
			evaluate.Scores
		}{cfg, evaluate.ScoresOf(evals)},
	})
}
