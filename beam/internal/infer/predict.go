package infer

import (
	"context"
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/nerkit/nerkit/beam/internal/counters"
	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
	"github.com/nerkit/nerkit/beam/internal/record"
	"github.com/nerkit/nerkit/beam/internal/source"
)

// DefaultMicroBatch is how many items a DoFn gathers before it runs the
// model: enough for nerkit's length-sorted batching to pad about as little
// as over a whole file (at 512, padding made predict 15 % slower than
// `nerkit predict`; BENCHMARKS.md). Items are small, so memory is no concern.
const DefaultMicroBatch = 4096

// PredictOptions configure Predict.
type PredictOptions struct {
	Model       ModelSpec
	Aggregation string // entity aggregation for raw text (simple, first, average, max)
	Probs       bool   // CoNLL input: add each word's label distribution
	MicroBatch  int    // items per call to the model (0: DefaultMicroBatch)
	// SkipBadLines sends an item the model fails on to the dead letters
	// instead of failing the pipeline.
	SkipBadLines bool
}

// Check validates the options before a pipeline is built.
func (o PredictOptions) Check() error {
	_, err := nerkitapi.ParseStrategy(o.Aggregation)
	return err
}

func init() {
	register.DoFn4x1[context.Context, source.Item, func(string), func(source.BadInput), error](&predictFn{})
	register.Emitter1[string]()
	beam.RegisterType(reflect.TypeOf((*PredictOptions)(nil)).Elem())
}

// Predict tags items and gives the JSON lines of `nerkit predict` with an
// "id", and the items that failed (only with SkipBadLines).
func Predict(s beam.Scope, opt PredictOptions, items beam.PCollection) (records, bad beam.PCollection) {
	s = s.Scope("infer.Predict")
	return beam.ParDo2(s, &predictFn{Opt: opt}, items)
}

type predictFn struct {
	Opt PredictOptions

	model    *nerkitapi.Model
	strategy nerkitapi.Strategy
	reported bool // this instance loaded the model and has yet to count it
	inBundle bool
	buf      []source.Item
}

func (f *predictFn) Setup(ctx context.Context) error {
	st, err := nerkitapi.ParseStrategy(f.Opt.Aggregation)
	if err != nil {
		return err
	}
	f.strategy = st
	m, loaded, err := acquire(ctx, f.Opt.Model)
	if err != nil {
		return err
	}
	f.model, f.reported = m, loaded
	return nil
}

func (f *predictFn) StartBundle(ctx context.Context, _ func(string), _ func(source.BadInput)) {
	f.inBundle = false
	f.buf = f.buf[:0]
}

func (f *predictFn) ProcessElement(ctx context.Context, it source.Item, emit func(string), emitBad func(source.BadInput)) error {
	if !f.inBundle {
		// Counters need a bundle's context, which Setup lacks.
		f.inBundle = true
		counters.Bundles.Inc(ctx, 1)
		if f.reported {
			counters.ModelLoads.Inc(ctx, 1)
			f.reported = false
		}
	}
	f.buf = append(f.buf, it)
	if len(f.buf) >= microBatch(f.Opt.MicroBatch) {
		return f.flush(ctx, emit, emitBad)
	}
	return nil
}

func (f *predictFn) FinishBundle(ctx context.Context, emit func(string), emitBad func(source.BadInput)) error {
	return f.flush(ctx, emit, emitBad)
}

func microBatch(n int) int {
	if n <= 0 {
		return DefaultMicroBatch
	}
	return n
}

// flush runs the buffered items through the model. Raw texts and CoNLL
// sentences go in separate calls, as `nerkit predict` runs them.
func (f *predictFn) flush(ctx context.Context, emit func(string), emitBad func(source.BadInput)) error {
	if len(f.buf) == 0 {
		return nil
	}
	var texts, sents []source.Item
	for _, it := range f.buf {
		if it.IsCoNLL() {
			sents = append(sents, it)
		} else {
			texts = append(texts, it)
		}
	}
	f.buf = f.buf[:0]
	for _, group := range [][]source.Item{texts, sents} {
		if len(group) == 0 {
			continue
		}
		counters.Batches.Inc(ctx, 1)
		counters.Items.Inc(ctx, int64(len(group)))
		recs, err := f.predict(ctx, group)
		if err == nil {
			for _, r := range recs {
				emit(r)
			}
			continue
		}
		if err := f.isolate(ctx, group, emit, emitBad); err != nil {
			return err
		}
	}
	return nil
}

// isolate runs a failed batch item by item, so the error names the item
// that caused it and, with SkipBadLines, only that item is set aside.
func (f *predictFn) isolate(ctx context.Context, group []source.Item, emit func(string), emitBad func(source.BadInput)) error {
	for _, it := range group {
		recs, err := f.predict(ctx, []source.Item{it})
		if err == nil {
			emit(recs[0])
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := fmt.Sprintf("%s: %v", it.Place(), err)
		if !f.Opt.SkipBadLines {
			return fmt.Errorf("%s", msg)
		}
		counters.BadLines.Inc(ctx, 1)
		emitBad(source.BadInput{Place: it.Place(), Error: msg, Text: itemText(it)})
	}
	return nil
}

// predict gives the records of items, all raw texts or all sentences.
func (f *predictFn) predict(ctx context.Context, items []source.Item) ([]string, error) {
	recs := make([]string, len(items))
	if items[0].IsCoNLL() {
		sents := make([][]string, len(items))
		for i, it := range items {
			sents[i] = it.Words
		}
		tagged, err := f.model.PredictWords(ctx, sents)
		if err != nil {
			return nil, err
		}
		for i, it := range items {
			if recs[i], err = record.Words(it.ID, it.Words, tagged[i], f.Opt.Probs); err != nil {
				return nil, err
			}
		}
		return recs, nil
	}
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = it.Text
	}
	ents, err := f.model.PredictTexts(ctx, texts, f.strategy)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if recs[i], err = record.Text(it.ID, it.Text, ents[i]); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// itemText is an item as it was read, for the dead letters.
func itemText(it source.Item) string {
	if !it.IsCoNLL() {
		return it.Text
	}
	var b []byte
	for i, w := range it.Words {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, w...)
		if i < len(it.Tags) {
			b = append(b, ' ')
			b = append(b, it.Tags[i]...)
		}
	}
	return string(b)
}
