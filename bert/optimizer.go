package bert

import (
	"slices"

	"github.com/nerkit/nerkit/optim"
)

// The optimizer glue: the model's flat parameter and gradient vectors under
// optim.AdamW, with the word-embedding table as its sparse table. The model
// tells the optimizer which table rows a batch reads (before the forward, so
// their deferred weight decay is applied) and which have a gradient (the
// rows Backward touched, so only they get the full update).

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
			spans[i] = optim.Span{Offset: p.Offset, Size: p.Size, Decay: m.decays(p)}
			if p.Name == m.posName() && m.shape.sinusoidal {
				// Fixed (requires_grad False in HF, so outside the
				// optimizer): no gradient and no decay leave it unchanged.
				spans[i].Decay = false
			}
		}
		opt, err := optim.NewAdamW(m.optCfg, len(m.params), spans)
		if err == nil {
			// A batch uses a few hundred of the vocabulary's rows: the
			// others need no moment update (bit-identical, see optim.AdamW).
			word := m.infos[0]
			err = opt.SetSparseTable(optim.Table{Offset: word.Offset, Rows: m.cfg.VocabSize, Width: m.shape.emb})
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
	m.ensureGrads()
	defer m.weightsChanged()
	// Only the word-embedding rows used since ZeroGrad have a gradient.
	slices.Sort(m.touched)
	opt := m.Optimizer()
	opt.MarkRows(m.params, m.touched)
	norm := opt.GradNorm(m.grads, m.touched)
	opt.StepScaled(m.params, m.grads, lr, optim.ClipScale(norm, maxGradNorm))
	return norm
}

// ZeroGrad implements Engine. Of the word-embedding table it clears only the
// rows batches used since the last call.
func (m *Model) ZeroGrad() {
	if m.inferenceOnly || m.grads == nil {
		return
	}
	word := m.infos[0]
	clear(m.grads[word.Offset+word.Size:])
	if len(m.touched) > m.cfg.VocabSize/4 {
		clear(m.g.wordEmb)
		clear(m.touchedMark)
	} else {
		for _, id := range m.touched {
			clear(m.g.wordEmb[int(id)*m.shape.emb : (int(id)+1)*m.shape.emb])
			m.touchedMark[id] = false
		}
	}
	m.touched = m.touched[:0]
}

// materializeRows brings the batch's word-embedding rows up to date before
// the forward pass reads them.
func (m *Model) materializeRows() {
	if m.opt != nil {
		m.opt.Materialize(m.params, m.a.ids[:m.rows()])
	}
}

// markTouchedRows records the word-embedding rows the last batch used: only
// they have a gradient until ZeroGrad.
func (m *Model) markTouchedRows() {
	for _, id := range m.a.ids[:m.rows()] {
		if !m.touchedMark[id] {
			m.touchedMark[id] = true
			m.touched = append(m.touched, id)
		}
	}
}

// flushDecay applies the optimizer's deferred weight decay of unused
// embedding rows, so that the whole parameter vector is current. Everything
// that reads or writes the parameters other than Forward (which brings the
// rows of its batch up to date) calls it first.
func (m *Model) flushDecay() {
	if m.opt != nil {
		m.opt.Flush(m.params)
	}
}
