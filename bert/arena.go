package bert

import "github.com/nerkit/nerkit/kernels"

// arena holds every activation and gradient buffer of a forward/backward
// pass, sized for the largest batch seen (rows N = B·T and attention
// elements B·heads·T²) and reused: it grows, never shrinks, and a step of a
// size already seen allocates nothing.
//
// Training keeps every layer's activations for the backward pass. Inference
// needs none of them afterwards, so an arena that has only served inference
// keeps one set of layer buffers and two hidden-state buffers, used in turn
// (layer l uses layer[l % len], hidden state i uses hidden[i % len]).
type arena struct {
	rows, attn int // capacities: N and B·heads·T²
	train      bool
	// packedX: bf16 training keeps each layer's context and FFN activation
	// as the bf16 conversion its weight gradient dW = dYᵀ·X reads (layerActs'
	// contextX, interActX), so their float32 buffers are one set shared by
	// all layers (see Model.savesPackedX).
	packedX bool

	ids, types, labels []int32
	positions          []int32   // position ids, as the family computes them
	maskAdd            []float32 // 0 or maskedScore per position

	embeddingNorm layerNormActs // embeddings.LayerNorm input and stats (N×E)
	// ELECTRA with embedding_size ≠ hidden_size: the embeddings' output
	// (N×E, after dropout) before embeddings_project, and in training the
	// gradients at it and at the LayerNorm input.
	embeddingOut, dEmbeddingOut, dEmbeddingNorm []float32
	hidden                                      [][]float32 // hidden_states, N×H each
	layerBufs                                   []layerActs
	dense                                       []float32 // N×H: dense output before bias (scratch)

	classifierIn  []float32 // N×H: classifier input after dropout (training)
	logits, probs []float32 // N×C
	rowLoss       []float64 // N

	// backward
	dX, dY, dZ []float32 // N×H
	dContext   []float32 // N×H
	dQKV       []float32 // N×3H
	dInter     []float32 // N×I
	dProbs     []float32 // B×heads×T²
	dLogits    []float32 // N×C
}

// layerActs are what one BertLayer keeps for its backward pass.
type layerActs struct {
	qkv                []float32     // N×3H: Q | K | V
	probs              []float32     // B×heads×T²: softmax (Dropout(P) is recomputed)
	context            []float32     // N×H: attention context
	attentionNorm      layerNormActs // attention.output.LayerNorm input and stats
	attentionOut       []float32     // N×H: attention.output.LayerNorm output
	interPre, interAct []float32     // N×I: before and after the activation
	outputNorm         layerNormActs // output.LayerNorm input and stats
	// bf16 training (arena.packedX): context and interAct converted for
	// the backward's dW = dYᵀ·X, in place of their float32 values.
	contextX, interActX kernels.PackedBF16
}

// layerNormActs are what a LayerNorm keeps for its backward pass: its input
// x (N×H) and each row's mean and rstd = 1/sqrt(var+eps).
type layerNormActs struct {
	x, mean, rstd []float32
}

func (a *arena) layer(l int) *layerActs      { return &a.layerBufs[l%len(a.layerBufs)] }
func (a *arena) hiddenState(i int) []float32 { return a.hidden[i%len(a.hidden)] }

// ensure makes the arena big enough for a B×T batch.
func (a *arena) ensure(m *Model, B, T int, train bool) {
	rows, attn := B*T, B*m.heads*T*T
	// A change of precision since the arena was made can change whether
	// the layers share their context and activation buffers.
	packedX := a.packedX
	if train || a.train {
		packedX = m.savesPackedX()
	}
	if rows <= a.rows && attn <= a.attn && (a.train || !train) && packedX == a.packedX {
		return
	}
	a.alloc(m, max(rows, a.rows), max(attn, a.attn), train || a.train, packedX)
}

func (a *arena) alloc(m *Model, rows, attn int, train, packedX bool) {
	H, I, C := m.h, m.inter, m.numLabels
	f := func(n int) []float32 { return make([]float32, n) }
	*a = arena{rows: rows, attn: attn, train: train, packedX: packedX}
	a.ids, a.types, a.labels = make([]int32, rows), make([]int32, rows), make([]int32, rows)
	a.positions = make([]int32, rows)
	a.maskAdd = f(rows)
	normOf := func(w int) layerNormActs { return layerNormActs{x: f(rows * w), mean: f(rows), rstd: f(rows)} }
	norm := func() layerNormActs { return normOf(H) }
	E := m.shape.emb
	a.embeddingNorm = normOf(E)
	if m.shape.project {
		a.embeddingOut = f(rows * E)
		if train {
			a.dEmbeddingOut, a.dEmbeddingNorm = f(rows*E), f(rows*E)
		}
	}
	nLayers, nHidden := 1, 2
	if train {
		nLayers, nHidden = m.layers, m.layers+1
	}
	a.hidden = make([][]float32, nHidden)
	for i := range a.hidden {
		a.hidden[i] = f(rows * H)
	}
	a.layerBufs = make([]layerActs, nLayers)
	var context, interAct []float32 // shared by all layers when packedX
	for i := range a.layerBufs {
		la := &a.layerBufs[i]
		la.qkv = f(rows * 3 * H)
		la.probs = f(attn)
		if i == 0 || !packedX {
			context, interAct = f(rows*H), f(rows*I)
		}
		la.context, la.interAct = context, interAct
		la.attentionNorm = norm()
		la.attentionOut = f(rows * H)
		la.interPre = f(rows * I)
		la.outputNorm = norm()
	}
	a.dense = f(rows * H)
	if train && m.classifierDropout > 0 {
		a.classifierIn = f(rows * H)
	}
	a.logits, a.probs = f(rows*C), f(rows*C)
	a.rowLoss = make([]float64, rows)
	if train {
		a.dX, a.dY, a.dZ, a.dContext = f(rows*H), f(rows*H), f(rows*H), f(rows*H)
		a.dQKV = f(rows * 3 * H)
		a.dInter = f(rows * I)
		a.dProbs = f(attn)
		a.dLogits = f(rows * C)
	}
}
