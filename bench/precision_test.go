package bench

import (
	"strings"
	"testing"

	"github.com/nerkit/nerkit/bert"
)

// Each precision's rows run the real steps and name their precision and the
// instructions they ran, with a share of those instructions' peak.
func TestPrecisionMeasurementsRun(t *testing.T) {
	s := Shape{Batch: 2, Seq: 8, InferBatch: 2, Layers: 1, Hidden: 16, Heads: 2, FF: 32, Vocab: 1100, Labels: 3, Threads: 1, Warmup: 1, Steps: 2}
	check := func(r Result, err error, p bert.Precision) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if r.Precision != p.String() || r.KernelSelected == "" || !strings.Contains(r.Engine, p.String()) || r.GFLOPPerS <= 0 {
			t.Errorf("%s %s: %+v", p, r.What, r)
		}
		if peak, _ := PeakFor(p, s.Threads); peak > 0 && r.PercentPeak <= 0 {
			t.Errorf("%s %s: no share of the %v GFLOP/s peak", p, r.What, peak)
		}
	}
	for _, p := range []bert.Precision{bert.FP32, bert.BF16} {
		r, err := TrainStepAt(s, p)
		check(r, err, p)
	}
	for _, p := range []bert.Precision{bert.FP32, bert.BF16, bert.Int8} {
		r, err := InferenceAt(s, p)
		check(r, err, p)
	}
	if _, err := TrainStepAt(s, bert.Int8); err == nil {
		t.Error("an int8 training step ran")
	}
}
