package bert

import (
	"math"
	"slices"
	"testing"

	"github.com/nerkit/nerkit/dataset"
)

// BackwardFrom with the cross-entropy's own gradient of the logits gives
// Backward's parameter gradients: the stages below the loss are shared.
// The gradient here is recomputed from the logits in float64, so it may
// differ from the engine's float32 softmax in the last bit; 1e-5 relative
// covers that rounding through two layers.
func TestBackwardFromMatchesBackward(t *testing.T) {
	ig := dataset.IgnoreLabel
	b := makeBatch([][]int{{2, 5, 7, 9, 3}, {2, 6, 8, 3, 0}}, [][]int{{1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}}, nil,
		[][]int{{ig, 1, 2, 0, ig}, {ig, 0, 1, ig, ig}})
	m := loadTiny(t)
	m.ZeroGrad()
	if _, err := m.Forward(b, true); err != nil {
		t.Fatal(err)
	}
	if err := m.Backward(0); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(m.Grads())

	m2 := loadTiny(t)
	m2.ZeroGrad()
	if _, err := m2.Forward(b, true); err != nil {
		t.Fatal(err)
	}
	logits, c := m2.Logits(), m2.NumLabels()
	d := make([]float32, len(logits))
	n := float64(LabelledTokens(b))
	for r, label := range b.Labels {
		if label == dataset.IgnoreLabel {
			continue
		}
		row := logits[r*c : (r+1)*c]
		mx := slices.Max(row)
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - mx))
		}
		for j, v := range row {
			d[r*c+j] = float32(math.Exp(float64(v-mx)) / s / n)
		}
		d[r*c+int(label)] -= float32(1 / n)
	}
	if err := m2.BackwardFrom(d); err != nil {
		t.Fatal(err)
	}
	got := m2.Grads()
	var diff, size float64
	for i := range want {
		diff = max(diff, math.Abs(float64(got[i]-want[i])))
		size = max(size, math.Abs(float64(want[i])))
	}
	if diff > 1e-5*size {
		t.Fatalf("largest gradient difference %g (largest gradient %g)", diff, size)
	}
	if err := m2.BackwardFrom(d); err == nil {
		t.Fatal("a second BackwardFrom without a Forward was accepted")
	}
}
