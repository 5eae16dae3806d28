package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/train"
	"github.com/spf13/cobra"
)

func init() {
	var model, out, mode string
	var data []string
	var threads, batch int
	var overwrite bool
	var fopt conll.Options
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data FILE [--data FILE ...]",
		Short: "Score a trained model on labelled CoNLL files and write the report",
		Long: `eval runs a trained model over labelled CoNLL files, prints conlleval's report
for each, and writes into --out the same files a training run leaves: report.md,
metrics.json, confusion matrices (PNG and SVG), predictions-NAME.conll
(token gold pred, readable by conlleval.pl) and errors.tsv.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || len(data) == 0 {
				return fmt.Errorf("--model and --data are required")
			}
			scoreMode, err := metrics.ParseMode(mode)
			if err != nil {
				return err
			}
			if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 && !overwrite {
				return fmt.Errorf("output directory %s already exists and is not empty: pass --overwrite or choose another --out", out)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("cannot create output directory %s: %w", out, err)
			}
			ctx := cmd.Context()
			ld, err := train.LoadForInference(ctx, model, threads)
			if err != nil {
				return err
			}
			maxLen := min(ld.Model.Config().MaxPositionEmbeddings, 512)
			var splits []*train.Split
			var evals []*train.Evaluation
			used := map[string]bool{}
			for _, path := range data {
				f, err := conll.ReadFile(path, fopt)
				if err != nil {
					return err
				}
				if err := ld.Labels.Validate(f); err != nil {
					return err
				}
				ex, st, err := dataset.Encode(f.Sentences, ld.Tok, ld.Labels, dataset.Options{MaxLen: maxLen, Source: path})
				if err != nil {
					return err
				}
				name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
				for used[name] {
					name += "_"
				}
				used[name] = true
				sp := &train.Split{Name: name, File: f, Examples: ex, Stats: st}
				ev, err := train.Evaluate(ctx, ld.Model, ld.Labels, sp, batch, ld.Tok.PadID(), scoreMode, terminalProgress(cmd))
				if err != nil {
					return err
				}
				if err := train.WritePredictions(filepath.Join(out, "predictions-"+name+".conll"), f, ev.Pred); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "== %s\n%s", path, metrics.FormatConlleval(ev.Result))
				splits = append(splits, sp)
				evals = append(evals, ev)
			}
			cfg := train.Config{Model: model, ScoreMode: mode}
			if err := train.WriteReports(out, cfg, splits, evals, nil, 0, 0); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "report written to %s\n", filepath.Join(out, "report.md"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "trained model directory or hub id")
	f.StringArrayVar(&data, "data", nil, "labelled CoNLL file (repeatable)")
	f.StringVar(&out, "out", "eval", "directory for the report, plots and predictions")
	f.BoolVar(&overwrite, "overwrite", false, "replace files in an existing --out directory")
	f.StringVar(&mode, "score-mode", "conlleval", "entity scoring: conlleval or strict (seqeval IOB2 strict)")
	f.IntVar(&threads, "threads", 0, "CPU threads (0: all cores)")
	f.IntVar(&batch, "batch-size", 32, "sentences per forward pass")
	addFormatFlags(cmd, &fopt)
	rootCmd.AddCommand(cmd)
}
