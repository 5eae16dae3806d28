package bert

import (
	"math"

	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/vecmath"
)

// LayerNorm over the hidden dimension, as torch.nn.LayerNorm:
//
//	y = (x − mean(x)) / sqrt(var(x) + eps) · γ + β,   var biased (÷H).
//
// Mean and variance are two-pass with float64 accumulators; mean and
// rstd = 1/sqrt(var+eps) are kept per row for the backward pass:
//
//	x̂ = (x − mean)·rstd,  g = dy·γ
//	dx = rstd · (g − mean(g) − x̂ · mean(g·x̂))
//	dγ += Σ_rows dy·x̂,    dβ += Σ_rows dy

// matmulResidualLayerNorm sets y = LayerNorm(Dropout(x·Wᵀ + b) + residual)
// with the product in dense: the dense layer and the tail of BertSelfOutput
// and BertOutput, the tail run on each block of rows as the product
// finishes it. The LayerNorm's input and statistics are kept in saved; site
// keys the dropout.
func (m *Model) matmulResidualLayerNorm(y, dense, x []float32, w linearParams, residual []float32, site int, saved layerNormActs, p layerNormParams) {
	m.tasks.residualLayerNorm = residualLayerNormTask{
		dense: dense, bias: w.bias, residual: residual, drop: m.dropout(m.hiddenDropout, site),
		x: saved.x, y: y, gamma: p.gamma, beta: p.beta,
		mean: saved.mean, rstd: saved.rstd, h: m.h, eps: m.eps,
	}
	m.matmulThen(dense, x, w, &m.tasks.residualLayerNorm)
}

// layerNormBackward sets dx from dy = ∂loss/∂LayerNorm(x) and adds dγ, dβ
// to g.
// The width is the LayerNorm's (ELECTRA's embeddings LayerNorm is narrower
// than the hidden size).
func (m *Model) layerNormBackward(dx, dy []float32, saved layerNormActs, w, g layerNormParams) {
	n, h := m.rows(), len(w.gamma)
	m.tasks.layerNormParamGrad = layerNormParamGradTask{dy: dy, x: saved.x, mean: saved.mean, rstd: saved.rstd, dGamma: g.gamma, dBeta: g.beta, rows: n, h: h}
	parallel.For(h, &m.tasks.layerNormParamGrad)
	m.tasks.layerNormBackward = layerNormBackwardTask{dy: dy, x: saved.x, gamma: w.gamma, mean: saved.mean, rstd: saved.rstd, dx: dx, h: h}
	parallel.For(n, &m.tasks.layerNormBackward)
}

// layerNormRow normalises one row x into y and returns its mean and rstd.
func layerNormRow(x, y, gamma, beta []float32, eps float64) (mean, rstd float32) {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mu := s / float64(len(x))
	var ss float64
	for _, v := range x {
		d := float64(v) - mu
		ss += d * d
	}
	return normalizeRow(x, y, gamma, beta, mu, ss, eps)
}

// normalizeRow finishes a row's LayerNorm from its float64 mean and sum of
// squared deviations: y = (x − mean)·rstd·γ + β; it returns mean and rstd.
func normalizeRow(x, y, gamma, beta []float32, mu, ss, eps float64) (mean, rstd float32) {
	mean, rstd = float32(mu), float32(1/math.Sqrt(ss/float64(len(x))+eps))
	vecmath.Normalize(y, x, gamma, beta, mean, rstd)
	return mean, rstd
}

// layerNormRows8 is layerNormRow on the eight consecutive rows of width h
// in x (and y): vecmath.RowMoments8 runs the rows' float64 sums side by
// side (one row's are a latency-bound chain), each in layerNormRow's order,
// so the bits are layerNormRow's.
func layerNormRows8(x, y, gamma, beta []float32, h int, eps float64, mean, rstd []float32) {
	var mu, ss [8]float64
	vecmath.RowMoments8(x, h, h, &mu, &ss)
	for r := range 8 {
		mean[r], rstd[r] = normalizeRow(x[r*h:(r+1)*h], y[r*h:(r+1)*h], gamma, beta, mu[r], ss[r], eps)
	}
}

// residualLayerNormTask is the tail of BertSelfOutput and BertOutput, fused
// into one pass per row:
//
//	x = Dropout(dense + bias) + residual;  y = LayerNorm(x)
//
// dense holds the GEMM result without bias; x (the LayerNorm input) is kept
// for the backward pass. With residual nil it is the embeddings' LayerNorm
// (x is then taken as is, and dense/bias/drop are unused).
type residualLayerNormTask struct {
	dense, bias, residual []float32
	drop                  dropout
	x, y                  []float32
	gamma, beta           []float32
	mean, rstd            []float32
	h                     int
	eps                   float64
}

func (t *residualLayerNormTask) Run(lo, hi int) {
	h := t.h
	for r := lo; r < hi; r++ {
		if t.residual == nil {
			break
		}
		x := t.x[r*h : (r+1)*h]
		d := t.dense[r*h : (r+1)*h]
		res := t.residual[r*h : (r+1)*h]
		if !t.drop.active() {
			vecmath.AddBiasResidual(x, d, t.bias, res)
			continue
		}
		bias := t.bias[:len(x)]
		for i := range x {
			x[i] = d[i] + bias[i]
		}
		t.drop.applyRun(x, x, r*h)
		for i := range x {
			x[i] += res[i]
		}
	}
	r := lo
	for ; r+8 <= hi; r += 8 {
		layerNormRows8(t.x[r*h:(r+8)*h], t.y[r*h:(r+8)*h], t.gamma, t.beta, h, t.eps, t.mean[r:r+8], t.rstd[r:r+8])
	}
	for ; r < hi; r++ {
		t.mean[r], t.rstd[r] = layerNormRow(t.x[r*h:(r+1)*h], t.y[r*h:(r+1)*h], t.gamma, t.beta, t.eps)
	}
}

// layerNormBackwardTask computes, per row, the input gradient of LayerNorm
//
//	x̂ = (x − mean)·rstd,  g = dy·γ
//	dx = rstd · (g − mean(g) − x̂ · mean(g·x̂))
//
// and writes it to dx (overwriting).
type layerNormBackwardTask struct {
	dy, x, gamma, mean, rstd []float32
	dx                       []float32
	h                        int
}

func (t *layerNormBackwardTask) Run(lo, hi int) {
	h := t.h
	gamma := t.gamma[:h]
	for r := lo; r < hi; r++ {
		dy := t.dy[r*h : (r+1)*h]
		x := t.x[r*h : (r+1)*h]
		dx := t.dx[r*h : (r+1)*h]
		mean, rstd := t.mean[r], t.rstd[r]
		var sg, sgx float64
		for i := range dy {
			g := dy[i] * gamma[i]
			xhat := (x[i] - mean) * rstd
			sg += float64(g)
			sgx += float64(g * xhat)
		}
		mg := float32(sg / float64(h))
		mgx := float32(sgx / float64(h))
		for i := range dy {
			xhat := (x[i] - mean) * rstd
			dx[i] = rstd * (dy[i]*gamma[i] - mg - xhat*mgx)
		}
	}
}

// colBlock is how many columns the column-split reductions sum at once:
// rows are read contiguously within a block, and the float64 accumulators
// stay in L1. 32 columns (two cache lines per row visit, rows a whole row
// apart) defeated the hardware prefetcher: a 1024×3072 column sum took
// 7.3 ns per element on a Zen 3, 1.5 ns with 128 (the sums are the same:
// each column still adds its rows in order).
const colBlock = 128

// layerNormParamGradTask accumulates dγ += Σ_rows dy·x̂ and dβ += Σ_rows dy.
// It is split over columns, so each sum runs over the rows in a fixed order
// whatever the thread count.
type layerNormParamGradTask struct {
	dy, x, mean, rstd []float32
	dGamma, dBeta     []float32
	rows, h           int
}

func (t *layerNormParamGradTask) Run(lo, hi int) {
	h := t.h
	for c0 := lo; c0 < hi; c0 += colBlock {
		c1 := min(c0+colBlock, hi)
		var sg, sb [colBlock]float64
		for r := 0; r < t.rows; r++ {
			dy := t.dy[r*h+c0 : r*h+c1]
			x := t.x[r*h+c0 : r*h+c1]
			mean, rstd := t.mean[r], t.rstd[r]
			for i, d := range dy {
				sg[i] += float64(d * ((x[i] - mean) * rstd))
				sb[i] += float64(d)
			}
		}
		for i := range c1 - c0 {
			t.dGamma[c0+i] += float32(sg[i])
			t.dBeta[c0+i] += float32(sb[i])
		}
	}
}
