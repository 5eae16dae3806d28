package bert

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/optim"
)

var _ Engine = (*Model)(nil)

// Model is the CPU Engine.
type Model struct {
	cfg                              checkpoint.Config
	shape                            familyShape // the family's embeddings and layout
	numLabels                        int
	h, heads, headDim, inter, layers int
	act                              activation
	eps                              float64
	hiddenDropout                    float64 // hidden_dropout_prob
	attentionDropout                 float64 // attention_probs_dropout_prob
	classifierDropout                float64 // classifier_dropout, or hidden_dropout_prob
	scale                            float32 // head_dim^-½

	infos         []ParamInfo
	params, grads []float32
	w, g          weights

	seed  int64
	calls uint64 // training forwards so far: part of the dropout key

	a     arena
	tasks tasks

	// the last Forward
	batchSize, seqLen int
	train             bool
	labelled          int
	loss              float32
	ready             bool // Backward may run

	// word-embedding rows with a possibly non-zero gradient, so ZeroGrad
	// need not clear the whole (vocab×H) table
	touched     []int32
	touchedMark []bool

	opt    *optim.AdamW
	optCfg optim.AdamWConfig

	inferenceOnly bool // a view from InferenceCopy

	prec     Precision
	lp       *lowPrec // converted weights (nil in fp32), shared with inference copies
	headSize int      // parameters a head added after the classifier (AddHeadTensors)
}

// tasks are the work items handed to parallel.For, kept in the Model so that
// dispatching allocates nothing (a closure handed to another goroutine would
// escape to the heap).
type tasks struct {
	embeddings           embeddingsTask
	embeddingsGrad       embeddingsGradTask
	biasAct              biasActTask
	attention            attentionTask
	attentionBackward    attentionBackwardTask
	residualLayerNorm    residualLayerNormTask
	layerNormBackward    layerNormBackwardTask
	layerNormParamGrad   layerNormParamGradTask
	columnSum            columnSumTask
	actBackward          actBackwardTask
	dropout              dropoutTask
	crossEntropy         crossEntropyTask
	crossEntropyBackward crossEntropyBackwardTask
}

// validateConfig checks what the engine supports.
func validateConfig(cfg *checkpoint.Config, numLabels int) (activation, error) {
	if _, err := checkpoint.FamilyOf(cfg.ModelType); err != nil {
		return 0, fmt.Errorf("bert: %w", err)
	}
	switch {
	case cfg.HiddenSize <= 0 || cfg.NumHiddenLayers <= 0 || cfg.NumAttentionHeads <= 0 || cfg.IntermediateSize <= 0:
		return 0, fmt.Errorf("bert: config needs positive hidden_size, num_hidden_layers, num_attention_heads, intermediate_size")
	case cfg.HiddenSize%cfg.NumAttentionHeads != 0:
		return 0, fmt.Errorf("bert: hidden_size %d is not a multiple of num_attention_heads %d", cfg.HiddenSize, cfg.NumAttentionHeads)
	case cfg.EmbeddingSize < 0:
		return 0, fmt.Errorf("bert: embedding_size %d is negative", cfg.EmbeddingSize)
	case cfg.VocabSize <= 0 || cfg.MaxPositionEmbeddings <= 0:
		return 0, fmt.Errorf("bert: config needs positive vocab_size and max_position_embeddings")
	case cfg.PositionEmbeddingType != "" && cfg.PositionEmbeddingType != "absolute":
		return 0, fmt.Errorf("bert: position_embedding_type %q is not supported (absolute only)", cfg.PositionEmbeddingType)
	case numLabels <= 0:
		return 0, fmt.Errorf("bert: need at least one label, got %d", numLabels)
	case cfg.PadTokenID < 0 || cfg.PadTokenID >= cfg.VocabSize:
		return 0, fmt.Errorf("bert: pad_token_id %d outside the vocabulary of %d", cfg.PadTokenID, cfg.VocabSize)
	}
	act, err := parseActivation(cfg.HiddenAct)
	if err != nil {
		return 0, fmt.Errorf("bert: %w", err)
	}
	return act, nil
}

// newModel allocates a model with zero parameters.
func newModel(cfg *checkpoint.Config, numLabels int, seed int64) (*Model, error) {
	act, err := validateConfig(cfg, numLabels)
	if err != nil {
		return nil, err
	}
	c := *cfg
	if c.TypeVocabSize <= 0 {
		c.TypeVocabSize = 2
	}
	if c.LayerNormEps == 0 {
		c.LayerNormEps = 1e-12
	}
	m := &Model{
		cfg: c, shape: shapeOf(&c), numLabels: numLabels,
		h: c.HiddenSize, heads: c.NumAttentionHeads, headDim: c.HiddenSize / c.NumAttentionHeads,
		inter: c.IntermediateSize, layers: c.NumHiddenLayers,
		act: act, eps: c.LayerNormEps,
		hiddenDropout: c.HiddenDropoutProb, attentionDropout: c.AttentionProbsDropoutProb,
		classifierDropout: classifierDropoutProb(c.ClassifierDropout, c.HiddenDropoutProb),
		seed:              seed,
		optCfg:            optim.DefaultAdamW(),
	}
	// HF: scaling = head_dim**-0.5 in Python, applied to float32 scores.
	m.scale = float32(math.Pow(float64(m.headDim), -0.5))
	var size int
	m.infos, size = layout(&c, numLabels)
	m.params = make([]float32, size)
	m.w = viewWeights(m.params, m.infos, m.layers, m.shape)
	return m, nil
}

// ensureGrads allocates the gradients (zero) on the first use that needs
// them: a model that only infers never holds them (as large as the
// parameters).
func (m *Model) ensureGrads() {
	if m.grads != nil {
		return
	}
	m.grads = make([]float32, len(m.params))
	m.g = viewWeights(m.grads, m.infos, m.layers, m.shape)
	m.touchedMark = make([]bool, m.cfg.VocabSize)
}

// New returns a freshly initialised model as HF's _init_weights does:
// weights normal(0, initializer_range), the padding row of the word
// embeddings zero, biases zero, LayerNorm weight 1 and bias 0. The draw is
// from seed (nerkit's stream, not torch's).
func New(cfg *checkpoint.Config, numLabels int, seed int64) (*Model, error) {
	m, err := newModel(cfg, numLabels, seed)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	for _, p := range m.infos {
		m.initParam(p, rng)
	}
	return m, nil
}

// initParam initialises one tensor as HF's _init_weights: embeddings'
// padding rows (nn.Embedding's padding_idx: the word table's, and
// RoBERTa's position table's) zero, DistilBERT's sinusoidal positions
// computed.
func (m *Model) initParam(p ParamInfo, rng *rand.Rand) {
	data := m.params[p.Offset : p.Offset+p.Size]
	e := m.shape.emb
	switch {
	case isLayerNorm(p.Name) && strings.HasSuffix(p.Name, ".weight"):
		for i := range data {
			data[i] = 1
		}
	case strings.HasSuffix(p.Name, "bias"):
		clear(data)
	case p.Name == m.posName() && m.shape.sinusoidal:
		sinusoidalPositions(data, e)
	default:
		std := m.initStd()
		for i := range data {
			data[i] = float32(rng.NormFloat64() * std)
		}
		if p.Name == m.infos[0].Name {
			clear(data[m.cfg.PadTokenID*e : (m.cfg.PadTokenID+1)*e])
		}
		if p.Name == m.posName() && m.shape.posPad >= 0 {
			clear(data[m.shape.posPad*e : (m.shape.posPad+1)*e])
		}
	}
}

// posName is the position table's name.
func (m *Model) posName() string { return m.infos[1].Name }

// isLayerNorm reports whether a tensor belongs to a LayerNorm (BERT's
// "LayerNorm", DistilBERT's "sa_layer_norm"/"output_layer_norm").
func isLayerNorm(name string) bool {
	return strings.Contains(name, "LayerNorm.") || strings.Contains(name, "layer_norm.")
}

// initStd is initializer_range, BertConfig's 0.02 when unset.
func (m *Model) initStd() float64 {
	if m.cfg.InitializerRange == 0 {
		return 0.02
	}
	return m.cfg.InitializerRange
}

// InferenceCopy returns a model that shares m's parameters (read-only) but
// has its own activations, so several goroutines can run inference
// concurrently, one copy each (they share package parallel's workers). It
// cannot train; parameter updates on m are seen by the copy, so do not run
// both at once (take copies after training: deferred decay applied by later
// Steps is not seen).
func (m *Model) InferenceCopy() *Model {
	m.flushDecay()
	if m.lp != nil && !m.lp.shared {
		m.lp.shared, m.lp.fresh = true, false
	}
	m.packWeights() // kept, before the copies share them
	return &Model{
		cfg: m.cfg, shape: m.shape, numLabels: m.numLabels,
		h: m.h, heads: m.heads, headDim: m.headDim, inter: m.inter, layers: m.layers,
		act: m.act, eps: m.eps, scale: m.scale,
		infos: m.infos, params: m.params, w: m.w,
		seed: m.seed, inferenceOnly: true,
		prec: m.prec, lp: m.lp,
	}
}

// Config returns the model's configuration.
func (m *Model) Config() *checkpoint.Config { return &m.cfg }

// NumLabels returns the classifier's output size.
func (m *Model) NumLabels() int { return m.numLabels }

// Layout returns the parameter table: every HF tensor's place in Params.
func (m *Model) Layout() []ParamInfo { return m.infos }

// Params returns the flat parameter vector (shared, not a copy), brought up
// to date: any deferred weight decay is applied first (see optim.AdamW).
func (m *Model) Params() []float32 {
	m.flushDecay()
	m.weightsChanged() // the caller may write them
	return m.params
}

// Grads returns the flat gradient vector, aligned with Params (allocated on
// first use).
func (m *Model) Grads() []float32 {
	m.ensureGrads()
	return m.grads
}

// Tensors returns views of the parameters under their HF names; they change
// with the next Step.
func (m *Model) Tensors() map[string]checkpoint.Tensor {
	m.flushDecay()
	m.weightsChanged() // the caller may write them
	out := make(map[string]checkpoint.Tensor, len(m.infos))
	for _, p := range m.infos {
		out[p.Name] = checkpoint.Tensor{Shape: append([]int(nil), p.Shape...), Data: m.params[p.Offset : p.Offset+p.Size : p.Offset+p.Size]}
	}
	return out
}
