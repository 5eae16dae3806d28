package train

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"time"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/report"
)

func nan() float64 { return math.NaN() }

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
	var evals []*Evaluation
	for _, sp := range []*Split{r.dev, r.test} {
		if sp == nil {
			continue
		}
		ev, err := Evaluate(ctx, r.ld.Model, r.ld.Labels, sp, r.cfg.EvalBatchSize, r.ld.Tok.PadID(), r.mode, r.opt.Progress)
		if err != nil {
			return nil, err
		}
		if sp == r.dev {
			res.Dev = ev
		} else {
			res.Test = ev
		}
		evals = append(evals, ev)
		if err := WritePredictions(filepath.Join(r.cfg.Out, "predictions-"+sp.Name+".conll"), sp.File, ev.Pred); err != nil {
			return nil, err
		}
		logf(r.opt.Log, "%s (best epoch %d): precision %.2f, recall %.2f, F1 %.2f, token accuracy %.2f (%s scoring)",
			sp.Name, r.state.BestEpoch, 100*ev.Result.Precision, 100*ev.Result.Recall, 100*ev.Result.F1, 100*ev.Result.Accuracy, r.mode)
	}
	splits := []*Split{r.train, r.dev, r.test}
	if err := WriteReports(r.cfg.Out, r.cfg, splits, evals, &r.state, r.stepsPerEpoch, r.prepTime); err != nil {
		return nil, err
	}
	return res, nil
}

// WritePredictions writes `token gold pred` lines in the file's own tag
// scheme: the input conlleval.pl reads.
func WritePredictions(path string, f *conll.File, pred [][]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return conll.WriteCoNLL(w, f.Sentences, pred, f.Scheme)
	})
}

// MetricsFile is metrics.json.
type MetricsFile struct {
	Config    Config                     `json:"config"`
	Steps     []StepRecord               `json:"steps"`
	Epochs    []EpochRecord              `json:"epochs"`
	BestEpoch int                        `json:"best_epoch"`
	Seconds   float64                    `json:"train_seconds"`
	Eval      map[string]*metrics.Result `json:"eval"`
	EvalLoss  map[string]float64         `json:"eval_loss"`
}

// WriteReports writes metrics.json, report.md, loss and confusion plots and
// errors.tsv into dir. state may be nil for an evaluation without training.
func WriteReports(dir string, cfg Config, splits []*Split, evals []*Evaluation, state *State, stepsPerEpoch int, prep time.Duration) error {
	run := report.Run{StepsPerEpoch: stepsPerEpoch}
	mf := MetricsFile{Config: cfg, Eval: map[string]*metrics.Result{}, EvalLoss: map[string]float64{}}
	rep := report.Report{Title: "nerkit run " + filepath.Base(dir), Generated: time.Now()}
	rep.Config = append(rep.Config, configTable(cfg)...)
	if state != nil {
		mf.Steps, mf.Epochs, mf.BestEpoch, mf.Seconds = state.Steps, state.Epochs, state.BestEpoch, state.Seconds
		for _, s := range state.Steps {
			run.Steps = append(run.Steps, report.StepLoss{Step: s.Step, Loss: s.Loss})
		}
		for _, e := range state.Epochs {
			run.Epochs = append(run.Epochs, report.EpochLoss{Epoch: e.Epoch, Train: e.TrainLoss, Dev: e.DevLoss})
		}
		rep.Timing = append(rep.Timing, report.Timing{Stage: "training", Duration: time.Duration(state.Seconds * float64(time.Second)), Items: len(state.Steps), Unit: "steps"})
	}
	if prep > 0 {
		rep.Timing = append([]report.Timing{{Stage: "loading and tokenising", Duration: prep}}, rep.Timing...)
	}
	for _, sp := range splits {
		if sp == nil {
			continue
		}
		st := conll.ComputeStats(sp.File)
		rep.Datasets = append(rep.Datasets, report.DatasetStats{
			Split: sp.Name, Sentences: st.Sentences, Tokens: st.Tokens, Entities: st.Entities,
			SubTokens: report.SummarizeLengths(sp.Stats.SentenceTokens), Windows: sp.Stats.Examples,
		})
	}
	run.Errors = []report.WordError{}
	for _, ev := range evals {
		var sp *Split
		for _, s := range splits {
			if s != nil && s.Name == ev.Split {
				sp = s
			}
		}
		res := ev.Result
		mf.Eval[ev.Split] = &res
		mf.EvalLoss[ev.Split] = ev.Loss
		rep.Evals = append(rep.Evals, evalReport(ev))
		rep.Timing = append(rep.Timing, report.Timing{Stage: "evaluation on " + ev.Split, Duration: ev.Duration, Items: len(ev.Pred), Unit: "sentences"})
		for s, sent := range sp.File.Sentences {
			errs, err := report.CollectErrors(fmt.Sprintf("%s:%d", sp.File.Name, sent.Line), sent.Words, sent.Tags, ev.Pred[s], ev.Conf[s])
			if err != nil {
				return err
			}
			run.Errors = append(run.Errors, errs...)
		}
	}
	if len(evals) == 0 {
		run.Errors = nil
	}
	run.Report = rep
	run.Metrics = mf
	return report.WriteAll(dir, run)
}

func evalReport(ev *Evaluation) report.EvalReport {
	cr := metrics.ClassificationReport(ev.Result)
	conv := func(r metrics.ReportRow) report.Scores {
		return report.Scores{Precision: r.Precision, Recall: r.Recall, F1: r.F1, Support: r.Support}
	}
	er := report.EvalReport{Split: ev.Split, Micro: conv(cr.Micro), Macro: conv(cr.Macro), Weighted: conv(cr.Weighted),
		Extra: []report.KeyValue{
			{Key: "token accuracy", Value: fmt.Sprintf("%.2f%%", 100*ev.Result.Accuracy)},
			{Key: "loss", Value: fmt.Sprintf("%.4f", ev.Loss)},
			{Key: "entities gold / found / correct", Value: fmt.Sprintf("%d / %d / %d", ev.Result.Gold, ev.Result.Found, ev.Result.Correct)},
		},
		Confusion: &report.Confusion{Labels: ev.Confusion.Labels, Counts: ev.Confusion.Counts},
	}
	for _, row := range cr.Rows {
		er.Classes = append(er.Classes, report.ClassScores{Label: row.Label, Scores: conv(row)})
	}
	return er
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
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]report.KeyValue, 0, len(keys))
	for _, k := range keys {
		out = append(out, report.KeyValue{Key: k, Value: kv[k]})
	}
	return out
}
