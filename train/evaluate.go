package train

import (
	"context"
	"time"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/metrics"
)

// Split is one labelled file as the run sees it.
type Split struct {
	Name     string // train, dev, test
	File     *conll.File
	Examples []dataset.Example
	Stats    dataset.Stats
}

// Evaluation is the model's result on one split.
type Evaluation struct {
	Split     string
	Loss      float64 // mean cross-entropy over labelled sub-tokens
	Result    metrics.Result
	Confusion *metrics.ConfusionMatrix
	Pred      [][]string  // per sentence, per word: IOB2 tag
	Conf      [][]float64 // per sentence, per word: probability of Pred (NaN: word without sub-token)
	Duration  time.Duration
}

// Evaluate runs the model over a split without dropout and scores it at
// word level (each word's tag is the argmax at its first sub-token). prog
// may be nil.
func Evaluate(ctx context.Context, m bert.Engine, labels *conll.LabelSet, sp *Split, batchSize int, padID int32, mode metrics.Mode, prog Progress) (*Evaluation, error) {
	start := time.Now()
	sents := sp.File.Sentences
	outside, _ := labels.Index("O")
	col, err := dataset.NewCollector(sents, sp.Examples, labels.Len(), int32(outside))
	if err != nil {
		return nil, err
	}
	plan, err := dataset.Plan(sp.Examples, batchSize, 0, 0, dataset.BatchOptions{Order: dataset.SortedByLength, PadID: padID})
	if err != nil {
		return nil, err
	}
	var bar ProgressBar
	if prog != nil {
		bar = prog.Start("evaluating "+sp.Name, len(plan), "batches")
		defer bar.Finish()
	}
	var lossSum float64
	var lossTokens int
	for _, b := range dataset.Each(sp.Examples, plan, padID) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		loss, err := m.Forward(b, false)
		if err != nil {
			return nil, err
		}
		n := bert.LabelledTokens(b)
		lossSum += float64(loss) * float64(n)
		lossTokens += n
		if err := col.AddBatch(b, m.Logits()); err != nil {
			return nil, err
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	preds, err := col.Predictions()
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Split: sp.Name, Pred: make([][]string, len(sents)), Conf: make([][]float64, len(sents))}
	if lossTokens > 0 {
		ev.Loss = lossSum / float64(lossTokens)
	}
	gold := make([][]string, len(sents))
	for s, ws := range preds {
		ev.Pred[s] = make([]string, len(ws))
		ev.Conf[s] = make([]float64, len(ws))
		for w, p := range ws {
			ev.Pred[s][w] = labels.Label(int(p.Label))
			if p.HasToken {
				ev.Conf[s][w] = float64(p.Score)
			} else {
				ev.Conf[s][w] = nan()
			}
		}
		gold[s] = sents[s].Tags
	}
	if ev.Result, err = metrics.Score(gold, ev.Pred, mode); err != nil {
		return nil, err
	}
	if ev.Confusion, err = metrics.Confusion(gold, ev.Pred, labels.Labels()); err != nil {
		return nil, err
	}
	ev.Duration = time.Since(start)
	return ev, nil
}
