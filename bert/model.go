package bert

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/kernels"
	"github.com/nerkit/nerkit/optim"
	"github.com/nerkit/nerkit/parallel"
)

var _ Engine = (*Model)(nil)

// Model is the CPU Engine.
type Model struct {
	cfg                              checkpoint.Config
	numLabels                        int
	h, heads, headDim, inter, layers int
	act                              activation
	eps                              float64
	hiddenDrop, attnDrop, clsDrop    float64
	scale                            float32 // head_dim^-½

	infos         []ParamInfo
	params, grads []float32
	w, g          weights

	seed  int64
	calls uint64 // training forwards so far: part of the dropout key

	a arena
	t tasks

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
}

// tasks are the work items handed to parallel.For, kept in the Model so that
// dispatching allocates nothing (a closure handed to another goroutine would
// escape to the heap).
type tasks struct {
	emb     embeddingsTask
	embGrad embeddingsGradTask
	biasAct biasActTask
	attn    attentionTask
	attnB   attentionBackwardTask
	resLN   residualLayerNormTask
	lnB     layerNormBackwardTask
	lnP     layerNormParamGradTask
	colSum  columnSumTask
	actB    actBackwardTask
	drop    dropoutTask
	ce      crossEntropyTask
	ceB     crossEntropyBackwardTask
}

// validateConfig checks what the engine supports.
func validateConfig(cfg *checkpoint.Config, numLabels int) (activation, error) {
	switch {
	case cfg.HiddenSize <= 0 || cfg.NumHiddenLayers <= 0 || cfg.NumAttentionHeads <= 0 || cfg.IntermediateSize <= 0:
		return 0, fmt.Errorf("bert: config needs positive hidden_size, num_hidden_layers, num_attention_heads, intermediate_size")
	case cfg.HiddenSize%cfg.NumAttentionHeads != 0:
		return 0, fmt.Errorf("bert: hidden_size %d is not a multiple of num_attention_heads %d", cfg.HiddenSize, cfg.NumAttentionHeads)
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
		cfg: c, numLabels: numLabels,
		h: c.HiddenSize, heads: c.NumAttentionHeads, headDim: c.HiddenSize / c.NumAttentionHeads,
		inter: c.IntermediateSize, layers: c.NumHiddenLayers,
		act: act, eps: c.LayerNormEps,
		hiddenDrop: c.HiddenDropoutProb, attnDrop: c.AttentionProbsDropoutProb,
		clsDrop: classifierDropoutProb(c.ClassifierDropout, c.HiddenDropoutProb),
		seed:    seed,
		optCfg:  optim.DefaultAdamW(),
	}
	// HF: scaling = head_dim**-0.5 in Python, applied to float32 scores.
	m.scale = float32(math.Pow(float64(m.headDim), -0.5))
	var size int
	m.infos, size = layout(&c, numLabels)
	m.params = make([]float32, size)
	m.grads = make([]float32, size)
	m.w = viewWeights(m.params, m.infos, m.layers)
	m.g = viewWeights(m.grads, m.infos, m.layers)
	m.touchedMark = make([]bool, c.VocabSize)
	return m, nil
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

// initParam initialises one tensor as HF's _init_weights.
func (m *Model) initParam(p ParamInfo, rng *rand.Rand) {
	data := m.params[p.Offset : p.Offset+p.Size]
	switch {
	case hasSuffix(p.Name, "LayerNorm.weight"):
		for i := range data {
			data[i] = 1
		}
	case hasSuffix(p.Name, "bias") || hasSuffix(p.Name, "LayerNorm.bias"):
		clear(data)
	default:
		std := m.initStd()
		for i := range data {
			data[i] = float32(rng.NormFloat64() * std)
		}
		if p.Name == "bert.embeddings.word_embeddings.weight" {
			clear(data[m.cfg.PadTokenID*m.h : (m.cfg.PadTokenID+1)*m.h])
		}
	}
}

// initStd is initializer_range, BertConfig's 0.02 when unset.
func (m *Model) initStd() float64 {
	if m.cfg.InitializerRange == 0 {
		return 0.02
	}
	return m.cfg.InitializerRange
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// InferenceCopy returns a model that shares m's parameters (read-only) but
// has its own activations, so several goroutines can run
// inference concurrently, one copy each. It cannot train; parameter updates
// on m are seen by the copy, so do not run both at once (take copies after
// training: deferred decay applied by later Steps is not seen).
func (m *Model) InferenceCopy() *Model {
	m.flushDecay()
	c := &Model{
		cfg: m.cfg, numLabels: m.numLabels,
		h: m.h, heads: m.heads, headDim: m.headDim, inter: m.inter, layers: m.layers,
		act: m.act, eps: m.eps, scale: m.scale,
		infos: m.infos, params: m.params, w: m.w,
		seed: m.seed, inferenceOnly: true,
	}
	return c
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
	return m.params
}

// flushDecay applies the optimiser's deferred weight decay of unused
// embedding rows, so that the whole parameter vector is current. Everything
// that reads or writes the parameters other than Forward (which brings the
// rows of its batch up to date) calls it first.
func (m *Model) flushDecay() {
	if m.opt != nil {
		m.opt.Flush(m.params)
	}
}

// Grads returns the flat gradient vector, aligned with Params.
func (m *Model) Grads() []float32 { return m.grads }

// SetThreads forwards to parallel.SetThreads: the thread count is one
// process-wide setting, shared by every model, the GEMM and the optimizer.
// It remains only for callers not yet moved to package parallel.
func (m *Model) SetThreads(n int) { parallel.SetThreads(n) }

// Tensors returns views of the parameters under their HF names; they change
// with the next Step.
func (m *Model) Tensors() map[string]checkpoint.Tensor {
	m.flushDecay()
	out := make(map[string]checkpoint.Tensor, len(m.infos))
	for _, p := range m.infos {
		out[p.Name] = checkpoint.Tensor{Shape: append([]int(nil), p.Shape...), Data: m.params[p.Offset : p.Offset+p.Size : p.Offset+p.Size]}
	}
	return out
}

// LabelledTokens counts the labels ≠ -100 of a batch: the denominator of its
// mean loss.
func LabelledTokens(b *dataset.Batch) int {
	n := 0
	for _, l := range b.Labels {
		if l != dataset.IgnoreLabel {
			n++
		}
	}
	return n
}

// dropout sites: one key per place a dropout is applied.
func siteEmbeddings() int            { return 0 }
func siteAttnProbs(l int) int        { return 1 + 3*l }
func siteAttnOutput(l int) int       { return 2 + 3*l }
func siteFFNOutput(l int) int        { return 3 + 3*l }
func (m *Model) siteClassifier() int { return 1 + 3*m.layers }

func (m *Model) dropout(p float64, site int) dropout {
	if !m.train {
		return dropout{}
	}
	return newDropout(p, m.seed, m.calls, site)
}

// checkShape validates b's dimensions before the arena is sized for them.
func (m *Model) checkShape(b *dataset.Batch) error {
	B, T := b.Size, b.Len
	n := B * T
	if B <= 0 || T <= 0 {
		return fmt.Errorf("bert: empty batch (%d×%d)", B, T)
	}
	if T > m.cfg.MaxPositionEmbeddings {
		return fmt.Errorf("bert: sequence length %d exceeds max_position_embeddings %d", T, m.cfg.MaxPositionEmbeddings)
	}
	if len(b.InputIDs) != n || len(b.AttentionMask) != n || (b.TokenTypeIDs != nil && len(b.TokenTypeIDs) != n) || (b.Labels != nil && len(b.Labels) != n) {
		return fmt.Errorf("bert: batch arrays do not match its %d×%d shape", B, T)
	}
	return nil
}

// loadBatch validates b's values against the model and copies them into the
// arena.
func (m *Model) loadBatch(b *dataset.Batch) error {
	n, T := b.Size*b.Len, b.Len
	a := &m.a
	m.labelled = 0
	for i := 0; i < n; i++ {
		id := b.InputIDs[i]
		if id < 0 || int(id) >= m.cfg.VocabSize {
			return fmt.Errorf("bert: batch row %d position %d: token id %d outside the vocabulary of %d", i/T, i%T, id, m.cfg.VocabSize)
		}
		a.ids[i] = id
		var tt int32
		if b.TokenTypeIDs != nil {
			tt = b.TokenTypeIDs[i]
		}
		if tt < 0 || int(tt) >= m.cfg.TypeVocabSize {
			return fmt.Errorf("bert: batch row %d position %d: token type %d outside type_vocab_size %d", i/T, i%T, tt, m.cfg.TypeVocabSize)
		}
		a.types[i] = tt
		a.maskAdd[i] = 0
		if b.AttentionMask[i] == 0 {
			a.maskAdd[i] = maskedScore
		}
		label := int32(dataset.IgnoreLabel)
		if b.Labels != nil {
			label = b.Labels[i]
		}
		if label != dataset.IgnoreLabel {
			if label < 0 || int(label) >= m.numLabels {
				return fmt.Errorf("bert: batch row %d position %d: label %d outside 0..%d", i/T, i%T, label, m.numLabels-1)
			}
			m.labelled++
		}
		a.labels[i] = label
	}
	return nil
}

// Forward implements Engine.
func (m *Model) Forward(b *dataset.Batch, train bool) (float32, error) {
	m.ready = false
	if train && m.inferenceOnly {
		return 0, fmt.Errorf("bert: an InferenceCopy cannot train")
	}
	if err := m.checkShape(b); err != nil {
		return 0, err
	}
	m.a.ensure(m, b.Size, b.Len, train)
	if err := m.loadBatch(b); err != nil {
		return 0, err
	}
	m.batchSize, m.seqLen, m.train = b.Size, b.Len, train
	if train {
		m.calls++
	}
	N, H, C := b.Size*b.Len, m.h, m.numLabels
	a := &m.a

	if m.opt != nil { // the batch's embedding rows must hold their current values
		m.opt.Materialize(m.params, a.ids[:N])
	}
	m.t.emb = embeddingsTask{
		ids: a.ids, types: a.types, word: m.w.wordEmb, pos: m.w.posEmb, typ: m.w.typeEmb,
		x: a.embX, out: a.hidden[0], gamma: m.w.embLNGamma, beta: m.w.embLNBeta,
		mean: a.embMean, rstd: a.embRstd, drop: m.dropout(m.hiddenDrop, siteEmbeddings()),
		seqLen: b.Len, h: H, eps: m.eps,
	}
	parallel.For(N, &m.t.emb)

	for l := 0; l < m.layers; l++ {
		m.layerForward(l)
	}

	// classifier
	x := a.hiddenState(m.layers)
	clsIn := x
	if d := m.dropout(m.clsDrop, m.siteClassifier()); d.active() {
		clsIn = a.clsIn
		m.t.drop = dropoutTask{src: x, dst: clsIn, d: d}
		parallel.For(N*H, &m.t.drop)
	}
	kernels.Sgemm(false, true, N, C, H, 1, clsIn, H, m.w.classifierW, H, 0, a.logits, C)
	m.t.biasAct = biasActTask{y: a.logits, bias: m.w.classifierB, n: C}
	parallel.For(N, &m.t.biasAct)

	m.loss = 0
	if b.Labels != nil && m.labelled > 0 {
		m.t.ce = crossEntropyTask{logits: a.logits, probs: a.probs, labels: a.labels, rowLoss: a.rowLoss, c: C}
		parallel.For(N, &m.t.ce)
		var s float64
		for _, v := range a.rowLoss[:N] {
			s += v
		}
		m.loss = float32(s / float64(m.labelled))
	}
	m.ready = train && b.Labels != nil
	return m.loss, nil
}

// layerForward runs BertLayer l: attention, then intermediate + output.
func (m *Model) layerForward(l int) {
	a, w := &m.a, &m.w.layers[l]
	la := a.layer(l)
	B, T, H, I := m.batchSize, m.seqLen, m.h, m.inter
	N := B * T
	x := a.hiddenState(l)

	// BertSelfAttention
	kernels.Sgemm(false, true, N, 3*H, H, 1, x, H, w.qkvW, H, 0, la.qkv, 3*H)
	m.t.biasAct = biasActTask{y: la.qkv, bias: w.qkvB, n: 3 * H}
	parallel.For(N, &m.t.biasAct)
	m.t.attn = attentionTask{
		// in training the backward scratch dProbs is free during forward
		qkv: la.qkv, maskAdd: a.maskAdd, probs: la.probs, dropped: a.dProbs, ctx: la.ctx,
		drop: m.dropout(m.attnDrop, siteAttnProbs(l)), seqLen: T, h: H, heads: m.heads, headDim: m.headDim, scale: m.scale,
	}
	parallel.For(B*m.heads, &m.t.attn)

	// BertSelfOutput
	kernels.Sgemm(false, true, N, H, H, 1, la.ctx, H, w.attnOutW, H, 0, a.dense, H)
	m.t.resLN = residualLayerNormTask{
		dense: a.dense, bias: w.attnOutB, residual: x, drop: m.dropout(m.hiddenDrop, siteAttnOutput(l)),
		x: la.attnX, y: la.attnOut, gamma: w.attnLNGamma, beta: w.attnLNBeta,
		mean: la.attnMean, rstd: la.attnRstd, h: H, eps: m.eps,
	}
	parallel.For(N, &m.t.resLN)

	// BertIntermediate
	kernels.Sgemm(false, true, N, I, H, 1, la.attnOut, H, w.interW, H, 0, la.interPre, I)
	m.t.biasAct = biasActTask{y: la.interPre, bias: w.interB, out: la.interAct, act: m.act, n: I}
	parallel.For(N, &m.t.biasAct)

	// BertOutput
	kernels.Sgemm(false, true, N, H, I, 1, la.interAct, I, w.outW, I, 0, a.dense, H)
	m.t.resLN = residualLayerNormTask{
		dense: a.dense, bias: w.outB, residual: la.attnOut, drop: m.dropout(m.hiddenDrop, siteFFNOutput(l)),
		x: la.outX, y: a.hiddenState(l + 1), gamma: w.outLNGamma, beta: w.outLNBeta,
		mean: la.outMean, rstd: la.outRstd, h: H, eps: m.eps,
	}
	parallel.For(N, &m.t.resLN)
}

// Logits implements Engine.
func (m *Model) Logits() []float32 {
	return m.a.logits[:m.batchSize*m.seqLen*m.numLabels]
}

// Backward implements Engine.
func (m *Model) Backward(lossTokens int) error {
	if !m.ready {
		return fmt.Errorf("bert: Backward needs a preceding training Forward with labels")
	}
	m.ready = false
	if m.labelled == 0 {
		return nil // no loss term, no gradient
	}
	if lossTokens <= 0 {
		lossTokens = m.labelled
	}
	a := &m.a
	N, H, C := m.batchSize*m.seqLen, m.h, m.numLabels

	// loss and classifier
	m.t.ceB = crossEntropyBackwardTask{probs: a.probs, dLogits: a.dLogits, labels: a.labels, scale: float32(1 / float64(lossTokens)), c: C}
	parallel.For(N, &m.t.ceB)
	clsIn := a.hiddenState(m.layers)
	clsDrop := m.dropout(m.clsDrop, m.siteClassifier())
	if clsDrop.active() {
		clsIn = a.clsIn
	}
	kernels.Sgemm(true, false, C, H, N, 1, a.dLogits, C, clsIn, H, 1, m.g.classifierW, H)
	m.colSum(a.dLogits, m.g.classifierB, N, C)
	dx := a.dX
	kernels.Sgemm(false, false, N, H, C, 1, a.dLogits, C, m.w.classifierW, H, 0, dx, H)
	if clsDrop.active() {
		m.t.drop = dropoutTask{src: dx, dst: dx, d: clsDrop}
		parallel.For(N*H, &m.t.drop)
	}

	for l := m.layers - 1; l >= 0; l-- {
		m.layerBackward(l)
	}

	// embeddings: dropout, LayerNorm, then scatter into the tables
	if d := m.dropout(m.hiddenDrop, siteEmbeddings()); d.active() {
		m.t.drop = dropoutTask{src: dx, dst: dx, d: d}
		parallel.For(N*H, &m.t.drop)
	}
	m.layerNormBackward(dx, a.embX, a.embMean, a.embRstd, m.w.embLNGamma, m.g.embLNGamma, m.g.embLNBeta, a.dY)
	m.t.embGrad = embeddingsGradTask{
		ids: a.ids, types: a.types, dx: a.dY, dWord: m.g.wordEmb, dPos: m.g.posEmb, dType: m.g.typeEmb,
		rows: N, seqLen: m.seqLen, h: H, padID: int32(m.cfg.PadTokenID),
	}
	parallel.For(H, &m.t.embGrad)
	for _, id := range a.ids[:N] {
		if !m.touchedMark[id] {
			m.touchedMark[id] = true
			m.touched = append(m.touched, id)
		}
	}
	return nil
}

// layerBackward takes dX = ∂loss/∂hidden_states[l+1] and leaves
// ∂loss/∂hidden_states[l] in dX, accumulating the layer's parameter grads.
func (m *Model) layerBackward(l int) {
	a, w, g := &m.a, &m.w.layers[l], &m.g.layers[l]
	la := a.layer(l)
	B, T, H, I := m.batchSize, m.seqLen, m.h, m.inter
	N := B * T
	dX, dY := a.dX, a.dY

	// BertOutput: LayerNorm, dropout, dense
	m.layerNormBackward(dX, la.outX, la.outMean, la.outRstd, w.outLNGamma, g.outLNGamma, g.outLNBeta, dY)
	dDense := m.dropoutBackward(dY, siteFFNOutput(l))
	kernels.Sgemm(true, false, H, I, N, 1, dDense, H, la.interAct, I, 1, g.outW, I)
	m.colSum(dDense, g.outB, N, H)
	kernels.Sgemm(false, false, N, I, H, 1, dDense, H, w.outW, I, 0, a.dInter, I)

	// BertIntermediate: activation, dense; the residual adds into dY
	m.t.actB = actBackwardTask{d: a.dInter, pre: la.interPre, act: m.act, n: I}
	parallel.For(N, &m.t.actB)
	kernels.Sgemm(true, false, I, H, N, 1, a.dInter, I, la.attnOut, H, 1, g.interW, H)
	m.colSum(a.dInter, g.interB, N, I)
	kernels.Sgemm(false, false, N, H, I, 1, a.dInter, I, w.interW, H, 1, dY, H)

	// BertSelfOutput: LayerNorm, dropout, dense
	m.layerNormBackward(dY, la.attnX, la.attnMean, la.attnRstd, w.attnLNGamma, g.attnLNGamma, g.attnLNBeta, dX)
	dDense = m.dropoutBackward(dX, siteAttnOutput(l))
	kernels.Sgemm(true, false, H, H, N, 1, dDense, H, la.ctx, H, 1, g.attnOutW, H)
	m.colSum(dDense, g.attnOutB, N, H)
	kernels.Sgemm(false, false, N, H, H, 1, dDense, H, w.attnOutW, H, 0, a.dCtx, H)

	// BertSelfAttention
	m.t.attnB = attentionBackwardTask{
		qkv: la.qkv, probs: la.probs, dCtx: a.dCtx, dProbs: a.dProbs, dqkv: a.dQKV,
		drop: m.dropout(m.attnDrop, siteAttnProbs(l)), seqLen: T, h: H, heads: m.heads, headDim: m.headDim, scale: m.scale,
	}
	parallel.For(B*m.heads, &m.t.attnB)
	x := a.hiddenState(l)
	kernels.Sgemm(true, false, 3*H, H, N, 1, a.dQKV, 3*H, x, H, 1, g.qkvW, H)
	m.colSum(a.dQKV, g.qkvB, N, 3*H)
	kernels.Sgemm(false, false, N, H, 3*H, 1, a.dQKV, 3*H, w.qkvW, H, 1, dX, H)
}

// layerNormBackward writes dx from dy and accumulates dγ, dβ.
func (m *Model) layerNormBackward(dy, x, mean, rstd, gamma, dGamma, dBeta, dx []float32) {
	N := m.batchSize * m.seqLen
	m.t.lnP = layerNormParamGradTask{dy: dy, x: x, mean: mean, rstd: rstd, dGamma: dGamma, dBeta: dBeta, rows: N, h: m.h}
	parallel.For(m.h, &m.t.lnP)
	m.t.lnB = layerNormBackwardTask{dy: dy, x: x, gamma: gamma, mean: mean, rstd: rstd, dx: dx, h: m.h}
	parallel.For(N, &m.t.lnB)
}

// dropoutBackward returns the gradient below a hidden dropout: d itself when
// the dropout is off, else a masked copy in the arena's scratch.
func (m *Model) dropoutBackward(d []float32, site int) []float32 {
	drop := m.dropout(m.hiddenDrop, site)
	if !drop.active() {
		return d
	}
	n := m.batchSize * m.seqLen * m.h
	m.t.drop = dropoutTask{src: d, dst: m.a.dZ, d: drop}
	parallel.For(n, &m.t.drop)
	return m.a.dZ
}

func (m *Model) colSum(dy, db []float32, rows, n int) {
	m.t.colSum = columnSumTask{dy: dy, db: db, rows: rows, n: n}
	parallel.For(n, &m.t.colSum)
}

// ZeroGrad implements Engine. Of the word-embedding table it clears only the
// rows batches used since the last call.
func (m *Model) ZeroGrad() {
	if m.inferenceOnly {
		return
	}
	word := m.infos[0]
	clear(m.grads[word.Offset+word.Size:])
	if len(m.touched) > m.cfg.VocabSize/4 {
		clear(m.g.wordEmb)
		clear(m.touchedMark)
	} else {
		for _, id := range m.touched {
			clear(m.g.wordEmb[int(id)*m.h : (int(id)+1)*m.h])
			m.touchedMark[id] = false
		}
	}
	m.touched = m.touched[:0]
}

// SetOptimizer configures AdamW (default: optim.DefaultAdamW) and resets its
// state. Weight decay applies as in HF Trainer: not to biases and LayerNorm.
func (m *Model) SetOptimizer(cfg optim.AdamWConfig) {
	m.flushDecay()
	m.optCfg = cfg
	m.opt = nil
}

// Optimizer returns the AdamW state (created on first use), for saving and
// restoring it.
func (m *Model) Optimizer() *optim.AdamW {
	if m.opt == nil {
		spans := make([]optim.Span, len(m.infos))
		for i, p := range m.infos {
			spans[i] = optim.Span{Offset: p.Offset, Size: p.Size, Decay: optim.HFDecays(p.Name)}
		}
		opt, err := optim.NewAdamW(m.optCfg, len(m.params), spans)
		if err == nil {
			// A batch uses a few hundred of the vocabulary's rows: the
			// others need no moment update (bit-identical, see optim.AdamW).
			word := m.infos[0]
			err = opt.SetSparseTable(optim.Table{Offset: word.Offset, Rows: m.cfg.VocabSize, Width: m.h})
		}
		if err != nil {
			panic(err) // the spans come from layout and always fit
		}
		m.opt = opt
	}
	return m.opt
}

// Step implements Engine.
// The clipping factor is applied inside the update (bit-identical to scaling
// the gradients first), so Grads keeps the unclipped sums.
func (m *Model) Step(lr, maxGradNorm float64) float64 {
	if m.inferenceOnly {
		panic("bert: Step on an InferenceCopy")
	}
	// Only the word-embedding rows used since ZeroGrad have a gradient.
	slices.Sort(m.touched)
	opt := m.Optimizer()
	opt.MarkRows(m.params, m.touched)
	norm := opt.GradNorm(m.grads, m.touched)
	opt.StepScaled(m.params, m.grads, lr, optim.ClipScale(norm, maxGradNorm))
	return norm
}
