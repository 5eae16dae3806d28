package bert

import "github.com/nerkit/nerkit/parallel"

// The embeddings, BertEmbeddings and the families' variants (family.go):
//
//	x = word_embeddings[input_ids] + token_type_embeddings[token_type_ids]
//	x += position_embeddings[position_ids]
//	e = Dropout(LayerNorm(x))
//	hidden_states[0] = e, or embeddings_project(e) (ELECTRA)
//
// Sums are done in HF's order (word + type, then + position); DistilBERT has
// no type table (word + position). Position ids are 0..T-1, or RoBERTa's
// (positionIDs). The backward pass runs the projection, dropout and
// LayerNorm backwards, then scatter-adds the gradient into the table rows
// the batch used.

// embeddingsForward computes hidden_states[0] from the batch's ids.
func (m *Model) embeddingsForward() {
	a := &m.a
	out := a.hidden[0]
	if m.shape.project {
		out = a.embeddingOut
	}
	m.tasks.embeddings = embeddingsTask{
		ids: a.ids, types: a.types, positions: a.positions, word: m.w.wordEmb, pos: m.w.posEmb, typ: m.w.typeEmb,
		x: a.embeddingNorm.x, out: out, gamma: m.w.embeddingNorm.gamma, beta: m.w.embeddingNorm.beta,
		mean: a.embeddingNorm.mean, rstd: a.embeddingNorm.rstd, drop: m.dropout(m.hiddenDropout, siteEmbeddings()),
		h: m.shape.emb, eps: m.eps,
	}
	parallel.For(m.rows(), &m.tasks.embeddings)
	if m.shape.project {
		m.linear(a.hidden[0], a.embeddingOut, m.w.project)
	}
}

// embeddingsBackward takes dX = ∂loss/∂hidden_states[0] (and overwrites it)
// and adds the gradients of the tables (and of the projection).
func (m *Model) embeddingsBackward() {
	a := &m.a
	dOut, dNorm := a.dX, a.dY
	if m.shape.project {
		m.linearBackward(a.dEmbeddingOut, a.dX, a.embeddingOut, m.w.project, m.g.project)
		dOut, dNorm = a.dEmbeddingOut, a.dEmbeddingNorm
	}
	if d := m.dropout(m.hiddenDropout, siteEmbeddings()); d.active() {
		m.tasks.dropout = dropoutTask{src: dOut, dst: dOut, d: d}
		parallel.For(m.rows()*m.shape.emb, &m.tasks.dropout)
	}
	m.layerNormBackward(dNorm, dOut, a.embeddingNorm, m.w.embeddingNorm, m.g.embeddingNorm)
	dPos := m.g.posEmb
	if m.shape.sinusoidal {
		dPos = nil // fixed table
	}
	m.tasks.embeddingsGrad = embeddingsGradTask{
		ids: a.ids, types: a.types, positions: a.positions, dx: dNorm, dWord: m.g.wordEmb, dPos: dPos, dType: m.g.typeEmb,
		rows: m.rows(), h: m.shape.emb, padID: int32(m.cfg.PadTokenID), posPad: int32(m.shape.posPad),
	}
	parallel.For(m.shape.emb, &m.tasks.embeddingsGrad)
}

// embeddingsTask runs the forward pass for rows [lo, hi) of the batch.
type embeddingsTask struct {
	ids, types, positions []int32 // N
	word, pos, typ        []float32
	x                     []float32 // N×E: LayerNorm input, kept for backward
	out                   []float32 // N×E: the embeddings' output
	gamma, beta           []float32
	mean, rstd            []float32
	drop                  dropout
	h                     int // E
	eps                   float64
}

func (t *embeddingsTask) Run(lo, hi int) {
	h := t.h
	for r := lo; r < hi; r++ {
		w := t.word[int(t.ids[r])*h:][:h]
		p := t.pos[int(t.positions[r])*h:][:h]
		x := t.x[r*h : (r+1)*h]
		if t.typ != nil {
			ty := t.typ[int(t.types[r])*h:][:h]
			for i := range x {
				x[i] = w[i] + ty[i]
				x[i] += p[i]
			}
		} else {
			for i := range x {
				x[i] = w[i] + p[i]
			}
		}
		y := t.out[r*h : (r+1)*h]
		t.mean[r], t.rstd[r] = layerNormRow(x, y, t.gamma, t.beta, t.eps)
		if t.drop.active() {
			t.drop.applyRun(y, y, r*h)
		}
	}
}

// embeddingsGradTask scatter-adds dx (the gradient at the LayerNorm input)
// into the rows of the tables that the batch used. It is split over
// columns, so every table entry is summed over the batch in row order and
// the result does not depend on the thread count. Padding rows get no
// gradient, as nn.Embedding(padding_idx=…): the word table's pad_token_id
// row, and RoBERTa's position row pad_token_id (posPad; -1 for none). A nil
// table (no token types, fixed positions) gets none.
type embeddingsGradTask struct {
	ids, types, positions []int32
	dx                    []float32
	dWord, dPos, dType    []float32
	rows, h               int
	padID, posPad         int32
}

func (t *embeddingsGradTask) Run(lo, hi int) {
	h := t.h
	for r := 0; r < t.rows; r++ {
		d := t.dx[r*h+lo : r*h+hi]
		if t.dPos != nil && t.positions[r] != t.posPad {
			pos := t.dPos[int(t.positions[r])*h+lo : int(t.positions[r])*h+hi]
			for i, v := range d {
				pos[i] += v
			}
		}
		if t.dType != nil {
			typ := t.dType[int(t.types[r])*h+lo : int(t.types[r])*h+hi]
			for i, v := range d {
				typ[i] += v
			}
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
