package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestLinearWarmupGolden: HF's get_linear_schedule_with_warmup(4, 20) learning
// rates from the golden run, compared bit for bit.
func TestLinearWarmupGolden(t *testing.T) {
	data, err := os.ReadFile("../testdata/goldens/tiny-bert/golden_run20.json")
	if err != nil {
		t.Fatal(err)
	}
	var run struct {
		Steps []struct {
			LR float64 `json:"lr"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(data, &run); err != nil {
		t.Fatal(err)
	}
	s := LinearWarmup{Warmup: 4, Total: 20}
	for i, st := range run.Steps {
		if got := LR(5e-4, s, i); got != st.LR {
			t.Errorf("step %d: lr %v, want %v", i, got, st.LR)
		}
	}
	if got := LR(5e-4, s, 25); got != 0 {
		t.Errorf("after the end: %v, want 0", got)
	}
}

func TestSchedules(t *testing.T) {
	cases := []struct {
		s    Schedule
		step int
		want float64
	}{
		{Constant{}, 0, 1},
		{Constant{}, 1000, 1},
		{ConstantWarmup{4}, 0, 0},
		{ConstantWarmup{4}, 1, 0.25},
		{ConstantWarmup{4}, 4, 1},
		{ConstantWarmup{0}, 0, 1},
		{LinearWarmup{0, 10}, 0, 1},
		{LinearWarmup{0, 10}, 5, 0.5},
		{CosineWarmup{2, 10, 0.5}, 1, 0.5},
		{CosineWarmup{2, 10, 0.5}, 6, 0.5 * (1 + math.Cos(math.Pi*0.5*2*0.5))},
		{CosineWarmup{2, 10, 0.5}, 10, 0},
	}
	for _, c := range cases {
		if got := c.s.Factor(c.step); got != c.want {
			t.Errorf("%T%v step %d: %v, want %v", c.s, c.s, c.step, got, c.want)
		}
	}
	if _, err := ParseSchedule("polynomial", 0, 10); err == nil {
		t.Error("unknown schedule accepted")
	}
	if s, err := ParseSchedule("linear", 3, 9); err != nil || s != (LinearWarmup{3, 9}) {
		t.Errorf("linear: %v %v", s, err)
	}
}

// TestAdamWSteps follows one element through three steps against the
// formula of torch.optim.AdamW evaluated in float64.
func TestAdamWSteps(t *testing.T) {
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}
	params := []float32{0.5, 0.5}
	opt, err := NewAdamW(cfg, 2, []Span{{0, 1, true}, {1, 1, false}})
	if err != nil {
		t.Fatal(err)
	}
	grads := [][]float32{{0.3, 0.3}, {-0.2, -0.2}, {0.05, 0.05}}
	p := [2]float64{0.5, 0.5}
	var m, v [2]float64
	lr := 0.01
	for s, g := range grads {
		opt.Step(params, g, lr)
		for i := range 2 {
			wd := 0.0
			if i == 0 {
				wd = cfg.WeightDecay
			}
			gi := float64(g[i])
			p[i] *= 1 - lr*wd
			m[i] = 0.9*m[i] + 0.1*gi
			v[i] = 0.999*v[i] + 0.001*gi*gi
			bc1, bc2 := 1-math.Pow(0.9, float64(s+1)), 1-math.Pow(0.999, float64(s+1))
			p[i] -= lr / bc1 * m[i] / (math.Sqrt(v[i])/math.Sqrt(bc2) + 1e-8)
			if e := math.Abs(float64(params[i])-p[i]) / math.Abs(p[i]); e > 1e-6 {
				t.Errorf("step %d elem %d: %v, want %v", s, i, params[i], p[i])
			}
		}
	}
	if params[0] == params[1] {
		t.Error("weight decay not applied to the decay span only")
	}
	if opt.Steps() != 3 {
		t.Errorf("steps %d", opt.Steps())
	}
	if _, err := NewAdamW(cfg, 2, []Span{{1, 2, true}}); err == nil {
		t.Error("span past the end accepted")
	}
}

func TestClipGradNorm(t *testing.T) {
	g := []float32{3, 4}
	if n := ClipGradNorm(g, 10); n != 5 || g[0] != 3 || g[1] != 4 {
		t.Errorf("below max: norm %v, grads %v", n, g)
	}
	if n := ClipGradNorm(g, 1); n != 5 {
		t.Errorf("norm %v", n)
	}
	coef := float32(1 / (5 + 1e-6))
	if g[0] != 3*coef || g[1] != 4*coef {
		t.Errorf("clipped grads %v", g)
	}
	// StepScaled equals clipping first, bit for bit.
	params1, params2 := []float32{0.1, -0.2, 0.3}, []float32{0.1, -0.2, 0.3}
	g1, g2 := []float32{3, -4, 12}, []float32{3, -4, 12}
	o1, _ := NewAdamW(DefaultAdamW(), 3, []Span{{0, 3, true}})
	o2, _ := NewAdamW(DefaultAdamW(), 3, []Span{{0, 3, true}})
	ClipGradNorm(g1, 1)
	o1.Step(params1, g1, 0.01)
	o2.StepScaled(params2, g2, 0.01, ClipScale(GradNorm(g2), 1))
	for i := range params1 {
		if params1[i] != params2[i] {
			t.Errorf("StepScaled %v, clip then Step %v", params2, params1)
		}
	}
	big := make([]float32, 300000)
	for i := range big {
		big[i] = 1
	}
	if n := ClipGradNorm(big, 0); math.Abs(n-math.Sqrt(300000)) > 1e-9 {
		t.Errorf("large norm %v", n)
	}
}

func TestHFDecays(t *testing.T) {
	for name, want := range map[string]bool{
		"bert.encoder.layer.0.attention.self.query.weight": true,
		"bert.encoder.layer.0.attention.self.query.bias":   false,
		"bert.embeddings.LayerNorm.weight":                 false,
		"bert.embeddings.word_embeddings.weight":           true,
		"classifier.bias":                                  false,
	} {
		if HFDecays(name) != want {
			t.Errorf("%s: decay %v", name, !want)
		}
	}
}
