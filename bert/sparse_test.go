package bert

import (
	"math"
	"slices"
	"testing"

	"github.com/nerkit/nerkit/optim"
)

// TestSparseStepMatchesDense: Model.Step, which updates only the word-embedding
// rows batches have used, gives the parameters and grad norm of a dense
// AdamW over the whole vector bit for bit, with weight decay and clipping,
// over batches with different tokens and with two micro-batches per step.
func TestSparseStepMatchesDense(t *testing.T) {
	m, err := New(dropoutConfig(t), 9, 7)
	if err != nil {
		t.Fatal(err)
	}
	cfg := optim.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	m.SetOptimizer(cfg)
	spans := make([]optim.Span, len(m.infos))
	for i, p := range m.infos {
		spans[i] = optim.Span{Offset: p.Offset, Size: p.Size, Decay: optim.HFDecays(p.Name)}
	}
	dense, err := optim.NewAdamW(cfg, len(m.params), spans)
	if err != nil {
		t.Fatal(err)
	}
	ref := slices.Clone(m.params)
	for s := 0; s < 4; s++ {
		m.ZeroGrad()
		micro := 1 + s%2
		for k := 0; k < micro; k++ {
			if _, err := m.Forward(run20Batch(t, 2*s+k), true); err != nil {
				t.Fatal(err)
			}
			if err := m.Backward(0); err != nil {
				t.Fatal(err)
			}
		}
		wantNorm := optim.GradNorm(m.grads)
		dense.StepScaled(ref, m.grads, 1e-3, optim.ClipScale(wantNorm, 0.5))
		if got := m.Step(1e-3, 0.5); math.Float64bits(got) != math.Float64bits(wantNorm) {
			t.Fatalf("step %d: grad norm %v, dense %v", s, got, wantNorm)
		}
		if s%2 == 1 { // otherwise unused rows keep their decay deferred into the next forwards
			params := m.Params()
			for i := range ref {
				if math.Float32bits(ref[i]) != math.Float32bits(params[i]) {
					t.Fatalf("step %d: parameter %d is %v, dense AdamW %v", s, i, params[i], ref[i])
				}
			}
		}
	}
	// A forward with decay still deferred (it brings its rows up to date)
	// gives the logits of a forward over the flushed parameters.
	m.ZeroGrad()
	m.Forward(run20Batch(t, 0), true)
	m.Backward(0)
	m.Step(1e-3, 0.5)
	b := run20Batch(t, 5)
	if _, err := m.Forward(b, false); err != nil {
		t.Fatal(err)
	}
	deferred := slices.Clone(m.Logits())
	m.Params()
	m.Forward(b, false)
	for i, v := range m.Logits() {
		if math.Float32bits(v) != math.Float32bits(deferred[i]) {
			t.Fatalf("logit %d: %v with deferred decay, %v flushed", i, deferred[i], v)
		}
	}
}
