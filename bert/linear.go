package bert

import (
	"github.com/nerkit/nerkit/kernels"
	"github.com/nerkit/nerkit/parallel"
)

// A linear layer, torch.nn.Linear, over the N = B·T rows of a batch:
//
//	y = x·Wᵀ + b              x [N, in], W [out, in], b [out], y [N, out]
//
// and its backward, given dy = ∂loss/∂y (llm.c's matmul_backward):
//
//	dW += dyᵀ·x     db += Σ_rows dy     dx = dy·W
//
// The forward's bias add is often fused into the pass that follows (the
// activation, or dropout + residual + LayerNorm), so matmul leaves it out.

// linearParams are a linear layer's weight and bias (or their gradients).
type linearParams struct {
	weight []float32 // [out, in], row-major, as torch stores nn.Linear.weight
	bias   []float32 // [out]
	// packed is the weight converted for bf16 or int8 products (nil in
	// fp32, and in the gradients' views); see precision.go.
	packed *packedLinear
}

// dims returns the layer's input and output widths.
func (p linearParams) dims() (in, out int) {
	out = len(p.bias)
	return len(p.weight) / out, out
}

// rows is N = B·T of the current batch.
func (m *Model) rows() int { return m.batchSize * m.seqLen }

// matmul sets y = x·Wᵀ: the linear layer without its bias, which the next
// pass adds. In bf16 and int8 it multiplies by the weight converted once
// for the step (or at load).
func (m *Model) matmul(y, x []float32, p linearParams) { m.matmulThen(y, x, p, nil) }

// matmulThen is matmul followed by then, the pass over y that adds the
// bias (and what follows it); the bf16 and int8 kernels run it on each block
// of y as soon as it is final, while it is in cache (kernels.Epilogue).
func (m *Model) matmulThen(y, x []float32, p linearParams, then kernels.Epilogue) {
	in, out := p.dims()
	switch {
	case p.packed != nil && m.prec == BF16:
		kernels.GemmBF16PackedThen(false, m.rows(), 1, x, in, m.forwardBF16(p), 0, y, out, then)
	case p.packed != nil && m.prec == Int8:
		kernels.GemmInt8Then(m.rows(), x, in, &p.packed.int8, y, out, then)
	default:
		kernels.SgemmThen(kernels.NoTrans, kernels.Trans, m.rows(), out, in, 1, x, in, p.weight, in, 0, y, out, then)
	}
}

// linear sets y = x·Wᵀ + b.
func (m *Model) linear(y, x []float32, p linearParams) {
	m.tasks.biasAct = biasActTask{y: y, bias: p.bias, n: len(p.bias)}
	m.matmul(y, x, p)
	parallel.For(m.rows(), &m.tasks.biasAct)
}

// linearAct sets pre = x·Wᵀ + b and y = act(pre), in one pass after the
// GEMM; pre is kept for the backward pass.
func (m *Model) linearAct(pre, y, x []float32, p linearParams, act activation) {
	m.tasks.biasAct = biasActTask{y: pre, bias: p.bias, out: y, act: act, n: len(p.bias)}
	m.matmul(pre, x, p)
	parallel.For(m.rows(), &m.tasks.biasAct)
}

// linearBackward adds the layer's weight and bias gradients to g and sets
// dx = dy·W.
func (m *Model) linearBackward(dx, dy, x []float32, w, g linearParams) {
	m.linearBackwardBeta(dx, 0, dy, x, nil, w, g)
}

// linearBackwardSaved is linearBackward for an input x that the forward
// pass may have converted into saved (saveX): that conversion when it did,
// else x.
func (m *Model) linearBackwardSaved(dx, dy, x []float32, saved *kernels.PackedBF16, w, g linearParams) {
	m.linearBackwardBeta(dx, 0, dy, x, m.savedX(saved), w, g)
}

// linearBackwardAdd is linearBackward adding dy·W to dx, for an input that
// also feeds a residual branch whose gradient dx already holds.
func (m *Model) linearBackwardAdd(dx, dy, x []float32, w, g linearParams) {
	m.linearBackwardBeta(dx, 1, dy, x, nil, w, g)
}

// linearBackwardBeta computes dW += dyᵀ·x, db += Σ_rows dy and
// dx = dy·W + beta·dx; xp, when not nil, is x already converted for the
// bf16 product (saveX), and x is not read.
func (m *Model) linearBackwardBeta(dx []float32, beta float32, dy, x []float32, xp *kernels.PackedBF16, w, g linearParams) {
	in, out := w.dims()
	n := m.rows()
	m.tasks.columnSum = columnSumTask{dy: dy, db: g.bias, rows: n, n: out}
	if m.bf16() {
		// autocast: both products in bf16, the weight gradient summed into
		// the float32 gradient. X (for dYᵀ·X), then W (for dY·W), are
		// converted into the one scratch buffer (see lowPrec): the same
		// bits as GemmBF16's own packing, without a second buffer that a
		// pool would drop and reallocate between collections.
		bw := &m.lp.scratch
		if xp == nil {
			xp = bw
			xp.Pack(false, n, in, x, in)
		}
		kernels.GemmBF16Packed(true, out, 1, dy, out, xp, 1, g.weight, in)
		parallel.For(out, &m.tasks.columnSum)
		bw.Pack(false, out, in, w.weight, in)
		kernels.GemmBF16Packed(false, n, 1, dy, out, bw, beta, dx, in)
		return
	}
	kernels.Sgemm(kernels.Trans, kernels.NoTrans, out, in, n, 1, dy, out, x, in, 1, g.weight, in)
	parallel.For(out, &m.tasks.columnSum)
	kernels.Sgemm(kernels.NoTrans, kernels.NoTrans, n, in, out, 1, dy, out, w.weight, in, beta, dx, in)
}

// columnSumTask accumulates the bias gradient db += Σ_rows dy, split over
// columns for a fixed summation order.
type columnSumTask struct {
	dy      []float32
	db      []float32
	rows, n int
}

func (t *columnSumTask) Run(lo, hi int) {
	n := t.n
	for c0 := lo; c0 < hi; c0 += colBlock {
		c1 := min(c0+colBlock, hi)
		var s [colBlock]float64
		for r := 0; r < t.rows; r++ {
			for i, d := range t.dy[r*n+c0 : r*n+c1] {
				s[i] += float64(d)
			}
		}
		for i := range c1 - c0 {
			t.db[c0+i] += float32(s[i])
		}
	}
}
