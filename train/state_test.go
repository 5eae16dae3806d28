package train

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// A run that has scored no epoch yet (no dev, or interrupted before the
// first evaluation) saves its best metric as null and reads it back as
// -Inf; a scored one round-trips exactly.
func TestStateJSONBestMetric(t *testing.T) {
	for _, best := range []float64{math.Inf(-1), 0.4712, -0.25} {
		st := State{Epoch: 2, GlobalStep: 30, BestMetric: best, BestEpoch: 1, Steps: []StepRecord{{Step: 1, Loss: 2}},
			Epochs: []EpochRecord{{Epoch: 1, DevLoss: math.NaN(), DevPrecision: math.NaN(), DevRecall: math.NaN(), DevF1: math.NaN()}}}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if math.IsInf(best, -1) != strings.Contains(string(b), `"best_metric":null`) {
			t.Fatalf("best %v written as %s", best, b)
		}
		var back State
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.BestMetric != best || back.Epoch != 2 || back.GlobalStep != 30 || len(back.Steps) != 1 || !math.IsNaN(back.Epochs[0].DevF1) {
			t.Fatalf("%v came back as %+v", best, back)
		}
	}
}
