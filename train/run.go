package train

import (
	"context"
	"errors"
	"fmt"
	"github.com/nerkit/nerkit/advice"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/defaultdata"
	"github.com/nerkit/nerkit/evaluate"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/optim"
	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/progress"
)

// EmbeddedData as the training file selects the embedded FactRuEval-2016
// corpus (train, dev and test).
const EmbeddedData = "embedded:factrueval2016"

// Files in a run directory.
const (
	ModelDirName      = "model"      // the best model, HF layout
	CheckpointDirName = "checkpoint" // the latest resumable state
	ConfigFileName    = "config.yaml"
	stateFileName     = "trainer_state.json"
	optimizerFileName = "optimizer.safetensors"
)

// Result is what a finished run reports.
type Result struct {
	Dir       string
	Dev, Test *evaluate.Evaluation
	State     State
	Advice    []advice.Finding // what the run's numbers suggest trying next
}

// Options are the run's environment, not its recipe.
type Options struct {
	Log      io.Writer      // one-line summaries; nil: silent
	Progress progress.Meter // nil: no progress bars
	Resume   bool           // continue the run in cfg.Out from its checkpoint
}

// SettingError is an error in one setting of the run. Key is the setting's
// name in config.yaml and Value, when set, the value at fault; the message
// names them, a command line would name its flag instead.
type SettingError struct {
	Key, Value string
	Err        error
}

func (e *SettingError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%v (%s: %s)", e.Err, e.Key, e.Value)
	}
	return fmt.Sprintf("%v (%s)", e.Err, e.Key)
}

func (e *SettingError) Unwrap() error { return e.Err }

// ErrRunDirInUse is returned when the run directory holds files and the run
// is told neither to overwrite nor to resume it.
var ErrRunDirInUse = errors.New("already exists and is not empty")

// errInterrupted is returned when a signal stopped training.
var errInterrupted = errors.New("interrupted")

// IsInterrupted reports whether err means the run was stopped by a signal
// after writing a resumable checkpoint.
func IsInterrupted(err error) bool { return errors.Is(err, errInterrupted) }

// logf writes one line of progress.
func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// Run trains according to cfg. When ctx is cancelled (SIGINT/SIGTERM) it
// writes a resumable checkpoint and returns an error IsInterrupted accepts.
func Run(ctx context.Context, cfg Config, opt Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := prepareRunDir(cfg.Out, cfg.Overwrite, opt.Resume); err != nil {
		return nil, err
	}
	if cfg.Threads > 0 {
		parallel.SetThreads(cfg.Threads)
	}
	if err := extractEmbeddedData(&cfg); err != nil {
		return nil, err
	}
	mode, err := metrics.ParseMode(cfg.ScoreMode)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	files, err := readData(cfg, opt.Log)
	if err != nil {
		return nil, err
	}
	ld, err := loadModel(ctx, &cfg, files, opt.Log)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, opt: opt, mode: mode, ld: ld}
	if err := r.encodeData(files); err != nil {
		return nil, err
	}
	if n := ld.Head.Repairs(r.train.Examples); n > 0 {
		logf(opt.Log, "crf: %d of %d training windows have gold tags the scheme forbids; the constrained CRF trains on them repaired", n, len(r.train.Examples))
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	r.prepTime = time.Since(t0)
	return r.loop(ctx)
}

// prepareRunDir refuses to overwrite a previous run unless told.
func prepareRunDir(dir string, overwrite, resume bool) error {
	if dir == "" {
		return &SettingError{Key: "out", Err: errors.New("no output directory")}
	}
	if resume {
		if _, err := os.Stat(filepath.Join(dir, CheckpointDirName, stateFileName)); err != nil {
			return fmt.Errorf("run directory %s has no checkpoint to resume (%s missing)", dir, filepath.Join(CheckpointDirName, stateFileName))
		}
		return nil
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		if !overwrite {
			return fmt.Errorf("run directory %s %w", dir, ErrRunDirInUse)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create run directory %s: %w", dir, err)
	}
	probe := filepath.Join(dir, ".write-test")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		return fmt.Errorf("run directory %s is not writable: %w", dir, err)
	}
	return os.Remove(probe)
}

// extractEmbeddedData writes the demo corpus into the run directory (with
// its licence) when it is the training data, so predictions and reports
// name files that persist.
func extractEmbeddedData(cfg *Config) error {
	if cfg.Train != EmbeddedData {
		return nil
	}
	tr, dev, test, err := defaultdata.Extract(filepath.Join(cfg.Out, "data"))
	if err != nil {
		return err
	}
	cfg.Train, cfg.Dev, cfg.Test = tr, dev, test
	return nil
}

// dataFiles are the run's CoNLL files; dev and test may be nil.
type dataFiles struct{ train, dev, test *conll.File }

// readData reads the training file and, when given, dev and test, warning
// about tag-sequence violations.
func readData(cfg Config, log io.Writer) (dataFiles, error) {
	scheme, err := conll.ParseScheme(cfg.Scheme)
	if err != nil {
		return dataFiles{}, err
	}
	format := conll.Options{TokenCol: cfg.TokenCol, TagCol: cfg.TagCol, Scheme: scheme}
	var d dataFiles
	if d.train, err = conll.ReadFile(cfg.Train, format); err != nil {
		return d, err
	}
	logf(log, "train: %s — %d sentences; %s", cfg.Train, len(d.train.Sentences), d.train.Detection)
	warnViolations(log, d.train)
	for _, f := range []struct {
		path string
		dst  **conll.File
	}{{cfg.Dev, &d.dev}, {cfg.Test, &d.test}} {
		if f.path == "" {
			continue
		}
		if *f.dst, err = conll.ReadFile(f.path, format); err != nil {
			return d, err
		}
		warnViolations(log, *f.dst)
	}
	return d, nil
}

func warnViolations(w io.Writer, f *conll.File) {
	if n := len(f.Violations); n > 0 {
		logf(w, "%s: %d tag-sequence violations kept as they are (first: %s); `nerkit stats` lists them", f.Name, n, f.Violations[0])
	}
}

// loadModel builds the model the run starts from with the run's label set,
// checks every file's tags against it and sets threads and AdamW.
func loadModel(ctx context.Context, cfg *Config, files dataFiles, log io.Writer) (*modeldir.Loaded, error) {
	labelsFor := func(modelLabels *conll.LabelSet) (*conll.LabelSet, error) {
		switch cfg.Labels {
		case "preset":
			return conll.PresetLabels(), nil
		case "model":
			if modelLabels == nil {
				return nil, &SettingError{Key: "labels", Value: "model", Err: fmt.Errorf("%s has no id2label to take the labels from", cfg.Model)}
			}
			return modelLabels, nil
		}
		return conll.LabelsFromSentences(files.train.Sentences), nil
	}
	ld, err := loadForTraining(ctx, cfg, labelsFor)
	if err != nil {
		return nil, err
	}
	for _, n := range ld.Notes {
		logf(log, "model: %s", n)
	}
	logf(log, "labels: %s", ld.Labels)
	for _, f := range []*conll.File{files.train, files.dev, files.test} {
		if f == nil {
			continue
		}
		if err := ld.Labels.Validate(f); err != nil {
			return nil, err
		}
	}
	if n := ld.Model.Config().MaxSequenceLength(); cfg.MaxLength > n {
		return nil, &SettingError{Key: "max_length", Err: fmt.Errorf("%d exceeds the model's %d positions", cfg.MaxLength, n)}
	}
	if err := attachHead(cfg, ld, log); err != nil {
		return nil, err
	}
	// Saved with the model, so evaluating it later cuts texts as the run did.
	ld.Windowing = modeldir.Windowing{MaxLength: cfg.MaxLength, Stride: cfg.Stride}
	ld.Model.SetOptimizer(optim.AdamWConfig{Beta1: cfg.AdamBeta1, Beta2: cfg.AdamBeta2, Eps: cfg.AdamEps, WeightDecay: cfg.WeightDecay})
	prec, err := bert.ParsePrecision(cfg.Precision) // validated
	if err != nil {
		return nil, err
	}
	if err := ld.Model.SetPrecision(prec); err != nil {
		return nil, err
	}
	if prec != bert.FP32 {
		logf(log, "precision: %s products (%s), float32 weights, optimizer and saved model", prec, prec.Kernel())
	}
	if w := prec.EmulationWarning(); w != "" {
		logf(log, "warning: %s", w)
	}
	return ld, nil
}

// encodeData turns the files into model inputs: the training file with the
// run's sub-token labelling, dev and test with first sub-tokens only.
func (r *runner) encodeData(files dataFiles) error {
	var err error
	if r.train, err = r.encode("train", files.train); err != nil {
		return err
	}
	if r.dev, err = r.encode("dev", files.dev); err != nil {
		return err
	}
	if r.test, err = r.encode("test", files.test); err != nil {
		return err
	}
	if len(r.train.Examples) == 0 {
		return fmt.Errorf("%s: no sentence with tokens to train on", r.cfg.Train)
	}
	return nil
}

func (r *runner) encode(name string, f *conll.File) (*evaluate.Split, error) {
	if f == nil {
		return nil, nil
	}
	cfg := r.cfg
	words, err := r.ld.Words()
	if err != nil {
		return nil, err
	}
	ex, st, err := dataset.Encode(f.Sentences, words, r.ld.Labels, dataset.Options{
		MaxLen: cfg.MaxLength, Stride: cfg.Stride, LabelAllTokens: cfg.LabelAllTokens && name == "train", Source: f.Name})
	if err != nil {
		return nil, err
	}
	if st.SplitSentences > 0 {
		logf(r.opt.Log, "%s: %d sentences longer than %d sub-tokens split into overlapping windows (%d examples)", name, st.SplitSentences, cfg.MaxLength, st.Examples)
	}
	return &evaluate.Split{Name: name, File: f, Examples: ex, Stats: st}, nil
}

// start continues the checkpoint of a resumed run, or records a new run's
// configuration.
func (r *runner) start() error {
	r.state.BestMetric = math.Inf(-1)
	if !r.opt.Resume {
		return SaveRunConfig(r.cfg.Out, r.cfg)
	}
	if err := r.restore(); err != nil {
		return err
	}
	logf(r.opt.Log, "resuming %s at epoch %d, step %d", r.cfg.Out, r.state.Epoch+1, r.state.GlobalStep)
	return nil
}

// attachHead builds the run's head over the classifier; a CRF's parameters
// join the model's (before the optimizer starts).
func attachHead(cfg *Config, ld *modeldir.Loaded, log io.Writer) error {
	kind, _ := head.ParseKind(cfg.Head) // Validate has checked both
	decode, _ := head.ParseDecode(cfg.Decode)
	h, err := head.New(ld.Labels.Labels(), kind, cfg.CRFConstrained, decode)
	if err != nil {
		return &SettingError{Key: "head", Value: cfg.Head, Err: err}
	}
	if err := h.Attach(ld.Model); err != nil {
		return err
	}
	ld.Head = h
	logf(log, "head: %s, decoding %s", h.Kind(), h.Decoding())
	return nil
}
