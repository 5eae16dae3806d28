package infer

import (
	"bytes"
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/nerkit/nerkit/beam/internal/counters"
	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
	"github.com/nerkit/nerkit/beam/internal/score"
	"github.com/nerkit/nerkit/beam/internal/source"
)

// EvalOptions configure Evaluate.
type EvalOptions struct {
	Model      ModelSpec
	Mode       string // conlleval or strict
	MicroBatch int    // sentences per call to the model (0: DefaultMicroBatch)
	// SkipBadLines sends a sentence that cannot be scored (a gold tag the
	// model does not know, …) to the dead letters instead of failing.
	SkipBadLines bool
}

// Check validates the options before a pipeline is built.
func (o EvalOptions) Check() error {
	_, err := nerkitapi.ParseMode(o.Mode)
	return err
}

func init() {
	register.DoFn5x1[context.Context, source.Item, func(string), func(string, score.Counts), func(source.BadInput), error](&evalFn{})
	register.Emitter2[string, score.Counts]()
}

// Evaluate predicts labelled sentences as `nerkit eval` does and gives the
// predictions as CoNLL blocks ("token gold pred" lines in the file's
// scheme), each sentence's counts keyed by file (scored on the tags as
// written, as `nerkit score` scores that file), and the sentences set aside
// (only with SkipBadLines).
func Evaluate(s beam.Scope, opt EvalOptions, items beam.PCollection) (conllBlocks, counts, bad beam.PCollection) {
	s = s.Scope("infer.Evaluate")
	return beam.ParDo3(s, &evalFn{Opt: opt}, items)
}

type evalFn struct {
	Opt EvalOptions

	model    *nerkitapi.Model
	mode     nerkitapi.ScoreMode
	reported bool
	inBundle bool
	buf      []source.Item
}

func (f *evalFn) Setup(ctx context.Context) error {
	mode, err := nerkitapi.ParseMode(f.Opt.Mode)
	if err != nil {
		return err
	}
	f.mode = mode
	m, loaded, err := acquire(ctx, f.Opt.Model)
	if err != nil {
		return err
	}
	f.model, f.reported = m, loaded
	return nil
}

func (f *evalFn) StartBundle(_ context.Context, _ func(string), _ func(string, score.Counts), _ func(source.BadInput)) {
	f.inBundle = false
	f.buf = f.buf[:0]
}

func (f *evalFn) ProcessElement(ctx context.Context, it source.Item, emit func(string), emitCounts func(string, score.Counts), emitBad func(source.BadInput)) error {
	if !f.inBundle {
		f.inBundle = true
		counters.Bundles.Inc(ctx, 1)
		if f.reported {
			counters.ModelLoads.Inc(ctx, 1)
			f.reported = false
		}
	}
	f.buf = append(f.buf, it)
	if len(f.buf) >= microBatch(f.Opt.MicroBatch) {
		return f.flush(ctx, emit, emitCounts, emitBad)
	}
	return nil
}

func (f *evalFn) FinishBundle(ctx context.Context, emit func(string), emitCounts func(string, score.Counts), emitBad func(source.BadInput)) error {
	return f.flush(ctx, emit, emitCounts, emitBad)
}

// flush evaluates the buffered sentences, one model call per file so that
// errors name the right file.
func (f *evalFn) flush(ctx context.Context, emit func(string), emitCounts func(string, score.Counts), emitBad func(source.BadInput)) error {
	if len(f.buf) == 0 {
		return nil
	}
	byFile := map[string][]source.Item{}
	var order []string
	for _, it := range f.buf {
		if byFile[it.File] == nil {
			order = append(order, it.File)
		}
		byFile[it.File] = append(byFile[it.File], it)
	}
	f.buf = f.buf[:0]
	for _, file := range order {
		items, err := f.checkLabels(ctx, file, byFile[file], emitBad)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			continue
		}
		counters.Batches.Inc(ctx, 1)
		counters.Items.Inc(ctx, int64(len(items)))
		sents := make([]nerkitapi.Sentence, len(items))
		for i, it := range items {
			sents[i] = it.Sentence()
		}
		preds, err := f.model.Evaluate(ctx, file, sents)
		if err != nil {
			return err
		}
		for i, it := range items {
			if err := f.emit(ctx, it, preds[i], emit, emitCounts, emitBad); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLabels keeps the sentences whose gold tags the model knows; the
// others fail the pipeline or, with SkipBadLines, go to the dead letters.
func (f *evalFn) checkLabels(ctx context.Context, file string, items []source.Item, emitBad func(source.BadInput)) ([]source.Item, error) {
	sents := make([]nerkitapi.Sentence, len(items))
	for i, it := range items {
		sents[i] = it.Sentence()
	}
	if f.model.CheckLabels(file, sents) == nil {
		return items, nil
	}
	var ok []source.Item
	for i, it := range items {
		err := f.model.CheckLabels(file, sents[i:i+1])
		if err == nil {
			ok = append(ok, it)
			continue
		}
		if !f.Opt.SkipBadLines {
			return nil, err
		}
		counters.BadLines.Inc(ctx, 1)
		emitBad(source.BadInput{Place: it.Place(), Error: err.Error(), Text: itemText(it)})
	}
	return ok, nil
}

// emit writes one sentence's CoNLL block and counts.
func (f *evalFn) emit(ctx context.Context, it source.Item, pred []string, emit func(string), emitCounts func(string, score.Counts), emitBad func(source.BadInput)) error {
	scheme := nerkitapi.Scheme(it.Scheme)
	sent := it.Sentence()
	c, err := score.Sentence(nerkitapi.FromIOB2(sent.Tags, scheme), nerkitapi.FromIOB2(pred, scheme), f.mode)
	if err == nil {
		var b bytes.Buffer
		if err = nerkitapi.WriteCoNLL(&b, []nerkitapi.Sentence{sent}, [][]string{pred}, scheme); err == nil {
			// The sink ends every record with a newline: drop the block's last.
			emit(string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))))
			emitCounts(it.File, c)
			return nil
		}
	}
	msg := fmt.Sprintf("%s: %v", it.Place(), err)
	if !f.Opt.SkipBadLines {
		return fmt.Errorf("%s", msg)
	}
	counters.BadLines.Inc(ctx, 1)
	emitBad(source.BadInput{Place: it.Place(), Error: msg, Text: itemText(it)})
	return nil
}
