package bert

import (
	"fmt"

	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/vecmath"
)

// BertIntermediate and BertOutput:
//
//	a   = act(X·Wiᵀ + bi)                     (GELU, [T, I])
//	out = LayerNorm(Dropout(a·Woᵀ + bo) + X)  (fused in residualLayerNormTask)
//
// The bias add and the activation are one pass over the GEMM result.

// feedForward runs BertIntermediate and BertOutput of layer l on its
// attention output, giving hidden_states[l+1].
func (m *Model) feedForward(l int) {
	a, w := &m.a, &m.w.layers[l]
	la := a.layer(l)

	// BertIntermediate
	m.linearAct(la.interPre, la.interAct, la.attentionOut, w.intermediate, m.act)
	m.saveX(&la.interActX, la.interAct, m.inter)

	// BertOutput
	m.matmulResidualLayerNorm(a.hiddenState(l+1), a.dense, la.interAct, w.output, la.attentionOut, siteFFNOutput(l), la.outputNorm, w.outputNorm)
}

// feedForwardBackward takes dX = ∂loss/∂hidden_states[l+1] and leaves
// ∂loss/∂(layer l's attention output) in dY, adding the parameter gradients.
func (m *Model) feedForwardBackward(l int) {
	a, w, g := &m.a, &m.w.layers[l], &m.g.layers[l]
	la := a.layer(l)

	// BertOutput: LayerNorm, dropout, dense; dY is also the residual's
	// gradient
	m.layerNormBackward(a.dY, a.dX, la.outputNorm, w.outputNorm, g.outputNorm)
	dDense := m.dropoutBackward(a.dY, siteFFNOutput(l))
	m.linearBackwardSaved(a.dInter, dDense, la.interAct, &la.interActX, w.output, g.output)

	// BertIntermediate: activation, dense
	m.tasks.actBackward = actBackwardTask{d: a.dInter, pre: la.interPre, act: m.act, n: m.inter}
	parallel.For(m.rows(), &m.tasks.actBackward)
	m.linearBackwardAdd(a.dY, a.dInter, la.attentionOut, w.intermediate, g.intermediate)
}

// activation is config.hidden_act.
type activation int

const (
	geluErf  activation = iota // "gelu", "gelu_python": x·Φ(x) with the exact erf
	geluTanh                   // "gelu_new", "gelu_pytorch_tanh", "gelu_fast": tanh approximation
	relu                       // "relu"
)

func parseActivation(name string) (activation, error) {
	switch name {
	case "gelu", "gelu_python", "":
		return geluErf, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return geluTanh, nil
	case "relu":
		return relu, nil
	}
	return 0, fmt.Errorf("hidden_act %q is not supported (gelu, gelu_python, gelu_new, gelu_pytorch_tanh, gelu_fast, relu)", name)
}

const (
	sqrt2OverPi = 0.79788456080286535588
)

// forwardRow writes act(x) to dst. The erf GELU is vecmath's vectorised
// kernel (float32 erf within ~2e-7 of the exact one, as torch's vectorised
// CPU GELU); the others are scalar.
func (a activation) forwardRow(dst, x []float32) {
	switch a {
	case geluErf:
		vecmath.GeluErf(dst, x)
	case geluTanh:
		dst = dst[:len(x)]
		for i, v := range x {
			dst[i] = 0.5 * v * (1 + tanhf(sqrt2OverPi*(v+0.044715*v*v*v)))
		}
	default:
		dst = dst[:len(x)]
		for i, v := range x {
			dst[i] = max(v, 0)
		}
	}
}

// gradRow multiplies d by act'(x).
func (a activation) gradRow(d, x []float32) {
	switch a {
	case geluErf:
		// d/dx x·Φ(x) = Φ(x) + x·φ(x)
		vecmath.GeluErfGrad(d, x)
	case geluTanh:
		d = d[:len(x)]
		for i, v := range x {
			u := sqrt2OverPi * (v + 0.044715*v*v*v)
			th := tanhf(u)
			du := sqrt2OverPi * (1 + 3*0.044715*v*v)
			d[i] *= 0.5*(1+th) + 0.5*v*(1-th*th)*du
		}
	default:
		d = d[:len(x)]
		for i, v := range x {
			if !(v > 0) { // torch: the gradient where x > 0, else 0
				d[i] = 0
			}
		}
	}
}

// biasActTask adds the bias to each row of y in place and, when act is set,
// writes act(y) to out (y keeps the pre-activation for the backward pass).
// It runs as a pass after the product, not as the product's epilogue
// (kernels.Epilogue): measured on the AMX path at 2048×3072×768, a bias add
// on each 512×128 strip just computed cost as much as the separate pass
// that streams all of y (4.44 vs 4.35 ms, product alone 3.67 ms), the
// strided strip being no cheaper to read back than y in sequence.
type biasActTask struct {
	y, bias []float32
	out     []float32 // nil: bias only
	act     activation
	n       int // columns
}

func (t *biasActTask) Run(lo, hi int) {
	n := t.n
	for r := lo; r < hi; r++ {
		y := t.y[r*n : (r+1)*n]
		vecmath.AddTo(y, t.bias)
		if t.out != nil {
			t.act.forwardRow(t.out[r*n:(r+1)*n], y)
		}
	}
}

// actBackwardTask multiplies the gradient in place by act'(pre): rows of d.
type actBackwardTask struct {
	d, pre []float32
	act    activation
	n      int
}

func (t *actBackwardTask) Run(lo, hi int) {
	d := t.d[lo*t.n : hi*t.n]
	pre := t.pre[lo*t.n : hi*t.n]
	t.act.gradRow(d, pre)
}
