package bert

import "fmt"

// BertIntermediate and BertOutput:
//
//	a   = act(X·Wiᵀ + bi)                     (GELU, [T, I])
//	out = LayerNorm(Dropout(a·Woᵀ + bo) + X)  (fused in residualLayerNormTask)
//
// The bias add and the activation are one pass over the GEMM result.

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
	invSqrt2    = 0.70710678118654752440
	invSqrt2Pi  = 0.39894228040143267794
	sqrt2OverPi = 0.79788456080286535588
)

// forward returns act(x), with float32 erf/tanh approximations (mathf.go)
// within a few float32 ulps of torch's.
func (a activation) forward(x float32) float32 {
	switch a {
	case geluErf:
		return 0.5 * x * (1 + erff(x*invSqrt2))
	case geluTanh:
		return 0.5 * x * (1 + tanhf(sqrt2OverPi*(x+0.044715*x*x*x)))
	default:
		if x > 0 {
			return x
		}
		return 0
	}
}

// derivative returns act'(x).
func (a activation) derivative(x float32) float32 {
	switch a {
	case geluErf:
		// d/dx x·Φ(x) = Φ(x) + x·φ(x)
		return 0.5*(1+erff(x*invSqrt2)) + x*invSqrt2Pi*expf(-0.5*x*x)
	case geluTanh:
		u := sqrt2OverPi * (x + 0.044715*x*x*x)
		th := tanhf(u)
		du := sqrt2OverPi * (1 + 3*0.044715*x*x)
		return 0.5*(1+th) + 0.5*x*(1-th*th)*du
	default:
		if x > 0 {
			return 1
		}
		return 0
	}
}

// biasActTask adds the bias to each row of y in place and, when act is set,
// writes act(y) to out (y keeps the pre-activation for the backward pass).
type biasActTask struct {
	y, bias []float32
	out     []float32 // nil: bias only
	act     activation
	n       int // columns
}

func (t *biasActTask) run(lo, hi int) {
	n := t.n
	bias := t.bias[:n]
	for r := lo; r < hi; r++ {
		y := t.y[r*n : (r+1)*n]
		for i := range y {
			y[i] += bias[i]
		}
		if t.out == nil {
			continue
		}
		out := t.out[r*n : (r+1)*n]
		for i, v := range y {
			out[i] = t.act.forward(v)
		}
	}
}

// actBackwardTask multiplies the gradient in place by act'(pre): rows of d.
type actBackwardTask struct {
	d, pre []float32
	act    activation
	n      int
}

func (t *actBackwardTask) run(lo, hi int) {
	d := t.d[lo*t.n : hi*t.n]
	pre := t.pre[lo*t.n : hi*t.n]
	for i := range d {
		d[i] *= t.act.derivative(pre[i])
	}
}
