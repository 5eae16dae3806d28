package train

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nerkit/nerkit/checkpoint"
)

// ScratchPrefix marks a model trained from random weights with mBERT's
// vocabulary, e.g. "scratch:small".
const ScratchPrefix = "scratch:"

// Preset is a from-scratch architecture with the training defaults that suit
// random initialisation (a much larger learning rate and warmup than
// fine-tuning a pretrained encoder needs). Flags still override them.
type Preset struct {
	Layers, Hidden, Heads, FF int
	LR, WarmupRatio           float64
	Epochs                    float64
	MaxLength                 int
	GroupByLength             bool // batches of similar lengths: about half the positions to compute on FactRuEval
	Dropout                   float64
	// LabelAllTokens trains on every sub-token, not only each word's
	// first: from random weights the model has nothing but these labels
	// to learn from, and the continuation pieces double the supervised
	// positions. On the embedded FactRuEval demo it lifts test F1 by about
	// 5 points across seeds (BENCHMARKS.md, "Choosing the scratch:small
	// defaults"). Predictions are still read at each word's first piece.
	LabelAllTokens bool
}

// Apply sets the run settings the preset brings; the caller then applies
// the config file and flags on top.
func (p Preset) Apply(c *Config) {
	c.LR, c.WarmupRatio, c.Epochs, c.MaxLength, c.GroupByLength, c.LabelAllTokens = p.LR, p.WarmupRatio, p.Epochs, p.MaxLength, p.GroupByLength, p.LabelAllTokens
	d := p.Dropout
	c.Dropout = &d
}

// Presets are the scratch: models. "small" is the embedded default's model:
// the 4-layer, 256-wide BERT of the reference point for this data.
var Presets = map[string]Preset{
	"tiny":  {Layers: 2, Hidden: 64, Heads: 2, FF: 256, LR: 1e-3, WarmupRatio: 0.1, Epochs: 3, MaxLength: 128, GroupByLength: true, Dropout: 0.1, LabelAllTokens: true},
	"small": {Layers: 4, Hidden: 256, Heads: 4, FF: 1024, LR: 5e-4, WarmupRatio: 0.1, Epochs: 8, MaxLength: 128, GroupByLength: true, Dropout: 0.1, LabelAllTokens: true},
	"base":  {Layers: 12, Hidden: 768, Heads: 12, FF: 3072, LR: 1e-4, WarmupRatio: 0.1, Epochs: 5, MaxLength: 512, GroupByLength: true, Dropout: 0.1, LabelAllTokens: true},
}

// PresetNames lists the presets for help texts.
func PresetNames() string {
	var names []string
	for n := range Presets {
		names = append(names, ScratchPrefix+n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// LookupPreset returns the preset a scratch: model names.
func LookupPreset(model string) (Preset, bool, error) {
	name, ok := strings.CutPrefix(model, ScratchPrefix)
	if !ok {
		return Preset{}, false, nil
	}
	p, found := Presets[name]
	if !found {
		return Preset{}, true, fmt.Errorf("unknown preset %q (have %s)", model, PresetNames())
	}
	return p, true, nil
}

// ScratchConfig is the HF config of a preset with mBERT's vocabulary: BERT.
func (p Preset) ScratchConfig(vocabSize int) *checkpoint.Config {
	return &checkpoint.Config{
		Architectures:             []string{"BertForTokenClassification"},
		ModelType:                 "bert",
		VocabSize:                 vocabSize,
		HiddenSize:                p.Hidden,
		NumHiddenLayers:           p.Layers,
		NumAttentionHeads:         p.Heads,
		IntermediateSize:          p.FF,
		HiddenAct:                 "gelu",
		HiddenDropoutProb:         p.Dropout,
		AttentionProbsDropoutProb: p.Dropout,
		MaxPositionEmbeddings:     512,
		TypeVocabSize:             2,
		InitializerRange:          0.02,
		LayerNormEps:              1e-12,
		PadTokenID:                0,
		PositionEmbeddingType:     "absolute",
	}
}

// FamilyConfig is the preset's config as another encoder family (family is
// a model_type; "" and "bert" give ScratchConfig), with the tokenizer's
// padding id: RoBERTa/XLM-R with one token type, LayerNorm eps 1e-5 and 512
// positions after the pad_token_id+1 its position ids skip; DistilBERT
// without token types; ELECTRA with embedding_size = hidden_size.
func (p Preset) FamilyConfig(family string, vocabSize int, padID int32) (*checkpoint.Config, error) {
	c := p.ScratchConfig(vocabSize)
	fam, err := checkpoint.FamilyOf(family)
	if err != nil || fam.ModelType == "bert" {
		return c, err
	}
	c.ModelType, c.Architectures, c.PadTokenID = fam.ModelType, []string{fam.Architecture}, int(padID)
	switch {
	case fam.PaddedPositions():
		c.TypeVocabSize, c.LayerNormEps = 1, 1e-5
		c.MaxPositionEmbeddings = 512 + c.PadTokenID + 1
	case !fam.TokenTypes():
		c.TypeVocabSize = 1
	}
	return c, nil
}
