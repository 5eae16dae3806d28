package train

import (
	"context"
	"fmt"
	"github.com/nerkit/nerkit/advice"
	"path/filepath"
	"time"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/evaluate"
	"github.com/nerkit/nerkit/report"
)

// finish evaluates the best model on dev and test and writes the run's
// reports next to it.
func (r *runner) finish(ctx context.Context) (*Result, error) {
	dir := filepath.Join(r.cfg.Out, ModelDirName)
	_, tensors, err := checkpoint.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reloading the best model: %w", err)
	}
	for name, dst := range r.ld.Model.Tensors() {
		copy(dst.Data, tensors[name].Data)
	}
	res := &Result{Dir: r.cfg.Out, State: r.state}
	var evals []*evaluate.Evaluation
	for _, sp := range []*evaluate.Split{r.dev, r.test} {
		if sp == nil {
			continue
		}
		ev, err := evaluate.Evaluate(ctx, r.ld.Model, r.ld.Labels, r.ld.Head, sp, r.cfg.EvalBatchSize, r.ld.Tok.PadID(), r.mode, r.opt.Progress)
		if err != nil {
			return nil, err
		}
		if sp == r.dev {
			res.Dev = ev
		} else {
			res.Test = ev
		}
		evals = append(evals, ev)
		if err := evaluate.WritePredictions(filepath.Join(r.cfg.Out, "predictions-"+sp.Name+".conll"), sp.File, ev.Pred); err != nil {
			return nil, err
		}
		logf(r.opt.Log, "%s (best epoch %d): precision %.2f, recall %.2f, F1 %.2f, token accuracy %.2f (%s scoring)",
			sp.Name, r.state.BestEpoch, 100*ev.Result.Precision, 100*ev.Result.Recall, 100*ev.Result.F1, 100*ev.Result.Accuracy, r.mode)
	}
	if res.Advice, err = r.advise(evals); err != nil {
		return nil, err
	}
	if err := r.writeReports(evals, res.Advice); err != nil {
		return nil, err
	}
	return res, nil
}

// MetricsFile is metrics.json of a training run.
type MetricsFile struct {
	Config    Config        `json:"config"`
	Steps     []StepRecord  `json:"steps"`
	Epochs    []EpochRecord `json:"epochs"`
	BestEpoch int           `json:"best_epoch"`
	Seconds   float64       `json:"train_seconds"`
	evaluate.Scores
}

// writeReports writes metrics.json, report.md, plots and errors.tsv into
// the run directory.
func (r *runner) writeReports(evals []*evaluate.Evaluation, findings []advice.Finding) error {
	st := &r.state
	rep := evaluate.Reports{
		Title:  "nerkit train: " + filepath.Base(r.cfg.Out),
		Config: configTable(r.cfg),
		Splits: []*evaluate.Split{r.train, r.dev, r.test},
		Evals:  evals,
		Metrics: MetricsFile{Config: r.cfg, Steps: st.Steps, Epochs: st.Epochs, BestEpoch: st.BestEpoch, Seconds: st.Seconds,
			Scores: evaluate.ScoresOf(evals)},
		StepsPerEpoch: r.stepsPerEpoch,
		Advice:        findings,
	}
	for _, s := range st.Steps {
		rep.Steps = append(rep.Steps, report.StepLoss{Step: s.Step, Loss: s.Loss})
	}
	for _, e := range st.Epochs {
		rep.Epochs = append(rep.Epochs, report.EpochLoss{Epoch: e.Epoch, Train: e.TrainLoss, Dev: e.DevLoss})
	}
	if r.prepTime > 0 {
		rep.Timing = append(rep.Timing, report.Timing{Stage: "loading and tokenising", Duration: r.prepTime})
	}
	rep.Timing = append(rep.Timing, report.Timing{Stage: "training", Duration: time.Duration(st.Seconds * float64(time.Second)), Items: len(st.Steps), Unit: "steps"})
	return evaluate.WriteReports(r.cfg.Out, rep)
}

// advise reads the run's own numbers (epochs, errors, decoding, data) for
// what to try next.
func (r *runner) advise(evals []*evaluate.Evaluation) ([]advice.Finding, error) {
	run := evaluate.AdviceRun([]*evaluate.Split{r.train, r.dev, r.test}, evals, r.ld.Head, r.mode, r.cfg.MaxLength, r.ld.Model.Config().MaxPositionEmbeddings)
	run.Patience = r.cfg.Patience
	for _, e := range r.state.Epochs {
		run.Epochs = append(run.Epochs, advice.Epoch{Epoch: e.Epoch, DevLoss: e.DevLoss, DevF1: e.DevF1})
	}
	return advice.Analyze(run)
}

func configTable(cfg Config) []report.KeyValue {
	kv := map[string]string{
		"model": cfg.Model, "train": cfg.Train, "dev": cfg.Dev, "test": cfg.Test,
		"epochs": fmt.Sprint(cfg.Epochs), "batch size": fmt.Sprint(cfg.BatchSize), "gradient accumulation": fmt.Sprint(cfg.GradAccum),
		"learning rate": fmt.Sprint(cfg.LR), "weight decay": fmt.Sprint(cfg.WeightDecay), "max grad norm": fmt.Sprint(cfg.MaxGradNorm),
		"schedule": cfg.Schedule, "warmup ratio": fmt.Sprint(cfg.WarmupRatio), "seed": fmt.Sprint(cfg.Seed),
		"max length": fmt.Sprint(cfg.MaxLength), "stride": fmt.Sprint(cfg.Stride), "label all tokens": fmt.Sprint(cfg.LabelAllTokens),
		"group by length": fmt.Sprint(cfg.GroupByLength), "metric": cfg.Metric, "patience": fmt.Sprint(cfg.Patience),
		"threads": fmt.Sprint(cfg.Threads), "scoring": cfg.ScoreMode, "labels": cfg.Labels,
	}
	if cfg.Dropout != nil {
		kv["dropout"] = fmt.Sprint(*cfg.Dropout)
	}
	return report.SortedKeyValues(kv)
}
