package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/nerkit/nerkit/advice"
	"os"
	"os/signal"
	"strconv"
	"strings"
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

// trainFlag binds one flag to one field of train.Config. The table below is
// the only place that names a setting's flag: it registers the flag on the
// parsed config and, when the user set it, copies it onto the resolved one,
// where it outranks presets and --config.
type trainFlag struct {
	name string
	bind func(fs *pflag.FlagSet, c *train.Config)
	copy func(dst, src *train.Config)
}

// flagOf is the trainFlag of the field that field points at; the flag's
// default is that field's value in the config it is bound to.
func flagOf[T any](name, usage string, field func(*train.Config) *T) trainFlag {
	return trainFlag{
		name: name,
		bind: func(fs *pflag.FlagSet, c *train.Config) { bindVar(fs, field(c), name, usage) },
		copy: func(dst, src *train.Config) { *field(dst) = *field(src) },
	}
}

// bindVar registers a flag of p's type with *p as its default.
func bindVar(fs *pflag.FlagSet, p any, name, usage string) {
	switch p := p.(type) {
	case *string:
		fs.StringVar(p, name, *p, usage)
	case *int:
		fs.IntVar(p, name, *p, usage)
	case *int64:
		fs.Int64Var(p, name, *p, usage)
	case *float64:
		fs.Float64Var(p, name, *p, usage)
	case *bool:
		fs.BoolVar(p, name, *p, usage)
	case **float64:
		fs.Var(optionalFloat{p}, name, usage)
	default:
		panic(fmt.Sprintf("flag --%s: no flag type for %T", name, p))
	}
}

// trainFlags are `nerkit train`'s settings, each the flag of one
// train.Config field.
var trainFlags = []trainFlag{
	flagOf("model", "model directory, hub id, or scratch preset ("+train.PresetNames()+")", func(c *train.Config) *string { return &c.Model }),
	flagOf("family", "scratch presets: encoder family (bert, roberta, xlm-roberta, distilbert, electra; default bert)", func(c *train.Config) *string { return &c.Family }),
	flagOf("vocab", "scratch presets: vocab.txt, tokenizer.json or model directory to use instead of mBERT's vocabulary", func(c *train.Config) *string { return &c.Vocab }),
	flagOf("train", "training file (CoNLL)", func(c *train.Config) *string { return &c.Train }),
	flagOf("dev", "development file, evaluated every epoch (CoNLL)", func(c *train.Config) *string { return &c.Dev }),
	flagOf("test", "test file, evaluated with the best model at the end (CoNLL)", func(c *train.Config) *string { return &c.Test }),
	flagOf("token-col", tokenColUsage, func(c *train.Config) *int { return &c.TokenCol }),
	flagOf("tag-col", tagColUsage, func(c *train.Config) *int { return &c.TagCol }),
	{name: "scheme",
		bind: func(fs *pflag.FlagSet, c *train.Config) { fs.Var(schemeName{&c.Scheme}, "scheme", schemeUsage) },
		copy: func(dst, src *train.Config) { dst.Scheme = src.Scheme }},
	flagOf("labels", "label set: train (from the training file), preset (O, B-/I- PER ORG LOC MISC) or model (the checkpoint's id2label)", func(c *train.Config) *string { return &c.Labels }),
	flagOf("epochs", "training epochs (fractions allowed)", func(c *train.Config) *float64 { return &c.Epochs }),
	flagOf("batch-size", "sentences per optimizer step (per micro-batch with --grad-accum)", func(c *train.Config) *int { return &c.BatchSize }),
	flagOf("eval-batch-size", "sentences per forward pass in evaluation", func(c *train.Config) *int { return &c.EvalBatchSize }),
	flagOf("grad-accum", "micro-batches accumulated per optimizer step", func(c *train.Config) *int { return &c.GradAccum }),
	flagOf("lr", "peak learning rate of AdamW", func(c *train.Config) *float64 { return &c.LR }),
	flagOf("weight-decay", "AdamW weight decay (never on biases and LayerNorm)", func(c *train.Config) *float64 { return &c.WeightDecay }),
	flagOf("adam-beta1", "AdamW beta1", func(c *train.Config) *float64 { return &c.AdamBeta1 }),
	flagOf("adam-beta2", "AdamW beta2", func(c *train.Config) *float64 { return &c.AdamBeta2 }),
	flagOf("adam-eps", "AdamW epsilon", func(c *train.Config) *float64 { return &c.AdamEps }),
	flagOf("max-grad-norm", "clip gradients to this global L2 norm (0: no clipping)", func(c *train.Config) *float64 { return &c.MaxGradNorm }),
	flagOf("schedule", "learning-rate schedule (HF's names): linear, cosine, constant or constant_with_warmup", func(c *train.Config) *string { return &c.Schedule }),
	flagOf("warmup-ratio", "fraction of the steps spent warming up", func(c *train.Config) *float64 { return &c.WarmupRatio }),
	flagOf("seed", "seed for initialisation, shuffling and dropout", func(c *train.Config) *int64 { return &c.Seed }),
	flagOf("max-length", "sub-tokens per window including [CLS]/[SEP]; longer sentences are split into overlapping windows", func(c *train.Config) *int { return &c.MaxLength }),
	flagOf("stride", "overlap in sub-tokens between windows of a long sentence (0: 128, at most half a window; negative: none)", func(c *train.Config) *int { return &c.Stride }),
	flagOf("label-all-tokens", "train on every sub-token (B-X becomes I-X on continuations), not only the first of each word", func(c *train.Config) *bool { return &c.LabelAllTokens }),
	flagOf("group-by-length", "batch sentences of similar length together (less padding)", func(c *train.Config) *bool { return &c.GroupByLength }),
	flagOf("dropout", "hidden and attention dropout probability (unset: the model's config; presets bring theirs)", func(c *train.Config) **float64 { return &c.Dropout }),
	flagOf("metric", "dev metric that picks the best checkpoint: f1, precision, recall or loss", func(c *train.Config) *string { return &c.Metric }),
	flagOf("patience", "stop after this many epochs without dev improvement (0: never)", func(c *train.Config) *int { return &c.Patience }),
	flagOf("threads", "CPU threads (0: all cores)", func(c *train.Config) *int { return &c.Threads }),
	flagOf("precision", "matrix products: fp32, or bf16 (bfloat16 operands, float32 sums, as PyTorch autocast; weights, optimizer and the saved model stay float32)", func(c *train.Config) *string { return &c.Precision }),
	flagOf("score-mode", "entity scoring: conlleval or strict (seqeval IOB2 strict)", func(c *train.Config) *string { return &c.ScoreMode }),
	flagOf("max-steps", "stop after this many optimizer steps (0: no limit)", func(c *train.Config) *int { return &c.MaxSteps }),
	flagOf("head", "head over the classifier: softmax (transformers' token classifier) or crf (a linear-chain CRF over the words' first sub-tokens)", func(c *train.Config) *string { return &c.Head }),
	flagOf("crf-constrained", "crf head: hold the transitions the tagging scheme forbids at -inf (gold tags that break the scheme are repaired)", func(c *train.Config) *bool { return &c.CRFConstrained }),
	flagOf("decode", "softmax head: how dev/test predictions are decoded, argmax or constrained (the best sequence the scheme allows); saved with the model", func(c *train.Config) *string { return &c.Decode }),
	flagOf("out", "run directory", func(c *train.Config) *string { return &c.Out }),
	flagOf("overwrite", "replace an existing run directory", func(c *train.Config) *bool { return &c.Overwrite }),
}

// trainOptions are what `nerkit train` parsed: the settings' flags, bound
// to flagged, and the two that are not settings of a run.
type trainOptions struct {
	flagged    train.Config
	configFile string
	resume     string
}

func init() {
	cmd, _ := newTrainCmd()
	rootCmd.AddCommand(cmd)
}

// newTrainCmd is `nerkit train` with its flags bound to the options it
// returns.
func newTrainCmd() (*cobra.Command, *trainOptions) {
	o := &trainOptions{flagged: train.Defaults()}
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
		RunE: func(cmd *cobra.Command, _ []string) error { return runTrain(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.configFile, "config", "", "YAML or JSON file with any of the settings below (flags override it)")
	f.StringVar(&o.resume, "resume", "", "continue the interrupted run in this run directory")
	for _, tf := range trainFlags {
		tf.bind(f, &o.flagged)
	}
	return cmd, o
}

// runTrain resolves the run's configuration (or the resumed run's) and
// trains until done or interrupted.
func runTrain(cmd *cobra.Command, o *trainOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.resume != "" {
		cfg, err := resumedConfig(cmd.Flags(), o)
		if err != nil {
			return err
		}
		return runTraining(ctx, cmd, cfg, true)
	}
	cfg, err := resolveConfig(cmd, o)
	if err != nil {
		return err
	}
	return runTraining(ctx, cmd, cfg, false)
}

// resumedConfig is the configuration saved in the run directory; only
// --threads and --precision may change on resuming.
func resumedConfig(flags *pflag.FlagSet, o *trainOptions) (train.Config, error) {
	saved, err := train.LoadRunConfig(o.resume)
	if err != nil {
		return saved, fmt.Errorf("--resume: %w", err)
	}
	if flags.Changed("threads") {
		saved.Threads = o.flagged.Threads
	}
	if flags.Changed("precision") {
		saved.Precision = o.flagged.Precision
	}
	return saved, nil
}

// resolveConfig layers the run's settings, each outranking the ones
// before: the defaults (with no data flags, the embedded demo), the
// preset's settings, --config, then every flag the user set.
func resolveConfig(cmd *cobra.Command, o *trainOptions) (train.Config, error) {
	flags := cmd.Flags()
	resolved := train.Defaults()
	if !flags.Changed("train") && o.configFile == "" {
		// The embedded demo: FactRuEval-2016 with the scratch preset.
		resolved.Train = train.EmbeddedData
		resolved.Model = defaultScratchModel
		resolved.Labels = "preset"
		if flags.Changed("model") {
			resolved.Model = o.flagged.Model
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "no --train given: training %s on the embedded FactRuEval-2016 corpus (MIT licence)\n", resolved.Model)
	}
	if flags.Changed("model") {
		resolved.Model = o.flagged.Model // the preset to apply may come from the flag
	}
	var err error
	if o.configFile != "" {
		if resolved, err = train.LoadConfigFile(o.configFile, resolved); err != nil {
			return resolved, err
		}
	}
	if p, ok, err := train.LookupPreset(resolved.Model); err != nil {
		return resolved, err
	} else if ok {
		p.Apply(&resolved)
		if o.configFile != "" {
			// The config file outranks the preset's defaults.
			if resolved, err = train.LoadConfigFile(o.configFile, resolved); err != nil {
				return resolved, err
			}
		}
	}
	applySetFlags(flags, &resolved, &o.flagged)
	return resolved, nil
}

// applySetFlags copies every setting whose flag the user set from flagged
// onto dst.
func applySetFlags(flags *pflag.FlagSet, dst, flagged *train.Config) {
	byName := make(map[string]trainFlag, len(trainFlags))
	for _, tf := range trainFlags {
		byName[tf.name] = tf
	}
	flags.Visit(func(f *pflag.Flag) {
		if tf, ok := byName[f.Name]; ok {
			tf.copy(dst, flagged)
		}
	})
}

func runTraining(ctx context.Context, cmd *cobra.Command, cfg train.Config, resume bool) error {
	stderr := cmd.ErrOrStderr()
	opt := train.Options{Log: stderr, Resume: resume, Progress: progress.Terminal(stderr)}
	start := time.Now()
	res, err := train.Run(ctx, cfg, opt)
	if err != nil {
		return withFlagNames(err, cfg)
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
	if a := advice.Line(res.Advice); a != "" {
		fmt.Fprintln(out, a)
	}
	return nil
}

// withFlagNames says in the command line's terms what train's errors say in
// config.yaml's: the flag of a bad setting, the flags that get past a run
// directory in use, and how to continue an interrupted run.
func withFlagNames(err error, cfg train.Config) error {
	if se, ok := err.(*train.SettingError); ok {
		flag := "--" + flagName(se.Key)
		if se.Value != "" {
			flag += " " + se.Value
		}
		return fmt.Errorf("%v (%s)", se.Err, flag)
	}
	switch {
	case errors.Is(err, train.ErrRunDirInUse):
		return fmt.Errorf("%w: pass --overwrite to replace it, --resume to continue it, or choose another --out", err)
	case train.IsInterrupted(err):
		return fmt.Errorf("%w (continue with --resume %s)", err, cfg.Out)
	}
	return err
}

// flagName is the flag of a config.yaml key: max_length is --max-length.
func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// optionalFloat is a float flag whose unset state is nil (--dropout: unset
// means the model's own).
type optionalFloat struct{ p **float64 }

func (f optionalFloat) String() string {
	if f.p == nil || *f.p == nil {
		return ""
	}
	return fmt.Sprint(**f.p)
}

func (f optionalFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*f.p = &v
	return nil
}

func (optionalFloat) Type() string { return "float" }

// schemeName is --scheme on a config: the scheme's name, checked.
type schemeName struct{ p *string }

func (s schemeName) String() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

func (s schemeName) Set(name string) error {
	sc, err := conll.ParseScheme(name)
	if err != nil {
		return err
	}
	*s.p = sc.String()
	return nil
}

func (schemeName) Type() string { return "scheme" }
