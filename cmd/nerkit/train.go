package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/progress"
	"github.com/nerkit/nerkit/train"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultScratchModel is what `nerkit train` trains with no flags at all.
const defaultScratchModel = "scratch:small"

func init() {
	cfg := train.Defaults()
	var format conll.Options
	var configFile, resume string
	var dropout float64
	cmd := &cobra.Command{
		Use:   "train [flags]",
		Short: "Fine-tune a BERT token classifier on CoNLL files (no flags: the embedded FactRuEval-2016 demo)",
		Long: `train fine-tunes a BERT encoder with a token-classification head.

With no data flags it trains the ` + defaultScratchModel + ` preset from random weights on the
FactRuEval-2016 Russian NER files embedded in the binary (MIT licence) and
prints dev and test entity F1: a demo of the whole path, not a useful model;
real accuracy needs a pretrained encoder such as bert-base-multilingual-cased.

--model is a Hugging Face model directory, a hub id (looked up in the HF cache,
downloaded into it when online; HF_HUB_OFFLINE=1 forbids that), or a preset
trained from scratch with mBERT's vocabulary: ` + train.PresetNames() + `.
Presets bring their own learning rate, warmup and epochs; flags override them.

The run directory (--out) receives the best model (HF layout) in model/, a
resumable checkpoint/, config.yaml, metrics.json, report.md, loss and confusion
plots, predictions-dev.conll / predictions-test.conll and errors.tsv.
Ctrl-C writes a checkpoint; --resume DIR continues exactly where it stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := cmd.Flags()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if resume != "" {
				saved, err := train.LoadConfigFile(filepath.Join(resume, train.ConfigFileName), train.Defaults())
				if err != nil {
					return fmt.Errorf("--resume: %w", err)
				}
				saved.Out = resume
				if flags.Changed("threads") {
					saved.Threads = cfg.Threads
				}
				return runTraining(ctx, cmd, saved, true)
			}
			resolved := train.Defaults()
			if !flags.Changed("train") && configFile == "" {
				// The embedded demo: FactRuEval-2016 with the scratch preset.
				resolved.Train = train.EmbeddedData
				resolved.Model = defaultScratchModel
				resolved.Labels = "preset"
				if flags.Changed("model") {
					resolved.Model = cfg.Model
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "no --train given: training %s on the embedded FactRuEval-2016 corpus (MIT licence)\n", resolved.Model)
			}
			if flags.Changed("model") {
				resolved.Model = cfg.Model
			}
			if configFile != "" {
				var err error
				if resolved, err = train.LoadConfigFile(configFile, resolved); err != nil {
					return err
				}
			}
			if p, ok, err := train.LookupPreset(resolved.Model); err != nil {
				return err
			} else if ok {
				p.Apply(&resolved)
				if configFile != "" {
					// The config file outranks the preset's defaults.
					if resolved, err = train.LoadConfigFile(configFile, resolved); err != nil {
						return err
					}
				}
			}
			// Explicit flags outrank everything.
			cfg.Dropout = &dropout
			flags.Visit(func(f *pflag.Flag) { applyFlag(&resolved, &cfg, &format, f.Name) })
			return runTraining(ctx, cmd, resolved, false)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "YAML or JSON file with any of the settings below (flags override it)")
	f.StringVar(&resume, "resume", "", "continue the interrupted run in this run directory")
	f.StringVar(&cfg.Model, "model", cfg.Model, "model directory, hub id, or scratch preset ("+train.PresetNames()+")")
	f.StringVar(&cfg.Vocab, "vocab", "", "scratch presets: vocab.txt, tokenizer.json or model directory to use instead of mBERT's vocabulary")
	f.StringVar(&cfg.Train, "train", "", "training file (CoNLL)")
	f.StringVar(&cfg.Dev, "dev", "", "development file, evaluated every epoch (CoNLL)")
	f.StringVar(&cfg.Test, "test", "", "test file, evaluated with the best model at the end (CoNLL)")
	addFormatFlags(cmd, &format)
	f.StringVar(&cfg.Labels, "labels", cfg.Labels, "label set: train (from the training file), preset (O, B-/I- PER ORG LOC MISC) or model (the checkpoint's id2label)")
	f.Float64Var(&cfg.Epochs, "epochs", cfg.Epochs, "training epochs (fractions allowed)")
	f.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "sentences per optimizer step (per micro-batch with --grad-accum)")
	f.IntVar(&cfg.EvalBatchSize, "eval-batch-size", cfg.EvalBatchSize, "sentences per forward pass in evaluation")
	f.IntVar(&cfg.GradAccum, "grad-accum", cfg.GradAccum, "micro-batches accumulated per optimizer step")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "peak learning rate of AdamW")
	f.Float64Var(&cfg.WeightDecay, "weight-decay", cfg.WeightDecay, "AdamW weight decay (never on biases and LayerNorm)")
	f.Float64Var(&cfg.AdamBeta1, "adam-beta1", cfg.AdamBeta1, "AdamW beta1")
	f.Float64Var(&cfg.AdamBeta2, "adam-beta2", cfg.AdamBeta2, "AdamW beta2")
	f.Float64Var(&cfg.AdamEps, "adam-eps", cfg.AdamEps, "AdamW epsilon")
	f.Float64Var(&cfg.MaxGradNorm, "max-grad-norm", cfg.MaxGradNorm, "clip gradients to this global L2 norm (0: no clipping)")
	f.StringVar(&cfg.Schedule, "schedule", cfg.Schedule, "learning-rate schedule (HF's names): linear, cosine, constant or constant_with_warmup")
	f.Float64Var(&cfg.WarmupRatio, "warmup-ratio", cfg.WarmupRatio, "fraction of the steps spent warming up")
	f.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed for initialisation, shuffling and dropout")
	f.IntVar(&cfg.MaxLength, "max-length", cfg.MaxLength, "sub-tokens per window including [CLS]/[SEP]; longer sentences are split into overlapping windows")
	f.IntVar(&cfg.Stride, "stride", cfg.Stride, "overlap in sub-tokens between windows of a long sentence (0: 128, at most half a window; negative: none)")
	f.BoolVar(&cfg.LabelAllTokens, "label-all-tokens", false, "train on every sub-token (B-X becomes I-X on continuations), not only the first of each word")
	f.BoolVar(&cfg.GroupByLength, "group-by-length", false, "batch sentences of similar length together (less padding)")
	f.Float64Var(&dropout, "dropout", 0, "hidden and attention dropout probability (unset: the model's config; presets bring theirs)")
	f.StringVar(&cfg.Metric, "metric", cfg.Metric, "dev metric that picks the best checkpoint: f1, precision, recall or loss")
	f.IntVar(&cfg.Patience, "patience", 0, "stop after this many epochs without dev improvement (0: never)")
	f.IntVar(&cfg.Threads, "threads", 0, "CPU threads (0: all cores)")
	f.StringVar(&cfg.ScoreMode, "score-mode", cfg.ScoreMode, "entity scoring: conlleval or strict (seqeval IOB2 strict)")
	f.IntVar(&cfg.MaxSteps, "max-steps", 0, "stop after this many optimizer steps (0: no limit)")
	f.StringVar(&cfg.Out, "out", cfg.Out, "run directory")
	f.BoolVar(&cfg.Overwrite, "overwrite", false, "replace an existing run directory")
	rootCmd.AddCommand(cmd)
}

// applyFlag copies one explicitly set flag from the parsed values into the
// resolved config.
func applyFlag(dst, src *train.Config, format *conll.Options, name string) {
	switch name {
	case "model":
		dst.Model = src.Model
	case "vocab":
		dst.Vocab = src.Vocab
	case "train":
		dst.Train = src.Train
	case "dev":
		dst.Dev = src.Dev
	case "test":
		dst.Test = src.Test
	case "token-col":
		dst.TokenCol = format.TokenCol
	case "tag-col":
		dst.TagCol = format.TagCol
	case "scheme":
		dst.Scheme = format.Scheme.String()
	case "labels":
		dst.Labels = src.Labels
	case "epochs":
		dst.Epochs = src.Epochs
	case "batch-size":
		dst.BatchSize = src.BatchSize
	case "eval-batch-size":
		dst.EvalBatchSize = src.EvalBatchSize
	case "grad-accum":
		dst.GradAccum = src.GradAccum
	case "lr":
		dst.LR = src.LR
	case "weight-decay":
		dst.WeightDecay = src.WeightDecay
	case "adam-beta1":
		dst.AdamBeta1 = src.AdamBeta1
	case "adam-beta2":
		dst.AdamBeta2 = src.AdamBeta2
	case "adam-eps":
		dst.AdamEps = src.AdamEps
	case "max-grad-norm":
		dst.MaxGradNorm = src.MaxGradNorm
	case "schedule":
		dst.Schedule = src.Schedule
	case "warmup-ratio":
		dst.WarmupRatio = src.WarmupRatio
	case "seed":
		dst.Seed = src.Seed
	case "max-length":
		dst.MaxLength = src.MaxLength
	case "stride":
		dst.Stride = src.Stride
	case "label-all-tokens":
		dst.LabelAllTokens = src.LabelAllTokens
	case "group-by-length":
		dst.GroupByLength = src.GroupByLength
	case "dropout":
		d := *src.Dropout
		dst.Dropout = &d
	case "metric":
		dst.Metric = src.Metric
	case "patience":
		dst.Patience = src.Patience
	case "threads":
		dst.Threads = src.Threads
	case "score-mode":
		dst.ScoreMode = src.ScoreMode
	case "max-steps":
		dst.MaxSteps = src.MaxSteps
	case "out":
		dst.Out = src.Out
	case "overwrite":
		dst.Overwrite = src.Overwrite
	}
}

func runTraining(ctx context.Context, cmd *cobra.Command, cfg train.Config, resume bool) error {
	stderr := cmd.ErrOrStderr()
	opt := train.Options{Log: stderr, Resume: resume, Progress: progress.Terminal(stderr)}
	start := time.Now()
	res, err := train.Run(ctx, cfg, opt)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	line := fmt.Sprintf("done in %s: best epoch %d", time.Since(start).Round(time.Second), res.State.BestEpoch)
	if res.Dev != nil {
		line += fmt.Sprintf(", dev F1 %.2f", 100*res.Dev.Result.F1)
	}
	if res.Test != nil {
		line += fmt.Sprintf(", test F1 %.2f", 100*res.Test.Result.F1)
	}
	fmt.Fprintf(out, "%s; run directory %s (report.md, model/)\n", line, res.Dir)
	return nil
}
