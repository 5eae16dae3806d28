package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/evaluate"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/optim"
	"github.com/nerkit/nerkit/progress"
)

// runner is one training run from its first (or resumed) step to its
// reports.
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
	dLogits          []float32 // a CRF head's gradient of the logits, reused
}

// loop trains epoch by epoch: the steps, dev evaluation, the best model and
// a checkpoint after each, until the last epoch, MaxSteps, early stopping
// or an interrupt; then the best model is evaluated and reported.
func (r *runner) loop(ctx context.Context) (*Result, error) {
	epochs, err := r.planSteps()
	if err != nil {
		return nil, err
	}
	for epoch := r.state.Epoch; epoch < epochs && r.state.GlobalStep < r.totalSteps; epoch++ {
		rec, err := r.trainEpoch(ctx, epoch, epochs)
		if err != nil {
			return nil, err
		}
		improved, err := r.evaluateDev(ctx, epoch, &rec)
		if err != nil {
			return nil, err
		}
		if err := r.endEpoch(ctx, epoch, epochs, rec, improved); err != nil {
			return nil, err
		}
		if r.cfg.Patience > 0 && r.state.BadEpochs >= r.cfg.Patience {
			logf(r.opt.Log, "early stopping: dev %s has not improved for %d epochs", r.cfg.Metric, r.cfg.Patience)
			break
		}
	}
	return r.finish(ctx)
}

// planSteps works out steps per epoch, the total (MaxSteps may cut it)
// and the learning-rate schedule, logs the plan and returns the epochs to run.
func (r *runner) planSteps() (epochs int, err error) {
	cfg := r.cfg
	batches := (len(r.train.Examples) + cfg.BatchSize - 1) / cfg.BatchSize
	r.stepsPerEpoch = (batches + cfg.GradAccum - 1) / cfg.GradAccum
	epochs = int(math.Ceil(cfg.Epochs))
	r.totalSteps = int(math.Ceil(cfg.Epochs * float64(r.stepsPerEpoch)))
	if cfg.MaxSteps > 0 && (cfg.MaxSteps < r.totalSteps || cfg.Epochs <= 0) {
		r.totalSteps = cfg.MaxSteps
		epochs = (r.totalSteps + r.stepsPerEpoch - 1) / r.stepsPerEpoch
	}
	warmup := int(math.Ceil(cfg.WarmupRatio * float64(r.totalSteps)))
	if r.schedule, err = optim.ParseSchedule(cfg.Schedule, warmup, r.totalSteps); err != nil {
		return 0, err // Validate has refused it already
	}
	pad, total := 0, 0
	if plan, err := r.plan(0); err == nil {
		pad, total = dataset.Padding(r.train.Examples, plan)
	}
	logf(r.opt.Log, "training: %d examples, %d epochs × %d steps (batch %d × accumulation %d), lr %g, %s schedule, warmup %d steps, padding %.1f%%",
		len(r.train.Examples), epochs, r.stepsPerEpoch, cfg.BatchSize, cfg.GradAccum, cfg.LR, cfg.Schedule, warmup, 100*float64(pad)/float64(max(total, 1)))
	return epochs, nil
}

// plan is the epoch's batches: they depend only on (seed, epoch).
func (r *runner) plan(epoch int) ([][]int, error) {
	order := dataset.Shuffled
	if r.cfg.GroupByLength {
		order = dataset.GroupByLength
	}
	return dataset.Plan(r.train.Examples, r.cfg.BatchSize, uint64(r.cfg.Seed), epoch, dataset.BatchOptions{Order: order, PadID: r.ld.Tok.PadID()})
}

// trainEpoch runs the epoch's remaining steps and returns its record
// without dev figures. An interrupt writes a checkpoint and ends the run.
func (r *runner) trainEpoch(ctx context.Context, epoch, epochs int) (EpochRecord, error) {
	plan, err := r.plan(epoch)
	if err != nil {
		return EpochRecord{}, err
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
				return EpochRecord{}, fmt.Errorf("interrupted, and the checkpoint could not be written: %w", err)
			}
			return EpochRecord{}, r.interruptedError(fmt.Sprintf("at epoch %d step %d", epoch+1, step))
		}
		lo := step * r.cfg.GradAccum
		tokens, err := r.step(plan[lo:min(lo+r.cfg.GradAccum, len(plan))])
		if err != nil {
			return EpochRecord{}, err
		}
		epochTokens += tokens
		r.state.StepInEpoch = step + 1
		bar.Add(1)
	}
	bar.Finish()
	secs := time.Since(epochStart).Seconds()
	r.state.Seconds += secs
	return EpochRecord{Epoch: epoch + 1, TrainLoss: r.state.EpochLossSum / float64(max(r.state.StepInEpoch, 1)),
		DevLoss: math.NaN(), DevPrecision: math.NaN(), DevRecall: math.NaN(), DevF1: math.NaN(),
		Seconds: secs, TokensPerSec: float64(epochTokens) / secs}, nil
}

// step is one optimizer step over its micro-batches: their gradients add
// up to the gradient of one batch's mean loss. It returns the positions
// computed (padding included).
func (r *runner) step(micro [][]int) (tokens int, err error) {
	m := r.ld.Model
	crfHead := r.ld.Head != nil && r.ld.Head.CRF() != nil
	n := r.labelledTokens(micro)
	if crfHead {
		n = head.Words(r.train.Examples, slices.Concat(micro...))
	}
	m.ZeroGrad()
	var lossSum float64
	var b dataset.Batch
	for _, rows := range micro {
		b.Fill(r.train.Examples, rows, r.ld.Tok.PadID())
		loss, err := m.Forward(&b, true)
		if err != nil {
			return 0, err
		}
		if crfHead {
			sum, err := r.crfBackward(&b, n)
			if err != nil {
				return 0, err
			}
			lossSum += sum
		} else {
			lossSum += float64(loss) * float64(bert.LabelledTokens(&b))
			if err := m.Backward(n); err != nil {
				return 0, err
			}
		}
		tokens += b.Size * b.Len
	}
	lr := optim.LR(r.cfg.LR, r.schedule, r.state.GlobalStep)
	norm := m.Step(lr, r.cfg.MaxGradNorm)
	r.ld.Head.AfterStep()
	loss := lossSum / float64(max(n, 1))
	r.state.GlobalStep++
	r.state.EpochLossSum += loss
	r.state.Steps = append(r.state.Steps, StepRecord{Step: r.state.GlobalStep, Epoch: float64(r.state.GlobalStep) / float64(r.stepsPerEpoch), Loss: loss, LR: lr, GradNorm: norm})
	return tokens, nil
}

// crfBackward runs the CRF's loss over the last Forward's logits and its
// gradient back through the model; words is the step's count, so the
// micro-batches' gradients add up to that of the step's mean per word. It
// returns the batch's summed loss.
func (r *runner) crfBackward(b *dataset.Batch, words int) (float64, error) {
	m := r.ld.Model
	logits := m.Logits()
	if cap(r.dLogits) < len(logits) {
		r.dLogits = make([]float32, len(logits))
	}
	d := r.dLogits[:len(logits)]
	sum, _, err := r.ld.Head.Loss(b, r.train.Examples, logits, d, float32(1/float64(max(words, 1))))
	if err != nil {
		return 0, err
	}
	return sum, m.BackwardFrom(d)
}

// labelledTokens counts the sub-tokens with a loss in a step's batches.
func (r *runner) labelledTokens(micro [][]int) int {
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
	return n
}

// evaluateDev scores the epoch's model on dev into rec and reports whether
// it is the best so far; without dev, every epoch is (the last one is kept).
// An interrupt during the evaluation leaves the dev figures out.
func (r *runner) evaluateDev(ctx context.Context, epoch int, rec *EpochRecord) (improved bool, err error) {
	if r.dev == nil {
		r.state.BestEpoch = epoch + 1
		return true, nil
	}
	ev, err := evaluate.Evaluate(ctx, r.ld.Model, r.ld.Labels, r.ld.Head, r.dev, r.cfg.EvalBatchSize, r.ld.Tok.PadID(), r.mode, r.opt.Progress)
	if err != nil {
		if ctx.Err() != nil {
			return false, nil // the epoch's training is done; endEpoch stops the run
		}
		return false, err
	}
	rec.DevLoss, rec.DevPrecision, rec.DevRecall, rec.DevF1 = ev.Loss, ev.Result.Precision, ev.Result.Recall, ev.Result.F1
	score := r.devScore(ev)
	if !(score > r.state.BestMetric) { // a NaN score never improves
		r.state.BadEpochs++
		return false, nil
	}
	r.state.BestMetric, r.state.BestEpoch, r.state.BadEpochs = score, epoch+1, 0
	return true, nil
}

// devScore is the evaluation's Metric, larger being better.
func (r *runner) devScore(ev *evaluate.Evaluation) float64 {
	switch r.cfg.Metric {
	case "precision":
		return ev.Result.Precision
	case "recall":
		return ev.Result.Recall
	case "loss":
		return -ev.Loss
	}
	return ev.Result.F1
}

// endEpoch records the epoch, saves the model when it is the best so far
// and writes the checkpoint; an interrupt then ends the run.
func (r *runner) endEpoch(ctx context.Context, epoch, epochs int, rec EpochRecord, improved bool) error {
	r.state.Epochs = append(r.state.Epochs, rec)
	r.state.Epoch = epoch + 1
	r.state.StepInEpoch = 0
	r.state.EpochLossSum = 0
	logf(r.opt.Log, "epoch %d/%d: train loss %.4f, dev loss %.4f, dev P/R/F1 %.2f/%.2f/%.2f, %.0f s, %.0f tokens/s%s",
		epoch+1, epochs, rec.TrainLoss, rec.DevLoss, 100*rec.DevPrecision, 100*rec.DevRecall, 100*rec.DevF1, rec.Seconds, rec.TokensPerSec, mark(improved))
	if improved {
		if err := modeldir.Save(filepath.Join(r.cfg.Out, ModelDirName), r.ld, nil); err != nil {
			return fmt.Errorf("saving the best model: %w", err)
		}
	}
	if err := r.saveCheckpoint(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return r.interruptedError(fmt.Sprintf("after epoch %d", epoch+1))
	}
	return nil
}

// interruptedError says where the run stopped and where its checkpoint is.
func (r *runner) interruptedError(where string) error {
	return fmt.Errorf("%w %s: resumable checkpoint in %s", errInterrupted, where, filepath.Join(r.cfg.Out, CheckpointDirName))
}

func mark(improved bool) string {
	if improved {
		return "  ← best, saved"
	}
	return ""
}
