package bert

import (
	"math"

	"github.com/nerkit/nerkit/kernels"
	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/vecmath"
)

// BertAttention of one layer. BertSelfAttention, eager implementation, one
// (batch row, head) at a time:
//
//	Q, K, V = X·Wqᵀ+bq, X·Wkᵀ+bk, X·Wvᵀ+bv        (one GEMM over [Wq;Wk;Wv])
//	S = (Q·Kᵀ)·d^-½ + mask     mask = 0 for real keys, finfo(float32).min for padding
//	P = softmax(S)               (row max subtracted)
//	context = Dropout(P)·V       heads concatenated back to [T, H]
//
// then BertSelfOutput:
//
//	out = LayerNorm(Dropout(context·Woᵀ + bo) + X)

// attentionForward runs BertAttention of layer l on hidden_states[l].
func (m *Model) attentionForward(l int) {
	a, w := &m.a, &m.w.layers[l]
	la := a.layer(l)
	x := a.hiddenState(l)

	// BertSelfAttention
	m.linear(la.qkv, x, w.qkv)
	m.tasks.attention = attentionTask{
		// in training the backward scratch dProbs is free during forward
		qkv: la.qkv, maskAdd: a.maskAdd, probs: la.probs, dropped: a.dProbs, ctx: la.context,
		drop: m.dropout(m.attentionDropout, siteAttnProbs(l)), seqLen: m.seqLen, h: m.h, heads: m.heads, headDim: m.headDim, scale: m.scale,
		bf16: m.bf16(),
	}
	parallel.For(m.batchSize*m.heads, &m.tasks.attention)
	m.saveX(&la.contextX, la.context, m.h)

	// BertSelfOutput
	m.matmulResidualLayerNorm(la.attentionOut, a.dense, la.context, w.attentionDense, x, siteAttnOutput(l), la.attentionNorm, w.attentionNorm)
}

// attentionBackward takes dY = ∂loss/∂(layer l's attention output) and
// leaves ∂loss/∂hidden_states[l] in dX, adding the parameter gradients.
func (m *Model) attentionBackward(l int) {
	a, w, g := &m.a, &m.w.layers[l], &m.g.layers[l]
	la := a.layer(l)

	// BertSelfOutput: LayerNorm, dropout, dense; dX is also the residual's
	// gradient
	m.layerNormBackward(a.dX, a.dY, la.attentionNorm, w.attentionNorm, g.attentionNorm)
	dDense := m.dropoutBackward(a.dX, siteAttnOutput(l))
	m.linearBackwardSaved(a.dContext, dDense, la.context, &la.contextX, w.attentionDense, g.attentionDense)

	// BertSelfAttention
	m.tasks.attentionBackward = attentionBackwardTask{
		qkv: la.qkv, probs: la.probs, dCtx: a.dContext, dProbs: a.dProbs, dqkv: a.dQKV,
		drop: m.dropout(m.attentionDropout, siteAttnProbs(l)), seqLen: m.seqLen, h: m.h, heads: m.heads, headDim: m.headDim, scale: m.scale,
		bf16: m.bf16(),
	}
	parallel.For(m.batchSize*m.heads, &m.tasks.attentionBackward)
	m.linearBackwardAdd(a.dX, a.dQKV, a.hiddenState(l), w.qkv, g.qkv)
}

// maskedScore is what HF adds to the scores of padding keys:
// torch.finfo(torch.float32).min.
const maskedScore = -math.MaxFloat32

// sgemmSerial is the single-goroutine GEMM used inside per-head tasks, which
// are already spread over the cores.
var sgemmSerial = kernels.SgemmSerial

// headGemm is the per-head product: float32, or bf16 operands summed in
// float32 (autocast's bmm).
func headGemm(bf16 bool, transA, transB kernels.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if bf16 {
		kernels.GemmBF16Serial(bool(transA), bool(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	sgemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// attentionTask computes probabilities and context for the heads
// [lo, hi) of the flattened (batch row, head) index.
type attentionTask struct {
	qkv                       []float32 // N×3H: Q | K | V per row
	maskAdd                   []float32 // N: 0 or maskedScore per key position
	probs                     []float32 // B×heads×T×T: P (returned as attentions)
	dropped                   []float32 // B×heads×T×T scratch for Dropout(P) (training only)
	ctx                       []float32 // N×H
	drop                      dropout
	seqLen, h, heads, headDim int
	scale                     float32
	bf16                      bool // bf16 products
}

func (t *attentionTask) Run(lo, hi int) {
	T, h, d := t.seqLen, t.h, t.headDim
	ld := 3 * h
	for bh := lo; bh < hi; bh++ {
		b, head := bh/t.heads, bh%t.heads
		base := b * T * ld
		q := t.qkv[base+head*d:]
		k := t.qkv[base+h+head*d:]
		v := t.qkv[base+2*h+head*d:]
		p := t.probs[bh*T*T : (bh+1)*T*T]
		headGemm(t.bf16, kernels.NoTrans, kernels.Trans, T, T, d, t.scale, q, ld, k, ld, 0, p, T)
		mask := t.maskAdd[b*T : (b+1)*T]
		for i := 0; i < T; i++ {
			vecmath.AddTo(p[i*T:(i+1)*T], mask)
		}
		softmaxRows(p, T)
		pv := p
		if t.drop.active() {
			pv = t.dropped[bh*T*T : (bh+1)*T*T]
			t.drop.applyRun(pv, p, bh*T*T)
		}
		headGemm(t.bf16, kernels.NoTrans, kernels.NoTrans, T, d, T, 1, pv, T, v, ld, 0, t.ctx[b*T*h+head*d:], h)
	}
}

// softmaxRows replaces each row of width t in p by its softmax, the row's
// maximum subtracted first (softmaxRow, four rows at a time).
func softmaxRows(p []float32, t int) {
	i := 0
	for ; (i+4)*t <= len(p); i += 4 {
		softmaxRows4(p[i*t:(i+4)*t], t)
	}
	for ; (i+1)*t <= len(p); i++ {
		softmaxRow(p[i*t : (i+1)*t])
	}
}

// softmaxRow replaces row by softmax(row), subtracting the maximum first.
func softmaxRow(row []float32) {
	m := row[0]
	for _, v := range row[1:] {
		if v > m {
			m = v
		}
	}
	vecmath.ExpShift(row, row, m)
	var s float32
	for _, e := range row {
		s += e
	}
	inv := [1]float32{1 / s}
	vecmath.ScaleSeq(row, inv[:])
}

// softmaxRows4 is softmaxRow on the four rows of width t in p. A row's sum
// is a chain of dependent float32 adds, bound by the adder's latency; four
// rows' chains interleaved keep the adders busy, each in its own order, so
// the bits are softmaxRow's.
func softmaxRows4(p []float32, t int) {
	r0, r1, r2, r3 := p[:t], p[t:2*t], p[2*t:3*t], p[3*t:4*t]
	m0, m1, m2, m3 := r0[0], r1[0], r2[0], r3[0]
	for j := 1; j < t; j++ {
		if v := r0[j]; v > m0 {
			m0 = v
		}
		if v := r1[j]; v > m1 {
			m1 = v
		}
		if v := r2[j]; v > m2 {
			m2 = v
		}
		if v := r3[j]; v > m3 {
			m3 = v
		}
	}
	vecmath.ExpShift(r0, r0, m0)
	vecmath.ExpShift(r1, r1, m1)
	vecmath.ExpShift(r2, r2, m2)
	vecmath.ExpShift(r3, r3, m3)
	var s0, s1, s2, s3 float32
	for j, e := range r0 {
		s0 += e
		s1 += r1[j]
		s2 += r2[j]
		s3 += r3[j]
	}
	inv := [4]float32{1 / s0, 1 / s1, 1 / s2, 1 / s3}
	vecmath.ScaleSeq(r0, inv[0:1])
	vecmath.ScaleSeq(r1, inv[1:2])
	vecmath.ScaleSeq(r2, inv[2:3])
	vecmath.ScaleSeq(r3, inv[3:4])
}

// attentionBackwardTask turns dContext into dQ, dK, dV (written into dqkv,
// laid out as qkv) for the heads [lo, hi):
//
//	dV  = Dropout(P)ᵀ·dC          dPd = dC·Vᵀ          dP = Dropout'(dPd)
//	dS  = P ⊙ (dP − rowsum(dP ⊙ P))
//	dQ  = d^-½ · dS·K              dK  = d^-½ · dSᵀ·Q
//
// Dropout(P) is not kept from the forward pass: it is rebuilt from P and the
// replayed mask in the dProbs scratch, used for dV, then overwritten by dPd.
type attentionBackwardTask struct {
	qkv, probs                []float32
	dCtx                      []float32 // N×H
	dProbs                    []float32 // B×heads×T×T scratch
	dqkv                      []float32 // N×3H
	drop                      dropout
	seqLen, h, heads, headDim int
	scale                     float32
	bf16                      bool // bf16 products
}

func (t *attentionBackwardTask) Run(lo, hi int) {
	T, h, d := t.seqLen, t.h, t.headDim
	ld := 3 * h
	for bh := lo; bh < hi; bh++ {
		b, head := bh/t.heads, bh%t.heads
		base := b * T * ld
		q := t.qkv[base+head*d:]
		k := t.qkv[base+h+head*d:]
		v := t.qkv[base+2*h+head*d:]
		dq := t.dqkv[base+head*d:]
		dk := t.dqkv[base+h+head*d:]
		dv := t.dqkv[base+2*h+head*d:]
		dc := t.dCtx[b*T*h+head*d:]
		p := t.probs[bh*T*T : (bh+1)*T*T]
		dp := t.dProbs[bh*T*T : (bh+1)*T*T]
		pv := p
		if t.drop.active() {
			pv = dp
			t.drop.applyRun(pv, p, bh*T*T)
		}
		headGemm(t.bf16, kernels.Trans, kernels.NoTrans, T, d, T, 1, pv, T, dc, h, 0, dv, ld)
		headGemm(t.bf16, kernels.NoTrans, kernels.Trans, T, T, d, 1, dc, h, v, ld, 0, dp, T)
		for i := 0; i < T; i++ {
			dRow := dp[i*T : (i+1)*T]
			pRow := p[i*T : (i+1)*T]
			if t.drop.active() {
				t.drop.applyRun(dRow, dRow, bh*T*T+i*T)
			}
			var s float64
			for j, g := range dRow {
				s += float64(g * pRow[j])
			}
			sum := float32(s)
			for j, g := range dRow {
				dRow[j] = pRow[j] * (g - sum)
			}
		}
		headGemm(t.bf16, kernels.NoTrans, kernels.NoTrans, T, d, T, t.scale, dp, T, k, ld, 0, dq, ld)
		headGemm(t.bf16, kernels.Trans, kernels.NoTrans, T, d, T, t.scale, dp, T, q, ld, 0, dk, ld)
	}
}
