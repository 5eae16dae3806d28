package bert

import (
	"fmt"

	"github.com/nerkit/nerkit/dataset"
)

// The forward pass, BertForTokenClassification's:
//
//	hidden_states[0]   = BertEmbeddings(input_ids, token_type_ids)
//	hidden_states[l+1] = BertOutput∘BertIntermediate(BertAttention(hidden_states[l]))
//	logits             = classifier(Dropout(hidden_states[L]))
//	loss               = CrossEntropy(logits, labels)
//
// Each stage is in its layer's file; this one checks and loads the batch and
// runs them in order.

// Forward implements Engine.
func (m *Model) Forward(b *dataset.Batch, train bool) (float32, error) {
	m.ready = false
	if train && m.inferenceOnly {
		return 0, fmt.Errorf("bert: an InferenceCopy cannot train")
	}
	if train && m.prec == Int8 {
		return 0, fmt.Errorf("bert: int8 is for inference only; train in fp32 or bf16")
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
		m.ensureGrads()
	}
	m.materializeRows()
	if !m.inferenceOnly {
		m.packWeights() // copies share their model's, converted before copying
	}

	m.embeddingsForward()
	for l := range m.layers {
		m.attentionForward(l)
		m.feedForward(l)
	}
	m.classifierForward()
	m.loss = 0
	if b.Labels != nil && m.labelled > 0 {
		m.loss = m.crossEntropyForward()
	}
	m.ready = train && b.Labels != nil
	return m.loss, nil
}

// Logits implements Engine.
func (m *Model) Logits() []float32 {
	return m.a.logits[:m.rows()*m.numLabels]
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
	return m.positionIDs(a.positions, a.ids, b.Size, T)
}
