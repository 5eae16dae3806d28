package bert

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/optim"
)

type goldenRun struct {
	Steps []struct {
		InputIDs      [][]int `json:"input_ids"`
		AttentionMask [][]int `json:"attention_mask"`
		Labels        [][]int `json:"labels"`
		LR            float64 `json:"lr"`
		Loss          float64 `json:"loss"`
		GradNorm      float64 `json:"grad_norm_before_clip"`
	} `json:"steps"`
}

// TestGoldenRun20 replays HF's 20-step run: AdamW(lr 5e-4, wd 0.01 with HF's
// groups), clip 1.0, get_linear_schedule_with_warmup(4, 20). The learning
// rates must be bit-identical (same float64 arithmetic as LambdaLR); losses
// and norms drift only by float32 rounding versus the float64 reference.
func TestGoldenRun20(t *testing.T) {
	var run goldenRun
	readJSON(t, filepath.Join(tinyDir, "golden_run20.json"), &run)
	final, err := checkpoint.ReadSafetensorsF64(filepath.Join(tinyDir, "golden_run20_final.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Steps) != 20 {
		t.Fatalf("golden has %d steps", len(run.Steps))
	}
	m := loadTiny(t)
	m.SetOptimizer(optim.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	sched := optim.LinearWarmup{Warmup: 4, Total: 20}
	for s, st := range run.Steps {
		lr := optim.LR(5e-4, sched, s)
		if lr != st.LR {
			t.Errorf("step %d: lr %v, want exactly %v", s, lr, st.LR)
		}
		b := makeBatch(st.InputIDs, st.AttentionMask, nil, st.Labels)
		m.ZeroGrad()
		loss, err := m.Forward(b, true)
		if err != nil {
			t.Fatal(err)
		}
		if e := math.Abs(float64(loss)-st.Loss) / st.Loss; e > 1e-5 {
			t.Errorf("step %d: loss %v, want %v (rel %.2g)", s, loss, st.Loss, e)
		}
		if err := m.Backward(0); err != nil {
			t.Fatal(err)
		}
		norm := m.Step(lr, 1.0)
		if e := math.Abs(norm-st.GradNorm) / st.GradNorm; e > 1e-4 {
			t.Errorf("step %d: grad norm %v, want %v (rel %.2g)", s, norm, st.GradNorm, e)
		}
	}
	for _, p := range m.infos {
		want, ok := final[p.Name]
		if !ok {
			t.Fatalf("final checkpoint lacks %s", p.Name)
		}
		if e := relErr(m.Params()[p.Offset:p.Offset+p.Size], want.Data); e > tolParam {
			t.Errorf("final %s: relative error %.3g > %g", p.Name, e, tolParam)
		} else if testing.Verbose() {
			t.Logf("final %s: relative error %.3g", p.Name, e)
		}
	}
}
