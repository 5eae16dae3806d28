package train

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/defaultdata"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/tokenizer"
	"github.com/nerkit/nerkit/wordpiece"
)

// labelChooser picks the run's label set once the model's own labels (nil
// when it has none) are known.
type labelChooser func(modelLabels *conll.LabelSet) (*conll.LabelSet, error)

// loadForTraining builds the model a run starts from: a scratch preset with
// random weights, or a checkpoint (a directory or hub id).
func loadForTraining(ctx context.Context, cfg *Config, labelsFor labelChooser) (*modeldir.Loaded, error) {
	preset, ok, err := LookupPreset(cfg.Model)
	switch {
	case err != nil:
		return nil, err
	case ok:
		return newScratchModel(cfg, preset, labelsFor)
	}
	return loadCheckpoint(ctx, cfg, labelsFor)
}

// newScratchModel initialises a preset's architecture from cfg.Seed.
func newScratchModel(cfg *Config, preset Preset, labelsFor labelChooser) (*modeldir.Loaded, error) {
	tok, err := scratchTokenizer(cfg.Vocab)
	if err != nil {
		return nil, err
	}
	labels, err := labelsFor(nil)
	if err != nil {
		return nil, err
	}
	mc, err := preset.FamilyConfig(cfg.Family, tok.VocabSize(), tok.PadID())
	if err != nil {
		return nil, err
	}
	cfg.applyDropout(mc)
	mc.SetLabels(labels.Labels())
	m, err := bert.New(mc, labels.Len(), cfg.Seed)
	if err != nil {
		return nil, err
	}
	return &modeldir.Loaded{Model: m, Tok: tok, Labels: labels,
		Notes: []string{fmt.Sprintf("%s: %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, random weights (seed %d)",
			cfg.Model, preset.Layers, preset.Hidden, preset.Heads, preset.FF, tok.VocabSize(), cfg.Seed)}}, nil
}

// loadCheckpoint starts from a checkpoint; a classifier trained for other
// labels is replaced by a new head, as transformers does.
func loadCheckpoint(ctx context.Context, cfg *Config, labelsFor labelChooser) (*modeldir.Loaded, error) {
	dir, err := modeldir.Resolve(ctx, cfg.Model)
	if err != nil {
		return nil, err
	}
	mc, tensors, err := checkpoint.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	var modelLabels *conll.LabelSet
	if len(mc.ID2Label) > 0 {
		modelLabels, _ = conll.LabelsFromID2Label(mc.ID2Label)
	}
	labels, err := labelsFor(modelLabels)
	if err != nil {
		return nil, err
	}
	var notes []string
	if modelLabels != nil && !slices.Equal(modelLabels.Labels(), labels.Labels()) {
		// Same count but another meaning would silently reuse a head
		// trained for other labels: start a new head instead.
		for name := range tensors {
			if strings.HasPrefix(name, "classifier.") {
				delete(tensors, name)
			}
		}
		if !isGenericLabels(modelLabels) {
			notes = append(notes, fmt.Sprintf("the checkpoint's labels (%s) differ from the run's (%s)", modelLabels, labels))
		}
	}
	cfg.applyDropout(mc)
	mc.SetLabels(labels.Labels())
	m, rep, err := bert.FromTensors(mc, tensors, labels.Len(), cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	tok, err := modeldir.LoadTokenizer(dir)
	if err != nil {
		return nil, err
	}
	return &modeldir.Loaded{Model: m, Tok: tok, Labels: labels, Dir: dir, Notes: append(notes, rep.Notes...)}, nil
}

// isGenericLabels reports transformers' placeholder labels (LABEL_0, …).
func isGenericLabels(l *conll.LabelSet) bool {
	for _, s := range l.Labels() {
		if !strings.HasPrefix(s, "LABEL_") {
			return false
		}
	}
	return true
}

// scratchTokenizer loads the vocabulary a scratch model was asked for, by
// default mBERT's cased WordPiece over the embedded vocabulary.
func scratchTokenizer(vocab string) (tokenizer.Tokenizer, error) {
	if vocab != "" {
		return modeldir.LoadTokenizer(vocab)
	}
	opts := wordpiece.DefaultOptions()
	opts.Lowercase = false // mBERT is cased
	return wordpiece.LoadVocabBytes("mbert-vocab.txt", defaultdata.MBertVocab(), opts)
}

// applyDropout puts the Dropout setting into the model config, as transformers'
// from_pretrained(hidden_dropout_prob=…, attention_probs_dropout_prob=…)
// would; the saved config.json then records it.
func (c *Config) applyDropout(mc *checkpoint.Config) {
	if c.Dropout != nil {
		mc.HiddenDropoutProb = *c.Dropout
		mc.AttentionProbsDropoutProb = *c.Dropout
	}
}
