package bert

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/kernels"
	"github.com/nerkit/nerkit/parallel"
)

// Tolerances of the reduced-precision paths against the float64 goldens of
// tiny-bert (2 layers). The kernels run on whatever this CPU has (AMX,
// AVX512_BF16, or the float32 fallback on the same rounded operands: all
// give these bounds), and kernels' own tests check each path against a
// reference that rounds the same way and sums in float64.
//   - bf16 forward 1e-2: every product's operands carry a relative rounding
//     error of up to 2⁻⁹ ≈ 2e-3; the residual branches and LayerNorms damp
//     it in the hidden states (measured 4e-5…7e-5) and the logits, one
//     product with no residual, show it whole (measured 2e-3). 1e-2 leaves
//     5× and still fails a product in a wrong layout (off by O(1)).
//   - bf16 gradients 2e-2: the backward pass runs twice the products, and
//     small tensors (biases, LayerNorm weights) amplify their relative error
//     (measured up to 4e-3).
//   - int8 forward 5e-2: weights on 255 levels per channel and activations
//     on 256 per token add up to ~1/255 per operand, and the attention
//     probabilities of the first layer, sharpened by softmax, show it most
//     (measured 1.6e-2; logits 5.5e-3).
//
// Each path must also differ from float32 (logits error above
// minLowPrecErr, where float32 stays below 1e-5), so a silent fallback to
// float32 products cannot pass.
const (
	tolBF16Forward = 1e-2
	tolBF16Grad    = 2e-2
	tolInt8Forward = 5e-2
	minLowPrecErr  = 1e-4
)

// goldenForwardCheck runs the golden batch through m (precision already
// set) and checks the hidden states, attentions and logits within tol.
func goldenForwardCheck(t *testing.T, m *Model, tol float64) (*goldenStep, map[string]checkpoint.Tensor64) {
	t.Helper()
	var g goldenStep
	readJSON(t, filepath.Join(tinyDir, "golden_step.json"), &g)
	ref, err := checkpoint.ReadSafetensorsF64(filepath.Join(tinyDir, "golden_step.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, g.Labels)
	N := b.Size * b.Len
	train := m.Precision() != Int8
	loss, err := m.Forward(b, train)
	if err != nil {
		t.Fatal(err)
	}
	if e := math.Abs(float64(loss)-g.Loss) / g.Loss; e > tol {
		t.Errorf("loss %v, want %v (rel %.2g > %g)", loss, g.Loss, e, tol)
	}
	check := func(name string, got []float32) {
		t.Helper()
		if e := relErr(got, ref[name].Data); e > tol || math.IsNaN(e) {
			t.Errorf("%s %s: relative error %.3g > %g", m.Precision(), name, e, tol)
		} else if testing.Verbose() {
			t.Logf("%s %s: relative error %.3g", m.Precision(), name, e)
		}
	}
	for i := 1; i <= m.layers; i++ {
		check(fmt.Sprintf("hidden_states.%d", i), m.a.hiddenState(i)[:N*m.h])
	}
	for l := 0; l < m.layers; l++ {
		check(fmt.Sprintf("attentions.%d", l), m.a.layer(l).probs[:b.Size*m.heads*b.Len*b.Len])
	}
	check("logits", m.Logits())
	if e := relErr(m.Logits(), ref["logits"].Data); e < minLowPrecErr {
		t.Errorf("%s logits: relative error %.3g, as small as float32's: the products did not run in %s", m.Precision(), e, m.Precision())
	}
	return &g, ref
}

func withPrecision(t *testing.T, p Precision) *Model {
	t.Helper()
	m := loadTiny(t)
	if err := m.SetPrecision(p); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBF16GoldenForwardAndGradients(t *testing.T) {
	t.Logf("bf16 kernel: %s", kernelNames())
	m := withPrecision(t, BF16)
	_, ref := goldenForwardCheck(t, m, tolBF16Forward)
	if err := m.Backward(0); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.infos {
		got := m.grads[p.Offset : p.Offset+p.Size]
		if strings.HasSuffix(p.Name, "key.bias") {
			continue // zero in exact arithmetic (see TestGoldenStep)
		}
		if e := relErr(got, ref["grad."+p.Name].Data); e > tolBF16Grad || math.IsNaN(e) {
			t.Errorf("bf16 grad.%s: relative error %.3g > %g", p.Name, e, tolBF16Grad)
		} else if testing.Verbose() {
			t.Logf("bf16 grad.%s: relative error %.3g", p.Name, e)
		}
	}
}

func kernelNames() string { return BF16.Kernel() + ", int8: " + Int8.Kernel() }

func TestInt8GoldenForward(t *testing.T) {
	m := withPrecision(t, Int8)
	goldenForwardCheck(t, m, tolInt8Forward)
	if m.grads != nil {
		t.Error("inference allocated the gradients")
	}
}

// TestLowPrecisionThreadIndependent: the same bits on 1 and 3 threads, for
// the bf16 forward and gradients and the int8 forward.
func TestLowPrecisionThreadIndependent(t *testing.T) {
	defer parallel.SetThreads(parallel.Threads())
	var g goldenStep
	readJSON(t, filepath.Join(tinyDir, "golden_step.json"), &g)
	b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, g.Labels)
	run := func(p Precision, threads int) (logits, grads []float32) {
		parallel.SetThreads(threads)
		m := withPrecision(t, p)
		train := p != Int8
		if _, err := m.Forward(b, train); err != nil {
			t.Fatal(err)
		}
		logits = slices.Clone(m.Logits())
		if train {
			if err := m.Backward(0); err != nil {
				t.Fatal(err)
			}
			grads = slices.Clone(m.Grads())
		}
		return logits, grads
	}
	for _, p := range []Precision{BF16, Int8} {
		l1, g1 := run(p, 1)
		l3, g3 := run(p, 3)
		if !slices.Equal(l1, l3) {
			t.Errorf("%s: logits differ between 1 and 3 threads", p)
		}
		if !slices.Equal(g1, g3) {
			t.Errorf("%s: gradients differ between 1 and 3 threads", p)
		}
	}
}

// TestPrecisionStepRepacks: after a Step the bf16 forward sees the new
// weights (the converted copy is refreshed), and inference copies share
// the model's precision.
func TestPrecisionStepRepacks(t *testing.T) {
	var g goldenStep
	readJSON(t, filepath.Join(tinyDir, "golden_step.json"), &g)
	b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, g.Labels)
	m := withPrecision(t, BF16)
	loss1, err := m.Forward(b, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Backward(0); err != nil {
		t.Fatal(err)
	}
	m.Step(1e-3, 1)
	m.ZeroGrad()
	loss2, err := m.Forward(b, true)
	if err != nil {
		t.Fatal(err)
	}
	// the golden's second loss, after the same AdamW step, in bf16 tolerance
	if e := math.Abs(float64(loss2)-g.Loss2) / g.Loss2; e > tolBF16Forward || loss2 >= loss1 {
		t.Errorf("loss after a bf16 step %v (before %v), golden %v", loss2, loss1, g.Loss2)
	}
	c := m.InferenceCopy()
	if c.Precision() != BF16 {
		t.Errorf("copy precision %v", c.Precision())
	}
	if err := c.SetPrecision(FP32); err == nil {
		t.Error("SetPrecision on an InferenceCopy succeeded")
	}
	if _, err := c.Forward(b, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(b, false); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Logits(), m.Logits()) {
		t.Error("inference copy's bf16 logits differ from its model's")
	}
}

func TestInt8CannotTrain(t *testing.T) {
	var g goldenStep
	readJSON(t, filepath.Join(tinyDir, "golden_step.json"), &g)
	m := withPrecision(t, Int8)
	if _, err := m.Forward(makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, g.Labels), true); err == nil || !strings.Contains(err.Error(), "int8") {
		t.Errorf("int8 training forward: err %v", err)
	}
}

func TestParsePrecision(t *testing.T) {
	for _, p := range []Precision{FP32, BF16, Int8} {
		q, err := ParsePrecision(p.String())
		if err != nil || q != p {
			t.Errorf("ParsePrecision(%q) = %v, %v", p.String(), q, err)
		}
	}
	if _, err := ParsePrecision("fp16"); err == nil {
		t.Error("fp16 accepted")
	}
}

// Inference copies of a bf16 or int8 model run concurrently over the shared
// converted weights (the race detector checks they only read them) and give
// their model's logits.
func TestLowPrecisionCopiesConcurrent(t *testing.T) {
	var g goldenStep
	readJSON(t, filepath.Join(tinyDir, "golden_step.json"), &g)
	b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, nil)
	for _, p := range []Precision{BF16, Int8} {
		m := withPrecision(t, p)
		if _, err := m.Forward(b, false); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(m.Logits())
		copies := []*Model{m.InferenceCopy(), m.InferenceCopy(), m.InferenceCopy()}
		errs := make(chan error, len(copies))
		for _, c := range copies {
			go func() {
				_, err := c.Forward(b, false)
				if err == nil && !slices.Equal(c.Logits(), want) {
					err = fmt.Errorf("%s: a copy's logits differ from its model's", p)
				}
				errs <- err
			}()
		}
		for range copies {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}

// TestEmulationWarning checks that a precision without its instructions on
// this machine says so, and that fp32 or a precision with its own
// instructions does not.
func TestEmulationWarning(t *testing.T) {
	if FP32.Emulated() || FP32.EmulationWarning() != "" {
		t.Fatal("fp32 reported as emulated")
	}
	for _, p := range []Precision{BF16, Int8} {
		emulated := strings.HasPrefix(p.Kernel(), "fp32/")
		if p.Emulated() != emulated {
			t.Errorf("%s: Emulated() = %v with kernel %q", p, p.Emulated(), p.Kernel())
		}
		if w := p.EmulationWarning(); (w != "") != emulated || (emulated && !strings.Contains(w, p.Kernel())) {
			t.Errorf("%s (kernel %q): warning %q", p, p.Kernel(), w)
		}
	}
}

// TestBF16SavedActivations: bf16 training that saves context and the FFN
// activation as their bf16 conversion (savesPackedX) gives the same bits as
// saving them in float32, and a model switched back to fp32 afterwards gets
// per-layer float32 buffers again (its gradients equal a fresh fp32 model's).
func TestBF16SavedActivations(t *testing.T) {
	if !kernels.PackBF16Copies() {
		t.Skipf("the bf16 products run on the float32 fallback (%s), which keeps float32 activations", BF16.Kernel())
	}
	defer func(v bool) { keepFloat32X = v }(keepFloat32X)
	var g goldenStep
	readJSON(t, filepath.Join(tinyDir, "golden_step.json"), &g)
	b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, g.Labels)
	step := func(m *Model) []float32 {
		t.Helper()
		if _, err := m.Forward(b, true); err != nil {
			t.Fatal(err)
		}
		if err := m.Backward(0); err != nil {
			t.Fatal(err)
		}
		grads := slices.Clone(m.Grads())
		m.ZeroGrad()
		return grads
	}
	keepFloat32X = true
	want := step(withPrecision(t, BF16))
	keepFloat32X = false
	m := withPrecision(t, BF16)
	got := step(m)
	if !m.a.packedX {
		t.Fatal("bf16 training did not save its activations converted")
	}
	if !slices.Equal(got, want) {
		t.Error("bf16 gradients with activations saved converted differ from saving them in float32")
	}
	if err := m.SetPrecision(FP32); err != nil {
		t.Fatal(err)
	}
	got = step(m)
	if m.a.packedX {
		t.Error("fp32 training kept the shared activation buffers")
	}
	if want := step(loadTiny(t)); !slices.Equal(got, want) {
		t.Error("fp32 gradients after bf16 training differ from a fresh fp32 model's")
	}
}
