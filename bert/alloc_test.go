package bert

import "testing"

// TestSteadyStateAllocations: once the arena fits the batch size and the
// optimiser exists, a training step (forward, backward, clipping, AdamW) and
// an inference forward allocate nothing.
func TestSteadyStateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m, err := New(dropoutConfig(t), 9, 1)
	if err != nil {
		t.Fatal(err)
	}
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
	if n := testing.AllocsPerRun(5, step); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}
