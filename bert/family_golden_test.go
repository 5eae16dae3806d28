package bert

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/checkpoint"
)

// familyGolden is golden.json of ../testdata/goldens/encoders/<family>/:
// float64 references for RoBERTa, XLM-R, DistilBERT and ELECTRA token
// classification (plain PyTorch following transformers v5.2.0's modeling
// files; see that folder's README).
type familyGolden struct {
	InputIDs      [][]int  `json:"input_ids"`
	AttentionMask [][]int  `json:"attention_mask"`
	TokenTypeIDs  [][]int  `json:"token_type_ids"` // null when not passed
	PositionIDs   [][]int  `json:"position_ids"`
	Labels        [][]int  `json:"labels"`
	Loss          float64  `json:"loss"`
	ParamNames    []string `json:"param_names"`
}

const encodersDir = "../testdata/goldens/encoders"

// loadFamily opens a family's tiny golden model as transformers saved it.
func loadFamily(t testing.TB, family string) *Model {
	t.Helper()
	dir := filepath.Join(encodersDir, family)
	cfg, err := checkpoint.ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	tensors, err := checkpoint.ReadSafetensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	m, rep, err := FromTensors(cfg, tensors, cfg.NumLabels(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Keys.OK() || len(rep.Initialized) > 0 || len(rep.Keys.Renamed) > 0 {
		t.Fatalf("%s: load report:\n%s", family, rep)
	}
	return m
}

// TestFamilyGoldens checks forward (every hidden state and attention),
// logits, loss and the gradient of every parameter of each family against
// the float64 references, with the tolerances of TestGoldenStep (see
// there): forward 1e-5, loss 1e-6, gradients 1e-4, all relative (norm of
// the difference over the norm of the reference).
func TestFamilyGoldens(t *testing.T) {
	for _, family := range []string{"roberta", "xlm-roberta", "distilbert", "electra"} {
		t.Run(family, func(t *testing.T) {
			var g familyGolden
			dir := filepath.Join(encodersDir, family)
			readJSON(t, filepath.Join(dir, "golden.json"), &g)
			ref, err := checkpoint.ReadSafetensorsF64(filepath.Join(dir, "golden.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			m := loadFamily(t, family)
			var names []string
			for _, p := range m.infos {
				names = append(names, p.Name)
			}
			if a, b := slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(g.ParamNames)); !slices.Equal(a, b) {
				t.Fatalf("parameter names\n%v\nwant (transformers' named_parameters)\n%v", a, b)
			}

			b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, g.Labels)
			if g.TokenTypeIDs == nil {
				b.TokenTypeIDs = nil
			}
			N := b.Size * b.Len
			loss, err := m.Forward(b, true) // dropout is 0: train equals eval
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range g.PositionIDs {
				for c, want := range row {
					if got := m.a.positions[r*b.Len+c]; int(got) != want {
						t.Fatalf("position id [%d,%d] = %d, want %d", r, c, got, want)
					}
				}
			}
			if e := math.Abs(float64(loss)-g.Loss) / g.Loss; e > tolLoss {
				t.Errorf("loss %v, want %v (rel %.2g)", loss, g.Loss, e)
			}
			check := func(name string, got []float32, tol float64) {
				t.Helper()
				want, ok := ref[name]
				if !ok {
					t.Fatalf("golden has no %s", name)
				}
				if len(got) != len(want.Data) {
					t.Fatalf("%s: %d values, golden %d", name, len(got), len(want.Data))
				}
				if e := relErr(got, want.Data); e > tol || math.IsNaN(e) {
					t.Errorf("%s: relative error %.3g > %g", name, e, tol)
				} else if testing.Verbose() {
					t.Logf("%s: relative error %.3g", name, e)
				}
			}
			for i := 0; i <= m.layers; i++ {
				check(fmt.Sprintf("hidden_states.%d", i), m.a.hiddenState(i)[:N*m.h], tolForward)
			}
			for l := 0; l < m.layers; l++ {
				check(fmt.Sprintf("attentions.%d", l), m.a.layer(l).probs[:b.Size*m.heads*b.Len*b.Len], tolForward)
			}
			check("logits", m.Logits(), tolForward)

			if err := m.Backward(0); err != nil {
				t.Fatal(err)
			}
			for _, p := range m.infos {
				got := m.grads[p.Offset : p.Offset+p.Size]
				if strings.HasSuffix(p.Name, "key.bias") || strings.HasSuffix(p.Name, "k_lin.bias") {
					// Zero in exact arithmetic (see TestGoldenStep).
					if n := norm(got); n > 1e-6 {
						t.Errorf("grad.%s: norm %.3g, want ≈ 0", p.Name, n)
					}
					continue
				}
				check("grad."+p.Name, got, tolGrad)
			}
			// Padding rows (nn.Embedding's padding_idx) get no gradient.
			e := m.shape.emb
			pad := m.g.wordEmb[m.cfg.PadTokenID*e : (m.cfg.PadTokenID+1)*e]
			if slices.ContainsFunc(pad, func(v float32) bool { return v != 0 }) {
				t.Errorf("word padding row has a gradient")
			}
			if pp := m.shape.posPad; pp >= 0 && slices.ContainsFunc(m.g.posEmb[pp*e:(pp+1)*e], func(v float32) bool { return v != 0 }) {
				t.Errorf("position padding row has a gradient")
			}
		})
	}
}

// TestFamilyTensorsRoundTrip checks that a loaded model gives back exactly
// the tensors, under exactly the names, of the family's checkpoint (what
// Save writes), and that a new head is initialised when the labels differ.
func TestFamilyTensorsRoundTrip(t *testing.T) {
	for _, family := range []string{"roberta", "xlm-roberta", "distilbert", "electra"} {
		t.Run(family, func(t *testing.T) {
			dir := filepath.Join(encodersDir, family)
			want, err := checkpoint.ReadSafetensors(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			m := loadFamily(t, family)
			got := m.Tensors()
			if len(got) != len(want) {
				t.Fatalf("%d tensors, checkpoint %d", len(got), len(want))
			}
			for name, w := range want {
				g, ok := got[name]
				if !ok || !slices.Equal(g.Shape, w.Shape) || !slices.Equal(g.Data, w.Data) {
					t.Errorf("%s differs from the checkpoint", name)
				}
			}

			cfg := *m.Config()
			m3, rep, err := FromTensors(&cfg, want, 3, 7)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Initialized, []string{"classifier.weight", "classifier.bias"}) {
				t.Errorf("initialised %v, want the classifier", rep.Initialized)
			}
			head := m3.Tensors()["classifier.weight"]
			if len(head.Data) != 3*m3.h || norm(head.Data) == 0 || norm(m3.Tensors()["classifier.bias"].Data) != 0 {
				t.Errorf("new head: weight norm %v, bias should be 0", norm(head.Data))
			}
		})
	}
}

func TestUnsupportedFamily(t *testing.T) {
	cfg := *tinyConfig(t)
	cfg.ModelType = "gpt2"
	_, err := New(&cfg, 3, 1)
	if err == nil || !strings.Contains(err.Error(), `model_type "gpt2" is not supported (supported: bert, roberta, xlm-roberta, distilbert, electra)`) {
		t.Fatalf("err = %v", err)
	}
}

// TestNewFamilyInit checks HF's _init_weights details that differ by
// family: padding rows zero (RoBERTa's position table too), DistilBERT's
// LayerNorms at 1/0 and its sinusoidal positions fixed through a step.
func TestNewFamilyInit(t *testing.T) {
	cfg, err := checkpoint.ReadConfig(filepath.Join(encodersDir, "roberta", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if norm(m.w.posEmb[cfg.PadTokenID*m.h:(cfg.PadTokenID+1)*m.h]) != 0 || norm(m.w.wordEmb[cfg.PadTokenID*m.h:(cfg.PadTokenID+1)*m.h]) != 0 {
		t.Error("RoBERTa padding rows not zero")
	}

	dcfg, err := checkpoint.ReadConfig(filepath.Join(encodersDir, "distilbert", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	dcfg.SinusoidalPositions = true
	d, err := New(dcfg, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	ln := d.Tensors()["distilbert.transformer.layer.0.sa_layer_norm.weight"].Data
	if slices.ContainsFunc(ln, func(v float32) bool { return v != 1 }) {
		t.Error("sa_layer_norm.weight not initialised to 1")
	}
	pos := d.Tensors()["distilbert.embeddings.position_embeddings.weight"].Data
	// position 1, columns 0 and 1: sin(1), cos(1)
	if pos[d.h] != float32(math.Sin(1)) || pos[d.h+1] != float32(math.Cos(1)) {
		t.Errorf("sinusoidal row 1 starts %v %v", pos[d.h], pos[d.h+1])
	}
	before := slices.Clone(pos)
	qBefore := slices.Clone(d.Tensors()["distilbert.transformer.layer.0.attention.q_lin.weight"].Data)
	var g familyGolden
	readJSON(t, filepath.Join(encodersDir, "distilbert", "golden.json"), &g)
	for i := range g.Labels {
		for j, l := range g.Labels[i] {
			if l >= 3 {
				g.Labels[i][j] = 2
			}
		}
	}
	b := makeBatch(g.InputIDs, g.AttentionMask, nil, g.Labels)
	b.TokenTypeIDs = nil
	if _, err := d.Forward(b, true); err != nil {
		t.Fatal(err)
	}
	if err := d.Backward(0); err != nil {
		t.Fatal(err)
	}
	d.Step(1e-2, 1)
	if !slices.Equal(before, d.Tensors()["distilbert.embeddings.position_embeddings.weight"].Data) {
		t.Error("sinusoidal positions changed in training")
	}
	if slices.Equal(qBefore, d.Tensors()["distilbert.transformer.layer.0.attention.q_lin.weight"].Data) {
		t.Error("no training happened")
	}
}
