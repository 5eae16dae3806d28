package bert

import "github.com/nerkit/nerkit/parallel"

// BertEmbeddings (absolute positions):
//
//	x = word_embeddings[input_ids] + token_type_embeddings[token_type_ids]
//	x += position_embeddings[0..T-1]
//	hidden_states[0] = Dropout(LayerNorm(x))
//
// Sums are done in HF's order (word + type, then + position). The backward
// pass runs dropout and LayerNorm backwards, then scatter-adds the gradient
// into the table rows the batch used.

// embeddingsForward computes hidden_states[0] from the batch's ids.
func (m *Model) embeddingsForward() {
	a := &m.a
	m.tasks.embeddings = embeddingsTask{
		ids: a.ids, types: a.types, word: m.w.wordEmb, pos: m.w.posEmb, typ: m.w.typeEmb,
		x: a.embeddingNorm.x, out: a.hidden[0], gamma: m.w.embeddingNorm.gamma, beta: m.w.embeddingNorm.beta,
		mean: a.embeddingNorm.mean, rstd: a.embeddingNorm.rstd, drop: m.dropout(m.hiddenDropout, siteEmbeddings()),
		seqLen: m.seqLen, h: m.h, eps: m.eps,
	}
	parallel.For(m.rows(), &m.tasks.embeddings)
}

// embeddingsBackward takes dX = ∂loss/∂hidden_states[0] (and overwrites it)
// and adds the gradients of the three tables.
func (m *Model) embeddingsBackward() {
	a := &m.a
	if d := m.dropout(m.hiddenDropout, siteEmbeddings()); d.active() {
		m.applyDropout(a.dX, a.dX, d)
	}
	m.layerNormBackward(a.dY, a.dX, a.embeddingNorm, m.w.embeddingNorm, m.g.embeddingNorm)
	m.tasks.embeddingsGrad = embeddingsGradTask{
		ids: a.ids, types: a.types, dx: a.dY, dWord: m.g.wordEmb, dPos: m.g.posEmb, dType: m.g.typeEmb,
		rows: m.rows(), seqLen: m.seqLen, h: m.h, padID: int32(m.cfg.PadTokenID),
	}
	parallel.For(m.h, &m.tasks.embeddingsGrad)
}

// embeddingsTask runs the forward pass for rows [lo, hi) of the batch.
type embeddingsTask struct {
	ids, types     []int32 // N
	word, pos, typ []float32
	x              []float32 // N×H: LayerNorm input, kept for backward
	out            []float32 // N×H: hidden_states[0]
	gamma, beta    []float32
	mean, rstd     []float32
	drop           dropout
	seqLen, h      int
	eps            float64
}

func (t *embeddingsTask) Run(lo, hi int) {
	h := t.h
	for r := lo; r < hi; r++ {
		w := t.word[int(t.ids[r])*h:][:h]
		p := t.pos[(r%t.seqLen)*h:][:h]
		ty := t.typ[int(t.types[r])*h:][:h]
		x := t.x[r*h : (r+1)*h]
		for i := range x {
			x[i] = w[i] + ty[i]
			x[i] += p[i]
		}
		y := t.out[r*h : (r+1)*h]
		t.mean[r], t.rstd[r] = layerNormRow(x, y, t.gamma, t.beta, t.eps)
		if t.drop.active() {
			t.drop.applyRun(y, y, r*h)
		}
	}
}

// embeddingsGradTask scatter-adds dx (the gradient at the LayerNorm input)
// into the rows of the three tables that the batch used. It is split over
// columns, so every table entry is summed over the batch in row order and
// the result does not depend on the thread count. The padding row of the
// word table gets no gradient, as nn.Embedding(padding_idx=pad_token_id).
type embeddingsGradTask struct {
	ids, types         []int32
	dx                 []float32
	dWord, dPos, dType []float32
	rows, seqLen, h    int
	padID              int32
}

func (t *embeddingsGradTask) Run(lo, hi int) {
	h := t.h
	for r := 0; r < t.rows; r++ {
		d := t.dx[r*h+lo : r*h+hi]
		pos := t.dPos[(r%t.seqLen)*h+lo : (r%t.seqLen)*h+hi]
		typ := t.dType[int(t.types[r])*h+lo : int(t.types[r])*h+hi]
		for i, v := range d {
			pos[i] += v
			typ[i] += v
		}
		if t.ids[r] == t.padID {
			continue
		}
		w := t.dWord[int(t.ids[r])*h+lo : int(t.ids[r])*h+hi]
		for i, v := range d {
			w[i] += v
		}
	}
}
