// Package nerkitapi is the only place where nerkit-beam calls into the nerkit
// module. Every other package of nerkit-beam goes through the names below, so
// when nerkit moves a function (model loading, evaluation, prediction) only
// this file changes.
package nerkitapi

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/evaluate"
	"github.com/nerkit/nerkit/metrics"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/pipeline"
	"github.com/nerkit/nerkit/tagger"
)

// Types nerkit-beam passes around, named once here.
type (
	Sentence     = conll.Sentence
	File         = conll.File
	FormatOpts   = conll.Options
	Scheme       = conll.Scheme
	Stats        = conll.Stats
	Violation    = conll.Violation
	ParseError   = conll.ParseError
	Entity       = tagger.Entity
	Strategy     = tagger.Strategy
	ScoreMode    = metrics.Mode
	Score        = metrics.Result
	TypeScore    = metrics.TypeScore
	PredictedTag = pipeline.Word
)

// Schemes and scoring modes by name.
const (
	IOB1      = conll.IOB1
	IOB2      = conll.IOB2
	BIOES     = conll.BIOES
	BILOU     = conll.BILOU
	Conlleval = metrics.Conlleval
	Strict    = metrics.Strict
)

// ParseScheme reads a --scheme value (auto, iob1, iob2, bioes, bilou).
func ParseScheme(name string) (Scheme, error) { return conll.ParseScheme(name) }

// ParseMode reads a scoring mode (conlleval or strict).
func ParseMode(name string) (ScoreMode, error) { return metrics.ParseMode(name) }

// ParseStrategy reads an --aggregation value.
func ParseStrategy(name string) (Strategy, error) { return tagger.ParseStrategy(name) }

// ReadCoNLL parses a whole CoNLL file held in memory; errors are
// *ParseError naming name and the line.
func ReadCoNLL(r io.Reader, name string, opt FormatOpts) (*File, error) {
	return conll.Read(r, name, opt)
}

// ComputeStats is `nerkit stats` on one parsed file.
func ComputeStats(f *File) Stats { return conll.ComputeStats(f) }

// WriteStatsText prints stats as `nerkit stats` does.
func WriteStatsText(w io.Writer, st Stats) error { return st.WriteText(w) }

// WriteCoNLL writes "token [gold] pred" lines, tags converted from IOB2 to
// scheme, a blank line after each sentence.
func WriteCoNLL(w io.Writer, sents []Sentence, preds [][]string, scheme Scheme) error {
	return conll.WriteCoNLL(w, sents, preds, scheme)
}

// ScoreSentence scores one sentence as `nerkit score` would score a file
// holding only it (ending with a blank line).
func ScoreSentence(gold, pred []string, mode ScoreMode) (Score, error) {
	return metrics.Score([][]string{gold}, [][]string{pred}, mode)
}

// ScoreCorpus scores whole corpora at once, as `nerkit score` scores a file
// holding them in order.
func ScoreCorpus(gold, pred [][]string, mode ScoreMode) (Score, error) {
	return metrics.Score(gold, pred, mode)
}

// FormatConlleval prints conlleval.pl's report, as `nerkit score` does.
func FormatConlleval(r Score) string { return metrics.FormatConlleval(r) }

// Model is a model loaded for inference, as `nerkit predict` and `nerkit
// eval` load it. nerkit's engine reuses its buffers, so calls are serialised;
// each call uses all the model's threads.
type Model struct {
	mu     sync.Mutex
	ld     *modeldir.Loaded
	pipe   *pipeline.Pipeline
	maxLen int
	stride int
	batch  int
}

// LoadModel opens a model directory (or hub id) with the settings of
// `nerkit predict --threads --batch-size`.
func LoadModel(ctx context.Context, dir string, threads, batch int) (*Model, error) {
	ld, err := modeldir.Load(ctx, dir, threads)
	if err != nil {
		return nil, err
	}
	// The windows the model was trained with (nerkit.json), as nerkit predict uses them.
	maxLen, stride := ld.Windowing.MaxLength, ld.Windowing.Stride
	p := &pipeline.Pipeline{Tok: ld.Tok, Engine: pipeline.Inference(ld.Model), Labels: ld.Labels.Labels(), MaxLen: maxLen, Stride: stride, BatchSize: batch, Head: ld.Head}
	if err := p.CheckLabels(); err != nil {
		return nil, err
	}
	return &Model{ld: ld, pipe: p, maxLen: maxLen, stride: stride, batch: batch}, nil
}

// Dir is the local directory the model was read from.
func (m *Model) Dir() string { return m.ld.Dir }

// PredictTexts tags raw texts as `nerkit predict` does: the entities of each.
func (m *Model) PredictTexts(ctx context.Context, texts []string, strategy Strategy) ([][]Entity, error) {
	inputs := make([]pipeline.Input, len(texts))
	for i, t := range texts {
		inputs[i] = pipeline.Input{Text: t, Strategy: strategy}
	}
	m.mu.Lock()
	outs, err := m.pipe.Run(ctx, inputs)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	ents := make([][]Entity, len(outs))
	for i, o := range outs {
		ents[i] = o.Entities
	}
	return ents, nil
}

// PredictWords tags pre-split sentences as `nerkit predict` does CoNLL
// input: each word's tag (the argmax at its first sub-token) and score.
func (m *Model) PredictWords(ctx context.Context, sents [][]string) ([][]PredictedTag, error) {
	inputs := make([]pipeline.Input, len(sents))
	for i, s := range sents {
		inputs[i] = pipeline.Input{Words: s, Strategy: tagger.First}
	}
	m.mu.Lock()
	outs, err := m.pipe.Run(ctx, inputs)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	words := make([][]PredictedTag, len(outs))
	for i, o := range outs {
		words[i] = o.Words
	}
	return words, nil
}

// CheckLabels reports the first gold tag of sents that the model cannot
// predict, naming the file and line, as `nerkit eval` does.
func (m *Model) CheckLabels(name string, sents []Sentence) error {
	return m.ld.Labels.Validate(&conll.File{Name: name, Sentences: sents, Labelled: true})
}

// Evaluate predicts labelled sentences exactly as `nerkit eval` does (each
// word's tag is the argmax at its first sub-token) and returns the
// predicted IOB2 tags. name is the file the sentences come from.
func (m *Model) Evaluate(ctx context.Context, name string, sents []Sentence) ([][]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	words, err := m.ld.Words()
	if err != nil {
		return nil, err
	}
	ex, st, err := dataset.Encode(sents, words, m.ld.Labels, dataset.Options{MaxLen: m.maxLen, Stride: m.stride, Source: name})
	if err != nil {
		return nil, err
	}
	sp := &evaluate.Split{Name: name, File: &conll.File{Name: name, Sentences: sents, Labelled: true}, Examples: ex, Stats: st}
	// The scores Evaluate computes on the side are dropped: the pipeline
	// scores the predictions as written, in the file's scheme.
	ev, err := evaluate.Evaluate(ctx, m.ld.Model, m.ld.Labels, m.ld.Head, sp, m.batch, m.ld.Tok.PadID(), metrics.Conlleval, nil)
	if err != nil {
		return nil, err
	}
	if len(ev.Pred) != len(sents) {
		return nil, fmt.Errorf("%s: %d predictions for %d sentences", name, len(ev.Pred), len(sents))
	}
	return ev.Pred, nil
}

// FromIOB2 converts IOB2 tags to scheme, as the CoNLL writer does.
func FromIOB2(tags []string, scheme Scheme) []string { return conll.FromIOB2(tags, scheme) }
