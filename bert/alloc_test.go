package bert

import (
	"runtime/debug"
	"testing"

	"github.com/nerkit/nerkit/optim"
)

// TestSteadyStateAllocations: once the arena fits the batch size and the
// optimizer exists, a training step (forward, backward, clipping, AdamW) and
// an inference forward allocate nothing. (optim's TestStepAllocations covers
// the optimizer's parallel passes, which this tiny model is too small for.)
func TestSteadyStateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m, err := New(dropoutConfig(t), 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	m.SetOptimizer(optim.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	b := run20Batch(t, 0)
	step := func() {
		m.ZeroGrad()
		if _, err := m.Forward(b, true); err != nil {
			t.Fatal(err)
		}
		if err := m.Backward(0); err != nil {
			t.Fatal(err)
		}
		m.Step(1e-3, 1)
		if _, err := m.Forward(b, false); err != nil {
			t.Fatal(err)
		}
	}
	step()
	// No collection during the count: a GC empties the sync.Pool where
	// kernels keeps its GEMM packing buffers, and re-making them is not a
	// per-step allocation.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if n := testing.AllocsPerRun(5, step); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}
