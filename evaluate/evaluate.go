// Package evaluate scores a model on labelled data and writes what an
// evaluation leaves behind: predictions conlleval.pl reads, report.md,
// metrics.json, confusion and loss plots, errors.tsv. A training run uses it
// for dev and test, `nerkit eval` for any labelled file.
package evaluate

import (
	"context"
	"math"
	"time"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/head"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/progress"
)

// Split is one labelled file as the model sees it.
type Split struct {
	Name     string // train, dev, test, or the file's base name
	File     *conll.File
	Examples []dataset.Example
	Stats    dataset.Stats
}

// Evaluation is the model's result on one split.
type Evaluation struct {
	Split     string
	Loss      float64 // mean cross-entropy over labelled sub-tokens; a CRF head's: mean NLL per word
	Result    metrics.Result
	Confusion *metrics.ConfusionMatrix
	Pred      [][]string  // per sentence, per word: IOB2 tag
	Conf      [][]float64 // per sentence, per word: probability of Pred (NaN: word without sub-token)
	Duration  time.Duration
}

// Model is what evaluation needs from an engine; bert.Engine has it.
type Model interface {
	// Forward without dropout (train false) returns the batch's mean loss.
	Forward(b *dataset.Batch, train bool) (float32, error)
	// Logits are the last Forward's scores, Size×Len×labels.
	Logits() []float32
}

// Evaluate runs the model over a split without dropout and scores it at
// word level: each word's tag comes from the distribution at its first
// sub-token, decoded by h (nil: argmax). prog may be nil.
func Evaluate(ctx context.Context, m Model, labels *conll.LabelSet, h *head.Head, sp *Split, batchSize int, padID int32, mode metrics.Mode, prog progress.Meter) (*Evaluation, error) {
	start := time.Now()
	outside, _ := labels.Index("O")
	col, err := dataset.NewCollector(sp.File.Sentences, sp.Examples, labels.Len(), int32(outside))
	if err != nil {
		return nil, err
	}
	loss, err := forward(ctx, m, h, sp, col, batchSize, padID, prog)
	if err != nil {
		return nil, err
	}
	preds, err := col.Predictions()
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Split: sp.Name, Loss: loss}
	if h == nil || h.Decoding() == string(head.Argmax) {
		ev.Pred, ev.Conf = wordTags(preds, labels)
	} else {
		ev.Pred, ev.Conf = decodedTags(col, h, labels)
	}
	if err := ev.score(sp.File.Sentences, labels, mode); err != nil {
		return nil, err
	}
	ev.Duration = time.Since(start)
	return ev, nil
}

// forward runs every batch of the split into col and returns the mean loss
// over labelled sub-tokens (0 when there are none); for a CRF head, the
// mean negative log-likelihood per word.
func forward(ctx context.Context, m Model, h *head.Head, sp *Split, col *dataset.Collector, batchSize int, padID int32, prog progress.Meter) (float64, error) {
	plan, err := dataset.Plan(sp.Examples, batchSize, 0, 0, dataset.BatchOptions{Order: dataset.SortedByLength, PadID: padID})
	if err != nil {
		return 0, err
	}
	bar := progress.Start(prog, "evaluating "+sp.Name, len(plan), "batches")
	defer bar.Finish()
	var lossSum float64
	var lossTokens int
	for _, b := range dataset.Each(sp.Examples, plan, padID) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		loss, err := m.Forward(b, false)
		if err != nil {
			return 0, err
		}
		if h != nil && h.CRF() != nil {
			sum, n, err := h.Loss(b, sp.Examples, m.Logits(), nil, 1)
			if err != nil {
				return 0, err
			}
			lossSum += sum
			lossTokens += n
		} else {
			n := bert.LabelledTokens(b)
			lossSum += float64(loss) * float64(n)
			lossTokens += n
		}
		if err := col.AddBatch(b, m.Logits()); err != nil {
			return 0, err
		}
		bar.Add(1)
	}
	if lossTokens == 0 {
		return 0, nil
	}
	return lossSum / float64(lossTokens), nil
}

// wordTags names each word's predicted label and its probability.
func wordTags(preds [][]dataset.WordPrediction, labels *conll.LabelSet) (tags [][]string, conf [][]float64) {
	tags, conf = make([][]string, len(preds)), make([][]float64, len(preds))
	for s, ws := range preds {
		tags[s] = make([]string, len(ws))
		conf[s] = make([]float64, len(ws))
		for w, p := range ws {
			tags[s][w] = labels.Label(int(p.Label))
			if p.HasToken {
				conf[s][w] = float64(p.Score)
			} else {
				conf[s][w] = math.NaN()
			}
		}
	}
	return tags, conf
}

// decodedTags decodes each sentence's first-sub-token distributions with h.
func decodedTags(col *dataset.Collector, h *head.Head, labels *conll.LabelSet) (tags [][]string, conf [][]float64) {
	n := col.Sentences()
	tags, conf = make([][]string, n), make([][]float64, n)
	for s := range n {
		probs := col.Probs(s)
		rows := make([][]float32, len(probs.WordStart))
		for w := range rows {
			if start, end := probs.WordTokens(w); start < end {
				rows[w] = probs.Token(start)
			}
		}
		dec := h.DecodeSentence(rows)
		tags[s], conf[s] = make([]string, len(rows)), make([]float64, len(rows))
		for w, j := range dec.Tags {
			tags[s][w] = labels.Label(j)
			conf[s][w] = math.NaN()
			if dec.HasScore[w] {
				conf[s][w] = float64(dec.Conf[w])
			}
		}
	}
	return tags, conf
}

// score compares the predictions with the gold tags.
func (ev *Evaluation) score(sents []conll.Sentence, labels *conll.LabelSet, mode metrics.Mode) error {
	gold := make([][]string, len(sents))
	for s := range sents {
		gold[s] = sents[s].Tags
	}
	var err error
	if ev.Result, err = metrics.Score(gold, ev.Pred, mode); err != nil {
		return err
	}
	ev.Confusion, err = metrics.Confusion(gold, ev.Pred, labels.Labels())
	return err
}
