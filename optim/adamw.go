// Package optim holds the optimiser of nerkit's training loop, written to
// reproduce PyTorch and Hugging Face Trainer exactly: torch.optim.AdamW
// (decoupled weight decay, bias correction, the single-tensor update in
// float32), torch.nn.utils.clip_grad_norm_, and the learning-rate schedules
// of transformers.optimization as LambdaLR evaluates them (float64).
//
// It works on flat float32 vectors (all parameters in one slice, all
// gradients in another), described by Spans that say where weight decay
// applies, so it knows nothing about the model.
package optim

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
)

// AdamWConfig holds AdamW's hyperparameters (the learning rate comes per step
// from a Schedule). HF TrainingArguments' defaults are DefaultAdamW.
type AdamWConfig struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64 // applied only to Spans with Decay set
}

// DefaultAdamW returns HF TrainingArguments' defaults: betas (0.9, 0.999),
// eps 1e-8, weight decay 0.
func DefaultAdamW() AdamWConfig {
	return AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Span is a contiguous run of the flat parameter vector, with whether weight
// decay applies to it.
type Span struct {
	Offset, Size int
	Decay        bool
}

// HFDecays reports whether HF Trainer puts a parameter in the weight-decay
// group: everything except biases and LayerNorm weights.
func HFDecays(name string) bool {
	return !strings.HasSuffix(name, "bias") && !strings.Contains(name, "LayerNorm")
}

// AdamW is torch.optim.AdamW (foreach=False, amsgrad=False, maximize=False)
// over a flat parameter vector, with two parameter groups: Spans with Decay
// use WeightDecay, the others 0. The per-element update is torch's, in
// float32, with the step's scalars computed in float64 as Python does:
//
//	p  ← p·(1 − lr·wd)
//	m  ← lerp(m, g, 1−β1)
//	v  ← v·β2 + (1−β2)·g²
//	p  ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + eps)
type AdamW struct {
	cfg   AdamWConfig
	spans []Span
	m, v  []float32
	steps int
}

// NewAdamW returns an optimiser for a parameter vector of size elements.
// Elements outside every span are never updated.
func NewAdamW(cfg AdamWConfig, size int, spans []Span) (*AdamW, error) {
	for _, s := range spans {
		if s.Offset < 0 || s.Size < 0 || s.Offset+s.Size > size {
			return nil, fmt.Errorf("optim: span [%d, %d) outside a vector of %d", s.Offset, s.Offset+s.Size, size)
		}
	}
	return &AdamW{cfg: cfg, spans: mergeSpans(spans), m: make([]float32, size), v: make([]float32, size)}, nil
}

// mergeSpans joins adjacent spans with the same decay, so Step makes few,
// long passes.
func mergeSpans(spans []Span) []Span {
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].Decay == s.Decay && out[n-1].Offset+out[n-1].Size == s.Offset {
			out[n-1].Size += s.Size
			continue
		}
		out = append(out, s)
	}
	return out
}

// Config returns the hyperparameters.
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// Steps returns how many updates have been applied (torch's state "step").
func (o *AdamW) Steps() int { return o.steps }

// Moments returns the first and second moment vectors (exp_avg,
// exp_avg_sq), aligned with the parameters; for saving and restoring state.
func (o *AdamW) Moments() (expAvg, expAvgSq []float32) { return o.m, o.v }

// SetSteps restores the step counter after the moments were loaded.
func (o *AdamW) SetSteps(n int) { o.steps = n }

// Step applies one update with learning rate lr.
func (o *AdamW) Step(params, grads []float32, lr float64) {
	o.StepScaled(params, grads, lr, 1)
}

// StepScaled is Step with every gradient multiplied by gradScale first, in
// float32, exactly as if the gradients had been scaled in place (as
// clip_grad_norm_ does); the gradients themselves are left unchanged. It
// saves a pass over the gradients when clipping.
func (o *AdamW) StepScaled(params, grads []float32, lr float64, gradScale float32) {
	o.steps++
	t := float64(o.steps)
	c := o.cfg
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	u := update{
		lrNeg:  float32(-(lr / bc1)),
		bc2:    float32(math.Sqrt(bc2)),
		eps:    float32(c.Eps),
		w1:     float32(1 - c.Beta1),
		beta2:  float32(c.Beta2),
		w2:     float32(1 - c.Beta2),
		decay:  float32(1 - lr*c.WeightDecay),
		scale:  gradScale,
		params: params, grads: grads, m: o.m, v: o.v,
	}
	for _, s := range o.spans {
		u.useDecay = s.Decay && c.WeightDecay != 0
		parallelChunks(s.Offset, s.Offset+s.Size, u.run)
	}
}

type update struct {
	lrNeg, bc2, eps, w1, beta2, w2, decay float32
	scale                                 float32 // gradient multiplier (clipping)
	useDecay                              bool
	params, grads, m, v                   []float32
}

func (u update) run(lo, hi int) {
	p := u.params[lo:hi]
	g, m, v := u.grads[lo:hi][:len(p)], u.m[lo:hi][:len(p)], u.v[lo:hi][:len(p)]
	decay := float32(1) // x·1 is exact, so one loop serves both groups
	if u.useDecay {
		decay = u.decay
	}
	for i := range p {
		gi := g[i] * u.scale        // exact when scale is 1
		mi := m[i] + u.w1*(gi-m[i]) // torch.lerp with weight < 0.5
		vi := v[i]*u.beta2 + u.w2*gi*gi
		m[i], v[i] = mi, vi
		denom := float32(math.Sqrt(float64(vi)))/u.bc2 + u.eps
		p[i] = p[i]*decay + u.lrNeg*(mi/denom) // addcdiv: value·(m/denom)
	}
}

// ClipGradNorm is torch.nn.utils.clip_grad_norm_(params, maxNorm) over the
// flat gradient vector: it returns the total L2 norm before clipping (what HF
// Trainer logs as grad_norm) and, when maxNorm > 0, scales the gradients in
// place by ClipScale(norm, maxNorm).
func ClipGradNorm(grads []float32, maxNorm float64) float64 {
	norm := GradNorm(grads)
	if f := ClipScale(norm, maxNorm); f != 1 {
		parallelChunks(0, len(grads), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				grads[i] *= f
			}
		})
	}
	return norm
}

// GradNorm returns the L2 norm of grads, summed in float64 over fixed chunks
// in a fixed order, so it does not depend on the thread count.
func GradNorm(grads []float32) float64 {
	const chunk = 1 << 16
	partial := make([]float64, (len(grads)+chunk-1)/chunk)
	parallelChunks(0, len(partial), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var s float64
			for _, g := range grads[c*chunk : min((c+1)*chunk, len(grads))] {
				s += float64(g) * float64(g)
			}
			partial[c] = s
		}
	})
	var total float64
	for _, s := range partial {
		total += s
	}
	return math.Sqrt(total)
}

// ClipScale is clip_grad_norm_'s factor: min(1, maxNorm/(norm+1e-6)) as
// float32, or 1 when maxNorm ≤ 0 (no clipping).
func ClipScale(norm, maxNorm float64) float32 {
	if maxNorm <= 0 {
		return 1
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		return float32(coef)
	}
	return 1
}

// parallelChunks runs fn over [lo, hi) cut into one contiguous piece per
// core. Callers only do element-wise work or write per-index results, so
// the split does not affect the values.
func parallelChunks(lo, hi int, fn func(lo, hi int)) {
	n := hi - lo
	parts := runtime.GOMAXPROCS(0)
	if parts > n/4096 {
		parts = max(1, n/4096)
	}
	if parts <= 1 {
		if n > 0 {
			fn(lo, hi)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(parts - 1)
	for i := 1; i < parts; i++ {
		go func(a, b int) {
			defer wg.Done()
			fn(a, b)
		}(lo+i*n/parts, lo+(i+1)*n/parts)
	}
	fn(lo, lo+n/parts)
	wg.Wait()
}
