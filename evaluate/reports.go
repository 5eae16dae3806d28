package evaluate

import (
	"fmt"
	"github.com/nerkit/nerkit/advice"
	"io"
	"time"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/internal/atomicfile"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/report"
)

// WritePredictions writes `token gold pred` lines in the file's own tag
// scheme: the input conlleval.pl reads.
func WritePredictions(path string, f *conll.File, pred [][]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return conll.WriteCoNLL(w, f.Sentences, pred, f.Scheme)
	})
}

// Scores are the final scores in metrics.json: per split, the entity scores
// and the mean loss.
type Scores struct {
	Eval     map[string]*metrics.Result `json:"eval"`
	EvalLoss map[string]float64         `json:"eval_loss"`
}

// ScoresOf collects the scores of evals.
func ScoresOf(evals []*Evaluation) Scores {
	s := Scores{Eval: map[string]*metrics.Result{}, EvalLoss: map[string]float64{}}
	for _, ev := range evals {
		res := ev.Result
		s.Eval[ev.Split] = &res
		s.EvalLoss[ev.Split] = ev.Loss
	}
	return s
}

// Reports is what WriteReports writes about one run (a training run, or an
// evaluation without training).
type Reports struct {
	Title  string
	Config []report.KeyValue // report.md's run configuration
	Splits []*Split          // their statistics, in this order; nil entries are skipped
	Evals  []*Evaluation     // each names one of Splits
	// Metrics is written as metrics.json (with ScoresOf(Evals) inside).
	Metrics any
	// Losses for loss.png and loss.svg; none for an evaluation.
	Steps         []report.StepLoss
	Epochs        []report.EpochLoss
	StepsPerEpoch int
	// Timing of the stages before the evaluations (loading, training);
	// each evaluation's is added after them.
	Timing []report.Timing
	// Advice is what the run's numbers suggest trying next (advice.Analyze),
	// report.md's last section; nil: no section.
	Advice []advice.Finding
}

// WriteReports writes metrics.json, report.md, loss and confusion plots and
// errors.tsv into dir.
func WriteReports(dir string, r Reports) error {
	rep := report.Report{Title: r.Title, Generated: time.Now(), Config: r.Config, Timing: append([]report.Timing(nil), r.Timing...)}
	if r.Advice != nil {
		rep.Advice = advice.Markdown(r.Advice)
	}
	for _, sp := range r.Splits {
		if sp != nil {
			rep.Datasets = append(rep.Datasets, datasetStats(sp))
		}
	}
	errs := []report.WordError{}
	for _, ev := range r.Evals {
		sp := splitNamed(r.Splits, ev.Split)
		if sp == nil {
			return fmt.Errorf("evaluation of %q has no split of that name", ev.Split)
		}
		rep.Evals = append(rep.Evals, report.EvalFromMetrics(ev.Split, ev.Result, ev.Loss, ev.Confusion))
		rep.Timing = append(rep.Timing, report.Timing{Stage: "evaluation on " + ev.Split, Duration: ev.Duration, Items: len(ev.Pred), Unit: "sentences"})
		e, err := wordErrors(sp, ev)
		if err != nil {
			return err
		}
		errs = append(errs, e...)
	}
	if len(r.Evals) == 0 {
		errs = nil // nothing evaluated: no errors.tsv
	}
	return report.WriteAll(dir, report.Run{Report: rep, Steps: r.Steps, Epochs: r.Epochs, StepsPerEpoch: r.StepsPerEpoch, Errors: errs, Metrics: r.Metrics})
}

func datasetStats(sp *Split) report.DatasetStats {
	st := conll.ComputeStats(sp.File)
	return report.DatasetStats{
		Split: sp.Name, Sentences: st.Sentences, Tokens: st.Tokens, Entities: st.Entities,
		SubTokens: report.SummarizeLengths(sp.Stats.SentenceTokens), Windows: sp.Stats.Examples,
	}
}

// splitNamed returns the last split called name (as names are unique, the
// only one), nil if none.
func splitNamed(splits []*Split, name string) *Split {
	var found *Split
	for _, s := range splits {
		if s != nil && s.Name == name {
			found = s
		}
	}
	return found
}

// wordErrors lists the mismatching words of one evaluation, each with its
// file:line.
func wordErrors(sp *Split, ev *Evaluation) ([]report.WordError, error) {
	var out []report.WordError
	for s, sent := range sp.File.Sentences {
		errs, err := report.CollectErrors(fmt.Sprintf("%s:%d", sp.File.Name, sent.Line), sent.Words, sent.Tags, ev.Pred[s], ev.Conf[s])
		if err != nil {
			return nil, err
		}
		out = append(out, errs...)
	}
	return out, nil
}
