package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/defaultdata"
	"github.com/nerkit/nerkit/evaluate"
	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/kernels"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/optim"
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

// StepRecord is one optimizer step.
type StepRecord struct {
	Step     int     `json:"step"`
	Epoch    float64 `json:"epoch"`
	Loss     float64 `json:"loss"`
	LR       float64 `json:"lr"`
	GradNorm float64 `json:"grad_norm"`
}

// EpochRecord is one epoch's summary.
type EpochRecord struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	DevLoss      float64 `json:"dev_loss"`
	DevPrecision float64 `json:"dev_precision"`
	DevRecall    float64 `json:"dev_recall"`
	DevF1        float64 `json:"dev_f1"`
	Seconds      float64 `json:"seconds"`
	TokensPerSec float64 `json:"train_tokens_per_s"`
}

// epochJSON is EpochRecord with the dev figures as pointers: a run without
// dev has NaN there, which JSON cannot hold, so they are written as null.
type epochJSON struct {
	Epoch        int      `json:"epoch"`
	TrainLoss    float64  `json:"train_loss"`
	DevLoss      *float64 `json:"dev_loss"`
	DevPrecision *float64 `json:"dev_precision"`
	DevRecall    *float64 `json:"dev_recall"`
	DevF1        *float64 `json:"dev_f1"`
	Seconds      float64  `json:"seconds"`
	TokensPerSec float64  `json:"train_tokens_per_s"`
}

// MarshalJSON writes NaN dev figures as null.
func (e EpochRecord) MarshalJSON() ([]byte, error) {
	return json.Marshal(epochJSON{e.Epoch, e.TrainLoss, ptr(e.DevLoss), ptr(e.DevPrecision), ptr(e.DevRecall), ptr(e.DevF1), e.Seconds, e.TokensPerSec})
}

// UnmarshalJSON reads null dev figures back as NaN.
func (e *EpochRecord) UnmarshalJSON(b []byte) error {
	var j epochJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*e = EpochRecord{j.Epoch, j.TrainLoss, val(j.DevLoss), val(j.DevPrecision), val(j.DevRecall), val(j.DevF1), j.Seconds, j.TokensPerSec}
	return nil
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// State is what a resumed run needs besides parameters and optimizer
// moments. Batches of an epoch depend only on (seed, epoch), and dropout
// only on (seed, DropoutCalls), so these counters continue the same run.
type State struct {
	Epoch        int           `json:"epoch"`         // completed epochs
	StepInEpoch  int           `json:"step_in_epoch"` // optimizer steps done in the current epoch
	GlobalStep   int           `json:"global_step"`
	DropoutCalls uint64        `json:"dropout_calls"`
	EpochLossSum float64       `json:"epoch_loss_sum"` // of the steps done in the current epoch
	BestMetric   float64       `json:"best_metric"`
	BestEpoch    int           `json:"best_epoch"`
	BadEpochs    int           `json:"bad_epochs"` // epochs since the best, for patience
	Steps        []StepRecord  `json:"steps"`
	Epochs       []EpochRecord `json:"epochs"`
	Seconds      float64       `json:"train_seconds"`
}

// Result is what a finished run reports.
type Result struct {
	Dir       string
	Dev, Test *evaluate.Evaluation
	State     State
}

// Options are the run's environment, not its recipe.
type Options struct {
	Log      io.Writer      // one-line summaries; nil: silent
	Progress progress.Meter // nil: no progress bars
	Resume   bool           // continue the run in cfg.Out from its checkpoint
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
		kernels.SetThreads(cfg.Threads)
	}
	if cfg.Train == EmbeddedData {
		// The demo corpus is written into the run directory (with its
		// licence), so predictions and reports name files that persist.
		tr, dev, test, err := defaultdata.Extract(filepath.Join(cfg.Out, "data"))
		if err != nil {
			return nil, err
		}
		cfg.Train, cfg.Dev, cfg.Test = tr, dev, test
	}
	mode, err := metrics.ParseMode(cfg.ScoreMode)
	if err != nil {
		return nil, err
	}
	scheme, err := conll.ParseScheme(cfg.Scheme)
	if err != nil {
		return nil, err
	}
	format := conll.Options{TokenCol: cfg.TokenCol, TagCol: cfg.TagCol, Scheme: scheme}

	t0 := time.Now()
	trainFile, err := conll.ReadFile(cfg.Train, format)
	if err != nil {
		return nil, err
	}
	logf(opt.Log, "train: %s — %d sentences; %s", cfg.Train, len(trainFile.Sentences), trainFile.Detection)
	warnViolations(opt.Log, trainFile)
	var devFile, testFile *conll.File
	if cfg.Dev != "" {
		if devFile, err = conll.ReadFile(cfg.Dev, format); err != nil {
			return nil, err
		}
		warnViolations(opt.Log, devFile)
	}
	if cfg.Test != "" {
		if testFile, err = conll.ReadFile(cfg.Test, format); err != nil {
			return nil, err
		}
		warnViolations(opt.Log, testFile)
	}

	labelsFor := func(modelLabels *conll.LabelSet) (*conll.LabelSet, error) {
		switch cfg.Labels {
		case "preset":
			return conll.PresetLabels(), nil
		case "model":
			if modelLabels == nil {
				return nil, fmt.Errorf("--labels model: %s has no id2label", cfg.Model)
			}
			return modelLabels, nil
		}
		return conll.LabelsFromSentences(trainFile.Sentences), nil
	}
	ld, err := loadForTraining(ctx, &cfg, labelsFor)
	if err != nil {
		return nil, err
	}
	for _, n := range ld.Notes {
		logf(opt.Log, "model: %s", n)
	}
	logf(opt.Log, "labels: %s", ld.Labels)
	for _, f := range []*conll.File{trainFile, devFile, testFile} {
		if f == nil {
			continue
		}
		if err := ld.Labels.Validate(f); err != nil {
			return nil, err
		}
	}
	if cfg.Threads > 0 {
		ld.Model.SetThreads(cfg.Threads)
	}
	ld.Model.SetOptimizer(optim.AdamWConfig{Beta1: cfg.AdamBeta1, Beta2: cfg.AdamBeta2, Eps: cfg.AdamEps, WeightDecay: cfg.WeightDecay})

	encode := func(name string, f *conll.File) (*evaluate.Split, error) {
		if f == nil {
			return nil, nil
		}
		ex, st, err := dataset.Encode(f.Sentences, ld.Tok, ld.Labels, dataset.Options{
			MaxLen: cfg.MaxLength, Stride: cfg.Stride, LabelAllTokens: cfg.LabelAllTokens && name == "train", Source: f.Name})
		if err != nil {
			return nil, err
		}
		if st.SplitSentences > 0 {
			logf(opt.Log, "%s: %d sentences longer than %d sub-tokens split into overlapping windows (%d examples)", name, st.SplitSentences, cfg.MaxLength, st.Examples)
		}
		return &evaluate.Split{Name: name, File: f, Examples: ex, Stats: st}, nil
	}
	trainSplit, err := encode("train", trainFile)
	if err != nil {
		return nil, err
	}
	devSplit, err := encode("dev", devFile)
	if err != nil {
		return nil, err
	}
	testSplit, err := encode("test", testFile)
	if err != nil {
		return nil, err
	}
	if len(trainSplit.Examples) == 0 {
		return nil, fmt.Errorf("%s: no sentence with tokens to train on", cfg.Train)
	}

	r := &runner{cfg: cfg, opt: opt, mode: mode, ld: ld, train: trainSplit, dev: devSplit, test: testSplit}
	r.state.BestMetric = math.Inf(-1)
	if opt.Resume {
		if err := r.restore(); err != nil {
			return nil, err
		}
		logf(opt.Log, "resuming %s at epoch %d, step %d", cfg.Out, r.state.Epoch+1, r.state.GlobalStep)
	} else if err := cfg.Save(filepath.Join(cfg.Out, ConfigFileName)); err != nil {
		return nil, err
	}
	r.prepTime = time.Since(t0)
	return r.loop(ctx)
}

func warnViolations(w io.Writer, f *conll.File) {
	if n := len(f.Violations); n > 0 {
		logf(w, "%s: %d tag-sequence violations kept as they are (first: %s); `nerkit stats` lists them", f.Name, n, f.Violations[0])
	}
}

// prepareRunDir refuses to overwrite a previous run unless told.
func prepareRunDir(dir string, overwrite, resume bool) error {
	if dir == "" {
		return errors.New("no output directory (--out)")
	}
	if resume {
		if _, err := os.Stat(filepath.Join(dir, CheckpointDirName, stateFileName)); err != nil {
			return fmt.Errorf("--resume %s: no checkpoint to resume (%s missing)", dir, filepath.Join(CheckpointDirName, stateFileName))
		}
		return nil
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		if !overwrite {
			return fmt.Errorf("run directory %s already exists and is not empty: pass --overwrite to replace it, --resume to continue it, or choose another --out", dir)
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

type runner struct {
	cfg              Config
	opt              Options
	mode             metrics.Mode
	ld               *modeldir.Loaded
	train, dev, test *evaluate.Split
	state            State
	prepTime         time.Duration
	stepsPerEpoch    int
	totalSteps       int
	schedule         optim.Schedule
	lastDev          *evaluate.Evaluation
}

func (r *runner) plan(epoch int) ([][]int, error) {
	order := dataset.Shuffled
	if r.cfg.GroupByLength {
		order = dataset.GroupByLength
	}
	return dataset.Plan(r.train.Examples, r.cfg.BatchSize, uint64(r.cfg.Seed), epoch, dataset.BatchOptions{Order: order, PadID: r.ld.Tok.PadID()})
}

func (r *runner) loop(ctx context.Context) (*Result, error) {
	cfg := r.cfg
	batches := (len(r.train.Examples) + cfg.BatchSize - 1) / cfg.BatchSize
	r.stepsPerEpoch = (batches + cfg.GradAccum - 1) / cfg.GradAccum
	epochs := int(math.Ceil(cfg.Epochs))
	r.totalSteps = int(math.Ceil(cfg.Epochs * float64(r.stepsPerEpoch)))
	if cfg.MaxSteps > 0 && (cfg.MaxSteps < r.totalSteps || cfg.Epochs <= 0) {
		r.totalSteps = cfg.MaxSteps
		epochs = (r.totalSteps + r.stepsPerEpoch - 1) / r.stepsPerEpoch
	}
	warmup := int(math.Ceil(cfg.WarmupRatio * float64(r.totalSteps)))
	sched, err := optim.ParseSchedule(cfg.Schedule, warmup, r.totalSteps)
	if err != nil {
		return nil, err // Validate has refused it already
	}
	r.schedule = sched
	pad, total := 0, 0
	if plan, err := r.plan(0); err == nil {
		pad, total = dataset.Padding(r.train.Examples, plan)
	}
	logf(r.opt.Log, "training: %d examples, %d epochs × %d steps (batch %d × accumulation %d), lr %g, %s schedule, warmup %d steps, padding %.1f%%",
		len(r.train.Examples), epochs, r.stepsPerEpoch, cfg.BatchSize, cfg.GradAccum, cfg.LR, cfg.Schedule, warmup, 100*float64(pad)/float64(max(total, 1)))

	m := r.ld.Model
	padID := r.ld.Tok.PadID()
	for epoch := r.state.Epoch; epoch < epochs && r.state.GlobalStep < r.totalSteps; epoch++ {
		plan, err := r.plan(epoch)
		if err != nil {
			return nil, err
		}
		epochStart := time.Now()
		steps := min(r.stepsPerEpoch, r.totalSteps-r.state.GlobalStep+r.state.StepInEpoch)
		bar := progress.Start(r.opt.Progress, fmt.Sprintf("epoch %d/%d", epoch+1, epochs), steps, "steps")
		bar.Add(r.state.StepInEpoch)
		epochTokens := 0
		for step := r.state.StepInEpoch; step < r.stepsPerEpoch && r.state.GlobalStep < r.totalSteps; step++ {
			if ctx.Err() != nil {
				bar.Finish()
				r.state.Seconds += time.Since(epochStart).Seconds()
				if err := r.saveCheckpoint(); err != nil {
					return nil, fmt.Errorf("interrupted, and the checkpoint could not be written: %w", err)
				}
				return nil, fmt.Errorf("%w at epoch %d step %d: resumable checkpoint in %s (continue with --resume %s)",
					errInterrupted, epoch+1, step, filepath.Join(cfg.Out, CheckpointDirName), cfg.Out)
			}
			lo := step * cfg.GradAccum
			hi := min(lo+cfg.GradAccum, len(plan))
			micro := plan[lo:hi]
			n := 0
			for _, rows := range micro {
				for _, i := range rows {
					for _, l := range r.train.Examples[i].Labels {
						if l != dataset.IgnoreLabel {
							n++
						}
					}
				}
			}
			m.ZeroGrad()
			var lossSum float64
			var b dataset.Batch
			for _, rows := range micro {
				b.Fill(r.train.Examples, rows, padID)
				loss, err := m.Forward(&b, true)
				if err != nil {
					return nil, err
				}
				k := bert.LabelledTokens(&b)
				lossSum += float64(loss) * float64(k)
				if err := m.Backward(n); err != nil {
					return nil, err
				}
				epochTokens += b.Size * b.Len
			}
			lr := optim.LR(cfg.LR, r.schedule, r.state.GlobalStep)
			norm := m.Step(lr, cfg.MaxGradNorm)
			loss := lossSum / float64(max(n, 1))
			r.state.GlobalStep++
			r.state.StepInEpoch = step + 1
			r.state.EpochLossSum += loss
			r.state.Steps = append(r.state.Steps, StepRecord{Step: r.state.GlobalStep, Epoch: float64(r.state.GlobalStep) / float64(r.stepsPerEpoch), Loss: loss, LR: lr, GradNorm: norm})
			bar.Add(1)
		}
		bar.Finish()
		secs := time.Since(epochStart).Seconds()
		r.state.Seconds += secs
		rec := EpochRecord{Epoch: epoch + 1, TrainLoss: r.state.EpochLossSum / float64(max(r.state.StepInEpoch, 1)),
			DevLoss: math.NaN(), DevPrecision: math.NaN(), DevRecall: math.NaN(), DevF1: math.NaN(),
			Seconds: secs, TokensPerSec: float64(epochTokens) / secs}
		improved := false
		if r.dev != nil {
			ev, err := evaluate.Evaluate(ctx, m, r.ld.Labels, r.dev, cfg.EvalBatchSize, padID, r.mode, r.opt.Progress)
			if err != nil {
				if ctx.Err() == nil {
					return nil, err
				}
				// Interrupted during evaluation: the epoch's training is done.
			} else {
				rec.DevLoss, rec.DevPrecision, rec.DevRecall, rec.DevF1 = ev.Loss, ev.Result.Precision, ev.Result.Recall, ev.Result.F1
				r.lastDev = ev
				score := ev.Result.F1
				switch cfg.Metric {
				case "precision":
					score = ev.Result.Precision
				case "recall":
					score = ev.Result.Recall
				case "loss":
					score = -ev.Loss
				}
				improved = score > r.state.BestMetric
				if improved {
					r.state.BestMetric, r.state.BestEpoch, r.state.BadEpochs = score, epoch+1, 0
				} else {
					r.state.BadEpochs++
				}
			}
		} else {
			improved = true // without dev, the last epoch is the best
			r.state.BestEpoch = epoch + 1
		}
		r.state.Epochs = append(r.state.Epochs, rec)
		r.state.Epoch = epoch + 1
		r.state.StepInEpoch = 0
		r.state.EpochLossSum = 0
		logf(r.opt.Log, "epoch %d/%d: train loss %.4f, dev loss %.4f, dev P/R/F1 %.2f/%.2f/%.2f, %.0f s, %.0f tokens/s%s",
			epoch+1, epochs, rec.TrainLoss, rec.DevLoss, 100*rec.DevPrecision, 100*rec.DevRecall, 100*rec.DevF1, secs, rec.TokensPerSec, mark(improved))
		if improved {
			if err := modeldir.Save(filepath.Join(cfg.Out, ModelDirName), r.ld, nil); err != nil {
				return nil, fmt.Errorf("saving the best model: %w", err)
			}
		}
		if err := r.saveCheckpoint(); err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w after epoch %d: resumable checkpoint in %s (continue with --resume %s)",
				errInterrupted, epoch+1, filepath.Join(cfg.Out, CheckpointDirName), cfg.Out)
		}
		if cfg.Patience > 0 && r.state.BadEpochs >= cfg.Patience {
			logf(r.opt.Log, "early stopping: dev %s has not improved for %d epochs", cfg.Metric, cfg.Patience)
			break
		}
	}
	return r.finish(ctx)
}

func mark(improved bool) string {
	if improved {
		return "  ← best, saved"
	}
	return ""
}

// saveCheckpoint writes parameters, optimizer moments and counters as one
// directory swap, so a crash mid-write leaves the previous checkpoint whole.
func (r *runner) saveCheckpoint() error {
	ts := r.ld.Model.TrainState()
	r.state.DropoutCalls = ts.DropoutCalls
	st := r.state
	st.BestMetric = finiteOr(st.BestMetric, -1e308)
	return modeldir.Save(filepath.Join(r.cfg.Out, CheckpointDirName), r.ld, func(tmp string) error {
		err := checkpoint.WriteSafetensors(filepath.Join(tmp, optimizerFileName), ts.Moments, map[string]string{
			"steps": strconv.Itoa(ts.Steps), "dropout_calls": strconv.FormatUint(ts.DropoutCalls, 10)})
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(tmp, stateFileName), b)
	})
}

func finiteOr(x, alt float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return alt
	}
	return x
}

// restore loads the checkpoint written by saveCheckpoint into the model.
func (r *runner) restore() error {
	dir := filepath.Join(r.cfg.Out, CheckpointDirName)
	b, err := os.ReadFile(filepath.Join(dir, stateFileName))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &r.state); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, stateFileName), err)
	}
	_, tensors, err := checkpoint.LoadDir(dir)
	if err != nil {
		return err
	}
	m := r.ld.Model
	for name, dst := range m.Tensors() {
		src, ok := tensors[name]
		if !ok || len(src.Data) != len(dst.Data) {
			return fmt.Errorf("%s: tensor %s missing or of the wrong size", dir, name)
		}
		copy(dst.Data, src.Data)
	}
	mom, err := checkpoint.ReadSafetensors(filepath.Join(dir, optimizerFileName))
	if err != nil {
		return err
	}
	if err := m.SetTrainState(bert.TrainState{Steps: r.state.GlobalStep, DropoutCalls: r.state.DropoutCalls, Moments: mom}); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, optimizerFileName), err)
	}
	if r.state.BestMetric <= -1e308 {
		r.state.BestMetric = math.Inf(-1)
	}
	return nil
}
